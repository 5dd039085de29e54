"""``negsim app``: serve the scenario explorer (a Solara page) on this machine.

Everything that can be refused is checked before anything starts: the scenario is validated, the
port is bound (the bound socket is the one the server then listens on, so no other program can
take the port in between), and Solara must be installed. Solara is imported here only, never when
``sim`` is imported.
"""

from __future__ import annotations

import errno
import os
import secrets
import socket
import sys
import warnings
from pathlib import Path

from sim.app import ENV_RUNS, ENV_SCENARIO, ENV_SEED
from sim.errors import InputError, one_line

__all__ = ["GRACEFUL_SHUTDOWN", "PAGE", "bind", "serve"]

PAGE = "sim.app.page"
"""The module defining Solara's ``page`` that the server serves (tests point it at a stand-in)."""

GRACEFUL_SHUTDOWN = 3.0
"""Seconds Ctrl-C waits for open browser tabs to disconnect before the server stops anyway."""

INSTALL_HINT = "pip install -e '.[viz]'"


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port``, or an :class:`InputError` saying why not (in use, unknown host)."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
    except (socket.gaierror, UnicodeError, ValueError) as error:
        raise InputError("--host", [f"cannot listen on {host!r}: {getattr(error, 'strerror', None) or error}"]) from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does: a port in TIME_WAIT is free
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            raise InputError("--port", [f"{port} is in use on {host} (another negsim app?); choose another "
                                        f"with --port"]) from None
        if isinstance(error, PermissionError):
            raise InputError("--port", [f"{port} on {host}: permission denied (ports below 1024 need privileges); "
                                        f"choose another with --port"]) from None
        raise InputError("--host", [f"cannot listen on {host}:{port}: {error.strerror or error}"]) from None
    sock.set_inheritable(True)
    return sock


def serve(scenario_path: str, host: str = "127.0.0.1", port: int = 8765, runs: int = 1000,
          seed: int | None = None) -> int:
    """Serve the explorer of ``scenario_path`` at ``http://host:port/`` until Ctrl-C; returns the exit status.

    Raises :class:`InputError` (nothing started) for an invalid scenario, a port in use, an unknown
    host or Solara missing.
    """
    from sim.scenario import load_scenario

    load_scenario(scenario_path)  # every problem of the file, before anything starts
    try:
        import solara  # noqa: F401
        import uvicorn
    except ImportError:
        raise InputError("negsim app", [f"the web app needs Solara, which is not installed: {INSTALL_HINT}"]) from None
    sock = bind(host, port)
    os.environ[ENV_SCENARIO] = str(Path(scenario_path).absolute())  # what the page reads (sim.app)
    os.environ[ENV_RUNS] = str(runs)
    if seed is None:
        os.environ.pop(ENV_SEED, None)
    else:
        os.environ[ENV_SEED] = str(seed)
    # As `solara run --production` does: the app module, the address (CGI variables), production mode
    # (no hot reload). Nothing is sent anywhere: Solara's usage telemetry is off unless asked for.
    os.environ["SOLARA_APP"] = PAGE
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    os.environ["SOLARA_MODE"] = "production"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")
    os.environ.setdefault("SOLARA_SESSION_SECRET_KEY", secrets.token_hex(32))  # not Solara's shared default
    # Solara explains at every page load that a cookie for an embedding iframe needs https: not this app's case.
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https", category=UserWarning)
    from solara.server import settings

    settings.main.mode = "production"
    settings.theme.show_banner = False  # Solara's corner banner covered the results' last rows
    settings.theme.title = "negsim app"
    everywhere = host in ("0.0.0.0", "::", "")  # every address of this machine: this machine's is one of them
    shown = "127.0.0.1" if everywhere else f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{port}/"
    note = (f"negsim app: listening on every address of this machine ({host or '0.0.0.0'}): other machines can "
            f"connect, with no login") if everywhere else None

    class Server(uvicorn.Server):
        async def startup(self, sockets=None):
            await super().startup(sockets=sockets)
            if self.started:
                print(f"negsim app: {url}  (Ctrl-C to stop)", flush=True)
                if note:
                    print(note, flush=True)

    config = uvicorn.Config("solara.server.starlette:app", host=host, port=port, reload=False, access_log=False,
                            log_config=None, log_level="warning", timeout_graceful_shutdown=GRACEFUL_SHUTDOWN)
    try:
        config.load()  # imports Solara's server and the page: a page that fails to load is said in one line
    except Exception as error:  # noqa: BLE001 - whatever the page raises, nothing has started
        sock.close()
        print(one_line(f"error: negsim app: the page ({PAGE}) could not be loaded: {type(error).__name__}: {error}"),
              file=sys.stderr)
        return 1
    server = Server(config)
    interrupted = False
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn hands Ctrl-C back once it has shut down
        interrupted = True
    finally:
        sock.close()
    if not server.started and interrupted:
        return 130
    if not server.started:
        print("error: negsim app: the server did not start (see the messages above)", file=sys.stderr)
        return 1
    print("negsim app: stopped", flush=True)
    return 0
