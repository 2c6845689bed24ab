"""A few optimizer steps by hand, exactly as Keras 3 or PyTorch run them.

The weights ``w`` (a scalar, vector or matrix) take ``T`` steps, either with the gradients given
(one per step, shaped like ``w``) or with the exact gradient of ``f`` at each iterate (sympy
differentiates the expression that :mod:`nnexam.questions.safe_expr` read; never ``sympify``).
Where the two frameworks differ, ``convention`` picks one; a hyperparameter left out takes that
framework's own default:

========= ==================================================== =====================================================
optimizer keras                                                pytorch
========= ==================================================== =====================================================
sgd       w -= lr g                         (lr 0.01)          w -= lr g                          (lr 0.001)
momentum  v = mu v - lr g; w += v           (mu 0.9)           b = mu b + g; w -= lr b            (mu 0.9)
nesterov  v = mu v - lr g; w += mu v - lr g                    b = mu b + g; w -= lr (g + mu b)
rmsprop   s = rho s + (1-rho) g^2; w -= lr g / sqrt(s + eps)   s = a s + (1-a) g^2; w -= lr g / (sqrt(s) + eps)
          (lr 0.001, rho 0.9, eps 1e-7)                        (lr 0.01, alpha 0.99, eps 1e-8)
adagrad   s += g^2 (s0 = 0.1); w -= lr g / sqrt(s + eps)       s += g^2 (s0 = 0); w -= lr g / (sqrt(s) + eps)
          (lr 0.001, eps 1e-7)                                 (lr 0.01, eps 1e-10)
adam(w)   w -= lr sqrt(1-b2^t)/(1-b1^t) m / (sqrt(v) + eps)    w -= lr/(1-b1^t) m / (sqrt(v)/sqrt(1-b2^t) + eps)
          (lr 0.001, eps 1e-7)                                 (lr 0.001, eps 1e-8)
========= ==================================================== =====================================================

Weight decay: Keras shrinks the weights first, ``w -= lr wd w`` (AdamW's default 0.004), for every
optimizer; PyTorch adds ``wd w`` to the gradient, except AdamW, which multiplies the weights by
``1 - lr wd`` first (default 0.01). The ``momentum``/``nesterov`` optimizers are SGD with momentum
0.9 unless given (both frameworks' own default, 0, would be plain SGD).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from functools import lru_cache
from typing import Any

from nnexam.questions import doc
from nnexam.questions.doc import Display, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import exact_n
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.normalization import readable
from nnexam.questions.params import Choice, Integer, ListOf, Nested, Number, OneOf, Param, PartSpec, Text

TYPE_ID = "optimizer-step"
SUMMARY = "Weights after T steps of SGD, momentum, Nesterov, RMSprop, Adagrad, Adam or AdamW (Keras or PyTorch)"

OPTIMIZERS = ("sgd", "momentum", "nesterov", "rmsprop", "adagrad", "adam", "adamw")
CONVENTIONS = ("keras", "pytorch")
SQRT_OPTIMIZERS = frozenset({"rmsprop", "adagrad", "adam", "adamw"})
MAX_STEPS = 20
MAX_SYMBOLIC_STEPS = 5  # with f and a square root, each iterate nests the previous ones
MAX_ENTRIES = 64

# The frameworks' own defaults (Keras 3 / torch 2 signatures; momentum: see the module docstring).
F = Fraction
DEFAULTS: dict[str, dict[str, dict[str, Fraction]]] = {
    "keras": {
        "sgd": {"learning_rate": F(1, 100)},
        "momentum": {"learning_rate": F(1, 100), "momentum": F(9, 10)},
        "nesterov": {"learning_rate": F(1, 100), "momentum": F(9, 10)},
        "rmsprop": {"learning_rate": F(1, 1000), "rho": F(9, 10), "epsilon": F(1, 10**7)},
        "adagrad": {"learning_rate": F(1, 1000), "epsilon": F(1, 10**7), "initial_accumulator": F(1, 10)},
        "adam": {"learning_rate": F(1, 1000), "beta_1": F(9, 10), "beta_2": F(999, 1000), "epsilon": F(1, 10**7)},
        "adamw": {"learning_rate": F(1, 1000), "beta_1": F(9, 10), "beta_2": F(999, 1000), "epsilon": F(1, 10**7),
                  "weight_decay": F(4, 1000)},
    },
    "pytorch": {
        "sgd": {"learning_rate": F(1, 1000)},
        "momentum": {"learning_rate": F(1, 1000), "momentum": F(9, 10)},
        "nesterov": {"learning_rate": F(1, 1000), "momentum": F(9, 10)},
        "rmsprop": {"learning_rate": F(1, 100), "rho": F(99, 100), "epsilon": F(1, 10**8)},
        "adagrad": {"learning_rate": F(1, 100), "epsilon": F(1, 10**10), "initial_accumulator": F(0)},
        "adam": {"learning_rate": F(1, 1000), "beta_1": F(9, 10), "beta_2": F(999, 1000), "epsilon": F(1, 10**8)},
        "adamw": {"learning_rate": F(1, 1000), "beta_1": F(9, 10), "beta_2": F(999, 1000), "epsilon": F(1, 10**8),
                  "weight_decay": F(1, 100)},
    },
}
HYPER = ("learning_rate", "momentum", "rho", "beta_1", "beta_2", "epsilon", "weight_decay", "initial_accumulator")
USES = {  # which hyperparameters each optimizer reads
    "sgd": ("learning_rate", "weight_decay"),
    "momentum": ("learning_rate", "momentum", "weight_decay"),
    "nesterov": ("learning_rate", "momentum", "weight_decay"),
    "rmsprop": ("learning_rate", "rho", "epsilon", "weight_decay"),
    "adagrad": ("learning_rate", "epsilon", "initial_accumulator", "weight_decay"),
    "adam": ("learning_rate", "beta_1", "beta_2", "epsilon", "weight_decay"),
    "adamw": ("learning_rate", "beta_1", "beta_2", "epsilon", "weight_decay"),
}

_VARIABLES = OneOf(ListOf(Text(max_len=32), max_len=8), Text(max_len=400))
_VARIABLES.expected = 'variable names, e.g. ["x", "y"] or "x, y"'

PARAMS = (
    Param("optimizer", Choice(*OPTIMIZERS), help="sgd, momentum, nesterov, rmsprop, adagrad, adam or adamw"),
    Param("convention", Choice(*CONVENTIONS), default="keras", help="keras or pytorch: update rule, defaults, weight decay"),
    Param("w", Nested(max_depth=2, max_items=MAX_ENTRIES), help="initial weights: a scalar, vector or matrix (with f: the variables' values)"),
    Param("gradients", Nested(max_depth=3, max_items=MAX_ENTRIES * MAX_STEPS), default=None,
          help="one gradient per step, each shaped like w (or give f)"),
    Param("f", OneOf(Text(max_len=2000), Number()), default=None, help="the function minimised, e.g. x^2 + 3*x*y (or give gradients)"),
    Param("variables", _VARIABLES, default=None, help="with f: the variables in the order of w (default: f's names, sorted)"),
    Param("steps", Integer(min=1, max=MAX_STEPS), default=None, help="with f: how many steps (default 1)"),
    Param("learning_rate", Number(), default=None, help="learning rate (default: the framework's)"),
    Param("momentum", Number(), default=None, help="momentum mu (default 0.9)"),
    Param("rho", Number(), default=None, help="RMSprop's decay rho (PyTorch's alpha; default 0.9 Keras, 0.99 PyTorch)"),
    Param("beta_1", Number(), default=None, help="Adam's beta_1 (default 0.9)"),
    Param("beta_2", Number(), default=None, help="Adam's beta_2 (default 0.999)"),
    Param("epsilon", Number(), default=None, help="epsilon (default 1e-7 Keras; 1e-8 PyTorch, Adagrad 1e-10)"),
    Param("weight_decay", Number(), default=None, help="weight decay (default 0; AdamW 0.004 Keras, 0.01 PyTorch)"),
    Param("initial_accumulator", Number(), default=None, help="Adagrad's initial accumulator (0.1 Keras, 0 PyTorch)"),
)
PARTS = (
    PartSpec("wT", "vector", "the weights after step T (a number, vector or matrix, shaped like w)"),
    PartSpec("final", "vector", "the weights after the last step"),
)
OPTIONS = (
    Param("optimizers", ListOf(Choice(*OPTIMIZERS)), default=OPTIMIZERS, help="optimizers to draw from"),
    Param("conventions", ListOf(Choice(*CONVENTIONS)), default=CONVENTIONS, help="conventions to draw from"),
    Param("source", Choice("gradients", "f", "either"), default="either", help="given gradients, a function f, or either"),
    Param("size_min", Integer(min=1, max=4), default=1, help="fewest weights"),
    Param("size_max", Integer(min=1, max=4), default=2, help="most weights"),
    Param("steps_min", Integer(min=1, max=5), default=1, help="fewest steps"),
    Param("steps_max", Integer(min=1, max=5), default=2, help="most steps"),
    Param("value_max", Integer(min=1, max=20), default=4, help="weights and gradients in [-value_max, value_max]"),
    Param("learning_rates", ListOf(Number()), default=(F(1, 10), F(1, 2), F(1, 4)), help="learning rates to draw from"),
    Param("epsilon", Number(), default=None, help="epsilon of drawn variants (default: the framework's)"),
    Param("weight_decay", Number(), default=None,
          help="weight decay of drawn variants (default: the framework's; AdamW draws 0.1, 0.2 or 0.5)"),
)


def _shape(v: Any) -> tuple[int, ...]:
    if not isinstance(v, tuple):
        return ()
    inner = {_shape(x) for x in v}
    if len(inner) != 1:
        raise ParamError("w", "a scalar, a vector or a matrix with rows of equal length", v)
    return (len(v), *inner.pop())


def _flat(v: Any) -> list[Any]:
    return [y for x in v for y in _flat(x)] if isinstance(v, tuple) else [v]


def _unflat(values: Sequence[Any], shape: tuple[int, ...]) -> Any:
    if not shape:
        return values[0]
    if len(shape) == 1:
        return tuple(values)
    n = shape[1]
    return tuple(tuple(values[i * n:(i + 1) * n]) for i in range(shape[0]))


def _variables(raw: Any) -> tuple[str, ...] | None:
    from nnexam.questions.quadratic_form import _names  # the one reader of variable lists

    return _names(raw)


@lru_cache(maxsize=256)
def _function(f: str, variables: tuple[str, ...] | None) -> tuple[Any, tuple[Any, ...], tuple[Any, ...]]:
    """(f, its variables, its exact gradient) from instructor text, through the safe parser."""
    import sympy as sp
    from nnexam.questions.safe_expr import ExprSyntaxError, parse_expression

    try:
        e = parse_expression(f, symbols=variables)
    except ExprSyntaxError as err:
        raise ParamError("f", f"a readable expression ({err.reason} at character {err.offset + 1})", f) from None
    names = sorted(s.name for s in e.free_symbols)
    if variables is None:
        variables = tuple(names)
    unknown = [n for n in names if n not in variables]
    if unknown:
        raise ParamError("f", f"an expression in the variables {', '.join(variables)}: '{unknown[0]}' is not one of them", f)
    if not variables:
        raise ParamError("f", "an expression in at least one variable (or give variables)", f)
    xs = tuple(sp.Symbol(n) for n in variables)
    return e, xs, tuple(sp.diff(e, x) for x in xs)


@dataclass(frozen=True)
class Params:
    optimizer: str
    w: Any
    convention: str = "keras"
    gradients: Any = None
    f: Any = None
    variables: Any = None
    steps: int | None = None
    learning_rate: Fraction | None = None
    momentum: Fraction | None = None
    rho: Fraction | None = None
    beta_1: Fraction | None = None
    beta_2: Fraction | None = None
    epsilon: Fraction | None = None
    weight_decay: Fraction | None = None
    initial_accumulator: Fraction | None = None

    def __post_init__(self) -> None:
        shape = _shape(self.w)
        if len(shape) > 2:
            raise ParamError("w", "a scalar, a vector or a matrix", self.w)
        if (self.gradients is None) == (self.f is None):
            raise ParamError("gradients", "either gradients (one per step) or f, not both and not neither",
                             "both" if self.f is not None else "neither")
        if self.f is not None:
            if self.gradients is None and not isinstance(self.f, str):
                object.__setattr__(self, "f", doc.plain_str(self.f))
            variables = _variables(self.variables)
            _, xs, _ = _function(self.f, variables)
            object.__setattr__(self, "variables", tuple(x.name for x in xs))
            if len(shape) > 1 or len(_flat(self.w)) != len(xs):
                raise ParamError("w", f"the values of the {len(xs)} variable(s) {', '.join(x.name for x in xs)}, in order", self.w)
            steps = 1 if self.steps is None else self.steps
            if self.optimizer in SQRT_OPTIMIZERS and steps > MAX_SYMBOLIC_STEPS:
                raise ParamError("steps", f"at most {MAX_SYMBOLIC_STEPS} with f and {self.optimizer} (exact iterates nest square roots)", steps)
            object.__setattr__(self, "steps", steps)
        else:
            if self.steps is not None or self.variables is not None:
                raise ParamError("steps", "steps and variables only with f (the gradients give the steps)",
                                 self.steps if self.steps is not None else self.variables)
            object.__setattr__(self, "gradients", _gradients(self.gradients, shape))
        for name in HYPER:
            value = getattr(self, name)
            if value is not None and name not in USES[self.optimizer]:
                raise ParamError(name, f"only with {' or '.join(o for o in OPTIMIZERS if name in USES[o])} (not {self.optimizer})", value)
        _check_hyper(self.hyper)

    @property
    def hyper(self) -> dict[str, Fraction]:
        """Every hyperparameter the optimizer reads: the given ones, else the convention's defaults."""
        return _hyper(self.convention, self.optimizer, tuple(getattr(self, name) for name in HYPER))

    @property
    def shape(self) -> tuple[int, ...]:
        return _shape(self.w)

    @property
    def n_steps(self) -> int:
        return self.steps if self.f is not None else len(self.gradients)


