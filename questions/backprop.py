"""One backward pass through a small dense network, exactly: the loss, dL/dz_l, dL/dW_l and dL/db_l.

The forward pass is ``dense-forward``'s (weights outputs x inputs, z_l = W_l a_(l-1) + b_l). Losses
are taken as Keras and PyTorch take them for one sample: ``mse`` is the mean over the outputs,
(1/n) sum (a - y)^2 (``MSELoss``/``mean_squared_error``, no 1/2); ``binary-cross-entropy`` the mean
over the outputs of -(y ln a + (1 - y) ln(1 - a)) after a sigmoid output; ``categorical-cross-entropy``
-sum y ln a after a softmax output. Backward: dL/dz_L from the loss (a - y for softmax with
cross-entropy, (a - y)/n for sigmoid with binary cross-entropy, else dL/da times the activation's
derivative), dL/dz_l = (W_(l+1)^T dL/dz_(l+1)) * f_l'(z_l), dL/dW_l = dL/dz_l a_(l-1)^T (shaped like W_l),
dL/db_l = dL/dz_l. ReLU's derivative at 0 is 0 and leaky ReLU's is its slope, as in PyTorch.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nnexam.questions import activations as act
from nnexam.questions import dense_forward as dense
from nnexam.questions import doc
from nnexam.questions.doc import Display, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import exact_n, to_sympy
from nnexam.questions.family import Answer, Mistake, Part, same
from nnexam.questions.params import Choice, Integer, ListOf, Nested, Param, PartSpec

TYPE_ID = "backprop"
SUMMARY = "Backward pass of a dense network: the loss, dL/dz_l, dL/dW_l and dL/db_l for one sample"

LOSSES = ("mse", "binary-cross-entropy", "categorical-cross-entropy")
_OUTPUT_ACTIVATION = {"binary-cross-entropy": "sigmoid", "categorical-cross-entropy": "softmax"}

PARAMS = (
    *dense.PARAMS[:2],
    Param("y", Nested(max_depth=1), help="the target: a vector with one value per output (a class index for categorical)"),
    *dense.PARAMS[2:],
    Param("loss", Choice(*LOSSES), default="mse", help="mse (mean over outputs), binary-cross-entropy or categorical-cross-entropy"),
)
PARTS = (
    PartSpec("loss", "number", "the loss of the sample"),
    PartSpec("dL/dzL", "vector", "gradient of the loss with respect to the pre-activations of layer L"),
    PartSpec("dL/dWL", "matrix", "gradient with respect to W_L (outputs x inputs, like W_L)"),
    PartSpec("dL/dbL", "vector", "gradient with respect to b_L"),
)
OPTIONS = (
    Param("losses", ListOf(Choice(*LOSSES)), default=LOSSES, help="losses to draw from"),
    *(p for p in dense.OPTIONS if p.name not in ("output_activations", "outputs_min", "outputs_max")),
    Param("outputs_max", Integer(min=1, max=4), default=2, help="most output units (mse, binary)"),
)


@dataclass(frozen=True)
class Params:
    """The network normalised as ``dense-forward`` does it, plus the target and the loss."""

    x: Any
    weights: Any
    y: Any
    activations: Any
    biases: Any = None
    alpha: Any = act.DEFAULT_ALPHA
    loss: str = "mse"

    def __post_init__(self) -> None:
        net = dense.Params(x=self.x, weights=self.weights, activations=self.activations, biases=self.biases, alpha=self.alpha)
        for name in ("x", "weights", "activations", "biases", "alpha"):
            object.__setattr__(self, name, getattr(net, name))
        n_out = len(net.weights[-1])
        y = self.y if isinstance(self.y, tuple) else (self.y,)
        if self.loss == "categorical-cross-entropy" and len(y) == 1 and n_out > 1:
            k = y[0]
            if not (k == int(k) and 0 <= k < n_out):
                raise ParamError("y", f"a class index 0..{n_out - 1} or {n_out} probabilities", self.y)
            y = tuple(1 if i == k else 0 for i in range(n_out))
        if len(y) != n_out:
            raise ParamError("y", f"one target per output unit ({n_out})", self.y)
        y = tuple(to_sympy(v) for v in y)
        object.__setattr__(self, "y", y)
        need = _OUTPUT_ACTIVATION.get(self.loss)
        if need and net.activations[-1] != need:
            raise ParamError("activations", f"a {need} output layer with {self.loss} (its last activation is "
                             f"{net.activations[-1]})", list(net.activations))
        if self.loss != "mse" and any(v < 0 or v > 1 for v in y):
            raise ParamError("y", f"targets in [0, 1] with {self.loss}", self.y)
        if self.loss == "categorical-cross-entropy" and sum(y) != 1:
            raise ParamError("y", "probabilities that sum to 1 (a one-hot vector or a class index)", self.y)

    @property
    def net(self) -> dense.Params:
        return dense.Params(x=self.x, weights=self.weights, activations=self.activations, biases=self.biases, alpha=self.alpha)


# ---------------------------------------------------------------------------------------------
# The backward pass, with switches that reproduce each mistake
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class How:
    derivative: bool = True  # multiply by the activation's derivative
    transposed: bool = False  # dL/dW = a_(l-1) dL/dz^T
    mse: str = "mean"  # or "half" (1/2 sum), "sum"
    a_minus_y: bool = False  # dL/dz_L = a - y whatever the loss


def _derivative(name: str, z: Sequence[Any], a: Sequence[Any], alpha: Any) -> tuple[Any, ...]:
    """f'(z) elementwise (not softmax: see _through)."""
    import sympy as sp

    if name == "linear":
        return tuple(sp.Integer(1) for _ in z)
    if name == "relu":
        return tuple(sp.Integer(1 if act.sign(v) > 0 else 0) for v in z)
    if name == "leaky_relu":
        return tuple(sp.Integer(1) if act.sign(v) > 0 else alpha for v in z)
    if name == "sigmoid":
        return tuple(v * (1 - v) for v in a)
    if name == "tanh":
        return tuple(1 - v**2 for v in a)
    raise ParamError("activations", f"an activation with an elementwise derivative, not {name}")


