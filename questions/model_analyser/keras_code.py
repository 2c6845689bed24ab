"""Keras ``Sequential`` models written as code, read from the AST (never executed).

Both styles: ``model = keras.Sequential([layers.Conv2D(32, 3), ...])`` and ``model = Sequential()``
followed by ``model.add(...)``, also inside functions, classes (``self.model``), ``if`` blocks
whose condition is a literal, ``for`` loops over a literal list or ``range(n)`` (unrolled), and
calls of the code's own functions (``build_model(10)``: the body is read with the arguments bound).
A functional model that is a single chain (``x = keras.Input(...)``, ``x = layers.Dense(8)(x)``,
``keras.Model(inputs, x)``) is read as the equivalent Sequential.
Any prefix (``keras.``, ``layers.``, ``tf.keras.layers.``) or a bare imported name works; the
class name decides. The input shape comes from ``Input(shape=...)`` / ``keras.Input`` /
``InputLayer`` or a first layer's ``input_shape=``; names the code leaves free come from
``bindings`` (which win over the code's own assignments).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.build import LayerError, RawLayer
from nnexam.questions.model_analyser.layers import ALIASES, KERAS
from nnexam.questions.model_analyser.pycode import Evaluator, dotted, is_literal, parse, to_tuples
from nnexam.questions.model_analyser.values import Opaque

INPUT_KINDS = ("Input", "InputLayer")
MAX_UNROLLED = 1000  # loop iterations unrolled in all
MAX_DEPTH = 8  # nested calls of the code's own functions


@dataclass(frozen=True)
class KerasModel:
    layers: tuple[RawLayer, ...]
    input: Any  # the Input's shape as written (may hold Free / Opaque), or None
    name: str
    line: int
    notes: tuple[str, ...] = ()


@dataclass
class _Model:
    name: str
    line: int
    layers: list[RawLayer] = field(default_factory=list)
    input: Any = None


def read(code: str, bindings: Mapping[str, Any]) -> KerasModel:
    """The first Sequential model in ``code`` (in source order); ParamError when there is none."""
    reader = _Reader(bindings)
    reader.block(parse(code).body)
    reader.finish()
    built = [m for m in reader.models if m.layers]
    if built:
        m = built[0]
        more = (f"{len(built)} models found; the first (line {m.line}) was analysed",) if len(built) > 1 else ()
        return KerasModel(tuple(m.layers), m.input, m.name, m.line, tuple(reader.notes) + more)
    hint = " (a functional keras.Model(inputs, outputs) is read only when it is one chain x = layer(x) from a keras.Input)" if reader.functional else ""
    raise ParamError(
        "model",
        f"Keras code defining a Sequential model: keras.Sequential([...]) or model = Sequential() with model.add(...){hint}",
        "no Sequential model found",
    )


def _class_name(node: ast.AST) -> str | None:
    if not isinstance(node, ast.Call):
        return None
    name = dotted(node.func)
    return name.rsplit(".", 1)[-1] if name else None


class _Reader:
    """Walks the statements in order, keeping the literal names defined so far, the models being
    built (by the variable they are assigned to) and the layers assigned to variables."""

    def __init__(self, bindings: Mapping[str, Any]):
        self.bound = {k: to_tuples(v) for k, v in bindings.items()}
        self.ev = Evaluator(dict(self.bound))
        self.models: list[_Model] = []
        self.by_target: dict[str, _Model] = {}
        self.layer_vars: dict[str, ast.Call] = {}
        self.notes: list[str] = []
        self.unrolled = 0
        self.functional = False
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.called: set[str] = set()
        self.active: list[str] = []
        self.tensors: dict[str, _Model] = {}  # functional API: variable -> the chain of layers producing it

    # statements ------------------------------------------------------------------------------

    def block(self, body: Sequence[ast.stmt]) -> None:
        for st in body:
            self.stmt(st)

    def stmt(self, st: ast.stmt) -> None:
        if isinstance(st, ast.Assign | ast.AnnAssign) and st.value is not None:
            targets = st.targets if isinstance(st, ast.Assign) else [st.target]
            if _class_name(st.value) == "Sequential":
                self.start(st.value, ast.unparse(targets[0]))
                return
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            if len(names) == len(targets) and self.functional_step(names, st.value):
                return
            self.functional |= _class_name(st.value) in ("Model", "Functional")
            if isinstance(st.value, ast.Call):
                self.invoke(st.value)
            for t in targets:
                self.assign(t, st.value)
        elif isinstance(st, ast.Expr | ast.Return) and isinstance(st.value, ast.Call):
            self.call(st.value)
        elif isinstance(st, ast.For | ast.AsyncFor):
            self.loop(st)
        elif isinstance(st, ast.If):
            self.branch(st)
        elif isinstance(st, ast.FunctionDef | ast.AsyncFunctionDef):
            self.functions[st.name] = st
        elif isinstance(st, ast.With | ast.AsyncWith | ast.ClassDef):
            self.block(st.body)
        elif isinstance(st, ast.Try):
            self.block(st.body + st.orelse + st.finalbody)

    def call(self, call: ast.Call) -> None:
        func = call.func
        if self.invoke(call):
            return
        if _class_name(call) == "Sequential":
            self.start(call, None)
        elif isinstance(func, ast.Attribute) and func.attr == "add" and len(call.args) == 1:
            model = self.by_target.get(ast.unparse(func.value))
            if model is not None:
                self.add(model, call.args[0])

    def invoke(self, call: ast.Call) -> bool:
        """Read the body of a function defined in the code when it is called (``build_model(10)``),
        its parameters bound to the literal arguments; True when ``call`` was such a call."""
        fn = self.functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if fn is None or fn.name in self.active or len(self.active) >= MAX_DEPTH:
            return False
        saved = dict(self.ev.env)
        params = fn.args.posonlyargs + fn.args.args
        defaults = dict(zip([a.arg for a in params[len(params) - len(fn.args.defaults) :]], fn.args.defaults))
        defaults.update({a.arg: d for a, d in zip(fn.args.kwonlyargs, fn.args.kw_defaults) if d is not None})
        given = {a.arg: v for a, v in zip(params, call.args)}
        given.update({k.arg: k.value for k in call.keywords if k.arg is not None})
        values = {name: self.ev(node) for name, node in {**defaults, **given}.items()}
        for a in params + fn.args.kwonlyargs:
            if a.arg in self.bound:
                continue
            self.ev.env.pop(a.arg, None)
            if a.arg in values:
                self.set(a.arg, values[a.arg])
        self.active.append(fn.name)
        self.called.add(fn.name)
        try:
            self.block(fn.body)
        finally:
            self.active.pop()
            self.ev.env = saved
        return True

    def finish(self) -> None:
        """Functions never called (``KerasClassifier(build_fn=create_model)``): read with free parameters."""
        for name, fn in list(self.functions.items()):
            if name not in self.called:
                self.called.add(name)
                saved = dict(self.ev.env)
                for a in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs:
                    if a.arg not in self.bound:
                        self.ev.env.pop(a.arg, None)
                self.block(fn.body)
                self.ev.env = saved

    def assign(self, target: ast.AST, value: ast.AST) -> None:
        if isinstance(target, ast.Tuple) and isinstance(value, ast.Tuple | ast.List) and len(target.elts) == len(value.elts):
            for t, v in zip(target.elts, value.elts):
                self.assign(t, v)
        elif isinstance(target, ast.Name):
            kind = _class_name(value)
            if kind is not None and (kind in KERAS or kind in ALIASES or kind in INPUT_KINDS):
                self.layer_vars[target.id] = value  # type: ignore[assignment]
            self.set(target.id, self.ev(value))

    def set(self, name: str, value: Any, *, force: bool = False) -> None:
        if name in self.bound and not force:
            return
        if is_literal(value):
            self.ev.env[name] = value
        else:
            self.ev.env.pop(name, None)

    def loop(self, st: ast.For | ast.AsyncFor) -> None:
        items = self.iterable(st.iter)
        if items is None:
            if self.touches_models(st.body):
                raise ParamError(
                    "model",
                    f"a loop the analyser can unroll without running the code (for x in [literal list] or range(n)); "
                    f"line {st.lineno} loops over {ast.unparse(st.iter)[:60]!r}",
                )
            return
        for item in items:
            self.unrolled += 1
            if self.unrolled > MAX_UNROLLED:
                raise ParamError("model", f"at most {MAX_UNROLLED} unrolled loop iterations", f"line {st.lineno}")
            self.bind(st.target, item)
            self.block(st.body)
        self.block(st.orelse)

    def bind(self, target: ast.AST, value: Any) -> None:
        if isinstance(target, ast.Name):
            self.set(target.id, value, force=True)
        elif isinstance(target, ast.Tuple | ast.List) and isinstance(value, tuple) and len(value) == len(target.elts):
            for t, v in zip(target.elts, value):
                self.bind(t, v)

    def iterable(self, node: ast.AST) -> list[Any] | None:
        if _class_name(node) == "range" and isinstance(node, ast.Call) and not node.keywords:
            args = [self.ev(a) for a in node.args]
            if 1 <= len(args) <= 3 and all(isinstance(a, int) and not isinstance(a, bool) for a in args) and (len(args) < 3 or args[2]):
                r = range(*args)
                return list(r) if len(r) <= MAX_UNROLLED else None
            return None
        if _class_name(node) == "enumerate" and isinstance(node, ast.Call) and len(node.args) == 1 and not node.keywords:
            items = self.iterable(node.args[0])
            return None if items is None else list(enumerate(items))
        value = self.ev(node)
        return list(value) if isinstance(value, tuple) and is_literal(value) else None

    def branch(self, st: ast.If) -> None:
        test = self.ev(st.test)
        if is_literal(test):
            self.block(st.body if test else st.orelse)
            return
        if self.touches_models(st.body + st.orelse):
            self.notes.append(f"line {st.lineno}: the condition {ast.unparse(st.test)[:60]!r} cannot be evaluated; its first branch was read")
        self.block(st.body)

    def touches_models(self, body: Sequence[ast.stmt]) -> bool:
        for node in (n for st in body for n in ast.walk(st)):
            if _class_name(node) == "Sequential":
                return True
            func = node.func if isinstance(node, ast.Call) else None
            if isinstance(func, ast.Attribute) and func.attr == "add" and ast.unparse(func.value) in self.by_target:
                return True
        return False

    # models ----------------------------------------------------------------------------------

    def start(self, call: ast.Call, target: str | None) -> None:
        name = next((self.ev(k.value) for k in call.keywords if k.arg == "name"), "sequential")
        model = _Model(name if isinstance(name, str) else "sequential", call.lineno)
        self.models.append(model)
        if target is not None:
            self.by_target[target] = model
        seq = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "layers"), None)
        if isinstance(seq, ast.List | ast.Tuple):
            for el in seq.elts:
                self.add(model, el)
        elif seq is not None:
            raise ParamError("model", "Sequential([...]) with a literal list of layers", ast.unparse(seq)[:80])

    def functional_step(self, names: list[str], value: ast.AST) -> bool:
        """Functional API chains: ``x = keras.Input(...)``, ``x = layers.Dense(8)(x)``,
        ``model = keras.Model(inputs, x)``. True when ``value`` was one of these steps."""
        if isinstance(value, ast.Name) and value.id in self.tensors:
            self.tensors.update({n: self.tensors[value.id] for n in names})
            return True
        if not isinstance(value, ast.Call):
            return False
        kind = _class_name(value)
        if kind == "Input":
            chain = _Model("functional", value.lineno)
            self.add(chain, value)
            self.tensors.update({n: chain for n in names})
            return True
        if kind in ("Model", "Functional"):
            out = value.args[1] if len(value.args) > 1 else next((k.value for k in value.keywords if k.arg == "outputs"), None)
            chain = self.tensors.get(out.id) if isinstance(out, ast.Name) else None
            if chain is None:
                return False
            title = next((self.ev(k.value) for k in value.keywords if k.arg == "name"), "functional")
            self.models.append(_Model(title if isinstance(title, str) else "functional", value.lineno, list(chain.layers), chain.input))
            return True
        func = value.func
        layer = func if isinstance(func, ast.Call) else self.layer_vars.get(func.id) if isinstance(func, ast.Name) else None
        if layer is None or not value.args:
            return False
        arg = value.args[0]
        if isinstance(arg, ast.List | ast.Tuple) and any(isinstance(e, ast.Name) and e.id in self.tensors for e in arg.elts):
            raise ParamError(
                "model", "a functional model that is one chain of layers (x = layer(x)); merging layers (Add, Concatenate) are not supported",
                ast.unparse(value)[:80],
            )
        source = self.tensors.get(arg.id) if isinstance(arg, ast.Name) else None
        if source is None:
            return False
        chain = _Model(source.name, source.line, list(source.layers), source.input)
        self.add(chain, layer)
        self.tensors.update({n: chain for n in names})
        return True

    def add(self, model: _Model, el: ast.AST) -> None:
        if isinstance(el, ast.Name) and el.id in self.layer_vars:
            el = self.layer_vars[el.id]
        index = len(model.layers) + 1
        kind = _class_name(el)
        if kind is None or not isinstance(el, ast.Call):
            raise LayerError(index, "?", f"expected a layer call such as layers.Dense(10), received {ast.unparse(el)[:60]!r}", getattr(el, "lineno", None))
        if any(isinstance(a, ast.Starred) for a in el.args) or any(k.arg is None for k in el.keywords):
            raise LayerError(index, kind, "cannot read *args / **kwargs without running the code: write the arguments out", el.lineno)
        args = tuple(self.value(a) for a in el.args)
        kwargs = {k.arg: self.value(k.value) for k in el.keywords if k.arg is not None}
        if kind in INPUT_KINDS:
            if model.layers:
                raise LayerError(index, kind, "an Input must come first in a Sequential model", el.lineno)
            model.input = _input_shape(args, kwargs)
            return
        model.layers.append(RawLayer(kind, args, kwargs, el.lineno))

    def value(self, node: ast.AST) -> Any:
        """An argument's value; a layer call inside a wrapper (``Bidirectional(LSTM(8))``) becomes a RawLayer."""
        kind = _class_name(node)
        if isinstance(node, ast.Call) and kind is not None and (kind in KERAS or kind in ALIASES):
            args = tuple(self.value(a) for a in node.args if not isinstance(a, ast.Starred))
            return RawLayer(kind, args, {k.arg: self.value(k.value) for k in node.keywords if k.arg is not None}, node.lineno)
        return self.ev(node)


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
