"""Errors a user can act on: each names the file and the field or line at fault."""

from __future__ import annotations

__all__ = ["InputError", "one_line"]


def one_line(text: str) -> str:
    """A message as one printable line: newlines and other control characters that a file's texts
    may hold are written as escapes (``\\n``), so each problem stays one line on stderr."""
    return "".join(char if char.isprintable() else repr(char)[1:-1] for char in text)


class InputError(Exception):
    """Bad input: one or more problems, each a line saying where and what.

    Parameters
    ----------
    source : str
        The file (or other input) the problems are in.
    problems : list of str
        One message per problem, e.g. ``"actors[3].salience.aid_level: must be in [0, 1], got 1.4"``.
    """

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = list(problems)
        super().__init__("\n".join(self.lines()))

    def lines(self) -> list[str]:
        """The problems, one line each (control characters escaped), prefixed by the source."""
        return [one_line(f"{self.source}: {problem}") for problem in self.problems]