@lru_cache(maxsize=1024)
def _hyper(convention: str, optimizer: str, given: tuple[Fraction | None, ...]) -> dict[str, Fraction]:
    out = dict(DEFAULTS[convention][optimizer])
    out.update({k: F(v) for k, v in zip(HYPER, given) if v is not None})
    out.setdefault("weight_decay", F(0))
    return out


def _check_hyper(h: Mapping[str, Fraction]) -> None:
    if h["learning_rate"] <= 0:
        raise ParamError("learning_rate", "a number > 0", h["learning_rate"])
    for name in ("momentum", "rho", "beta_1", "beta_2"):
        if name in h and not 0 <= h[name] < 1:
            raise ParamError(name, "a number in [0, 1)", h[name])
    for name in ("epsilon", "weight_decay", "initial_accumulator"):
        if name in h and h[name] < 0:
            raise ParamError(name, "a number >= 0", h[name])


def _gradients(raw: Any, shape: tuple[int, ...]) -> tuple[Any, ...]:
    """One gradient per step: a list of w-shaped values; a single w-shaped gradient is one step."""
    if _shape_or_none(raw) == shape and shape:
        raw = (raw,)
    elif not shape and not isinstance(raw, tuple):
        raw = (raw,)
    if not isinstance(raw, tuple) or not 1 <= len(raw) <= MAX_STEPS:
        raise ParamError("gradients", f"a list of 1 to {MAX_STEPS} gradients, one per step", raw)
    for i, g in enumerate(raw, start=1):
        if _shape_or_none(g) != shape:
            raise ParamError(f"gradients[{i}]", f"a gradient shaped like w ({'x'.join(map(str, shape)) or 'a scalar'})", g)
    return raw


