"""Exact values: conversion in (instructor numbers -> ``Fraction``) and out (exact strings, JSON values).

Answers are exact numbers (``int``, ``fractions.Fraction``; sympy ``Integer``/``Rational``/exact
expressions in the families that need symbolic algebra), tuples of them (vectors), tuples of
tuples (matrices), plain ``int`` tuples (shapes), ``str`` (choices) or tuples of dicts (tables).
Floats appear only in :func:`json_value`, when rendering. sympy is imported only by the families
that need it: a value can be a sympy object only when sympy is already loaded, so the checks
below look it up in ``sys.modules`` and plain numbers never import it (``nnexam answer`` start-up).
"""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from functools import cache
from types import ModuleType
from typing import Any

# A decimal, an integer or a fraction of two of them; no expression, never sympify.
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*(?:/\s*([+-]?\d+(?:\.\d*)?))?\s*$")


def loaded_sympy() -> ModuleType | None:
    """sympy when some module has imported it, else None: a value can only be a sympy object then."""
    return sys.modules.get("sympy")


def is_sympy(value: Any) -> bool:
    """A sympy expression or number (not a matrix)."""
    sp = loaded_sympy()
    return sp is not None and isinstance(value, sp.Basic)


def is_sympy_matrix(value: Any) -> bool:
    sp = loaded_sympy()
    return sp is not None and isinstance(value, sp.MatrixBase)


def is_number(value: Any) -> bool:
    """A plain exact number: ``int`` (not bool) or ``Fraction``."""
    return isinstance(value, int | Fraction) and not isinstance(value, bool)


def norm(value: int | Fraction) -> int | Fraction:
    """An integral Fraction as an ``int`` (what sympy's Rational -> Integer does), else unchanged."""
    return value.numerator if isinstance(value, Fraction) and value.denominator == 1 else value


def parse_number(text: str) -> Fraction:
    """``"3"``, ``"-0.25"``, ``"1e-3"``, ``"3/4"`` -> exact Fraction. Raises ValueError otherwise."""
    m = _NUMBER.match(text)
    if not m:
        raise ValueError(f"not a number: {text!r}")
    try:
        num = Fraction(Decimal(m.group(1)))
        if m.group(2) is not None:
            den = Fraction(Decimal(m.group(2)))
            if den == 0:
                raise ValueError(f"division by zero in {text!r}")
            num = num / den
    except InvalidOperation as exc:  # pragma: no cover - regex already checked
        raise ValueError(f"not a number: {text!r}") from exc
    return num


def to_exact(value: Any) -> Fraction:
    """An instructor-supplied number as an exact Fraction (0.1 means 1/10, as written)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got a boolean {value!r}")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number, got {value!r}")
        return Fraction(Decimal(repr(value)))
    if isinstance(value, str):
        return parse_number(value)
    if is_sympy(value) and value.is_Number:
        import sympy as sp

        r = value if value.is_Rational else sp.nsimplify(value, rational=True)
        return Fraction(int(r.p), int(r.q))
    raise ValueError(f"expected a number, got {value!r}")


def to_sympy(value: Any) -> Any:
    """Plain exact numbers (also inside tuples) as sympy Integer/Rational, for the families whose
    solvers do symbolic algebra; anything else unchanged."""
    import sympy as sp

    if isinstance(value, tuple):
        return tuple(to_sympy(v) for v in value)
    if is_number(value):
        f = Fraction(value)
        return sp.Rational(f.numerator, f.denominator)
    return value


def number_str(value: int | Fraction) -> str:
    """``3``, ``-1/2``: what sympy's str printer gives for the same Integer/Rational."""
    return str(norm(value))


@cache
def fast_matmul_precedence() -> None:
    """Print matrix products without negating them. sympy decides a product's precedence with
    ``could_extract_minus_sign``, which for a MatMul computes ``-expr`` and canonicalises it
    (~1 ms each; printing the gradient family's keys took 0.2 s). For a product the answer is
    whether its leading coefficient is a negative number, which is what this registers, for
    every printer (str, LaTeX, ours)."""
    from sympy.printing.precedence import PRECEDENCE, PRECEDENCE_FUNCTIONS

    def matmul(item: Any) -> int:
        c = item.args[0]
        return PRECEDENCE["Add"] if c.is_Number and c.is_extended_negative else PRECEDENCE["Mul"]

    PRECEDENCE_FUNCTIONS["MatMul"] = matmul


