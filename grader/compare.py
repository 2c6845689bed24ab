"""Comparators: one pure function per mode, on values from :mod:`nnexam.grader.values`.

Modes: exact integers, numbers within a relative-or-absolute tolerance, significant figures
(with the 0.51 unit-in-the-last-place slack of hand rounding), vectors/matrices/shapes element
by element with a shape check (a transposed matrix is recognised), symbolic expressions by
randomized numeric evaluation (matrix symbols replaced by random matrices of shapes read from
the key), choices and text. Tolerance defaults come from :mod:`nnexam.questions.grading` only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy as sp
from nnexam.grader.equivalence import expressions_equivalent
from nnexam.grader.values import Formula
from nnexam.questions.exact import exact_n
from nnexam.questions.grading import DEFAULT, AnswerKind, Tolerance

Element = Callable[[Any, Any], bool]


# ---------------------------------------------------------------------------------------------
# scalars

@lru_cache(maxsize=65536)
def to_float(x: Any) -> float | None:
    """A real value as a float; None for non-numbers, complex values and overflow."""
    if isinstance(x, sp.Rational):
        try:
            return float(Fraction(int(x.p), int(x.q)))
        except OverflowError:
            return math.copysign(math.inf, int(x.p))
    if isinstance(x, sp.Basic) and x.is_number:
        try:
            v = complex(exact_n(x, 20))
        except (TypeError, ValueError, OverflowError):
            return None
        if abs(v.imag) > 1e-12 * max(1.0, abs(v.real)) or math.isnan(v.real):
            return None
        return v.real
    return None


def exact_integer(given: Any, expected: Any) -> bool:
    """Counts, sizes, steps: equal as integers, no tolerance (3200.0 is 3200, 3200.4 is not)."""
    return isinstance(given, sp.Integer) and isinstance(expected, sp.Integer) and given == expected


def _floats(given: Any, expected: Any) -> tuple[float, float] | None:
    g, e = to_float(given), to_float(expected)
    return None if g is None or e is None else (g, e)


def within_tolerance(given: Any, expected: Any, *, rel: float = DEFAULT.rel, abs_: float = DEFAULT.abs) -> bool:
    """|given - expected| <= max(abs, rel * |expected|); exact equality always passes."""
    return given == expected or ((f := _floats(given, expected)) is not None and Tolerance(rel=rel, abs=abs_).accepts(*f))


def sigfigs_match(given: Any, expected: Any, *, digits: int) -> bool:
    """Agrees to ``digits`` significant figures, with 0.51 of the last digit as slack."""
    return given == expected or ((f := _floats(given, expected)) is not None and Tolerance(sigfigs=digits).accepts(*f))


def number_equal(given: Any, expected: Any, tol: Tolerance = DEFAULT) -> bool:
    if tol.sigfigs:
        return sigfigs_match(given, expected, digits=tol.sigfigs)
    return within_tolerance(given, expected, rel=tol.rel, abs_=tol.abs)


# ---------------------------------------------------------------------------------------------
# vectors, matrices, shapes

def _shape(v: Any) -> tuple[int, ...]:
    if isinstance(v, tuple):
        inner = {_shape(x) for x in v}
        if len(inner) == 1:
            return (len(v), *inner.pop())
        return (len(v), -1)  # ragged
    return ()


def _squeeze(v: Any) -> Any:
    """[[1], [2]] and [[1, 2]] -> [1, 2]; [5] -> 5 (a 1-element vector is its scalar)."""
    s = _shape(v)
    if len(s) == 2 and -1 not in s and (s[0] == 1 or s[1] == 1):
        v = tuple(x for row in v for x in row)
    if isinstance(v, tuple) and len(v) == 1 and not isinstance(v[0], tuple):
        return v[0]
    return v


def _flat(v: Any) -> list[Any]:
    return [x for item in v for x in _flat(item)] if isinstance(v, tuple) else [v]


def arrays_equal(given: Any, expected: Any, element: Element) -> bool:
    """Same shape (after squeezing singleton dimensions) and every element equal."""
    g, e = _squeeze(given), _squeeze(expected)
    if isinstance(g, tuple) != isinstance(e, tuple):
        return False
    if not isinstance(e, tuple):
        return element(g, e)
    shape = _shape(e)
    if -1 in shape or _shape(g) != shape:
        return False
    return all(element(a, b) for a, b in zip(_flat(g), _flat(e)))


def is_transposed(given: Any, expected: Any, element: Element) -> bool:
    """The student's matrix is the key's transpose (and the key is not symmetric)."""
    s = _shape(expected)
    if len(s) != 2 or -1 in s or min(s) < 2 or _shape(given) != (s[1], s[0]):
        return False
    t = tuple(zip(*expected))
    return arrays_equal(given, t, element) and not arrays_equal(given, expected, element)


def shapes_equal(given: Any, expected: Any) -> bool:
    """Integer sizes: ``(None, 7, 7, 32)`` equals ``[7, 7, 32]`` (batch axis), ``7`` a square ``[7, 7]``."""
    g, e = given, expected
    if isinstance(g, tuple) and g and g[0] is None and not (isinstance(e, tuple) and e and e[0] is None):
        g = g[1:]
    if isinstance(e, tuple) and len(e) > 1 and not isinstance(e[0], tuple):
        flat = _squeeze(g) if isinstance(g, tuple) else g
        if not isinstance(flat, tuple):
            return all(exact_integer(flat, x) for x in e)
    return arrays_equal(g, e, exact_integer)


# ---------------------------------------------------------------------------------------------
# choices, text, tables

def choice_equal(given: Any, expected: Any) -> bool:
    """Same choice; a one-letter T/Y/F/N answers a true/false part only (F may be a choice's label)."""
    if not isinstance(given, str) or not isinstance(expected, str):
        return False
    g, e = given.strip().lower(), expected.strip().lower()
    if e in ("true", "false"):
        g = {"t": "true", "y": "true", "f": "false", "n": "false"}.get(g, g)
    return g == e


def text_equal(given: Any, expected: Any) -> bool:
    norm = lambda s: " ".join(str(s).lower().split())  # noqa: E731
    return isinstance(given, str) and norm(given) == norm(expected)


def tables_equal(given: Any, expected: Any) -> bool:
    """Row by row; the key's numeric columns (params, output shapes) must match exactly.

    Text columns (Keras' automatic layer names, layer types) are not graded: they are labels.
    """
    if not isinstance(given, list) or not isinstance(expected, list) or len(given) != len(expected):
        return False
    for g, e in zip(given, expected):
        if not isinstance(g, Mapping) or not isinstance(e, Mapping):
            return False
        for col, want in e.items():
            if _numeric(want) and _plain(g.get(col)) != _plain(want):
                return False
    return True


def _numeric(v: Any) -> bool:
    if isinstance(v, list | tuple):
        return all(_numeric(x) or x is None for x in v)
    return isinstance(v, int | float) and not isinstance(v, bool)


def _plain(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return tuple(_plain(x) for x in v)
    if isinstance(v, sp.Integer):
        return int(v)
    return v


# ---------------------------------------------------------------------------------------------
# by kind

def element_for(kind: AnswerKind, tol: Tolerance) -> Element:
    """How one element of an array answer of ``kind`` is compared (for the transposed-matrix check)."""
    if not AnswerKind(kind).toleranced:
        return exact_integer
    return lambda g, e: number_equal(g, e, tol)


def _integers(given: Any, expected: Any, tol: Tolerance, **_: Any) -> bool:
    return arrays_equal(given, expected, exact_integer) if isinstance(given, tuple) else exact_integer(given, expected)


def _numbers(given: Any, expected: Any, tol: Tolerance, **_: Any) -> bool:
    return arrays_equal(given, expected, lambda g, e: number_equal(g, e, tol))


def _expressions(given: Any, expected: Any, tol: Tolerance, *, shapes: Any = None, definitions: Any = None) -> bool:
    if isinstance(given, Formula) and isinstance(expected, Formula):
        return expressions_equivalent(given, expected, shapes=shapes, definitions=definitions)
    return False


# One comparator per answer kind; a kind added to AnswerKind without one fails here, at import.
COMPARATORS: dict[AnswerKind, Callable[..., bool]] = {
    AnswerKind.INTEGER: _integers,
    AnswerKind.NUMBER: _numbers,
    AnswerKind.VECTOR: _numbers,
    AnswerKind.MATRIX: _numbers,
    AnswerKind.SHAPE: lambda g, e, tol, **_: shapes_equal(g, e),
    AnswerKind.EXPRESSION: _expressions,
    AnswerKind.CHOICE: lambda g, e, tol, **_: choice_equal(g, e),
    AnswerKind.TABLE: lambda g, e, tol, **_: tables_equal(g, e),
    AnswerKind.TEXT: lambda g, e, tol, **_: text_equal(g, e),
}
if COMPARATORS.keys() != set(AnswerKind):  # pragma: no cover - a developer error, caught by any import
    raise ImportError(f"compare.COMPARATORS lacks {sorted(set(AnswerKind) - COMPARATORS.keys())}")


def matches(
    kind: AnswerKind,
    given: Any,
    expected: Any,
    tol: Tolerance = DEFAULT,
    *,
    shapes: Mapping[str, tuple[int, int]] | None = None,
    definitions: Mapping[str, str] | None = None,
) -> bool:
    """Does ``given`` answer a part of ``kind`` whose key is ``expected``? Values from nnexam.grader.values."""
    return COMPARATORS[AnswerKind(kind)](given, expected, tol, shapes=shapes, definitions=definitions)