def _shape_or_none(v: Any) -> tuple[int, ...] | None:
    try:
        return _shape(v)
    except ParamError:
        return None


# ---------------------------------------------------------------------------------------------
# The update rules. A run is parameterised by switches, so each mistake is the same code with one
# ingredient changed.
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """How a run computes: the right rule of a convention, or a mistaken one."""

    convention: str
    hyper: tuple[tuple[str, Fraction], ...]
    bias_correction: bool = True
    epsilon_inside: bool | None = None  # None: the convention's placement
    adam_epsilon: str | None = None  # "keras" (scaled) or "pytorch"; None: the convention's
    momentum_form: str = "framework"  # or "ema": v = mu v + (1 - mu) g
    nesterov: bool = True
    decay: str | None = None  # "decoupled" or "l2"; None: the convention's
    sign: int = -1

    def h(self, name: str) -> Any:
        import sympy as sp

        v = dict(self.hyper)[name]
        return sp.Rational(v.numerator, v.denominator)


def _rule(p: Params, **changes: Any) -> Rule:
    return replace(Rule(p.convention, tuple(sorted(p.hyper.items()))), **changes)


def _decoupled(p: Params, rule: Rule) -> bool:
    if rule.decay is not None:
        return rule.decay == "decoupled"
    return p.convention == "keras" or p.optimizer == "adamw"


