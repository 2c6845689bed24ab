"""Keras models the interpreter built (Sequential, functional graph, subclassed) -> ModelSpec.

Each layer object is resolved once (kind, normalised arguments, name) and gets its weights at
its first call, as Keras builds it; a layer called again (shared weights) is counted once and
must accept the new input. Shapes are computed through the graph in creation order, which is a
topological order. Rows follow ``model.layers`` (a functional model lists its InputLayers; a
nested model is one row, as ``model.summary()`` shows it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.build import (
    LayerError,
    _input_from,
    _input_value,
    _resolve,
    missing_input_error,
    missing_names_error,
)
from nnexam.questions.model_analyser.keras_extra import EXTRA, MULTI
from nnexam.questions.model_analyser.layers import ALIASES, KERAS, Kind, Out, Shape, fmt_shape
from nnexam.questions.model_analyser.objects import KInput, KLayer, KModel, KNode, KOp, KTensor
from nnexam.questions.model_analyser.values import Bad, Missing
from nnexam.questions.model_spec import LayerSpec, ModelSpec

MAX_LAYERS = 100_000


def model_layers(m: KModel) -> list[Any]:
    if m.kind == "sequential":
        return list(m.items)
    if m.kind == "functional":
        return functional_layers(m)
    return m.tracked()


def functional_layers(m: KModel) -> list[Any]:
    """``model.layers`` of a functional model, in Keras' order (by depth from the outputs, then
    in the order a depth-first walk from the outputs meets them); InputLayers included."""
    finished: set[int] = set()
    order: list[KNode] = []
    op_index: dict[int, int] = {}
    ops: dict[int, Any] = {}
    stack: list[tuple[KNode, bool]] = [(t.node, False) for t in reversed(m.outputs)]
    inputs = {id(t.node) for t in m.inputs}
    while stack:
        node, done = stack.pop()
        if done:
            if id(node) not in finished:
                finished.add(id(node))
                order.append(node)
            continue
        if id(node) in finished:
            continue
        op_index.setdefault(id(node.op), len(op_index))
        ops[id(node.op)] = node.op
        stack.append((node, True))
        if id(node) not in inputs:
            for t in reversed(node.inputs):
                if id(t.node) not in finished:
                    stack.append((t.node, False))
    node_depth: dict[int, int] = {}
    op_depth: dict[int, int] = {}
    for node in reversed(order):
        depth = max(node_depth.setdefault(id(node), 0), op_depth.get(id(node.op), 0))
        op_depth[id(node.op)] = depth
        node_depth[id(node)] = depth
        if id(node) not in inputs:
            for t in node.inputs:
                node_depth[id(t.node)] = max(depth + 1, node_depth.get(id(t.node), 0))
    for t in m.inputs:
        if id(t.node.op) not in op_depth:
            op_depth[id(t.node.op)] = 0
            op_index[id(t.node.op)] = -1
            ops[id(t.node.op)] = t.node.op
    by_depth: dict[int, list[Any]] = {}
    for key, depth in op_depth.items():
        by_depth.setdefault(depth, []).append(ops[key])
    out = []
    for depth in sorted(by_depth, reverse=True):
        out += sorted(by_depth[depth], key=lambda op: op_index[id(op)])
    return [op for op in out if isinstance(op, KLayer | KModel | KInput)]


@dataclass
class _Built:
    kind: Kind
    config: dict[str, Any]
    name: str
    out: Out | None = None
    input_shape: Any = None
    output_shape: Any = None


class Builder:
    def __init__(self, registry: Mapping[str, Kind], notes: list[str], hooks: Any = None):
        self.hooks = hooks
        self.registry = {**EXTRA, **registry}
        self.notes = notes
        self.missing: list[str] = []
        self.resolved: dict[int, _Built] = {}
        self.first_inputs: dict[int, dict[str, Any]] = {}
        self.model_shapes: dict[int, tuple[Any, Any]] = {}
        self.graphs: dict[Any, list[KNode]] = {}
        self.count = 0

    # -- resolution ------------------------------------------------------------------------------

    def resolve(self, layer: KLayer) -> _Built:
        key = id(layer)
        if key not in self.resolved:
            self.count += 1
            if self.count > MAX_LAYERS:
                raise ParamError("model", f"at most {MAX_LAYERS} layers", self.count)
            kind, config, name, _, inputs = _resolve(self.count, layer.raw, self.registry, ALIASES, self.notes, self.missing,
                                                     lambda k, explicit: layer.name)  # fmt: skip
            self.resolved[key] = _Built(kind, config, name)
            self.first_inputs[key] = inputs
        return self.resolved[key]

    def resolve_all(self, m: KModel, seen: set[int]) -> None:
        if id(m) in seen:
            return
        seen.add(id(m))
        for item in self.members(m):
            if isinstance(item, KLayer):
                self.resolve(item)
            elif isinstance(item, KModel):
                self.resolve_all(item, seen)

    def members(self, m: KModel) -> list[Any]:
        """Every layer or model a model's computation uses (nodes of its graph included)."""
        if m.kind == "sequential":
            return list(m.items)
        found: dict[int, Any] = {}
        if m.kind == "subclass":  # Keras tracks the layers stored on self; layers made inside call() hold no weights of the model
            return m.tracked()
        for node in self.graph_nodes(m.inputs, m.outputs):
            if isinstance(node.op, KLayer | KModel):
                found.setdefault(id(node.op), node.op)
        return list(found.values())

    def graph_nodes(self, inputs: Sequence[KTensor], outputs: Sequence[KTensor]) -> list[KNode]:
        """Nodes between ``inputs`` and ``outputs``, in creation (topological) order."""
        key = (tuple(id(t.node) for t in inputs), tuple((id(t.node), t.index) for t in outputs))
        if key not in self.graphs:
            self.graphs[key] = self._graph_nodes(inputs, outputs)
        return self.graphs[key]

    def _graph_nodes(self, inputs: Sequence[KTensor], outputs: Sequence[KTensor]) -> list[KNode]:
        stop = {id(t.node) for t in inputs}
        seen: dict[int, KNode] = {}
        stack = [t.node for t in outputs]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen[id(node)] = node
            if id(node) in stop:
                continue
            if isinstance(node.op, KInput):
                raise ParamError("model", "a functional model whose outputs come only from its inputs",
                                 f"line {node.line}: the input {node.op.name!r} is used but is not among the model's inputs")  # fmt: skip
            stack.extend(t.node for t in node.inputs)
        order = sorted(seen.values(), key=_node_order)
        return order

    # -- shapes ----------------------------------------------------------------------------------

    def apply(self, op: Any, shapes: list[Shape], node: KNode | None) -> list[Shape]:
        if isinstance(op, KLayer):
            return self.apply_layer(op, shapes, node)
        if isinstance(op, KModel):
            return self.apply_model(op, shapes)
        if isinstance(op, KOp):
            return [self.apply_op(op, shapes, node)]
        raise ParamError("model", "a layer", type(op).__name__)

    def apply_layer(self, layer: KLayer, shapes: list[Shape], node: KNode | None) -> list[Shape]:
        b = self.resolve(layer)
        kind = b.kind
        label = b.name
        line = layer.raw.line
        multi = kind.name in MULTI
        if not multi and len(shapes) > 1 and node is not None and node.kwargs.get("extra"):
            shapes = shapes[: len(shapes) - node.kwargs["extra"]]  # initial_state=, mask=: no effect on the shape
        if not multi and len(shapes) != 1:
            raise LayerError(self.index(layer), label, f"{kind.name} takes one input tensor, received {len(shapes)}", line)
        s_in: Any = shapes if multi else shapes[0]
        if not multi and kind.ranks and len(s_in) not in kind.ranks:
            want = " or ".join(str(n) for n in kind.ranks)
            hint = f" {kind.rank_hint}" if kind.rank_hint else ""
            raise LayerError(self.index(layer), label, f"{kind.name} expects an input of rank {want}{hint}, but its input shape is {fmt_shape(s_in)}", line)
        try:
            out = kind.forward(s_in, b.config)
        except Bad as err:
            raise LayerError(self.index(layer), label, str(err), line) from None
        except ParamError as err:
            raise LayerError(self.index(layer), label, f"{err.expected} (input shape {fmt_shape(shapes[0])})", line) from None
        if b.out is None:
            b.out, b.input_shape, b.output_shape = out, s_in, out.shape
        elif (b.out.trainable, b.out.non_trainable) != (out.trainable, out.non_trainable):
            raise LayerError(self.index(layer), label, f"a shared layer called on inputs of another size ({fmt_shape(shapes[0])} after "
                             f"{fmt_shape(b.input_shape if not multi else b.input_shape[0])}): Keras would refuse it", line)  # fmt: skip
        extra = []
        if node is not None and node.n_out > 1:
            units = b.config.get("units") or b.config.get("layer", {}).get("config", {}).get("units")
            if kind.name == "MultiHeadAttention":
                q = shapes[0]
                extra = [(b.config["num_heads"], q[0] if len(q) > 1 else 1, (shapes[1] if len(shapes) > 1 else q)[0])]
            else:
                extra = [(units,)] * (node.n_out - 1)
        return [out.shape, *extra]

    def index(self, layer: KLayer) -> int:
        return list(self.resolved).index(id(layer)) + 1 if id(layer) in self.resolved else 0

    def apply_op(self, op: KOp, shapes: list[Shape], node: KNode | None) -> Shape:
        from nnexam.questions.model_analyser.keras_extra import _broadcast

        if op.kind == "getitem":
            key = node.kwargs.get("index") if node else None
            return _index_shape(shapes[0], key, node)
        if op.kind == "reduce":
            s, axis, keep = shapes[0], node.kwargs["axis"] if node else -1, node.kwargs.get("keepdims") if node else False
            full = len(s) + 1
            if not -full < axis < full:
                raise ParamError("model", "an axis of the tensor", f"line {node.line if node else '?'}: axis {axis} of {fmt_shape(s)}")
            a = axis % full - 1
            return tuple(1 if i == a else d for i, d in enumerate(s)) if keep else tuple(d for i, d in enumerate(s) if i != a)
        if op.kind == "matmul":
            w = node.kwargs["consts"][0] if node else ()
            s = shapes[0]
            if len(w) != 2 or (s[-1] is not None and s[-1] != w[0]):
                raise ParamError("model", "a matmul of matching sizes", f"line {node.line if node else '?'}: {fmt_shape(s)} @ {w}")
            return s[:-1] + (w[1],)
        if op.kind == "concatenate":
            from nnexam.questions.model_analyser.keras_extra import concatenate

            try:
                return concatenate(shapes, {"axis": node.kwargs["axis"] if node else -1}).shape
            except Bad as err:
                raise ParamError("model", "tensors that concatenate", f"line {node.line if node else '?'}: {err}") from None
        consts = node.kwargs.get("consts", []) if node else []
        try:
            if consts:
                full = _broadcast([(None, *x) for x in shapes] + [tuple(c) for c in consts], f"the operation {op.kind}")
                return full[1:]
            return _broadcast(shapes, f"the operation {op.kind}")
        except Bad as err:
            raise ParamError("model", "tensors of matching shapes", f"line {node.line if node else '?'}: {err}") from None

    def apply_model(self, m: KModel, shapes: list[Shape]) -> list[Shape]:
        out = self._apply_model(m, shapes)
        self.model_shapes.setdefault(id(m), (shapes[0] if len(shapes) == 1 else list(shapes), out[0] if len(out) == 1 else list(out)))
        return out

    def _apply_model(self, m: KModel, shapes: list[Shape]) -> list[Shape]:
        if m.kind == "subclass" and not m.inputs and self.hooks is not None and len(shapes) == 1:
            self.hooks.build_model(m, tuple(shapes[0]), root_node(m))  # a custom layer in a Sequential: built on its input
        if m.kind == "sequential":
            if len(shapes) != 1:
                raise ParamError("model", "a Sequential called on one tensor", f"{len(shapes)} tensors")
            s = shapes[0]
            for item in m.items:
                s = self.apply(item, [s], None)[0]
            return [s]
        return self.run_graph(m.inputs, m.outputs, shapes)

    def run_graph(self, inputs: Sequence[KTensor], outputs: Sequence[KTensor], shapes: Sequence[Shape]) -> list[Shape]:
        if len(inputs) != len(shapes):
            raise ParamError("model", f"{len(inputs)} input tensors for the model", f"{len(shapes)}")
        memo: dict[int, list[Shape]] = {id(t.node): [s] for t, s in zip(inputs, shapes)}
        for node in self.graph_nodes(inputs, outputs):
            if id(node) in memo:
                continue
            ins = [memo[id(t.node)][t.index] for t in node.inputs]
            memo[id(node)] = self.apply(node.op, ins, node)
        return [memo[id(t.node)][t.index] for t in outputs]