def _through(name: str, g: Sequence[Any], z: Sequence[Any], a: Sequence[Any], alpha: Any) -> tuple[Any, ...]:
    """dL/dz from dL/da through the activation (softmax: its Jacobian)."""
    import sympy as sp

    if name == "softmax":
        dot = sp.Add(*[gi * ai for gi, ai in zip(g, a)])
        return tuple(ai * (gi - dot) for gi, ai in zip(g, a))
    return tuple(gi * di for gi, di in zip(g, _derivative(name, z, a, alpha)))


def _loss(p: Params, z: Sequence[Any], a: Sequence[Any], how: How) -> Any:
    """The loss, exact. Binary cross-entropy is written from z, ln σ(z) = −ln(1 + e^(−z)) and
    ln(1 − σ(z)) = −ln(1 + e^z): the same value, but sympy's evalf silently loses the digits of
    1 − σ(z) for a large z (ln(1 − σ(332.37)) came out as −300.1), and the key's decimals come from it."""
    import sympy as sp

    n = len(a)
    if p.loss == "mse":
        total = sp.Add(*[(ai - yi) ** 2 for ai, yi in zip(a, p.y)])
        return {"mean": total / n, "half": total / 2, "sum": total}[how.mse]
    if p.loss == "binary-cross-entropy":
        terms = [yi * sp.log(1 + sp.exp(-zi)) + (1 - yi) * sp.log(1 + sp.exp(zi)) for zi, yi in zip(z, p.y)]
        return sp.Add(*terms) / n
    return -sp.Add(*[yi * sp.log(ai) for ai, yi in zip(a, p.y) if yi != 0])


def _output_delta(p: Params, z: Sequence[Any], a: Sequence[Any], how: How) -> tuple[Any, ...]:
    import sympy as sp

    n, name = len(a), p.activations[-1]
    if how.a_minus_y:
        return tuple(ai - yi for ai, yi in zip(a, p.y))
    if p.loss == "mse":
        scale = {"mean": sp.Rational(2, n), "half": sp.Integer(1), "sum": sp.Integer(2)}[how.mse]
        da = tuple(scale * (ai - yi) for ai, yi in zip(a, p.y))
    elif p.loss == "binary-cross-entropy":
        if how.derivative:  # sigmoid + binary cross-entropy: (a - y) / n
            return tuple((ai - yi) / n for ai, yi in zip(a, p.y))
        # y/a and (1 - y)/(1 - a) written from z (see _loss): y (1 + e^(-z)) and (1 - y)(1 + e^z)
        da = tuple((-yi * (1 + sp.exp(-zi)) + (1 - yi) * (1 + sp.exp(zi))) / n for zi, yi in zip(z, p.y))
    else:
        if how.derivative:  # softmax + cross-entropy: a * sum(y) - y = a - y
            total = sp.Add(*p.y)
            return tuple(ai * total - yi for ai, yi in zip(a, p.y))
        da = tuple(-yi / ai for ai, yi in zip(a, p.y))
    return _through(name, da, z, a, p.alpha) if how.derivative else da