@dataclass
class State:
    t: int = 0
    slots: dict[str, list[Any]] = field(default_factory=dict)


def _initial_state(p: Params, rule: Rule, n: int) -> State:
    import sympy as sp

    slots: dict[str, list[Any]] = {}
    if p.optimizer in ("momentum", "nesterov"):
        slots["v"] = [sp.Integer(0)] * n
    elif p.optimizer == "rmsprop":
        slots["s"] = [sp.Integer(0)] * n
    elif p.optimizer == "adagrad":
        slots["s"] = [rule.h("initial_accumulator")] * n
    elif p.optimizer in ("adam", "adamw"):
        slots["m"] = [sp.Integer(0)] * n
        slots["v"] = [sp.Integer(0)] * n
    return State(0, slots)


def _step(p: Params, rule: Rule, state: State, w: list[Any], g: list[Any]) -> tuple[list[Any], State]:
    """One update of every entry: (new weights, new state). Pure: ``state`` is not changed."""
    import sympy as sp

    t = state.t + 1
    lr, wd = rule.h("learning_rate"), rule.h("weight_decay")
    slots = {k: list(v) for k, v in state.slots.items()}
    if wd:
        if _decoupled(p, rule):
            w = [wi - lr * wd * wi for wi in w]
        else:
            g = [gi + wd * wi for gi, wi in zip(g, w)]
    s = rule.sign
    out = []
    opt = p.optimizer
    for i, (wi, gi) in enumerate(zip(w, g)):
        if opt == "sgd":
            out.append(wi + s * lr * gi)
        elif opt in ("momentum", "nesterov"):
            mu = rule.h("momentum")
            v = slots["v"][i]
            if rule.momentum_form == "ema":  # v = mu v + (1 - mu) g; w -= lr v
                v = mu * v + (1 - mu) * gi
                look = gi + mu * v if opt == "nesterov" and rule.nesterov else v
                out.append(wi + s * lr * look)
            elif rule.convention == "keras":  # v = mu v - lr g
                v = mu * v - lr * gi
                step = mu * v - lr * gi if opt == "nesterov" and rule.nesterov else v
                out.append(wi - s * step)
            else:  # b = mu b + g
                v = mu * v + gi
                look = gi + mu * v if opt == "nesterov" and rule.nesterov else v
                out.append(wi + s * lr * look)
            slots["v"][i] = v
        elif opt in ("rmsprop", "adagrad"):
            eps = rule.h("epsilon")
            acc = slots["s"][i]
            acc = acc + gi**2 if opt == "adagrad" else rule.h("rho") * acc + (1 - rule.h("rho")) * gi**2
            slots["s"][i] = acc
            inside = rule.convention == "keras" if rule.epsilon_inside is None else rule.epsilon_inside
            denom = sp.sqrt(acc + eps) if inside else sp.sqrt(acc) + eps
            _nonzero(denom, t, i)
            out.append(wi + s * lr * gi / denom)
        else:  # adam, adamw
            b1, b2, eps = rule.h("beta_1"), rule.h("beta_2"), rule.h("epsilon")
            m = b1 * slots["m"][i] + (1 - b1) * gi
            v = b2 * slots["v"][i] + (1 - b2) * gi**2
            slots["m"][i], slots["v"][i] = m, v
            _nonzero(v + eps, t, i)
            if not rule.bias_correction:
                out.append(wi + s * lr * m / (sp.sqrt(v) + eps))
                continue
            c1, c2 = 1 - b1**t, 1 - b2**t
            if (rule.adam_epsilon or rule.convention) == "keras":
                out.append(wi + s * lr * sp.sqrt(c2) / c1 * m / (sp.sqrt(v) + eps))
            else:
                out.append(wi + s * lr / c1 * m / (sp.sqrt(v) / sp.sqrt(c2) + eps))
    return out, State(t, slots)