def _node_order(node: KNode) -> int:
    return node.order


def _index_shape(shape: Shape, key: Any, node: KNode | None) -> Shape:
    keys = key if isinstance(key, tuple) else (key,)
    if not keys or keys[0] != slice(None):
        raise ParamError("model", "tensor indexing that keeps the batch axis (x[:, ...])", f"line {node.line if node else '?'}")
    out: list[Any] = []
    dims = list(shape)
    for i, k in enumerate(keys[1:]):
        if i >= len(dims):
            raise ParamError("model", "an index within the tensor's rank", f"line {node.line if node else '?'}")
        d = dims[i]
        if isinstance(k, int) and not isinstance(k, bool):
            continue
        if isinstance(k, slice):
            out.append(None if d is None else len(range(d)[k]))
            continue
        raise ParamError("model", "tensor indexing with ints and slices", f"line {node.line if node else '?'}")
    out += dims[len(keys) - 1:]
    return tuple(out)


def spec(root: KModel, hooks: Any, *, registry: Mapping[str, Kind], input_shape: Any, fallback: Any,
         notes: Sequence[str]) -> ModelSpec:  # fmt: skip
    """The analysed model ``root`` (``input_shape``: the user's, wins over the code's)."""
    out_notes = list(notes)
    b = Builder(registry, out_notes, hooks)
    probe = hooks.probe
    if probe is not None and registry is KERAS:  # layers already resolved while the code ran (x.shape): reuse them
        b.resolved = {k: _Built(v.kind, v.config, v.name) for k, v in probe.resolved.items()}
        b.first_inputs = dict(probe.first_inputs)
        b.count = probe.count
    if root.kind == "subclass" and root.built_with is None:
        shape = input_shape if input_shape is not None else fallback
        if shape is None and root.attrs.get("__build_line__"):
            from nnexam.questions.model_analyser.interp import Refusal

            raise Refusal(root.attrs["__build_line__"], f"{root.name}.build(...) of a subclassed keras.Model",
                          "a call on data (model(np.zeros((1, 28, 28, 1)))) or input_shape given: in Keras 3 build() leaves "
                          "its layers unbuilt (count_params() is 0), unlike tf.keras 2")  # fmt: skip
        if shape is not None and root.attrs.get("__build_line__"):
            out_notes.append(f"{root.name}.build() leaves a subclassed model's layers unbuilt in Keras 3: counted as called on {tuple(shape)}")
        if shape is None:
            raise ParamError("input_shape", f"the input shape of the subclassed model {root.name}: the code never builds it "
                             "(model.build((None, 28, 28, 1)) or a call on data); pass input_shape, e.g. --set input_shape=[28,28,1]")  # fmt: skip
        try:
            hooks.build_model(root, tuple(shape), root_node(root))
        except TypeError:
            raise ParamError("input_shape", "a list of sizes", shape) from None
    if root.kind == "sequential" and input_shape is None and root.input_shape is not None:
        _input_value(root.input_shape, b.missing)
    elif root.kind != "sequential":
        for t in root.inputs:
            _input_value(t.node.op.shape, b.missing)
    b.resolve_all(root, set())
    if b.missing:
        raise missing_names_error(b.missing)
    if not b.members(root):
        raise ParamError("model", "a model with at least one layer", f"{root.name}: no layers")
    rows: list[tuple[Any, Any, Any, Any]] = []  # (object, input shape, output shape, line)
    if root.kind == "sequential":
        shape_in = _sequential_input(root, b, input_shape, fallback)
        s = shape_in
        for item in root.items:
            out = b.apply(item, [s], None)[0]
            rows.append((item, s, out, None))
            s = out
        model_input: Shape = shape_in
    else:
        shapes = []
        for t in root.inputs:
            op = t.node.op
            given = input_shape if input_shape is not None and len(root.inputs) == 1 else None
            if given is not None and root.kind == "functional" and _known(op.shape):
                if tuple(given) != tuple(op.shape):  # the graph was built with the Input's own shape, as in Keras
                    out_notes.append(f"input_shape {tuple(given)} not used: the code's keras.Input fixes {tuple(op.shape)}")
                given = None
            try:
                shapes.append(tuple(given) if given is not None else _shape_of(op.shape, b))
            except Missing as err:
                b.missing.extend(err.names)
        if b.missing:
            raise missing_names_error(b.missing)
        memo_shapes = b.run_graph(root.inputs, root.outputs, shapes)
        del memo_shapes
        model_input = shapes[0] if len(shapes) == 1 else tuple(shapes)  # type: ignore[assignment]
        graph = {id(n.op): n for n in b.graph_nodes(root.inputs, root.outputs)}
        listed = functional_layers(root) if root.kind == "functional" else root.tracked()
        if root.kind == "subclass":
            listed = [x for x in listed]
        for item in listed:
            if isinstance(item, KInput):
                s_in = shapes[[t.node.op for t in root.inputs].index(item)]
                rows.append((item, s_in, s_in, item.line))
            else:
                rows.append((item, None, None, graph.get(id(item)).line if id(item) in graph else None))
    layer_specs = [_row(obj, s_in, s_out, b, root) for obj, s_in, s_out, _ in rows]
    seen_names: set[str] = set()
    for i, layer in enumerate(layer_specs, 1):
        if layer.name in seen_names:
            raise LayerError(i, layer.name, f"two layers are named {layer.name!r}; Keras requires unique layer names", layer.line)
        seen_names.add(layer.name)
    chain = root.kind == "sequential" and all(isinstance(x, KLayer) for x in root.items) and len(set(map(id, root.items))) == len(root.items)
    if root.kind == "functional":
        chain = _is_chain(root, b)
    chain = chain and not any(x.config.get("data_format") == "channels_first" for x in layer_specs)  # backends build channels last
    return ModelSpec(source="keras", input_shape=tuple(model_input) if root.kind == "sequential" or len(root.inputs) == 1 else model_input,
                     layers=tuple(layer_specs), name=root.name, notes=tuple(dict.fromkeys(out_notes)), chain=chain,
                     totals=_totals(root, b))  # fmt: skip


