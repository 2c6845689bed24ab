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

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.build import LayerError, RawLayer
from nnexam.questions.model_analyser.pycode import Evaluator, constants, dotted, in_order, parse
from nnexam.questions.model_analyser.torch_layers import KINDS

__all__ = ["KINDS", "TorchModel", "looks_like", "read"]


@dataclass(frozen=True)
class TorchModel:
    layers: tuple[RawLayer, ...]
    input: Any  # (in_features,) when the first module is a Linear, else None
    notes: tuple[str, ...] = ()


def looks_like(text: str) -> bool:
    return re.search(r"\b(torch|nn\.(Sequential|Linear|Conv[12]d|Module))\b", text) is not None


def read(code: str, bindings: Mapping[str, Any]) -> TorchModel:
    """The first ``nn.Sequential(...)`` in ``code`` (a note names any others)."""
    nodes = in_order(parse(code))
    ev = constants(nodes, bindings)
    found = [n for n in nodes if isinstance(n, ast.Call) and (dotted(n.func) or "").rsplit(".", 1)[-1] == "Sequential" and n.args]
    if not found:
        raise ParamError("model", "PyTorch code with nn.Sequential(module, module, ...)", "no nn.Sequential model found")
    node = found[0]
    raw = [_module(i, el, name, ev) for i, (name, el) in enumerate(_elements(node), 1)]
    first = raw[0]
    shape = None
    if first.kind == "Linear":
        shape = (first.args[0] if first.args else first.kwargs.get("in_features"),)
    notes = (f"{len(found)} nn.Sequential found; the first (line {node.lineno}) was analysed",) if len(found) > 1 else ()
    return TorchModel(tuple(raw), shape, notes)


def _elements(node: ast.Call) -> list[tuple[str | None, ast.AST]]:
    """The modules, with their names for ``nn.Sequential(OrderedDict([("conv1", nn.Conv2d(...)), ...]))``."""
    arg = node.args[0]
    if len(node.args) == 1 and isinstance(arg, ast.Call) and (dotted(arg.func) or "").endswith("OrderedDict") and arg.args:
        pairs = arg.args[0]
        if isinstance(pairs, ast.List | ast.Tuple) and all(
            isinstance(p, ast.Tuple) and len(p.elts) == 2 and isinstance(p.elts[0], ast.Constant) and isinstance(p.elts[0].value, str)
            for p in pairs.elts
        ):
            return [(p.elts[0].value, p.elts[1]) for p in pairs.elts]  # type: ignore[attr-defined]
    return [(None, el) for el in node.args]


def _module(i: int, el: ast.AST, name: str | None, ev: Evaluator) -> RawLayer:
    cls = dotted(el.func) if isinstance(el, ast.Call) else None
    if cls is None or not isinstance(el, ast.Call):
        what = "nn.Sequential(*modules) is built at run time: write the modules out" if isinstance(el, ast.Starred) else (
            f"expected a module call such as nn.Linear(4, 2), received {ast.unparse(el)[:60]!r}"
        )
        raise LayerError(i, "?", what, getattr(el, "lineno", None))
    if any(isinstance(a, ast.Starred) for a in el.args) or any(k.arg is None for k in el.keywords):
        raise LayerError(i, cls, "cannot read *args / **kwargs without running the code: write the arguments out", el.lineno)
    kwargs = {k.arg: ev(k.value) for k in el.keywords if k.arg is not None}
    if name is not None:
        kwargs["name"] = name
    return RawLayer(cls.rsplit(".", 1)[-1], tuple(ev(a) for a in el.args), kwargs, el.lineno)
