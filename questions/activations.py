"""Exact activation functions, shared by ``dense-forward``, ``softmax`` and ``cross-entropy``.

Values stay exact: ``sigmoid(13)`` is ``1/(1 + exp(-13))``, ``tanh(2)`` stays ``tanh(2)``, ReLU and
leaky ReLU of a rational are rationals. Signs of non-rational values (a ReLU after a sigmoid layer)
are decided numerically at high precision, never with floats.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

from nnexam.questions import doc, functions
from nnexam.questions.doc import F
from nnexam.questions.errors import ParamError, UnknownNameError
from nnexam.questions.exact import exact_n, to_sympy
from nnexam.questions.params import Converter

NAMES = ("relu", "sigmoid", "tanh", "softmax", "linear", "leaky_relu")
ALIASES = {"identity": "linear", "none": "linear", "logistic": "sigmoid", "leakyrelu": "leaky_relu"}
DEFAULT_ALPHA = Fraction(1, 100)  # PyTorch's LeakyReLU negative_slope
KERAS_ALPHA = Fraction(3, 10)  # Keras' LeakyReLU default negative_slope
TRANSCENDENTAL = frozenset({"sigmoid", "tanh", "softmax"})


def resolve(name: str, param: str = "activations") -> str:
    """A canonical activation name; ``Leaky-ReLU`` -> ``leaky_relu``; unknown names list the close ones."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key.replace("_", ""), ALIASES.get(key, key))
    if key not in NAMES:
        raise UnknownNameError(f"activation in '{param}'", name, NAMES)
    return key


class ActivationNames(Converter):
    """A list of activation names, or one name (a ``str``, meaning every layer)."""

    expected = "an activation name or a list of them (" + ", ".join(NAMES) + ")"

    def __call__(self, raw: Any, name: str) -> str | tuple[str, ...]:
        if isinstance(raw, str) and raw.strip()[:1] == "[":
            import json

            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                raise self.fail(name, raw) from None
        if isinstance(raw, str):
            return resolve(raw, name)
        if not isinstance(raw, Sequence) or not raw or len(raw) > 64:
            raise self.fail(name, raw)
        out = []
        for i, item in enumerate(raw):
            if not isinstance(item, str):
                raise self.fail(f"{name}[{i + 1}]", item, "an activation name (" + ", ".join(NAMES) + ")")
            out.append(resolve(item, f"{name}[{i + 1}]"))
        return tuple(out)


def sign(e: Any) -> int:
    """-1, 0 or 1 for an exact real number; non-rationals are evaluated to 40 digits."""
    import sympy as sp

    if isinstance(e, sp.Rational | int | float):
        return int(bool(e > 0)) - int(bool(e < 0))
    v = exact_n(e, 40)
    if not v.is_real:
        raise ParamError("values", "real numbers", e)
    if abs(v) < sp.Float("1e-35"):
        return 0
    return 1 if v > 0 else -1


def sigmoid(z: Any) -> Any:
    """1/(1 + exp(-z)); exact, sigmoid(0) = 1/2 (the function table's, as answers read it)."""
    return functions.TABLE["sigmoid"].exact(z)


def relu(z: Any) -> Any:
    import sympy as sp

    return z if sign(z) > 0 else sp.Integer(0)


def leaky_relu(z: Any, alpha: Any = DEFAULT_ALPHA) -> Any:
    return z if sign(z) >= 0 else to_sympy(alpha) * z


def softmax(zs: Sequence[Any]) -> tuple[Any, ...]:
    """exp(z_i) / sum_j exp(z_j), each an exact expression."""
    import sympy as sp

    exps = [sp.exp(z) for z in zs]
    total = sp.Add(*exps)
    return tuple(e / total for e in exps)


def log_softmax(zs: Sequence[Any]) -> tuple[Any, ...]:
    """z_i - ln(sum_j exp(z_j))."""
    import sympy as sp

    lse = sp.log(sp.Add(*[sp.exp(z) for z in zs]))
    return tuple(z - lse for z in zs)


def apply(name: str, zs: Sequence[Any], alpha: Any = DEFAULT_ALPHA) -> tuple[Any, ...]:
    """The activation ``name`` applied to a layer's pre-activations."""

    if name == "softmax":
        return softmax(zs)
    if name == "relu":
        return tuple(relu(z) for z in zs)
    if name == "leaky_relu":
        return tuple(leaky_relu(z, alpha) for z in zs)
    if name == "sigmoid":
        return tuple(sigmoid(z) for z in zs)
    if name == "tanh":
        return tuple(functions.TABLE["tanh"].exact(z) for z in zs)
    if name == "linear":
        return tuple(zs)
    raise UnknownNameError("activation", name, NAMES)


def definition(name: str, alpha: Any = DEFAULT_ALPHA) -> F:
    """The activation's formula, as the worked steps and statements show it."""
    if name == "leaky_relu":
        a = doc.num(alpha)
        return F(
            r"\mathrm{leaky\_relu}(z) = z \text{ if } z \ge 0 \text{, else } " + a.latex + r" \cdot z",
            '"leaky_relu"(z) = z "if" z >= 0 ", else" ' + a.typst + " dot z",
            f"leaky_relu(z) = z if z >= 0, else {a.plain} · z",
        )
    return _DEFINITIONS[name]


_DEFINITIONS = {
    "relu": F(r"\mathrm{relu}(z) = \max(0, z)", '"relu"(z) = max(0, z)', "relu(z) = max(0, z)"),
    "sigmoid": F(r"\sigma(z) = \frac{1}{1 + e^{-z}}", "sigma(z) = 1/(1 + e^(-z))", "σ(z) = 1/(1 + exp(-z))"),
    "tanh": F(
        r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
        "tanh(z) = (e^z - e^(-z))/(e^z + e^(-z))",
        "tanh(z) = (exp(z) - exp(-z))/(exp(z) + exp(-z))",
    ),
    "softmax": F(
        r"\mathrm{softmax}(z)_i = \frac{e^{z_i}}{\sum_j e^{z_j}}",
        '"softmax"(z)_i = e^(z_i)/(sum_j e^(z_j))',
        "softmax(z)_i = exp(z_i) / sum_j exp(z_j)",
    ),
    "linear": F(r"\mathrm{linear}(z) = z", '"linear"(z) = z', "linear(z) = z"),
}


def softmax_shown(zs: Sequence[Any]) -> tuple[F, tuple[F, ...]]:
    """The shared denominator sum_j exp(z_j) and each exp(z_i) / sum, printed once each (printing a
    sum of exponentials is the slow part of a worked solution)."""
    import sympy as sp

    total = doc.expr(sp.Add(*[sp.exp(z) for z in zs]))
    ratios = []
    for z in zs:
        top = doc.expr(sp.exp(z))
        ratios.append(F(rf"\frac{{{top.latex}}}{{{total.latex}}}", f"({top.typst})/({total.typst})", f"{top.plain}/({total.plain})"))
    return total, tuple(ratios)