def root_node(m: KModel) -> Any:
    import ast

    return ast.Name(m.name, lineno=m.line)


def _is_chain(root: KModel, b: Builder) -> bool:
    nodes = b.graph_nodes(root.inputs, root.outputs)
    if len(root.inputs) != 1 or len(root.outputs) != 1:
        return False
    ops = [n.op for n in nodes]
    return all(isinstance(op, KLayer | KInput) for op in ops) and all(len(n.inputs) <= 1 for n in nodes) and \
        len({id(op) for op in ops}) == len(ops) and all(n.n_out == 1 for n in nodes)  # fmt: skip


def _known(shape: Any) -> bool:
    return isinstance(shape, tuple | list) and all(d is None or (isinstance(d, int) and not isinstance(d, bool)) for d in shape)


def _shape_of(value: Any, b: Builder) -> Shape:
    shape = _input_value(value, b.missing)
    if shape is None:
        raise Missing([])
    if -1 in shape:
        raise ParamError("input_shape", "positive sizes (or None for a variable length), batch excluded", shape)
    return shape


def _sequential_input(root: KModel, b: Builder, input_shape: Any, fallback: Any) -> Shape:
    if input_shape is not None:
        return tuple(input_shape)
    code = _input_value(root.input_shape, b.missing) if root.input_shape is not None else None
    first = root.items[0] if root.items else None
    first_shape = None
    if isinstance(first, KLayer):
        built = b.resolve(first)
        for key, value in b.first_inputs[id(first)].items():
            try:
                shape = _input_from(key, value, built.kind.name)
            except Missing as err:
                b.missing.extend(err.names)
                continue
            except Bad as err:
                raise LayerError(1, built.name, str(err), first.raw.line) from None
            if shape and first_shape is None:
                first_shape = shape
    for item in root.items[1:]:
        if isinstance(item, KLayer):
            for key in b.first_inputs.get(id(item), {}):
                b.notes.append(f"layer {item.name}: {key} ignored (only the first layer's counts)")
    if code is None and first_shape is None and not b.missing:
        code = _input_value(fallback, b.missing)
    if b.missing:
        raise missing_names_error(b.missing)
    shape = code if code is not None else first_shape
    if shape is None:
        if isinstance(first, KModel) and first.kind != "sequential" and first.inputs:
            return _shape_of(first.inputs[0].node.op.shape, b)
        if isinstance(first, KModel) and first.kind == "sequential":
            return _sequential_input(first, b, None, fallback)
        name = b.resolve(first).kind.name if isinstance(first, KLayer) else getattr(first, "name", "?")
        raise missing_input_error(name)
    if -1 in shape:
        raise ParamError("input_shape", "positive sizes (or None for a variable length), batch excluded", shape)
    return shape