@lru_cache(maxsize=128)
def _forward(p: Params) -> tuple[tuple[tuple[Any, ...], tuple[Any, ...]], ...]:
    return tuple(dense._forward(p.net))


def _backward(p: Params, how: How = How()) -> dict[str, Any]:
    import sympy as sp

    layers = _forward(p)
    inputs = [p.x] + [a for _, a in layers[:-1]]
    z_l, a_l = layers[-1]
    out: dict[str, Any] = {"loss": _loss(p, z_l, a_l, how)}
    deltas: list[tuple[Any, ...]] = [()] * len(layers)
    delta = _output_delta(p, z_l, a_l, how)
    for i in range(len(layers) - 1, -1, -1):
        deltas[i] = delta
        if i == 0:
            break
        w = p.weights[i]
        back = tuple(sp.Add(*[w[k][j] * delta[k] for k in range(len(w))]) for j in range(len(w[0])))
        z, a = layers[i - 1]
        delta = _through(p.activations[i - 1], back, z, a, p.alpha) if how.derivative else back
    for i, d in enumerate(deltas, start=1):
        out[f"dL/dz{i}"] = d
    for i, (d, a_prev) in enumerate(zip(deltas, inputs), start=1):
        grad = tuple(tuple(dk * aj for aj in a_prev) for dk in d)
        out[f"dL/dW{i}"] = tuple(zip(*grad)) if how.transposed else grad
    for i, d in enumerate(deltas, start=1):
        out[f"dL/db{i}"] = d
    return out


@lru_cache(maxsize=64)
def _right(p: Params) -> dict[str, Any]:
    return _backward(p)


def _kind(name: str) -> str:
    return "number" if name == "loss" else "matrix" if name.startswith("dL/dW") else "vector"


def solve(p: Params) -> Answer:
    right = _right(p)
    parts = tuple(Part(k, v, _kind(k)) for k, v in right.items())
    return Answer(parts=parts, steps=tuple(_steps(p, right)))


# ---------------------------------------------------------------------------------------------
# Statement and steps
# ---------------------------------------------------------------------------------------------

_LOSS_TEXT = {
    "mse": "the mean squared error over the n outputs, L = (1/n) Σ (a_i − y_i)² (as Keras' and PyTorch's MSE, no ½)",
    "binary-cross-entropy": "the binary cross-entropy averaged over the n outputs, L = −(1/n) Σ [y_i ln a_i + (1 − y_i) ln(1 − a_i)]",
    "categorical-cross-entropy": "the categorical cross-entropy L = −Σ y_i ln a_i (natural log)",
}


def statement(p: Params) -> tuple[doc.Block, ...]:
    blocks = list(dense.statement(p.net)[:-1])
    blocks.append(para("The target is ", doc.eq(var("y"), doc.vec(p.y)), f" and the loss is {_LOSS_TEXT[p.loss]}."))
    n = len(p.weights)
    names = ", ".join(f"dL/dz{i}" for i in range(1, n + 1))
    blocks.append(para(f"Compute the loss and, by backpropagation, {names}, and the gradients dL/dW_l (shaped like W_l, "
                       "outputs x inputs) and dL/db_l of every layer. (ReLU's derivative at 0 is taken as 0.)"))
    return tuple(blocks)


