"""Which executors exist: the built-ins (``local``, ``ray``) plus any registered under the
entry-point group ``nnexam.executors.v1`` (``name = "package.module:ExecutorClass"``; the class is
called with the options mapping). A plugin that fails to load is skipped with a warning; an unknown
name raises :class:`UnknownNameError` listing the known ones. Nothing here imports ray."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from nnexam.grader import plugins
from nnexam.grader.executors.base import Executor
from nnexam.grader.executors.local import LocalExecutor
from nnexam.grader.executors.ray_executor import RayExecutor
from nnexam.questions.errors import NnexamError, UnknownNameError

GROUP = "nnexam.executors.v1"
DEFAULT = "local"
Factory = Callable[[Mapping[str, Any]], Executor]


@cache
def factories() -> dict[str, Factory]:
    def accept(obj: object) -> Factory:
        if not callable(obj):
            raise TypeError("it is not a class or factory taking the options mapping")
        return obj

    builtin: dict[str, Factory] = {"local": LocalExecutor, "ray": RayExecutor}
    return builtin | {k: v for k, v in plugins.load(GROUP, "executor", accept).items() if k not in builtin}


def get(name: str | None = None, options: Mapping[str, Any] | None = None) -> Executor:
    """The executor called ``name`` (default: local), made with ``options``."""
    name = name or DEFAULT
    known = factories()
    if name not in known:
        raise UnknownNameError("executor", name, sorted(known))
    executor = known[name](dict(options or {}))
    if not isinstance(executor, Executor):
        raise NnexamError(f"executor {name!r} lacks members of nnexam.grader.executors.base.Executor")
    if not executor.available():
        extra = f": pip install 'nnexam[{name}]'" if name == "ray" else ""
        raise NnexamError(f"executor {name!r} is not installed here{extra}")
    return executor
