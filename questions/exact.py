"""Exact values: conversion in (instructor numbers -> sympy) and out (exact strings, JSON values).

Answers are sympy ``Integer``/``Rational``/exact expressions, tuples of them (vectors), tuples
of tuples (matrices), plain ``int`` tuples (shapes), ``str`` (choices) or tuples of dicts
(tables). Floats appear only in :func:`json_value`, when rendering.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter

# A decimal, an integer or a fraction of two of them; no expression, never sympify.
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*(?:/\s*([+-]?\d+(?:\.\d*)?))?\s*$")


def _rational(d: Decimal) -> sp.Rational:
    """sympy >= 1.13 no longer accepts a Decimal: go through its exact integer ratio."""
    return sp.Rational(*d.as_integer_ratio())


def parse_number(text: str) -> sp.Rational:
    """``"3"``, ``"-0.25"``, ``"1e-3"``, ``"3/4"`` -> exact Rational. Raises ValueError otherwise."""
    m = _NUMBER.match(text)
    if not m:
        raise ValueError(f"not a number: {text!r}")
    try:
        num = _rational(Decimal(m.group(1)))
        if m.group(2) is not None:
            den = _rational(Decimal(m.group(2)))
            if den == 0:
                raise ValueError(f"division by zero in {text!r}")
            num = num / den
    except InvalidOperation as exc:  # pragma: no cover - regex already checked
        raise ValueError(f"not a number: {text!r}") from exc
    return num


def to_exact(value: Any) -> sp.Rational:
    """An instructor-supplied number as an exact Rational (0.1 means 1/10, as written)."""
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got a boolean {value!r}")
    if isinstance(value, sp.Rational):
        return value
    if isinstance(value, int):
        return sp.Integer(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"expected a finite number, got {value!r}")
        return _rational(Decimal(repr(value)))
    if isinstance(value, str):
        return parse_number(value)
    if isinstance(value, sp.Basic) and value.is_Number:
        return sp.nsimplify(value, rational=True)
    raise ValueError(f"expected a number, got {value!r}")


class _ExactPrinter(StrPrinter):
    """sympy's str with Euler's number as ``e`` (what students write and the grader's parser reads)."""

    def _print_Exp1(self, expr: Any) -> str:
        return "e"


def _sstr(value: sp.Basic) -> str:
    return _ExactPrinter().doprint(value)


def exact_str(value: Any) -> str:
    """The exact answer as text a human and the grader's parser both read: ``1/3``, ``[[1, 2], [3, 4]]``."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, sp.MatrixBase):
        return exact_str(tuple(tuple(value.row(i)) for i in range(value.rows)))
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {exact_str(v)}" for k, v in value.items()) + "}"
    if isinstance(value, Sequence):
        return "[" + ", ".join(exact_str(v) for v in value) + "]"
    if isinstance(value, sp.Basic):
        return _sstr(value)
    if value is None:
        return "null"
    return str(value)


def json_value(value: Any) -> Any:
    """The answer as plain JSON: ints stay ints, other numbers become floats, symbols become text."""
    if isinstance(value, bool | str) or value is None:
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, sp.MatrixBase):
        return [[json_value(x) for x in value.row(i)] for i in range(value.rows)]
    if isinstance(value, Mapping):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [json_value(v) for v in value]
    if isinstance(value, sp.Integer):
        return int(value)
    if isinstance(value, sp.Basic):
        if value.is_number:
            v = value.evalf(30)
            if v.is_real:
                return float(v)
            return _sstr(value)
        return _sstr(value)
    if isinstance(value, float):
        return value
    return str(value)


def params_json(value: Any) -> Any:
    """Parameters as JSON that :func:`questions.params` converters read back to the same values.

    Non-integer rationals become ``"p/q"`` strings so nothing is lost to floats.
    """
    if isinstance(value, bool | str | int) or value is None:
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, sp.Integer):
        return int(value)
    if isinstance(value, sp.Rational):
        return f"{value.p}/{value.q}"
    if isinstance(value, Mapping):
        return {str(k): params_json(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [params_json(v) for v in value]
    if isinstance(value, sp.Basic):
        return _sstr(value)
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return {f.name: params_json(getattr(value, f.name)) for f in dataclasses.fields(value)}
    raise TypeError(f"cannot store {type(value).__name__} in JSON parameters")
