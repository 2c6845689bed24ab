"""A few steps of a simple (Elman) RNN, exactly: h_t = act(W_xh x_t + W_hh h_(t-1) + b_h), and
optionally y = W_hy h_T + b_y (no activation) at the last step.

Weights are outputs x inputs, as PyTorch's ``nn.RNN`` stores ``weight_ih_l0`` (hidden x input) and
``weight_hh_l0``; Keras' ``SimpleRNN`` stores their transposes (``kernel`` is input x units) and
computes x·kernel + h·recurrent_kernel + b, the same numbers. PyTorch's two biases add up to b_h.
Values stay exact: tanh(1/2) stays tanh(1/2); ReLU keeps rationals.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from nnexam.questions import activations as act
from nnexam.questions import doc
from nnexam.questions.dense_forward import _given_vector, _Shown
from nnexam.questions.doc import Display, op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import exact_n, to_exact, to_sympy
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Choice, Integer, ListOf, Nested, Param, PartSpec

TYPE_ID = "rnn-forward"
SUMMARY = "Forward steps of a simple RNN: h_t = act(W_xh x_t + W_hh h_(t-1) + b_h), and y = W_hy h_T + b_y"

MAX_STEPS = 16
MAX_TERMS = 400  # rough size of one exact value: each tanh step nests every earlier state

PARAMS = (
    Param("x", Nested(max_depth=2, max_items=1024), help="the inputs, one vector per time step (a list of numbers: "
          "one scalar input per step)"),
    Param("w_xh", Nested(max_depth=2), help="input-to-hidden weights, hidden x input"),
    Param("w_hh", Nested(max_depth=2), help="hidden-to-hidden weights, hidden x hidden"),
    Param("b_h", Nested(max_depth=1), default=None, help="hidden bias: a vector, or a scalar added to every unit; null: zeros"),
    Param("h0", Nested(max_depth=1), default=None, help="initial state; null: zeros"),
    Param("activation", Choice("tanh", "relu"), default="tanh", help="tanh (the default of nn.RNN and SimpleRNN) or relu"),
    Param("w_hy", Nested(max_depth=2), default=None, help="output weights, outputs x hidden; null: no output y"),
    Param("b_y", Nested(max_depth=1), default=None, help="output bias (with w_hy); null: zeros"),
)
PARTS = (
    PartSpec("hL", "vector", "the hidden state after step L (h1..hT): act(W_xh x_L + W_hh h_(L-1) + b_h)"),
    PartSpec("y", "vector", "W_hy h_T + b_y (when w_hy is given)"),
)
OPTIONS = (
    Param("steps_min", Integer(min=1, max=MAX_STEPS), default=2, help="fewest time steps"),
    Param("steps_max", Integer(min=1, max=MAX_STEPS), default=3, help="most time steps"),
    Param("inputs_min", Integer(min=1, max=6), default=1, help="smallest input size"),
    Param("inputs_max", Integer(min=1, max=6), default=2, help="largest input size"),
    Param("hidden_min", Integer(min=1, max=6), default=2, help="fewest hidden units"),
    Param("hidden_max", Integer(min=1, max=6), default=2, help="most hidden units"),
    Param("value_min", Integer(min=-9, max=9), default=-2, help="smallest input or weight"),
    Param("value_max", Integer(min=-9, max=9), default=2, help="largest input or weight"),
    Param("activations", ListOf(Choice("tanh", "relu")), default=("relu", "tanh"), help="activations drawn"),
    Param("output", Choice("never", "sometimes", "always"), default="sometimes", help="ask for y = W_hy h_T + b_y"),
    Param("h0", Boolean(), default=False, help="draw a non-zero initial state"),
)

Vec = tuple[Any, ...]
Mat = tuple[Vec, ...]


def _is_list(v: Any) -> bool:
    return isinstance(v, tuple | list)


def _num(v: Any, name: str) -> Any:
    if _is_list(v):
        raise ParamError(name, "a number", v)
    try:
        return to_sympy(to_exact(v))
    except (ValueError, TypeError):
        raise ParamError(name, "a number", v) from None


def _inputs(raw: Any) -> tuple[Vec, ...]:
    if not _is_list(raw) or not raw:
        raise ParamError("x", "a list of input vectors, one per time step", raw)
    if len(raw) > MAX_STEPS:
        raise ParamError("x", f"at most {MAX_STEPS} time steps", f"{len(raw)} steps")
    steps = [tuple(s) if _is_list(s) else (s,) for s in raw]
    if len({len(s) for s in steps}) != 1:
        raise ParamError("x", "input vectors of one size, one per time step", f"sizes {[len(s) for s in steps]}")
    return tuple(tuple(_num(v, f"x[{t}][{i}]") for i, v in enumerate(s, start=1)) for t, s in enumerate(steps, start=1))


def _matrix(raw: Any, name: str, rows: int | None, cols: int) -> Mat:
    """A rows x cols matrix; a number is 1x1; a flat list is one row (cols entries) or, for one column, one column."""
    if not _is_list(raw):
        m: list[list[Any]] = [[raw]]
    elif not any(_is_list(r) for r in raw):
        m = [list(raw)] if len(raw) == cols and (rows in (None, 1) or cols != 1) else [[v] for v in raw]
    elif all(_is_list(r) for r in raw):
        m = [list(r) for r in raw]
    else:
        raise ParamError(name, "a matrix: a list of rows of numbers", raw)
    shape = f"{len(m)}x{len(m[0])}" if len({len(r) for r in m}) == 1 else f"rows of lengths {[len(r) for r in m]}"
    if len({len(r) for r in m}) != 1 or len(m[0]) != cols or (rows is not None and len(m) != rows):
        want = f"{rows}x{cols}" if rows is not None else f"n x {cols}"
        raise ParamError(name, f"a {want} matrix (outputs x inputs)", shape)
    return tuple(tuple(_num(v, f"{name}[{i}][{j}]") for j, v in enumerate(r, start=1)) for i, r in enumerate(m, start=1))


def _vector(raw: Any, name: str, n: int) -> Vec:
    import sympy as sp

    if raw is None:
        return (sp.Integer(0),) * n
    if not _is_list(raw):
        return (_num(raw, name),) * n
    if len(raw) not in (1, n):
        raise ParamError(name, f"{n} numbers (one per unit) or one number", raw)
    return tuple(_num(v, f"{name}[{i}]") for i, v in enumerate(raw, start=1)) * (n // len(raw))


@dataclass(frozen=True)
class Params:
    """Normalised on construction: ``x`` a tuple of vectors, matrices as row tuples, biases as vectors."""

    x: Any
    w_xh: Any
    w_hh: Any
    b_h: Any = None
    h0: Any = None
    activation: str = "tanh"
    w_hy: Any = None
    b_y: Any = None

    def __post_init__(self) -> None:
        x = _inputs(self.x)
        w_xh = _matrix(self.w_xh, "w_xh", None, len(x[0]))
        n = len(w_xh)
        w_hh = _matrix(self.w_hh, "w_hh", n, n)
        set_ = object.__setattr__
        set_(self, "x", x)
        set_(self, "w_xh", w_xh)
        set_(self, "w_hh", w_hh)
        set_(self, "b_h", _vector(self.b_h, "b_h", n))
        set_(self, "h0", _vector(self.h0, "h0", n))
        if self.w_hy is not None:
            w_hy = _matrix(self.w_hy, "w_hy", None, n)
            set_(self, "w_hy", w_hy)
            set_(self, "b_y", _vector(self.b_y, "b_y", len(w_hy)))
        elif self.b_y is not None:
            raise ParamError("b_y", "w_hy as well (b_y is the bias of the output y = W_hy h_T + b_y)", self.b_y)
        if self.activation == "tanh":
            size = 1
            for t in range(len(x)):
                size = n * size + len(x[0]) + 2
                if size > MAX_TERMS:
                    raise ParamError("x", f"fewer steps or units for exact answers: each tanh step nests every earlier state, "
                                     f"and step {t + 1} would hold about {size} terms per value (at most {MAX_TERMS})")

    @property
    def hidden(self) -> int:
        return len(self.w_xh)


def _activate(name: str, zs: Sequence[Any], exact: bool = True) -> Vec:
    """The activation of a step. Exact: tanh of a rational is sympy's (tanh(0) = 0, tanh(-2) = -tanh(2)); tanh of
    a nested value stays as written (sympy's evaluation asks the argument for its sign, which evaluates it)."""
    import sympy as sp

    if not exact:
        f = {"tanh": math.tanh, "relu": lambda z: max(z, 0.0), "linear": lambda z: z}[name]
        return tuple(f(z) for z in zs)
    if name != "tanh":
        return act.apply(name, zs)
    return tuple(sp.tanh(z) if z.is_Rational else sp.tanh(z, evaluate=False) for z in zs)


def _run(p: Params, *, exact: bool = True, recurrent: bool = True, previous_input: bool = False,
         activation: str | None = None, w_hh: Mat | None = None, w_xh: Mat | None = None, b: Vec | None = None,
         h0: Vec | None = None, y_activation: bool = False) -> dict[str, Any]:
    """z_t, h_t for every step and y, exactly or in floats (the same code: the floats show decimals in the
    steps and tell the mistakes apart cheaply); the keywords let a mistaken solver change one ingredient."""
    import sympy as sp

    num: Any = (lambda v: v) if exact else float
    total: Any = (lambda terms: sp.Add(*terms)) if exact else sum

    def vec(v: Vec) -> Vec:
        return tuple(num(x) for x in v)

    def mat(m: Mat) -> Mat:
        return tuple(vec(r) for r in m)

    name = p.activation if activation is None else activation
    wx, wh = mat(p.w_xh if w_xh is None else w_xh), mat(p.w_hh if w_hh is None else w_hh)
    bias, h = vec(p.b_h if b is None else b), vec(p.h0 if h0 is None else h0)
    xs = [vec(x) for x in p.x]
    zero = vec((0,) * p.hidden)
    out: dict[str, Any] = {}
    for t, x in enumerate(xs, start=1):
        prev = h if recurrent else zero
        if previous_input:
            prev = vec(p.h0) if t == 1 else xs[t - 2]
        z = tuple(total([a * xi for a, xi in zip(rx, x)] + [c * hi for c, hi in zip(rh, prev)] + [bk])
                  for rx, rh, bk in zip(wx, wh, bias))
        h = _activate(name, z, exact)
        out[f"z{t}"], out[f"h{t}"] = z, h
    if p.w_hy is not None:
        y = tuple(total([w * hi for w, hi in zip(row, h)] + [by]) for row, by in zip(mat(p.w_hy), vec(p.b_y)))
        out["y"] = _activate(p.activation, y, exact) if y_activation else y
    return out


def _parts(run: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in run.items() if not k.startswith("z")}


def _small(v: Any) -> bool:
    """Short enough to print exactly in a step (tanh(2), -2 + 2*tanh(2)); longer values appear as names and
    decimals: printing nested tanh expressions is the slow part of a key."""
    from nnexam.questions.dense_forward import _small as short

    return short(v, 8)


class _Decimals(_Shown):
    """``_Shown`` with the decimals of a float forward pass: evaluating nested tanh expressions with sympy
    costs ~0.1 s a question; the exact values are in the answer."""

    def __init__(self, known: Mapping[Any, float]) -> None:
        super().__init__()
        self.known = known

    def __call__(self, v: Any, paren_negative: bool = False) -> doc.F:
        """Rationals as doc.expr prints them; other values in sympy's internal term order and with the sign of
        their decimal (ordering terms and asking a nested tanh for its sign both evaluate it numerically)."""
        import sympy as sp

        if isinstance(v, sp.Rational):
            return super().__call__(v, paren_negative)
        key = (v, paren_negative)
        if key not in self.memo:
            latex, typst, plain = doc._notations(v, "none")
            if paren_negative and (isinstance(v, sp.Add) or self._float(v) < 0):
                latex, typst, plain = r"\left(" + latex + r"\right)", f"({typst})", f"({plain})"
            self.memo[key] = doc.F(latex, typst, plain)
        return self.memo[key]

    def _float(self, v: Any) -> float:

        return self.known[v] if v in self.known else float(exact_n(v, 15))

    def approx(self, v: Any) -> doc.F:
        import sympy as sp

        if isinstance(v, sp.Rational):
            return doc.F("", "", "")
        s = f"{self._float(v):.6g}"
        return op("~") + doc.F(s, s, s)

    def vector(self, vs: Sequence[Any]) -> doc.F:
        import sympy as sp

        if all(isinstance(v, sp.Rational) for v in vs):
            return op("=") + doc.vec(vs)
        return op("~") + doc.vec([sp.Float(f"{self._float(v):.6g}", 6) for v in vs])


def _float_run(p: Params, run: Mapping[str, Any]) -> dict[Any, float]:
    """Each exact z_t, h_t and y entry -> its float (display only)."""
    floats = _run(p, exact=False)
    return {v: f for key, vals in run.items() for v, f in zip(vals, floats[key])}


def solve(p: Params) -> Answer:
    run = _run(p)
    show = _Decimals(_float_run(p, run))
    fname = p.activation
    steps: list[doc.Block] = [
        para("Each step: ", doc.eq(var("h", "t"), doc.call(fname, var("W", "xh") + op(" ") + var("x", "t") + op("+")
             + var("W", "hh") + op(" ") + var("h", "t-1") + op("+") + var("b", "h"))), ", starting from ",
             doc.eq(var("h", 0), doc.vec(p.h0)), "; ", act.definition(fname), "."),
    ]
    h_prev: Vec = p.h0
    for t, x in enumerate(p.x, start=1):
        z, h = run[f"z{t}"], run[f"h{t}"]
        steps.append(para(f"Step {t}: ", doc.eq(var("x", t), doc.vec(x)), "."))
        hs = [show(v, True) if _small(v) else var("h", f"{t - 1},{j}") for j, v in enumerate(h_prev, start=1)]
        for k, (rx, rh, bk, zk, hk) in enumerate(zip(p.w_xh, p.w_hh, p.b_h, z, h), start=1):
            terms = [show(a, True) + op("*") + show(xi, True) for a, xi in zip(rx, x)]
            terms += [show(c, True) + op("*") + hv for c, hv in zip(rh, hs)]
            steps.append(Display(doc.eq(var("z", f"{t},{k}"), doc.join("+", terms) + op("+") + show(bk, True)) + show.value(zk)))
            call = doc.call(fname, show(zk) if _small(zk) else var("z", f"{t},{k}"))
            steps.append(Display(var("h", f"{t},{k}") + op("=") + call + show.value(hk, call)))
        h_prev = h
    steps.append(para(f"Last state: h{len(p.x)}", show.vector(h_prev), "."))
    if p.w_hy is not None:
        terms_y = []
        for k, (row, by, yk) in enumerate(zip(p.w_hy, p.b_y, run["y"]), start=1):
            hs = [show(v, True) if _small(v) else var("h", f"{len(p.x)},{j}") for j, v in enumerate(h_prev, start=1)]
            terms = doc.join("+", [show(w, True) + op("*") + hv for w, hv in zip(row, hs)])
            terms_y.append(Display(doc.eq(var("y", k), terms + op("+") + show(by, True)) + show.value(yk)))
        steps.append(para("Output at the last step, no activation: ", doc.eq(var("y"), var("W", "hy") + op(" ") + var("h", "T")
                          + op("+") + var("b", "y")), ":"))
        steps += terms_y
    parts = tuple(Part(k, v, "vector") for k, v in _parts(run).items())
    return Answer(parts=parts, steps=tuple(steps))


def statement(p: Params) -> tuple[doc.Block, ...]:
    t_max = len(p.x)
    blocks: list[doc.Block] = [
        para(f"A simple RNN with {p.hidden} hidden unit{'s' if p.hidden > 1 else ''} and {p.activation} activation computes ",
             doc.eq(var("h", "t"), doc.call(p.activation, var("W", "xh") + op(" ") + var("x", "t") + op("+") + var("W", "hh")
                    + op(" ") + var("h", "t-1") + op("+") + var("b", "h"))), " (weights are outputs x inputs), with"),
        para(doc.eq(var("W", "xh"), doc.mat(p.w_xh)), ", ", doc.eq(var("W", "hh"), doc.mat(p.w_hh)), ", ",
             doc.eq(var("b", "h"), doc.vec(p.b_h)), ", ", doc.eq(var("h", 0), doc.vec(p.h0)), "."),
        para("Inputs: ", *[piece for t, x in enumerate(p.x, start=1)
                           for piece in ((", " if t > 1 else ""), doc.eq(var("x", t), doc.vec(x) if len(x) > 1 else doc.num(x[0])))], "."),
    ]
    ask = ", ".join(f"h{t}" for t in range(1, t_max + 1))
    if p.w_hy is not None:
        blocks.append(para("The output at the last step is ", doc.eq(var("y"), var("W", "hy") + op(" ") + var("h", t_max) + op("+")
                           + var("b", "y")), " (no activation), with ", doc.eq(var("W", "hy"), doc.mat(p.w_hy)), ", ",
                           doc.eq(var("b", "y"), doc.vec(p.b_y)), "."))
        ask += " and y"
    blocks.append(para(f"Compute {ask}, exactly."))
    return tuple(blocks)


def _affine(w: Mat, v: Vec, b: Vec, w2: Mat | None = None, v2: Vec = ()) -> Vec:
    """w v (+ w2 v2) + b, exactly."""
    import sympy as sp

    rows2 = w2 if w2 is not None else [()] * len(w)
    return tuple(sp.Add(*[a * x for a, x in zip(r, v)], *[c * y for c, y in zip(r2, v2)], bk) for r, r2, bk in zip(w, rows2, b))


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """h_t from the student's own h_(t-1); y from the student's own last state."""
    out: dict[str, Any] = {}
    for t in range(2, len(p.x) + 1):
        prev = _given_vector(given.get(f"h{t - 1}"), p.hidden)
        if prev is not None:
            out[f"h{t}"] = _activate(p.activation, _affine(p.w_xh, p.x[t - 1], p.b_h, p.w_hh, prev))
    last = _given_vector(given.get(f"h{len(p.x)}"), p.hidden)
    if p.w_hy is not None and last is not None:
        out["y"] = _affine(p.w_hy, last, p.b_y)
    return out


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _right_floats(p: Params) -> dict[str, Any]:
    return _parts(_run(p, exact=False))


def _changed(p: Params, **variant: Any) -> dict[str, Any]:
    """The parts a mistake changes (all of them when it changes none: draws reject the variant). Told apart in
    floats: values within 1e-9 are the same to any grader's tolerance, and comparing nested tanh expressions
    exactly evaluates them to 40 digits."""
    right = _right_floats(p)
    floats = _parts(_run(p, exact=False, **variant))
    wrong = _parts(_run(p, **variant))
    diff = {k: wrong[k] for k, v in floats.items()
            if any(abs(a - b) > 1e-9 * max(1.0, abs(b)) for a, b in zip(v, right[k]))}
    return diff or wrong


def _forgot_recurrent(p: Params) -> dict[str, Any]:
    return _changed(p, recurrent=False) if any(v != 0 for r in p.w_hh for v in r) else {}


def _previous_input(p: Params) -> dict[str, Any]:
    if len(p.x[0]) != p.hidden or len(p.x) < 2:
        return {}
    return _changed(p, previous_input=True)


def _transposed(p: Params) -> dict[str, Any]:
    w_t = tuple(zip(*p.w_hh))
    return {} if w_t == p.w_hh else _changed(p, w_hh=w_t)


def _transposed_input(p: Params) -> dict[str, Any]:
    w_t = tuple(zip(*p.w_xh))
    return {} if len(p.w_xh) != len(p.w_xh[0]) or w_t == p.w_xh else _changed(p, w_xh=w_t)


def _forgot_bias(p: Params) -> dict[str, Any]:
    import sympy as sp

    return {} if all(v == 0 for v in p.b_h) else _changed(p, b=(sp.Integer(0),) * p.hidden)


def _forgot_h0(p: Params) -> dict[str, Any]:
    import sympy as sp

    return {} if all(v == 0 for v in p.h0) else _changed(p, h0=(sp.Integer(0),) * p.hidden)


MISTAKES = (
    Mistake("forgot-recurrent", "each step adds the recurrent term W_hh h_(t-1): the state carries the past.", _forgot_recurrent),
    Mistake("previous-input", "the recurrent term uses the previous hidden state h_(t-1), not the previous input x_(t-1).",
            _previous_input),
    Mistake("forgot-activation", "each state is the activation of its pre-activation: h_t = act(z_t), not z_t.",
            lambda p: _changed(p, activation="linear")),
    Mistake("transposed-recurrent", "W_hh is outputs x inputs: unit i uses row i of W_hh (W_hh h), not column i (as "
            "Keras' recurrent_kernel, its transpose, would in h · U).", _transposed),
    Mistake("transposed-input-weights", "W_xh is outputs x inputs: unit i uses row i of W_xh (W_xh x), not column i "
            "(Keras' kernel, its transpose, is used as x · K).", _transposed_input),
    Mistake("forgot-bias", "each step adds the bias b_h.", _forgot_bias),
    Mistake("forgot-h0", "the first step uses the given initial state h_0, not zeros.", _forgot_h0),
    Mistake("y-with-activation", "the output y = W_hy h_T + b_y is linear: no activation.",
            lambda p: _changed(p, y_activation=True) if p.w_hy is not None else {}),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def sample(
    rng: random.Random,
    *,
    steps_min: int = 2,
    steps_max: int = 3,
    inputs_min: int = 1,
    inputs_max: int = 2,
    hidden_min: int = 2,
    hidden_max: int = 2,
    value_min: int = -2,
    value_max: int = 2,
    activations: Sequence[str] = ("relu", "tanh"),
    output: str = "sometimes",
    h0: bool = False,
) -> Params:
    """Small integers; a ReLU network sees a negative pre-activation, tanh stays away from saturation."""
    for lo, hi, what in ((steps_min, steps_max, "steps"), (inputs_min, inputs_max, "inputs"), (hidden_min, hidden_max, "hidden"),
                         (value_min, value_max, "value")):
        if lo > hi:
            raise ParamError("options", f"{what}_min <= {what}_max", (lo, hi))
    p = None
    for _ in range(200):
        t, m, n = rng.randint(steps_min, steps_max), rng.randint(inputs_min, inputs_max), rng.randint(hidden_min, hidden_max)

        def r() -> int:
            return rng.randint(value_min, value_max)

        x = [[r() for _ in range(m)] for _ in range(t)]
        with_y = output == "always" or (output == "sometimes" and rng.random() < 0.5)
        try:
            p = Params(x=x, w_xh=[[r() for _ in range(m)] for _ in range(n)], w_hh=[[r() for _ in range(n)] for _ in range(n)],
                       b_h=[r() for _ in range(n)], h0=[r() for _ in range(n)] if h0 else None, activation=rng.choice(activations),
                       w_hy=[[r() for _ in range(n)]] if with_y else None, b_y=[r()] if with_y else None)
        except ParamError:
            continue
        if _good(p):
            return p
    if p is None:
        raise ParamError("options", "sizes small enough for exact answers", (steps_max, hidden_max))
    return p


def _good(p: Params) -> bool:
    """ReLU: pre-activations of both signs, none 0 (exact rationals); tanh: |z| <= 3 (not saturated), not all 0."""
    run = _run(p, exact=p.activation == "relu")
    zs = [v for t in range(1, len(p.x) + 1) for v in run[f"z{t}"]]
    if p.activation == "relu":
        return any(v < 0 for v in zs) and any(v > 0 for v in zs) and all(v != 0 for v in zs)
    return all(abs(v) <= 3 for v in zs) and any(abs(v) > 1e-9 for v in zs)