def _nonzero(denominator: Any, t: int, i: int) -> None:
    if denominator == 0:
        raise ParamError("epsilon", f"> 0 when an accumulated squared gradient is 0 (entry {i + 1} at step {t}: 0/0)", 0)


def _gradient_at(p: Params, t: int, w: Sequence[Any]) -> list[Any]:
    """The gradient used by step ``t`` (1-based): given, or f's exact gradient at ``w``."""
    import sympy as sp

    if p.f is None:
        return [sp.Rational(x.numerator, x.denominator) for x in _flat(p.gradients[t - 1])]
    f, xs, grad = _function(p.f, p.variables)
    values = dict(zip(xs, w))
    value = f.xreplace(values)
    if not (value.is_number and value.is_finite is not False and value.is_real is not False):
        raise ParamError("f", f"a function defined at every iterate: f is {doc.plain_str(value)} at step {t}", p.f)
    out = []
    for x, d in zip(xs, grad):
        g = d.xreplace(values)
        if not (g.is_number and g.is_finite is not False and g.is_real is not False):
            raise ParamError("f", f"a function differentiable at every iterate: df/d{x} is {doc.plain_str(g)} at step {t}", p.f)
        out.append(g)
    return out


@dataclass(frozen=True)
class Run:
    weights: tuple[tuple[Any, ...], ...]  # flat weights after each step
    gradients: tuple[tuple[Any, ...], ...]  # the gradient each step used (before L2 decay)
    states: tuple[State, ...]  # the state after each step


def _run(p: Params, rule: Rule) -> Run:
    import sympy as sp

    w = [sp.Rational(x.numerator, x.denominator) for x in _flat(p.w)]
    state = _initial_state(p, rule, len(w))
    ws, gs, states = [], [], []
    for t in range(1, p.n_steps + 1):
        g = _gradient_at(p, t, w)
        w, state = _step(p, rule, state, w, g)
        ws.append(tuple(w))
        gs.append(tuple(g))
        states.append(state)
    return Run(tuple(ws), tuple(gs), tuple(states))


def _parts(p: Params, run: Run) -> dict[str, Any]:
    shape = p.shape
    out = {f"w{t}": _unflat(w, shape) for t, w in enumerate(run.weights, start=1)}
    out["final"] = out[f"w{len(run.weights)}"]
    return out


def _kind(p: Params) -> str:
    return ("number", "vector", "matrix")[len(p.shape)]


@lru_cache(maxsize=64)
def _right(p: Params) -> Run:
    return _run(p, _rule(p))


def solve(p: Params) -> Answer:
    run = _right(p)
    kind = _kind(p)
    parts = tuple(Part(k, readable(v), kind) for k, v in _parts(p, run).items())
    return Answer(parts=parts, steps=tuple(_steps(p, run)))


# ---------------------------------------------------------------------------------------------
# Statement and worked steps
# ---------------------------------------------------------------------------------------------

_NAMES = {"sgd": "SGD", "momentum": "SGD with momentum", "nesterov": "SGD with Nesterov momentum", "rmsprop": "RMSprop",
          "adagrad": "Adagrad", "adam": "Adam", "adamw": "AdamW"}
_FRAMEWORK = {"keras": "Keras", "pytorch": "PyTorch"}


def _rule_text(p: Params) -> str:
    """The update rule as the convention writes it (plain text, one line)."""
    keras = p.convention == "keras"
    rules = {
        "sgd": "w ← w − lr·g",
        "momentum": "v ← μ·v − lr·g, w ← w + v (v₀ = 0)" if keras else "b ← μ·b + g, w ← w − lr·b (b₀ = 0)",
        "nesterov": "v ← μ·v − lr·g, w ← w + μ·v − lr·g (v₀ = 0)" if keras else "b ← μ·b + g, w ← w − lr·(g + μ·b) (b₀ = 0)",
        "rmsprop": "s ← ρ·s + (1 − ρ)·g², w ← w − lr·g / √(s + ε) (s₀ = 0)" if keras
        else "s ← α·s + (1 − α)·g², w ← w − lr·g / (√s + ε) (s₀ = 0)",
        "adagrad": "s ← s + g², w ← w − lr·g / √(s + ε) (s₀ = initial accumulator)" if keras
        else "s ← s + g², w ← w − lr·g / (√s + ε) (s₀ = initial accumulator)",
        "adam": "m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g², w ← w − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ) · m / (√v + ε)" if keras
        else "m ← β₁·m + (1 − β₁)·g, v ← β₂·v + (1 − β₂)·g², m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ), w ← w − lr·m̂ / (√v̂ + ε)",
    }
    rules["adamw"] = rules["adam"]
    text = rules[p.optimizer]
    wd = p.hyper["weight_decay"]
    if wd:
        text += "; before each step w ← w − lr·λ·w (decoupled weight decay λ)" if keras or p.optimizer == "adamw" \
            else "; the weight decay λ is added to the gradient first, g ← g + λ·w"
    return text


