"""Models given as data: a list of layer tables such as ``{"type": "Conv2D", "filters": 32, "kernel_size": 3}``.

The keys other than ``type`` are the Keras arguments; a first ``{"type": "Input", "shape": [...]}``
table gives the input shape. JSON/TOML lists become tuples, as in code.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.build import RawLayer
from nnexam.questions.model_analyser.pycode import to_tuples


def read(tables: Sequence[Any]) -> tuple[list[RawLayer], Any]:
    """Raw layers and the Input table's shape (None when there is none)."""
    raw: list[RawLayer] = []
    shape: Any = None
    for i, table in enumerate(tables, 1):
        if not isinstance(table, Mapping) or not isinstance(table.get("type"), str):
            raise ParamError(f"model[{i}]", 'a layer table with a "type", e.g. {"type": "Dense", "units": 10}', table)
        kwargs = {str(k): to_tuples(v) for k, v in table.items() if k != "type"}
        if table["type"] in ("Input", "InputLayer"):
            if raw:
                raise ParamError(f"model[{i}]", "the Input table first", table)
            shape = kwargs.get("shape", kwargs.get("input_shape"))
            continue
        raw.append(RawLayer(table["type"], (), kwargs, None))
    return raw, shape
