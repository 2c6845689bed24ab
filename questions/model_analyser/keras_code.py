"""Keras ``Sequential`` models written as code, read from the AST (never executed).

Both styles: ``model = keras.Sequential([layers.Conv2D(32, 3), ...])`` and ``model = Sequential()``
followed by ``model.add(...)`` (also inside a ``def build_model():``). Any prefix (``keras.``,
``layers.``, ``tf.keras.layers.``) or a bare imported name works; the class name decides. The
input shape comes from ``Input(shape=...)`` / ``keras.Input`` / ``InputLayer`` or a first layer's
``input_shape=``; names the code leaves free come from ``bindings``.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from questions.errors import ParamError
from questions.model_analyser.build import LayerError, RawLayer
from questions.model_analyser.pycode import Evaluator, constants, dotted, in_order, parse
from questions.model_analyser.values import Opaque

INPUT_KINDS = ("Input", "InputLayer")


@dataclass(frozen=True)
class KerasModel:
    layers: tuple[RawLayer, ...]
    input: Any  # the Input's shape as written (may hold Free / Opaque), or None
    name: str
    line: int


def read(code: str, bindings: Mapping[str, Any]) -> KerasModel:
    """The first Sequential model in ``code``; ParamError when there is none."""
    nodes = in_order(parse(code))
    ev = constants(nodes, bindings)
    layer_vars = {
        n.targets[0].id: n.value
        for n in nodes
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and isinstance(n.targets[0], ast.Name) and isinstance(n.value, ast.Call)
    }
    creations = [n for n in nodes if isinstance(n, ast.Call) and _class_name(n) == "Sequential"]
    targets = _targets(nodes)
    for i, call in enumerate(creations):
        target = targets.get(id(call))
        elements: list[ast.AST] = []
        seq = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "layers"), None)
        if isinstance(seq, ast.List | ast.Tuple):
            elements += seq.elts
        elif seq is not None:
            raise ParamError("model", "Sequential([...]) with a literal list of layers", ast.unparse(seq)[:80])
        if target is not None:
            end = next((c.lineno for c in creations[i + 1 :] if targets.get(id(c)) == target), None)
            elements += [
                n.args[0]
                for n in nodes
                if _is_add(n, target) and n.lineno >= call.lineno and (end is None or n.lineno < end)  # type: ignore[attr-defined]
            ]
        if elements:
            name = next((ev(k.value) for k in call.keywords if k.arg == "name"), "sequential")
            return _model(elements, ev, layer_vars, name if isinstance(name, str) else "sequential", call.lineno)
    functional = any(isinstance(n, ast.Call) and _class_name(n) in ("Model", "Functional") for n in nodes)
    hint = " (functional models, keras.Model(inputs, outputs), are not supported: write it as a Sequential)" if functional else ""
    raise ParamError(
        "model",
        f"Keras code defining a Sequential model: keras.Sequential([...]) or model = Sequential() with model.add(...){hint}",
        "no Sequential model found",
    )


def _class_name(call: ast.Call) -> str | None:
    name = dotted(call.func)
    return name.rsplit(".", 1)[-1] if name else None


def _targets(nodes: list[ast.AST]) -> dict[int, str]:
    """id(Sequential call) -> the text of the variable it is assigned to (``model``, ``self.net``)."""
    out = {}
    for n in nodes:
        if isinstance(n, ast.Assign | ast.AnnAssign) and isinstance(n.value, ast.Call):
            target = n.targets[0] if isinstance(n, ast.Assign) else n.target
            out[id(n.value)] = ast.unparse(target)
    return out


def _is_add(node: ast.AST, target: str) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "add"
        and len(node.args) == 1
        and ast.unparse(node.func.value) == target
    )


def _model(elements: list[ast.AST], ev: Evaluator, layer_vars: Mapping[str, ast.Call], name: str, line: int) -> KerasModel:
    raw: list[RawLayer] = []
    shape: Any = None
    for el in elements:
        if isinstance(el, ast.Name) and el.id in layer_vars:
            el = layer_vars[el.id]
        index = len(raw) + 1
        kind = _class_name(el) if isinstance(el, ast.Call) else None
        if kind is None or not isinstance(el, ast.Call):
            raise LayerError(index, "?", f"expected a layer call such as layers.Dense(10), received {ast.unparse(el)[:60]!r}", getattr(el, "lineno", None))
        if any(isinstance(a, ast.Starred) for a in el.args) or any(k.arg is None for k in el.keywords):
            raise LayerError(index, kind, "cannot read *args / **kwargs without running the code: write the arguments out", el.lineno)
        args = tuple(ev(a) for a in el.args)
        kwargs = {k.arg: ev(k.value) for k in el.keywords if k.arg is not None}
        if kind in INPUT_KINDS:
            if raw:
                raise LayerError(index, kind, "an Input must come first in a Sequential model", el.lineno)
            shape = _input_shape(args, kwargs)
            continue
        raw.append(RawLayer(kind, args, kwargs, el.lineno))
    return KerasModel(tuple(raw), shape, name, line)


def _input_shape(args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> Any:
    if args:
        return args[0]
    for key in ("shape", "input_shape"):
        if key in kwargs:
            return kwargs[key]
    batch = kwargs.get("batch_shape", kwargs.get("batch_input_shape"))
    if isinstance(batch, tuple):
        return batch[1:]
    return Opaque("Input() without a shape") if batch is None else batch