class _Shown:
    """Values in the steps: rationals exactly, anything else by its decimals, each evaluated once."""

    def __init__(self) -> None:
        self.memo: dict[Any, float] = {}

    def value(self, v: Any) -> float:

        if v not in self.memo:
            self.memo[v] = float(exact_n(v, 15))
        return self.memo[v]

    def text(self, v: Any) -> str:
        """``3/4`` or ``0.880797``."""
        from nnexam.questions.exact import is_sympy

        if not is_sympy(v) or v.is_Rational:
            return doc.plain_str(v)
        return f"{self.value(v):.6g}"

    def num(self, v: Any) -> doc.F:
        t = self.text(v)
        return doc.F(t, t, t) if "/" not in t else doc.expr(v)

    def mat(self, rows: Sequence[Sequence[Any]]) -> doc.F:
        """A matrix of decimals, written without sympy's printers (the slow part of a key)."""
        cells = [[self.text(v) for v in r] for r in rows]
        latex = r"\begin{bmatrix}" + r" \\ ".join(" & ".join(_latex(c) for c in r) for r in cells) + r"\end{bmatrix}"
        typst = 'mat(delim: "[", ' + "; ".join(", ".join(r) for r in cells) + ")"
        return doc.F(latex, typst, "[" + ", ".join("[" + ", ".join(r) + "]" for r in cells) + "]")

    def vec(self, vs: Sequence[Any]) -> doc.F:
        return self.mat([[v] for v in vs])

    def outer(self, grad: Sequence[Sequence[Any]], d: Sequence[Any], a: Sequence[Any]) -> doc.F:
        """dL/dW = d aᵀ, its decimals from those of d and a (evaluating each product anew is slow)."""
        from nnexam.questions.exact import is_sympy

        for r, dk in zip(grad, d):
            for v, aj in zip(r, a):
                if is_sympy(v) and not v.is_Rational and v not in self.memo:
                    self.memo[v] = self.value(dk) * self.value(aj)
        return self.mat(grad)


def _latex(cell: str) -> str:
    if "/" in cell:
        p, q = cell.lstrip("-").split("/")
        return ("-" if cell.startswith("-") else "") + rf"\frac{{{p}}}{{{q}}}"
    return cell


def _steps(p: Params, right: Mapping[str, Any]) -> list[doc.Block]:
    show = _Shown()
    layers = _forward(p)
    n = len(layers)
    out: list[doc.Block] = [para("Forward pass (as dense-forward; decimals where a value is not rational):")]
    for i, (z, a) in enumerate(layers, start=1):
        out.append(Display(doc.eq(var("z", i), show.vec(z)) + doc.op(",") + doc.eq(var("a", i), show.vec(a))))
    out.append(para("Loss: ", doc.eq(var("L"), show.num(right["loss"])), "."))
    name, loss = p.activations[-1], p.loss
    if (loss, name) in (("binary-cross-entropy", "sigmoid"), ("categorical-cross-entropy", "softmax")):
        why = "(a − y)/n for a sigmoid with binary cross-entropy" if name == "sigmoid" else "a − y for softmax with cross-entropy"
    else:
        why = f"dL/da = (2/n)(a − y) for the mean squared error, times the derivative of {name}"
    out.append(para(f"Output layer: dL/dz{n} = {why}:"))
    out.append(Display(doc.eq(var("delta", n), show.vec(right[f"dL/dz{n}"]))))
    for i in range(n - 1, 0, -1):
        out.append(para(f"Layer {i} ({p.activations[i - 1]}): dL/dz{i} = (W{i + 1}ᵀ dL/dz{i + 1}) ⊙ f'(z{i}):"))
        out.append(Display(doc.eq(var("delta", i), show.vec(right[f"dL/dz{i}"]))))
    for i in range(1, n + 1):
        prev = "x" if i == 1 else f"a{i - 1}"
        out.append(para(f"dL/dW{i} = dL/dz{i} {prev}ᵀ (outer product, shaped like W{i}), dL/db{i} = dL/dz{i}:"))
        d, a_prev = right[f"dL/dz{i}"], p.x if i == 1 else layers[i - 2][1]
        out.append(Display(doc.eq(doc.text(f"dL/dW{i}"), show.outer(right[f"dL/dW{i}"], d, a_prev))))
    return out


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """dL/dW_l and dL/db_l from the student's own dL/dz_l; dL/dz_(l-1) from their dL/dz_l."""
    import sympy as sp

    layers = _forward(p)
    inputs = [p.x] + [a for _, a in layers[:-1]]
    out: dict[str, Any] = {}
    for i in range(1, len(layers) + 1):
        d = dense._given_vector(given.get(f"dL/dz{i}"), len(p.weights[i - 1]))
        if d is None:
            continue
        out[f"dL/dW{i}"] = tuple(tuple(dk * aj for aj in inputs[i - 1]) for dk in d)
        out[f"dL/db{i}"] = d
        if i > 1:
            w = p.weights[i - 1]
            back = tuple(sp.Add(*[w[k][j] * d[k] for k in range(len(w))]) for j in range(len(w[0])))
            z, a = layers[i - 2]
            out[f"dL/dz{i - 1}"] = _through(p.activations[i - 2], back, z, a, p.alpha)
    return out


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------


