"""Forward pass of a fully connected network, exactly: z_l = W_l a_(l-1) + b_l, a_l = f_l(z_l), a_0 = x.

Weights are outputs x inputs (PyTorch's ``nn.Linear.weight``); a one-unit layer may be written as
a row, a column or a flat list and is oriented by its input size. A scalar bias is added to every
unit of its layer. Values stay exact (``sigmoid(13) = 1/(1 + exp(-13))``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nnexam.questions import activations as act
from nnexam.questions import doc
from nnexam.questions.doc import Display, op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import exact_n, to_exact, to_sympy
from nnexam.questions.family import Answer, Mistake, Part, same
from nnexam.questions.params import Integer, Nested, Number, Param, PartSpec, Vector

TYPE_ID = "dense-forward"
SUMMARY = "Forward pass of a dense network: pre-activations z_l, activations a_l and the output"

MAX_LAYERS = 32
MAX_TERMS = 300  # rough size of one exact value; sigmoid/tanh/softmax layers nest every earlier value

PARAMS = (
    Param("x", Vector(), help="the input vector a_0"),
    Param(
        "weights",
        Nested(max_depth=3),
        help="one matrix per layer, outputs x inputs (a one-unit layer: a row, a column or a flat list); "
        "a single matrix is a one-layer network",
    ),
    Param(
        "activations",
        act.ActivationNames(),
        help="one per layer: relu, sigmoid, tanh, softmax, linear, leaky_relu (one name: every layer)",
    ),
    Param("biases", Nested(max_depth=2), default=None, help="one vector or scalar per layer (a scalar is added to every unit); null: no biases"),
    Param("alpha", Number(), default=act.DEFAULT_ALPHA, help="leaky_relu negative slope (PyTorch's default 1/100)"),
)
PARTS = (
    PartSpec("zL", "vector", "pre-activations of layer L: $W_L a_(L-1) + b_L$"),
    PartSpec("aL", "vector", "activations of layer L: $f_L(z_L)$"),
    PartSpec("output", "vector", "the network's output, $a_L$ of the last layer"),
)
OPTIONS = (
    Param("layers_min", Integer(min=1, max=6), default=2, help="fewest layers (hidden + output)"),
    Param("layers_max", Integer(min=1, max=6), default=2, help="most layers"),
    Param("inputs_min", Integer(min=1, max=8), default=2, help="smallest input size"),
    Param("inputs_max", Integer(min=1, max=8), default=3, help="largest input size"),
    Param("units_min", Integer(min=1, max=8), default=2, help="fewest units in a hidden layer"),
    Param("units_max", Integer(min=1, max=8), default=3, help="most units in a hidden layer"),
    Param("outputs_min", Integer(min=1, max=8), default=1, help="fewest output units"),
    Param("outputs_max", Integer(min=1, max=8), default=2, help="most output units"),
    Param("value_min", Integer(min=-20, max=20), default=-3, help="smallest input or weight"),
    Param("value_max", Integer(min=-20, max=20), default=3, help="largest input or weight"),
    Param("bias_min", Integer(min=-20, max=20), default=-2, help="smallest bias"),
    Param("bias_max", Integer(min=-20, max=20), default=2, help="largest bias"),
    Param("hidden_activations", act.ActivationNames(), default=("relu",), help="hidden activations to draw from"),
    Param("output_activations", act.ActivationNames(), default=("linear", "sigmoid", "softmax"), help="output activations to draw from"),
    Param("alpha", Number(), default=act.DEFAULT_ALPHA, help="leaky_relu slope of drawn variants"),
)


def _is_list(v: Any) -> bool:
    return isinstance(v, tuple | list)


def _flat(v: Any) -> bool:
    """A list of numbers (a row)."""
    return _is_list(v) and not any(_is_list(x) for x in v)


def _matrix(m: Any, name: str) -> tuple[tuple[Any, ...], ...]:
    """A layer's weights as rows: a number is 1x1, a flat list one row; rows must be equal length."""
    if not _is_list(m):
        return ((m,),)
    if _flat(m):
        return (tuple(m),)
    if not all(_flat(r) for r in m):
        raise ParamError(name, "a matrix: a list of rows of numbers", m)
    if len({len(r) for r in m}) != 1:
        raise ParamError(name, "a matrix with rows of equal length", f"row lengths {[len(r) for r in m]}")
    return tuple(tuple(r) for r in m)


