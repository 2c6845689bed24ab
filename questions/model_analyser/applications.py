"""Keras applications and torchvision models by name, described inside nnexam (never imported)."""

from __future__ import annotations

from typing import Any


def known(path: str) -> bool:
    return False


def build(hooks: Any, path: str, args: list[Any], kwargs: dict[str, Any], node: Any) -> Any:
    raise NotImplementedError(path)
