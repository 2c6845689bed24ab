"""Which code is PyTorch: the reader picks the PyTorch side of names both frameworks use."""

from __future__ import annotations

import re

from nnexam.questions.model_analyser.torch_layers import KINDS

__all__ = ["KINDS", "looks_like"]


def looks_like(text: str) -> bool:
    return re.search(r"\b(torch|nn\.(Sequential|Linear|Conv[12]d|Module))\b", text) is not None