def _layers(raw: Any) -> list[tuple[tuple[Any, ...], ...]]:
    """The weight matrices: a list of layers, or one matrix (rows of numbers) for a one-layer network."""
    if not _is_list(raw) or _flat(raw) or all(_flat(r) for r in raw):
        try:
            return [_matrix(raw, "weights")]
        except ParamError as err:
            raise ParamError(
                "weights",
                err.expected + ", or a list of matrices, one per layer (write a one-unit layer as [[w1, ..., wn]])",
                err.received,
            ) from None
    if len(raw) > MAX_LAYERS:
        raise ParamError("weights", f"at most {MAX_LAYERS} layers", f"{len(raw)} layers")
    return [_matrix(m, f"weights[{i + 1}]") for i, m in enumerate(raw)]


def _orient(m: tuple[tuple[Any, ...], ...], n_in: int, layer: int) -> tuple[tuple[Any, ...], ...]:
    rows, cols = len(m), len(m[0])
    if cols == n_in:
        return m
    if cols == 1 and rows == n_in:  # a column of n_in weights: one unit
        return (tuple(r[0] for r in m),)
    raise ParamError(
        f"weights[{layer}]",
        f"outputs x inputs with {n_in} columns: weights[{layer}] is {rows}x{cols} but layer {layer} receives {n_in} inputs",
    )