@cache
def _printer() -> Any:
    """sympy's str printer with Euler's number as ``e`` (what students write and the grader's parser
    reads); built on first use, so that plain numbers never import sympy."""
    from sympy.printing.str import StrPrinter

    fast_matmul_precedence()

    class ExactPrinter(StrPrinter):
        def _print_Exp1(self, expr: Any) -> str:
            return "e"

        def _print_Infinity(self, expr: Any) -> str:  # a masked attention score is -inf, as NumPy and PyTorch print it
            return "inf"

        def _print_NegativeInfinity(self, expr: Any) -> str:
            return "-inf"

    return ExactPrinter


def _sstr(value: Any) -> str:
    return _printer()().doprint(value)


def _rows(value: Any) -> tuple[tuple[Any, ...], ...]:
    """A sympy matrix as a tuple of row tuples."""
    return tuple(tuple(value.row(i)) for i in range(value.rows))


def exact_str(value: Any) -> str:
    """The exact answer as text a human and the grader's parser both read: ``1/3``, ``[[1, 2], [3, 4]]``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Fraction):
        return number_str(value)
    if is_sympy_matrix(value):
        return exact_str(_rows(value))
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {exact_str(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(exact_str(v) for v in value) + "]"
    if is_sympy(value):
        return _sstr(value)
    if value is None:
        return "null"
    return str(value)


_MAXN = (110, 1_000, 10_000)  # working precisions (bits) tried in turn


def exact_n(value: Any, digits: int = 15) -> Any:
    """``value`` to ``digits`` significant digits, *correctly*: sympy's plain ``evalf`` loses a
    cancellation silently (ln(1 - sigmoid(332.37)) came out as -288.3 at 15 digits and -332.305
    at 30, for -332.37), so the evaluation is strict and the working precision is raised until the
    digits are certain. A value that 10,000 bits cannot tell from zero is zero (below 1e-3000)."""
    import sympy as sp
    from sympy.core.evalf import PrecisionExhausted

    if not isinstance(value, sp.Basic):
        if isinstance(value, Fraction):
            value = sp.Rational(value.numerator, value.denominator)
        elif isinstance(value, int | float):
            value = sp.Integer(value) if isinstance(value, int) else sp.Float(value)
    if not isinstance(value, sp.Basic) or value.is_Rational or value.is_Float:
        return sp.N(value, digits)
    for maxn in _MAXN:
        try:
            return value.evalf(digits, strict=True, maxn=maxn)
        except PrecisionExhausted:
            continue
    return value.evalf(digits, chop=True, maxn=_MAXN[-1])


def _float(value: Fraction) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.copysign(math.inf, value)


def json_value(value: Any) -> Any:
    """The answer as plain JSON: ints stay ints, other numbers become floats, symbols become text."""
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else _float(value)
    if is_sympy_matrix(value):
        return [[json_value(x) for x in row] for row in _rows(value)]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [json_value(v) for v in value]
    if is_sympy(value):
        if value.is_Integer:
            return int(value)
        if value.is_number:
            v = exact_n(value, 30)
            if v.is_real:
                return float(v)
        return _sstr(value)
    if isinstance(value, float):
        return value
    return str(value)


def params_json(value: Any) -> Any:
    """Parameters as JSON that :func:`nnexam.questions.params` converters read back to the same values.

    Non-integer rationals become ``"p/q"`` strings so nothing is lost to floats.
    """
    if isinstance(value, bool | str | int | float) or value is None:
        return value
    if isinstance(value, Fraction):
        return value.numerator if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if is_sympy(value) and value.is_Rational:
        return params_json(Fraction(int(value.p), int(value.q)))  # type: ignore[attr-defined]
    if isinstance(value, Mapping):
        return {str(k): params_json(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [params_json(v) for v in value]
    if is_sympy(value):
        return _sstr(value)
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return {f.name: params_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot store {type(value).__name__} in JSON parameters")
