"""Third-party plugins from an entry-point group, loaded one way for every registry (backends,
executors): a plugin that fails to load, or that ``accept`` refuses, is skipped with a warning and
never stops the others."""

from __future__ import annotations

import importlib.metadata
import warnings
from collections.abc import Callable
from typing import Any


def load(group: str, what: str, accept: Callable[[Any], Any]) -> dict[str, Any]:
    """name -> ``accept(loaded object)`` for each entry point of ``group`` (``what`` names the kind
    in the warning); ``accept`` raises to refuse an object."""
    found: dict[str, Any] = {}
    for ep in importlib.metadata.entry_points(group=group):
        try:
            found[ep.name] = accept(ep.load())
        except Exception as err:  # noqa: BLE001 - a broken plugin must not stop the others
            warnings.warn(f"{what} plugin {ep.name!r} ({ep.value}) skipped: {err}", stacklevel=3)
    return found