def _hyper_text(p: Params) -> str:
    names = {"learning_rate": "lr", "momentum": "μ", "rho": "α" if p.convention == "pytorch" else "ρ", "beta_1": "β₁",
             "beta_2": "β₂", "epsilon": "ε", "weight_decay": "λ (weight decay)", "initial_accumulator": "s₀"}
    items = [f"{names[k]} = {_dec(v)}" for k, v in p.hyper.items() if k != "weight_decay" or v]
    return ", ".join(items)


def _dec(v: Fraction) -> str:
    """A hyperparameter as an instructor writes it: 0.001, 1e-07, 1/3."""
    if v.denominator == 1:
        return str(v.numerator)
    d = v.denominator
    while d % 2 == 0 or d % 5 == 0:
        d //= 2 if d % 2 == 0 else 5
    if d != 1:
        return f"{v.numerator}/{v.denominator}"
    text = format(float(v), ".12g")
    return text


def _value(x: Any) -> doc.F:
    """An exact value in the steps: a rational as it is, anything else (square roots) by its decimals;
    the parts hold the exact forms."""
    import sympy as sp

    if isinstance(x, sp.Rational):
        return doc.expr(x)
    s = f"{float(exact_n(x, 15)):.6g}"
    return doc.F(r"\approx " + s, "approx " + s, "≈ " + s)


def _values(xs: Sequence[Any]) -> doc.F:
    if len(xs) == 1:
        return _value(xs[0])
    return doc.F("(", "(", "(") + doc.join(", ", [_value(x) for x in xs]) + doc.F(")", ")", ")")


def statement(p: Params) -> tuple[doc.Block, ...]:
    fw = _FRAMEWORK[p.convention]
    blocks: list[doc.Block] = [
        para(f"{_NAMES[p.optimizer]} as {fw} implements it ({fw} conventions and defaults): {_rule_text(p)}."),
        para(f"Hyperparameters: {_hyper_text(p)}."),
    ]
    w0 = doc.mat(p.w) if len(p.shape) == 2 else doc.vec(p.w) if p.shape else doc.num(p.w)
    if p.f is not None:
        from nnexam.questions.safe_expr import parse_expression

        f = doc.expr(parse_expression(p.f, symbols=p.variables))
        names = ", ".join(p.variables)
        blocks.append(para("It minimises ", doc.eq(var("f"), f), f" over ({names}), starting from ({names}) = ", w0,
                           f", with the exact gradient of f at each iterate. Give the values of ({names}) after each of "
                           f"the {p.n_steps} step(s)."))
    else:
        blocks.append(para("The weights start at ", doc.eq(var("w", 0), w0), " and the gradients of the steps are:"))
        for t, g in enumerate(p.gradients, start=1):
            gm = doc.mat(g) if len(p.shape) == 2 else doc.vec(g) if p.shape else doc.num(g)
            blocks.append(Display(doc.eq(var("g", t), gm)))
        blocks.append(para(f"Give the weights after each of the {p.n_steps} step(s), exactly or to 4 significant figures."))
    return tuple(blocks)


def _steps(p: Params, run: Run) -> list[doc.Block]:
    out: list[doc.Block] = [para(f"Update rule ({_FRAMEWORK[p.convention]}): {_rule_text(p)}; {_hyper_text(p)}.")]
    for t, (w, g, st) in enumerate(zip(run.weights, run.gradients, run.states), start=1):
        out.append(para(f"Step {t}: ", doc.eq(var("g", t), _values(g)), "."))
        for name, values in st.slots.items():
            out.append(Display(doc.eq(var(name, t), _values(values))))
        out.append(Display(doc.eq(var("w", t), _values(w))))
    return out


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """w_(t+1) from the student's own w_t: one step of the rule from their weights, with the
    state (velocities, averages) of the right run (with f, the gradient at their weights)."""
    run = _right(p)
    rule = _rule(p)
    n = len(run.weights[0])
    out: dict[str, Any] = {}
    for t in range(1, p.n_steps):
        w = _given(given.get(f"w{t}"), n)
        if w is None:
            continue
        try:
            g = _gradient_at(p, t + 1, w)
            new, _ = _step(p, rule, run.states[t - 1], w, g)
        except (ParamError, ArithmeticError, TypeError, ValueError):
            continue
        out[f"w{t + 1}"] = readable(_unflat(new, p.shape))
    last = _given(given.get(f"w{p.n_steps}"), n)
    if last is not None:
        out["final"] = _unflat(last, p.shape)
    elif f"w{p.n_steps}" in out:
        out["final"] = out[f"w{p.n_steps}"]
    return out