def _effective(layer: Any, root_on: bool = True) -> bool:
    """Whether a layer's weights train. Keras sets the flag of every weight when ``trainable`` is
    set on a layer or a model (a model passes it down to all its layers), so the last flag set on
    the layer itself decides (``base.trainable = False; base.layers[-1].trainable = True`` trains
    that last layer); only the analysed model's own flag overrides all (a frozen model has no
    trainable weights)."""
    return root_on and getattr(layer, "trainable", True)


def _weights(obj: Any, b: Builder, seen: set[int], on: bool = True) -> tuple[int, int]:
    """(trainable, non-trainable) of a layer or model, each layer object once."""
    if id(obj) in seen:
        return 0, 0
    seen.add(id(obj))
    if isinstance(obj, KLayer):
        built = b.resolved.get(id(obj))
        if built is None or built.out is None:
            return 0, 0
        t, n = built.out.trainable, built.out.non_trainable
        return (t, n) if _effective(obj, on) else (0, t + n)
    if isinstance(obj, KModel):
        tt = nn = 0
        for size, trainable in obj.attrs.get("__weights__", []):  # add_weight in a custom layer
            if trainable and _effective(obj, on):
                tt += size
            else:
                nn += size
        for item in b.members(obj):
            a, c = _weights(item, b, seen, on)
            tt, nn = tt + a, nn + c
        return tt, nn
    return 0, 0