def _biases(raw: Any, units: Sequence[int]) -> tuple[tuple[Any, ...], ...]:
    """Per-layer bias vectors; a scalar (or a one-element list) is added to every unit of its layer."""
    import sympy as sp

    n_layers = len(units)
    if raw is None:
        return tuple((sp.Integer(0),) * n for n in units)
    if not _is_list(raw):
        entries: Sequence[Any] = [raw] * n_layers
    elif n_layers == 1 and not any(_is_list(v) for v in raw):
        entries = [raw]
    else:
        if len(raw) != n_layers:
            raise ParamError("biases", f"one entry per layer ({n_layers}), each a vector or a scalar", raw)
        entries = raw
    out = []
    for i, (b, n) in enumerate(zip(entries, units), start=1):
        if not _is_list(b):
            out.append((b,) * n)
            continue
        if any(_is_list(v) for v in b):
            raise ParamError(f"biases[{i}]", "a vector of numbers or a scalar", b)
        if len(b) not in (1, n):
            raise ParamError(f"biases[{i}]", f"{n} numbers (layer {i} has {n} units) or one number", b)
        out.append(tuple(b) * (n // len(b)))
    return tuple(out)


def _exact(v: Any, name: str) -> Any:
    try:
        return to_sympy(to_exact(v))
    except (ValueError, TypeError):
        raise ParamError(name, "a number", v) from None


@dataclass(frozen=True)
class Params:
    """Normalised on construction: ``weights`` a tuple of outputs x inputs matrices, ``biases`` a
    vector per layer, ``activations`` a name per layer."""

    x: tuple[Any, ...]
    weights: Any
    activations: Any
    biases: Any = None
    alpha: Any = act.DEFAULT_ALPHA

    def __post_init__(self) -> None:
        x = tuple(_exact(v, f"x[{i + 1}]") for i, v in enumerate(self.x))
        if not x:
            raise ParamError("x", "a non-empty vector", self.x)
        weights, n_in = [], len(x)
        for i, m in enumerate(_layers(self.weights), start=1):
            m = _orient(tuple(tuple(_exact(v, f"weights[{i}]") for v in r) for r in m), n_in, i)
            weights.append(m)
            n_in = len(m)
        units = [len(m) for m in weights]
        names = self.activations
        if isinstance(names, str):
            names = (act.resolve(names),) * len(weights)
        names = tuple(act.resolve(n, f"activations[{i + 1}]") for i, n in enumerate(names))
        if len(names) != len(weights):
            count = f"{len(weights)} layer" + ("s" if len(weights) > 1 else "")
            raise ParamError("activations", f"one activation per layer ({count})", list(names))
        biases = tuple(tuple(_exact(v, f"biases[{i + 1}]") for v in b) for i, b in enumerate(_biases(self.biases, units)))
        alpha = _exact(self.alpha, "alpha")
        _check_size(len(x), units, names)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "weights", tuple(weights))
        object.__setattr__(self, "activations", names)
        object.__setattr__(self, "biases", biases)
        object.__setattr__(self, "alpha", alpha)


def _check_size(n_in: int, units: Sequence[int], names: Sequence[str]) -> None:
    """Refuse networks whose exact values would be huge (every value after a sigmoid layer nests all before)."""
    size, exact_rational = 1, True
    for i, (n, name) in enumerate(zip(units, names), start=1):
        z_size = 1 if exact_rational else n_in * size + 1
        size = z_size * n if name == "softmax" else z_size + 2
        exact_rational = exact_rational and name not in act.TRANSCENDENTAL
        if size > MAX_TERMS:
            raise ParamError(
                "weights",
                f"a network small enough for exact answers: after sigmoid, tanh or softmax every later value "
                f"nests all earlier ones, and layer {i} would hold about {size} terms per value (at most {MAX_TERMS})",
            )
        n_in = n


Activate = Callable[[str, Sequence[Any], Any], tuple[Any, ...]]


def _forward(
    p: Params,
    *,
    weights: Sequence[Any] | None = None,
    biases: Sequence[Any] | None = None,
    names: Sequence[str] | None = None,
    alpha: Any = None,
    activate: Activate = act.apply,
) -> list[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """(z_l, a_l) per layer; the keyword arguments let a mistaken solver change one ingredient."""
    import sympy as sp

    a: tuple[Any, ...] = p.x
    out = []
    for w, b, name in zip(weights or p.weights, biases or p.biases, names or p.activations):
        z = tuple(sp.Add(*[wi * ai for wi, ai in zip(row, a)], bi) for row, bi in zip(w, b))
        a = activate(name, z, p.alpha if alpha is None else alpha)
        out.append((z, a))
    return out


def _parts(layers: Sequence[tuple[tuple[Any, ...], tuple[Any, ...]]]) -> dict[str, tuple[Any, ...]]:
    out: dict[str, tuple[Any, ...]] = {}
    for i, (z, a) in enumerate(layers, start=1):
        out[f"z{i}"], out[f"a{i}"] = z, a
    out["output"] = layers[-1][1]
    return out


def _small(v: Any, limit: int = 30) -> bool:
    """Whether an exact value is short enough to print in a step (sympy printing is slow on big ones)."""
    import sympy as sp

    if isinstance(v, sp.Rational):
        return True
    for n, _ in enumerate(sp.preorder_traversal(v)):
        if n >= limit:
            return False
    return True


class _Shown:
    """How values appear in the steps: exact when short, each printed once; approximated after ≈."""

    def __init__(self) -> None:
        self.memo: dict[Any, doc.F] = {}

    def __call__(self, v: Any, paren_negative: bool = False) -> doc.F:
        key = (v, paren_negative)
        if key not in self.memo:
            self.memo[key] = doc.expr(v, paren_negative=paren_negative)
        return self.memo[key]

    def approx(self, v: Any) -> doc.F:
        """`` ≈ 0.880797`` after a non-rational value; nothing after a rational one."""
        import sympy as sp

        if isinstance(v, sp.Rational):
            return doc.F("", "", "")
        s = f"{float(exact_n(v, 15)):.6g}"
        return op("~") + doc.F(s, s, s)

    def value(self, v: Any, written: doc.F | None = None) -> doc.F:
        """`` = exact ≈ 0.88``: the exact form only when short and not already ``written``."""
        exact = _small(v) and (written is None or self(v).plain != written.plain)
        return (op("=") + self(v) if exact else doc.F("", "", "")) + self.approx(v)

    def vector(self, vs: Sequence[Any]) -> doc.F:
        """The output: exact when rational, else its decimals (each exact value is shown above)."""
        import sympy as sp

        if all(isinstance(v, sp.Rational) for v in vs):
            return op("=") + doc.vec(vs)
        return op("~") + doc.vec([sp.Float(f"{float(exact_n(v, 15)):.6g}", 6) for v in vs])


def _layer_steps(show: _Shown, i: int, p: Params, a_prev: Any, z: Any, a: Any) -> list[doc.Block]:
    w, b, name = p.weights[i - 1], p.biases[i - 1], p.activations[i - 1]
    prev = var("x") if i == 1 else var("a", i - 1)
    blocks: list[doc.Block] = [
        para(
            f"Layer {i} ({name}): ",
            doc.eq(var("z", i), var("W", i) + op(" ") + prev + op("+") + var("b", i)),
            ", one dot product per unit:",
        )
    ]
    factors = [show(v, True) if _small(v) else var("a", f"{i - 1},{j}") for j, v in enumerate(a_prev, start=1)]
    for k, (row, bk, zk) in enumerate(zip(w, b, z), start=1):
        terms = doc.join("+", [show(wj, True) + op("*") + f for wj, f in zip(row, factors)])
        blocks.append(Display(doc.eq(var("z", f"{i},{k}"), terms + op("+") + show(bk, True)) + show.value(zk)))
    if name == "linear":
        blocks.append(para("Linear activation: ", doc.eq(var("a", i), var("z", i)), "."))
        return blocks
    blocks.append(para("Activation: ", act.definition(name, p.alpha), "."))
    if name == "softmax" and all(_small(v) for v in z):
        _, ratios = act.softmax_shown(z)
        for k, (ak, ratio) in enumerate(zip(a, ratios), start=1):
            blocks.append(Display(doc.eq(var("a", f"{i},{k}"), ratio) + show.approx(ak)))
        return blocks
    fname = "sigma" if name == "sigmoid" else name
    for k, (zk, ak) in enumerate(zip(z, a), start=1):
        arg = show(zk) if name != "softmax" and _small(zk) else var("z", f"{i},{k}")
        call = doc.call(fname, arg)
        blocks.append(Display(var("a", f"{i},{k}") + op("=") + call + show.value(ak, call)))
    return blocks


def solve(p: Params) -> Answer:
    layers = _forward(p)
    show = _Shown()
    steps: list[doc.Block] = []
    a_prev = p.x
    for i, (z, a) in enumerate(layers, start=1):
        steps += _layer_steps(show, i, p, a_prev, z, a)
        a_prev = a
    steps.append(para("Output: ", var("a", len(layers)) + show.vector(layers[-1][1]), "."))
    parts = tuple(Part(k, v, "vector") for k, v in _parts(layers).items())
    return Answer(parts=parts, steps=tuple(steps))


_LAYER_RULE = doc.F(
    r"z_l = W_l a_{l-1} + b_l \text{ and } a_l = f_l(z_l)",
    'z_l = W_l a_(l-1) + b_l "and" a_l = f_l (z_l)',
    "z_l = W_l a_(l-1) + b_l and a_l = f_l(z_l)",
)


def statement(p: Params) -> tuple[doc.Block, ...]:
    n = len(p.weights)
    blocks: list[doc.Block] = [
        para(
            f"A fully connected network with {n} layer{'s' if n > 1 else ''} receives the input ",
            doc.eq(var("x"), doc.vec(p.x)),
            ". Layer l computes ",
            _LAYER_RULE,
            ", with ",
            doc.eq(var("a", 0), var("x")),
            ".",
        )
    ]
    for i, (w, b, name) in enumerate(zip(p.weights, p.biases, p.activations), start=1):
        blocks.append(para(f"Layer {i}: ", doc.eq(var("W", i), doc.mat(w)), ", ", doc.eq(var("b", i), doc.vec(b)), f", activation {name}."))
    if "leaky_relu" in p.activations:
        blocks.append(para("leaky_relu(z) = z for z >= 0 and ", doc.var("alpha") + op("*") + var("z"), " otherwise, with ", doc.eq(var("alpha"), doc.num(p.alpha)), "."))
    names = ", ".join(f"z{i}, a{i}" for i in range(1, n + 1))
    blocks.append(para(f"Compute {names} and the output of the network, exactly."))
    return tuple(blocks)


def _given_vector(v: Any, n: int) -> tuple[Any, ...] | None:
    """A student's vector as exact/float sympy numbers, or None when it is not n numbers."""
    import sympy as sp

    if isinstance(v, sp.MatrixBase):
        v = list(v)
    if not isinstance(v, Sequence) or isinstance(v, str):
        return None
    if len(v) == 1 and isinstance(v[0], Sequence) and not isinstance(v[0], str):  # a row [[a, b]]
        v = v[0]
    elif all(isinstance(x, Sequence) and not isinstance(x, str) and len(x) == 1 for x in v):  # a column [[a], [b]]
        v = [x[0] for x in v]
    if len(v) != n:
        return None
    out = []
    for x in v:
        if isinstance(x, bool):
            return None
        if isinstance(x, int):
            out.append(sp.Integer(x))
        elif isinstance(x, float):
            out.append(sp.Float(x))
        elif isinstance(x, sp.Basic) and x.is_number:
            out.append(x)
        else:
            return None
    return tuple(out)


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """a_l from the student's own z_l; z_(l+1) from the student's own a_l; the output from their a_L or z_L."""
    import sympy as sp

    out: dict[str, Any] = {}
    n_layers = len(p.weights)
    for i, (w, b, name) in enumerate(zip(p.weights, p.biases, p.activations), start=1):
        z = _given_vector(given.get(f"z{i}"), len(w))
        if z is not None:
            out[f"a{i}"] = act.apply(name, z, p.alpha)
        if i > 1:
            a = _given_vector(given.get(f"a{i - 1}"), len(w[0]))
            if a is not None:
                out[f"z{i}"] = tuple(sp.Add(*[wi * ai for wi, ai in zip(row, a)], bi) for row, bi in zip(w, b))
    last = _given_vector(given.get(f"a{n_layers}"), len(p.weights[-1]))
    if last is not None:
        out["output"] = last
    elif f"a{n_layers}" in out:
        out["output"] = out[f"a{n_layers}"]
    return out


# ---------------------------------------------------------------------------------------------
# Mistakes: each an alternative forward pass; only the parts it changes are reported (all of
# them when it changes none, so a generator rejects variants where the mistake is invisible).
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _right(p: Params) -> dict[str, tuple[Any, ...]]:
    """The right parts, computed once for all the mistakes of a variant."""
    return _parts(_forward(p))


def _changed(p: Params, **variant: Any) -> dict[str, Any]:
    right, wrong = _right(p), _parts(_forward(p, **variant))
    diff = {k: v for k, v in wrong.items() if not same(v, right[k])}
    return diff or wrong


def _forgot_bias(p: Params) -> dict[str, Any]:
    import sympy as sp

    if all(v == 0 for b in p.biases for v in b):
        return {}
    return _changed(p, biases=[(sp.Integer(0),) * len(b) for b in p.biases])


def _forgot_activation(p: Params) -> dict[str, Any]:
    if all(n == "linear" for n in p.activations):
        return {}
    return _changed(p, names=["linear"] * len(p.activations))


def _transposed(p: Params) -> dict[str, Any]:
    import sympy as sp

    square = all(len(w) == len(w[0]) for w in p.weights)
    if not square or all(sp.Matrix(w).is_symmetric() for w in p.weights):
        return {}
    return _changed(p, weights=[tuple(zip(*w)) for w in p.weights])


def _sigmoid_sign(p: Params) -> dict[str, Any]:
    import sympy as sp

    if "sigmoid" not in p.activations:
        return {}

    def activate(name: str, z: Sequence[Any], alpha: Any) -> tuple[Any, ...]:
        return tuple(sp.Integer(1) / (1 + sp.exp(v)) for v in z) if name == "sigmoid" else act.apply(name, z, alpha)

    return _changed(p, activate=activate)


def _softmax_as_sigmoid(p: Params) -> dict[str, Any]:
    if "softmax" not in p.activations:
        return {}
    return _changed(p, names=["sigmoid" if n == "softmax" else n for n in p.activations])


def _relu_on_output(p: Params) -> dict[str, Any]:
    if len(p.activations) < 2 or p.activations[-1] != "linear" or "relu" not in p.activations[:-1]:
        return {}
    return _changed(p, names=[*p.activations[:-1], "relu"])


def _leaky(p: Params, **variant: Any) -> dict[str, Any]:
    return _changed(p, **variant) if "leaky_relu" in p.activations else {}


MISTAKES = (
    Mistake("forgot-bias", "each unit adds its bias: z = W a + b, not W a.", _forgot_bias),
    Mistake("forgot-activation", "each layer applies its activation: a_l = f_l(z_l), not z_l.", _forgot_activation),
    Mistake(
        "transposed-weights",
        "W is outputs x inputs: unit i uses row i of W (z = W a), not column i (z = Wᵀ a).",
        _transposed,
    ),
    Mistake("sigmoid-sign", "the sigmoid is 1 / (1 + e^(-z)), with a minus sign in the exponent.", _sigmoid_sign),
    Mistake(
        "softmax-as-sigmoid",
        "softmax normalises over the layer's units: exp(z_i) / sum_j exp(z_j), not a sigmoid of each unit.",
        _softmax_as_sigmoid,
    ),
    Mistake(
        "relu-on-output",
        "the output layer is linear: its activations are its pre-activations, negative ones included.",
        _relu_on_output,
    ),
    Mistake(
        "leaky-slope-keras",
        "this leaky ReLU uses the slope alpha given in the question (Keras' default 0.3 is another convention).",
        lambda p: _leaky(p, alpha=act.KERAS_ALPHA) if p.alpha != act.KERAS_ALPHA else {},
    ),
    Mistake(
        "leaky-as-relu",
        "a leaky ReLU keeps alpha times a negative input instead of setting it to 0.",
        lambda p: _leaky(p, alpha=0) if p.alpha != 0 else {},
    ),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


SATURATION = 4  # |z| of a sigmoid/tanh unit, and the spread of a softmax layer's z, in drawn variants


def _unsaturated(z: Sequence[Any], name: str) -> bool:
    """Sigmoid, tanh and softmax away from 0 and 1, where decimals (and mistakes) still tell apart."""

    if name not in act.TRANSCENDENTAL:
        return True
    values = [float(exact_n(v, 15)) for v in z]
    if name == "softmax":
        return max(values) - min(values) <= SATURATION
    return all(abs(v) <= SATURATION for v in values)


def _good(p: Params) -> bool:
    """A variant worth asking: ReLU layers see both signs and never exactly 0, sigmoid/tanh/softmax are
    not saturated, and the mistakes the generator can foresee show."""
    layers = _forward(p)
    saw_negative = False
    for (z, _), name in zip(layers, p.activations):
        if not _unsaturated(z, name):
            return False
        if name in ("relu", "leaky_relu"):
            signs = [act.sign(v) for v in z]
            if 0 in signs or (len(z) > 1 and 1 not in signs):
                return False
            saw_negative = saw_negative or -1 in signs
    if not saw_negative and any(n in ("relu", "leaky_relu") for n in p.activations):
        return False
    if all(v == 0 for b in p.biases for v in b):
        return False
    if p.activations[-1] == "linear" and "relu" in p.activations[:-1]:
        return any(act.sign(v) < 0 for v in layers[-1][0])
    return True


def _check_range(lo: int, hi: int, what: str) -> None:
    if lo > hi:
        raise ParamError("options", f"{what}_min <= {what}_max", (lo, hi))


def sample(
    rng: random.Random,
    *,
    layers_min: int = 2,
    layers_max: int = 2,
    inputs_min: int = 2,
    inputs_max: int = 3,
    units_min: int = 2,
    units_max: int = 3,
    outputs_min: int = 1,
    outputs_max: int = 2,
    value_min: int = -3,
    value_max: int = 3,
    bias_min: int = -2,
    bias_max: int = 2,
    hidden_activations: str | Sequence[str] = ("relu",),
    output_activations: str | Sequence[str] = ("linear", "sigmoid", "softmax"),
    alpha: Any = act.DEFAULT_ALPHA,
) -> Params:
    """Small integers for hand computation; redrawn until ReLUs see a negative pre-activation."""
    for what, lo, hi in (("layers", layers_min, layers_max), ("inputs", inputs_min, inputs_max), ("units", units_min, units_max),
                         ("outputs", outputs_min, outputs_max), ("value", value_min, value_max), ("bias", bias_min, bias_max)):
        _check_range(lo, hi, what)
    hidden = (hidden_activations,) if isinstance(hidden_activations, str) else tuple(hidden_activations)
    output = (output_activations,) if isinstance(output_activations, str) else tuple(output_activations)
    p = None
    for _ in range(200):
        n_layers = rng.randint(layers_min, layers_max)
        names = [rng.choice(hidden) for _ in range(n_layers - 1)] + [rng.choice(output)]
        sizes = [rng.randint(inputs_min, inputs_max)] + [rng.randint(units_min, units_max) for _ in range(n_layers - 1)]
        sizes.append(max(2 if names[-1] == "softmax" else 1, rng.randint(outputs_min, outputs_max)))
        x = [rng.randint(value_min, value_max) for _ in range(sizes[0])]
        if not any(x):
            continue
        weights = [[[rng.randint(value_min, value_max) for _ in range(n_in)] for _ in range(n_out)] for n_in, n_out in zip(sizes, sizes[1:])]
        biases = [[rng.randint(bias_min, bias_max) for _ in range(n)] for n in sizes[1:]]
        p = Params(x=tuple(x), weights=weights, activations=tuple(names), biases=biases, alpha=alpha)
        if _good(p):
            return p
    if p is None:
        raise ParamError("options", "value ranges that allow a non-zero input", (value_min, value_max))
    return p