def _given(v: Any, n: int) -> list[Any] | None:
    """A student's weights as a flat list of n sympy numbers, or None."""
    import sympy as sp

    if isinstance(v, sp.MatrixBase):
        v = list(v)
    flat = _flat(tuple(_tuples(v))) if isinstance(v, list | tuple) else [v]
    if len(flat) != n:
        return None
    out = []
    for x in flat:
        if isinstance(x, bool) or x is None:
            return None
        if isinstance(x, int | Fraction):
            out.append(sp.Rational(x))
        elif isinstance(x, float):
            out.append(sp.Float(x))
        elif isinstance(x, sp.Basic) and x.is_number:
            out.append(x)
        else:
            return None
    return out


def _tuples(v: Any) -> Any:
    return tuple(_tuples(x) for x in v) if isinstance(v, list | tuple) else v


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------

# A mistake about a small constant (epsilon, weight decay, Adagrad's start) is listed only when it moves
# some weight by more than 2 %: below the grader's 1 % nobody can tell it from the right answer.
VISIBLE = 0.02


def _mistaken(p: Params, **changes: Any) -> dict[str, Any]:
    """The parts a mistaken rule changes (all of them when it changes none: draws reject those)."""
    right = _parts(p, _right(p))
    try:
        wrong = _parts(p, _run(p, _rule(p, **changes)))
    except (ZeroDivisionError, ParamError):
        return {}
    diff = {k: readable(v) for k, v in wrong.items() if _flat_tuple(v) != _flat_tuple(right[k])}
    return diff or {k: readable(v) for k, v in wrong.items()}


def _flat_tuple(v: Any) -> tuple[Any, ...]:
    return tuple(_flat(v)) if isinstance(v, tuple) else (v,)


def _visible(p: Params, wrong: Mapping[str, Any]) -> dict[str, Any]:
    """``wrong`` when some weight moves by more than VISIBLE (relative, or absolutely near 0), else {}:
    an epsilon of 1e-7 placed inside or outside a square root changes nothing a grader can see."""

    right = _parts(p, _right(p))
    for k, v in wrong.items():
        for a, b in zip(_flat_tuple(v), _flat_tuple(right[k])):
            fa, fb = float(exact_n(a, 20)), float(exact_n(b, 20))
            if abs(fa - fb) > VISIBLE * max(abs(fb), 0.05):
                return dict(wrong)
    return {}


def _other_rho(p: Params) -> dict[str, Any]:
    if p.optimizer != "rmsprop":
        return {}
    other = DEFAULTS["pytorch" if p.convention == "keras" else "keras"]["rmsprop"]["rho"]
    if p.hyper["rho"] == other:
        return {}
    return _mistaken(p, hyper=tuple(sorted({**p.hyper, "rho": other}.items())))


def _adagrad_start(p: Params) -> dict[str, Any]:
    if p.optimizer != "adagrad":
        return {}
    other = DEFAULTS["pytorch" if p.convention == "keras" else "keras"]["adagrad"]["initial_accumulator"]
    if p.hyper["initial_accumulator"] == other:
        return {}
    return _visible(p, _mistaken(p, hyper=tuple(sorted({**p.hyper, "initial_accumulator": other}.items()))))


def _epsilon_place(p: Params, inside: bool) -> dict[str, Any]:
    own_inside = p.convention == "keras"
    if p.optimizer not in ("rmsprop", "adagrad") or own_inside == inside or not p.hyper["epsilon"]:
        return {}
    return _visible(p, _mistaken(p, epsilon_inside=inside))


def _adam_epsilon(p: Params) -> dict[str, Any]:
    if p.optimizer not in ("adam", "adamw") or not p.hyper["epsilon"]:
        return {}
    return _visible(p, _mistaken(p, adam_epsilon="pytorch" if p.convention == "keras" else "keras"))


def _decay(p: Params, how: str) -> dict[str, Any]:
    if not p.hyper["weight_decay"] or ("decoupled" if _decoupled(p, _rule(p)) else "l2") == how:
        return {}
    return _visible(p, _mistaken(p, decay=how))


def _only(optimizers: tuple[str, ...], fn: Callable[[Params], dict[str, Any]]) -> Callable[[Params], dict[str, Any]]:
    return lambda p: fn(p) if p.optimizer in optimizers else {}


def _forgot_decay(p: Params) -> dict[str, Any]:
    if not p.hyper["weight_decay"]:
        return {}
    return _visible(p, _mistaken(p, hyper=tuple(sorted({**p.hyper, "weight_decay": F(0)}.items()))))


