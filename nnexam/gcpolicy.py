"""What nnexam's processes ask of Python's cycle collector, and why (measured in
benchmarks/README.md): in a short command it costs time that is none of nnexam's work.

* At exit Python collects every object one last time, for nothing. With sympy loaded that walk
  is 0.1-0.15 s, a fifth of a symbolic ``nnexam answer``. :func:`skip_exit_collection` freezes the
  heap just before: the walk has nothing to do, while atexit handlers, open files and threads
  finish as usual (every file nnexam writes is closed by a ``with`` or ``write_*`` anyway).
* A command that solves one instance and exits makes little cyclic garbage, but its collector
  runs ~150 times while sympy's ~530 modules import (and finds 171 objects: ~0.05 s for nothing).
  :func:`one_shot` turns the collector off for such a command and back on when it returns (tests
  call commands in-process).
"""

from __future__ import annotations

import atexit
import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def skip_exit_collection() -> None:
    """Freeze the heap when the process exits, after the atexit handlers registered later."""
    atexit.register(gc.freeze)


def one_shot(command: Callable[P, R]) -> Callable[P, R]:
    """``command`` runs with the cycle collector off; only for bounded work (one instance)."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        was_on = gc.isenabled()
        gc.disable()
        try:
            return command(*args, **kwargs)
        finally:
            if was_on:
                gc.enable()

    return run