def _totals(root: KModel, b: Builder) -> tuple[int, int]:
    return _weights(root, b, set(), root.trainable)


def _row(obj: Any, s_in: Any, s_out: Any, b: Builder, root: KModel) -> LayerSpec:
    if isinstance(obj, KInput):
        return LayerSpec("InputLayer", obj.name, {"shape": tuple(s_in)}, tuple(s_in), tuple(s_in), 0, 0, 0, obj.line, "no weights = 0")
    if isinstance(obj, KLayer):
        built = b.resolved[id(obj)]
        t, n = _weights(obj, b, set(), root.trainable)
        config = dict(built.config)
        if not _effective(obj, root.trainable):
            config["trainable"] = False
        ins = built.input_shape if s_in is None else s_in
        outs = built.output_shape if s_out is None else s_out
        return LayerSpec(built.kind.name, obj.name, config, _plain_shape(ins), _plain_shape(outs), t + n, t, n, obj.raw.line,
                         built.out.formula if built.out else "not built: no weights")  # fmt: skip
    t, n = _weights(obj, b, set(), root.trainable)
    if s_in is None and id(obj) in b.model_shapes:
        s_in, s_out = b.model_shapes[id(obj)]
    kind = {"sequential": "Sequential", "functional": "Functional"}.get(obj.kind, obj.cls.name if obj.cls else "Model")
    return LayerSpec(kind, obj.name, {}, _plain_shape(s_in), _plain_shape(s_out), t + n, t, n, obj.line,
                     f"the {obj.name} model's layers = {t + n}")  # fmt: skip


def _plain_shape(s: Any) -> Any:
    if s is None:
        return None
    if isinstance(s, list):
        return tuple(tuple(x) for x in s)
    return tuple(s)