MISTAKES = (
    Mistake("update-sign", "the update goes against the gradient: w ← w − (step), not w + (step).", lambda p: _mistaken(p, sign=1)),
    Mistake("adam-no-bias-correction",
            "Adam divides m by 1 − β₁ᵗ and v by 1 − β₂ᵗ (bias correction); without it the first steps are far too small.",
            _only(("adam", "adamw"), lambda p: _mistaken(p, bias_correction=False))),
    Mistake("adam-epsilon-placement",
            "Keras adds ε to √v before the bias correction (its ε is scaled by √(1 − β₂ᵗ)); PyTorch adds ε to √v̂ "
            "after it: use the placement of the framework the question names.", _adam_epsilon),
    Mistake("epsilon-inside-sqrt",
            "PyTorch adds ε outside the square root, √s + ε; Keras' √(s + ε) is the other convention.",
            lambda p: _epsilon_place(p, True)),
    Mistake("epsilon-outside-sqrt",
            "Keras adds ε inside the square root, √(s + ε); PyTorch's √s + ε is the other convention.",
            lambda p: _epsilon_place(p, False)),
    Mistake("momentum-ema",
            "the velocity accumulates whole gradients, v ← μ·v + g (or μ·v − lr·g); v ← μ·v + (1 − μ)·g "
            "(an exponential average) is another method.",
            _only(("momentum", "nesterov"), lambda p: _mistaken(p, momentum_form="ema"))),
    Mistake("nesterov-lookahead-forgotten",
            "Nesterov takes the look-ahead step: the update uses g + μ·b (PyTorch) or μ·v − lr·g (Keras), not the plain velocity.",
            _only(("nesterov",), lambda p: _mistaken(p, nesterov=False))),
    Mistake("rmsprop-rho-other-framework",
            "RMSprop's decay is the one given (Keras' default ρ is 0.9, PyTorch's α is 0.99): the other framework's "
            "default gives other averages.", _other_rho),
    Mistake("adagrad-initial-accumulator",
            "Keras' Adagrad starts its accumulator at 0.1, PyTorch's at 0: use the framework the question names.",
            _adagrad_start),
    Mistake("weight-decay-as-l2",
            "this weight decay is decoupled: the weights shrink by lr·λ·w before the step; adding λ·w to the gradient "
            "(L2, as PyTorch's SGD and Adam do) is another method.", lambda p: _decay(p, "l2")),
    Mistake("weight-decay-decoupled",
            "this weight decay is L2: λ·w is added to the gradient before the step (PyTorch's SGD, RMSprop, Adagrad and "
            "Adam); shrinking the weights directly is AdamW's decoupled decay.", lambda p: _decay(p, "decoupled")),
    Mistake("forgot-weight-decay", "the weight decay λ applies at every step.", _forgot_decay),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def _quadratic(rng: random.Random, names: Sequence[str], vmax: int) -> str:
    """A small convex quadratic: positive squares, a cross term, linear terms."""
    terms = [f"{rng.randint(1, 3)}*{x}^2" for x in names]
    if len(names) == 2 and rng.random() < 0.5:
        terms.append(f"{rng.choice([-1, 1])}*{names[0]}*{names[1]}")
    terms += [f"{rng.randint(-vmax, vmax)}*{x}" for x in names]
    return " + ".join(terms).replace("+ -", "- ")


def sample(
    rng: random.Random,
    *,
    optimizers: Sequence[str] = OPTIMIZERS,
    conventions: Sequence[str] = CONVENTIONS,
    source: str = "either",
    size_min: int = 1,
    size_max: int = 2,
    steps_min: int = 1,
    steps_max: int = 2,
    value_max: int = 4,
    learning_rates: Sequence[Fraction] = (F(1, 10), F(1, 2), F(1, 4)),
    epsilon: Fraction | None = None,
    weight_decay: Fraction | None = None,
) -> Params:
    """Small integer weights and gradients, a hand-friendly learning rate, the framework's other defaults."""
    if size_min > size_max or steps_min > steps_max:
        raise ParamError("options", "size_min <= size_max and steps_min <= steps_max", (size_min, size_max, steps_min, steps_max))
    opt = rng.choice(list(optimizers))
    conv = rng.choice(list(conventions))
    n = rng.randint(size_min, size_max)
    steps = rng.randint(steps_min, steps_max)
    use_f = source == "f" or (source == "either" and rng.random() < 0.3)

    def nonzero() -> int:
        return rng.choice([v for v in range(-value_max, value_max + 1) if v])

    extra: dict[str, Any] = {"learning_rate": rng.choice(list(learning_rates))}
    if epsilon is not None and "epsilon" in USES[opt]:
        extra["epsilon"] = epsilon
    if weight_decay is not None:
        extra["weight_decay"] = weight_decay
    elif opt == "adamw":  # the defaults (0.004, 0.01) change nothing visible in a few steps
        extra["weight_decay"] = rng.choice([F(1, 10), F(1, 5), F(1, 2)])
    if use_f:
        names = ("x", "y", "z", "u")[: min(n, 4)]
        steps = min(steps, MAX_SYMBOLIC_STEPS)
        w0 = tuple(nonzero() for _ in names)
        return Params(optimizer=opt, convention=conv, w=w0 if len(names) > 1 else w0[0], f=_quadratic(rng, names, value_max),
                      variables=names, steps=steps, **extra)
    w0 = tuple(nonzero() for _ in range(n))
    grads = tuple(tuple(nonzero() for _ in range(n)) for _ in range(steps))
    if n == 1:
        return Params(optimizer=opt, convention=conv, w=w0[0], gradients=tuple(g[0] for g in grads), **extra)
    return Params(optimizer=opt, convention=conv, w=w0, gradients=grads, **extra)
