"""The compiled kernels' cache is dropped when any compiled module's source changes."""

from __future__ import annotations

from sim.kernel.compiled_cache import MARKER, fingerprint, refresh


def make_package(root):
    (root / "a.py").write_text("import numba\n")
    (root / "b.py").write_text("x = 1\n")
    cache = root / "__pycache__"
    cache.mkdir()
    (cache / "a.f-1.py312.nbi").write_bytes(b"index")
    (cache / "a.f-1.py312.1.nbc").write_bytes(b"code")
    return cache


def test_a_change_in_any_compiled_module_drops_every_cached_kernel(tmp_path):
    cache = make_package(tmp_path)
    assert refresh(tmp_path) is True  # no fingerprint yet: nothing cached can be trusted
    assert not list(cache.glob("*.nb?")) and (cache / MARKER).read_text().strip() == fingerprint(tmp_path)
    (cache / "a.f-1.py312.nbi").write_bytes(b"index")
    assert refresh(tmp_path) is False and (cache / "a.f-1.py312.nbi").exists()  # unchanged: kept
    (tmp_path / "b.py").write_text("x = 2\n")  # not compiled: no effect
    assert refresh(tmp_path) is False
    (tmp_path / "a.py").write_text("import numba\n# edited\n")
    assert refresh(tmp_path) is True and not (cache / "a.f-1.py312.nbi").exists()


def test_an_unwritable_package_is_left_alone(tmp_path, monkeypatch):
    make_package(tmp_path)
    from pathlib import Path

    def refuse(*args, **kwargs):
        raise PermissionError("read-only")

    monkeypatch.setattr(Path, "unlink", refuse)
    assert refresh(tmp_path) is False
    assert (tmp_path / "__pycache__" / "a.f-1.py312.nbi").exists()  # left as it was


def test_a_cache_moved_elsewhere_is_left_to_its_owner(tmp_path, monkeypatch):
    cache = make_package(tmp_path)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    assert refresh(tmp_path) is False and (cache / "a.f-1.py312.nbi").exists() and not (cache / MARKER).exists()


def test_only_modules_importing_numba_count():
    from sim.kernel.compiled_cache import PACKAGE

    before = fingerprint(PACKAGE)
    assert before == fingerprint(PACKAGE)
    assert b"import numba" not in (PACKAGE / "cli" / "__init__.py").read_bytes()  # mentions numba, not compiled


def test_a_first_run_says_it_is_compiling_the_kernels_on_a_terminal(monkeypatch, capsys, tmp_path):
    import sim.kernel.compiled_cache as compiled_cache
    from sim.cli import main
    from tests.conftest import SCENARIOS

    monkeypatch.setattr(compiled_cache, "kernels_cached", lambda package=None: False)
    monkeypatch.setattr("sys.stderr.isatty", lambda: True)
    assert main(["run", str(SCENARIOS / "minimal.toml"), "--json"]) == 0
    assert "compiling the simulation kernels" in capsys.readouterr().err
    monkeypatch.setattr("sys.stderr.isatty", lambda: False)  # piped or captured: nothing said
    assert main(["run", str(SCENARIOS / "minimal.toml"), "--json"]) == 0
    assert "compiling" not in capsys.readouterr().err


def test_kernels_cached_looks_for_numba_s_index_files(tmp_path, monkeypatch):
    from sim.kernel.compiled_cache import kernels_cached

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    assert not kernels_cached(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "utility.distance_row-1.py312.nbi").write_bytes(b"")
    assert kernels_cached(tmp_path)
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path / "elsewhere"))
    (tmp_path / "elsewhere").mkdir()
    assert not kernels_cached(tmp_path)


def test_an_installed_copy_looks_in_numba_s_per_user_cache(tmp_path, monkeypatch):
    """A package folder numba cannot write (an installed copy) has its kernels cached per user."""
    from sim.kernel.compiled_cache import kernels_cached

    monkeypatch.delenv("NUMBA_CACHE_DIR", raising=False)
    monkeypatch.setattr("os.access", lambda path, mode: False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert not kernels_cached(tmp_path / "package")
    (tmp_path / "cache" / "numba" / "sim_ab12").mkdir(parents=True)
    (tmp_path / "cache" / "numba" / "sim_ab12" / "utility.distance_row-1.py312.nbi").write_bytes(b"")
    assert kernels_cached(tmp_path / "package")
