"""PyTorch ``nn.Sequential(...)`` code, read from the AST (never executed).

``nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(5408, 10))``
with any prefix (``nn.``, ``torch.nn.``, bare imported names). Shapes are channels first and
exclude the batch. PyTorch has no input layer: the shape comes from ``input_shape`` (or a bound
``input_shape``), else from the first ``Linear``'s ``in_features``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from questions.errors import ParamError
from questions.model_analyser.build import LayerError, RawLayer
from questions.model_analyser.pycode import constants, dotted, in_order, parse
from questions.model_analyser.torch_layers import KINDS

__all__ = ["KINDS", "TorchModel", "looks_like", "read"]


@dataclass(frozen=True)
class TorchModel:
    layers: tuple[RawLayer, ...]
    input: Any  # (in_features,) when the first module is a Linear, else None


def looks_like(text: str) -> bool:
    return re.search(r"\b(torch|nn\.(Sequential|Linear|Conv[12]d|Module))\b", text) is not None


def read(code: str, bindings: Mapping[str, Any]) -> TorchModel:
    nodes = in_order(parse(code))
    ev = constants(nodes, bindings)
    for node in nodes:
        if not (isinstance(node, ast.Call) and (dotted(node.func) or "").rsplit(".", 1)[-1] == "Sequential" and node.args):
            continue
        raw = []
        for i, el in enumerate(node.args, 1):
            name = dotted(el.func) if isinstance(el, ast.Call) else None
            if name is None or not isinstance(el, ast.Call):
                raise LayerError(i, "?", f"expected a module call such as nn.Linear(4, 2), received {ast.unparse(el)[:60]!r}", getattr(el, "lineno", None))
            if any(isinstance(a, ast.Starred) for a in el.args) or any(k.arg is None for k in el.keywords):
                raise LayerError(i, name, "cannot read *args / **kwargs without running the code: write the arguments out", el.lineno)
            kwargs = {k.arg: ev(k.value) for k in el.keywords if k.arg is not None}
            raw.append(RawLayer(name.rsplit(".", 1)[-1], tuple(ev(a) for a in el.args), kwargs, el.lineno))
        first = raw[0]
        shape = None
        if first.kind == "Linear":
            n_in = first.args[0] if first.args else first.kwargs.get("in_features")
            shape = (n_in,)
        return TorchModel(tuple(raw), shape)
    raise ParamError("model", "PyTorch code with nn.Sequential(module, module, ...)", "no nn.Sequential model found")
