"""The one error hierarchy of nnexam.

Internal code raises typed errors that carry data; the command line turns them into one
clear line ("what was expected ... Received: ...") and exit code 1. Never ``assert`` for
validation.
"""

from __future__ import annotations

from typing import Any


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= limit else text[: limit - 3] + "..."


class NnexamError(Exception):
    """Base class: every error a user can cause. The CLI prints ``str(err)`` and exits 1."""


class ParamError(NnexamError, ValueError):
    """A question parameter is missing, malformed or inconsistent.

    ``param`` names the parameter (``weights[2]``, ``layers[1].kernel``), ``expected`` says
    what would have been accepted, ``received`` echoes what was given.
    """

    _MISSING = object()

    def __init__(self, param: str, expected: str, received: Any = _MISSING, *, where: str = ""):
        self.param = param
        self.expected = expected
        self.received = received
        self.where = where
        msg = f"{where + ': ' if where else ''}parameter '{param}': expected {expected}"
        if received is not ParamError._MISSING:
            msg += f". Received: {_short(received)}"
        super().__init__(msg)


class UnknownNameError(NnexamError, KeyError):
    """An unknown question type, layer, activation, backend... with the closest known names."""

    def __init__(self, kind: str, name: str, known: list[str] | tuple[str, ...]):
        import difflib

        self.kind, self.name, self.known = kind, name, list(known)
        close = difflib.get_close_matches(name, self.known, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        msg = f"unknown {kind} {name!r}.{hint} Known: {', '.join(self.known)}"
        super().__init__(msg)

    def __str__(self) -> str:  # KeyError would add quotes
        return self.args[0]


class InputError(NnexamError):
    """A file could not be used: names the file, the place (line) and what was expected."""

    def __init__(self, path: str, message: str, *, line: int | None = None):
        self.path, self.line = str(path), line
        loc = f"{self.path}:{line}" if line is not None else self.path
        super().__init__(f"{loc}: {message}")