def _changed(p: Params, **how: Any) -> dict[str, Any]:
    right, wrong = _right(p), _backward(p, How(**how))
    diff = {k: v for k, v in wrong.items() if not same(v, right[k])}
    return diff or wrong


def _forgot_derivative(p: Params) -> dict[str, Any]:
    canonical = (p.loss, p.activations[-1]) in (("binary-cross-entropy", "sigmoid"), ("categorical-cross-entropy", "softmax"))
    if all(n == "linear" for n in p.activations) and not canonical:
        return {}
    return _changed(p, derivative=False)


def _transposed(p: Params) -> dict[str, Any]:
    """Only the layers whose gradient is a true matrix: a transposed row is the same vector to a grader."""
    wrong = _backward(p, How(transposed=True))
    right = _right(p)
    return {k: v for k, v in wrong.items() if k.startswith("dL/dW") and len(right[k]) > 1 and len(right[k][0]) > 1}


def _mse(p: Params, kind: str) -> dict[str, Any]:
    """Not with one output (sum = mean) or, for the half, two outputs (½ Σ = mean): the same answer there."""
    if p.loss != "mse" or len(p.y) == {"sum": 1, "half": 2}[kind]:
        return {}
    return _changed(p, mse=kind)


def _a_minus_y(p: Params) -> dict[str, Any]:
    if p.loss != "mse" or (p.activations[-1] == "linear" and len(p.y) == 2):  # (2/2)(a - y) is a - y
        return {}
    return _changed(p, a_minus_y=True)


MISTAKES = (
    Mistake("forgot-activation-derivative",
            "backpropagation multiplies by each activation's derivative: dL/dz = (Wᵀ dL/dz_next) ⊙ f'(z), and at the "
            "output dL/dz = dL/da ⊙ f'(z).", _forgot_derivative),
    Mistake("transposed-weight-gradient",
            "dL/dW_l = dL/dz_l a_(l-1)ᵀ is shaped like W_l (outputs x inputs), not a_(l-1) dL/dz_lᵀ.", _transposed),
    Mistake("mse-half-sum",
            "this mean squared error is the mean over the outputs, (1/n) Σ (a − y)² (Keras, PyTorch), not ½ Σ (a − y)²: "
            "its gradient is (2/n)(a − y).", lambda p: _mse(p, "half")),
    Mistake("mse-sum-not-mean",
            "the mean squared error divides by the number of outputs: (1/n) Σ (a − y)², gradient (2/n)(a − y).",
            lambda p: _mse(p, "sum")),
    Mistake("a-minus-y-other-loss",
            "dL/dz = a − y holds for softmax with cross-entropy (and sigmoid with binary cross-entropy); with the mean "
            "squared error dL/dz = (2/n)(a − y) ⊙ f'(z).", _a_minus_y),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def sample(rng: random.Random, *, losses: Sequence[str] = LOSSES, outputs_max: int = 2, **options: Any) -> Params:
    """dense-forward's generator (ReLUs that see a negative pre-activation, unsaturated outputs) with an
    output layer fitting the loss, and a target of small integers, 0/1 or one-hot."""
    for _ in range(50):
        p = _sample_once(rng, losses, outputs_max, options)
        if all(any(v != 0 for v in _right(p)[f"dL/dz{i}"]) for i in range(1, len(p.weights) + 1)):
            return p  # every layer learns something: no all-zero gradient
    return p


def _sample_once(rng: random.Random, losses: Sequence[str], outputs_max: int, options: Mapping[str, Any]) -> Params:
    loss = rng.choice(list(losses))
    out_act = {"mse": ("linear", "sigmoid"), "binary-cross-entropy": ("sigmoid",), "categorical-cross-entropy": ("softmax",)}[loss]
    net = dense.sample(rng, outputs_min=1, outputs_max=outputs_max if loss != "categorical-cross-entropy" else max(2, outputs_max),
                       output_activations=out_act, **options)
    n = len(net.weights[-1])
    if loss == "mse":
        y = tuple(rng.randint(-2, 2) if net.activations[-1] == "linear" else rng.randint(0, 1) for _ in range(n))
    elif loss == "binary-cross-entropy":
        y = tuple(rng.randint(0, 1) for _ in range(n))
    else:
        k = rng.randrange(n)
        y = tuple(1 if i == k else 0 for i in range(n))
    return Params(x=net.x, weights=net.weights, y=y, activations=net.activations, biases=net.biases, alpha=net.alpha, loss=loss)
