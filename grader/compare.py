"""Comparators: one pure function per mode, on values from :mod:`nnexam.grader.values`.

Modes: exact integers, numbers within a relative-or-absolute tolerance, significant figures
(with the 0.51 unit-in-the-last-place slack of hand rounding), vectors/matrices/shapes element
by element with a shape check (a transposed matrix is recognised), symbolic expressions by
randomized numeric evaluation (matrix symbols replaced by random matrices of shapes read from
the key), choices and text. Tolerance defaults come from :mod:`nnexam.questions.grading` only.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import sympy as sp
from nnexam.grader.values import Formula
from nnexam.questions.grading import DEFAULT, Tolerance
from nnexam.questions.safe_expr import (
    CONSTANTS,
    ExprSyntaxError,
    Node,
    parse_tree,
    transposed_names,
    tree_names,
)

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
            v = complex(sp.N(x, 20))
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
# expressions

def matrix_names(tree: Node, known: Mapping[str, tuple[int, int]] | None = None) -> set[str]:
    """Names treated as matrices: transposed ones, capitalised ones (W, X, A_1) and those with known shapes."""
    names = tree_names(tree) - CONSTANTS
    return {n for n in names if n[:1].isupper() or n.startswith("1_")} | transposed_names(tree) | {n for n in names if n in (known or {})}


def infer_shapes(
    tree: Node, names: set[str], known: Mapping[str, tuple[int, int]] | None = None, also: Sequence[Node] = ()
) -> dict[str, tuple[int, int]] | None:
    """Shapes for ``names`` consistent with the products in ``tree`` (None when none exist).

    Dimensions are unified (A B needs cols(A) = rows(B)); dimensions left free get distinct sizes
    from 2 up, so a product in the wrong order does not fit or gives other numbers.
    """
    parent: dict[Any, Any] = {}

    def find(a: Any) -> Any:
        while parent.get(a, a) != a:
            a = parent[a]
        return a

    def union(a: Any, b: Any) -> None:
        ra, rb = find(a), find(b)
        if ra == rb:
            return
        if isinstance(ra, int) and isinstance(rb, int):
            raise ValueError("inconsistent sizes")
        if isinstance(ra, int):
            ra, rb = rb, ra
        parent[ra] = rb

    for n, (r, c) in (known or {}).items():
        if n in names:
            union((n, 0), r)
            union((n, 1), c)
    for n in names:
        if n.startswith("1_"):
            union((n, 1), 1)  # a column of ones

    def walk(node: Node) -> Any:
        kind = node[0]
        if kind == "name":
            return ((node[1], 0), (node[1], 1)) if node[1] in names else None
        if kind == "call" and node[1] == "HadamardProduct":
            shapes = [s for s in (walk(a) for a in node[2]) if s]
            for s in shapes[1:]:
                union(s[0], shapes[0][0])
                union(s[1], shapes[0][1])
            return shapes[0] if shapes else None
        if kind == "call" and node[1] == "sum" and len(node[2]) == 1:
            s = walk(node[2][0])
            return (s[0], 1) if s else None
        if kind == "call" and isinstance(node[1], str) and len(node[2]) == 1 and node[1] in _ELEMENTWISE:
            return walk(node[2][0])  # sigma(W X + b 1_m^T) has the shape of its argument
        if kind in ("num", "call"):
            return None
        if kind == "neg":
            return walk(node[1])
        if kind == "T":
            s = walk(node[1])
            return (s[1], s[0]) if s else None
        a, b = walk(node[1]), walk(node[2])
        if kind in ("add", "sub", "had"):
            if a and b:
                union(a[0], b[0])
                union(a[1], b[1])
            return a or b
        if kind == "mul":
            if a and b:
                union(a[1], b[0])
                return (a[0], b[1])
            return a or b
        if kind == "pow" and a:
            union(a[0], a[1])
        return a

    try:
        for t in (tree, *also):  # ``also``: more trees whose names share the same shapes
            walk(t)
    except (ValueError, TypeError):
        return None
    sizes: dict[Any, int] = {}
    free = iter(range(2, 1000))
    out = {}
    for n in sorted(names):
        dims = []
        for axis in (0, 1):
            root = find((n, axis))
            if isinstance(root, int):
                dims.append(root)
            else:
                dims.append(sizes.setdefault(root, next(free)))
        out[n] = (dims[0], dims[1])
    return out


_FUNCS: dict[str, Callable[..., Any]] = {
    "exp": np.exp, "ln": np.log, "log10": np.log10, "log2": np.log2, "sqrt": np.sqrt, "tanh": np.tanh,
    "sinh": np.sinh, "cosh": np.cosh, "sin": np.sin, "cos": np.cos, "tan": np.tan, "abs": np.abs,
    "sigma": lambda x: 1 / (1 + np.exp(-x)), "sigmoid": lambda x: 1 / (1 + np.exp(-x)),
    "relu": lambda x: np.maximum(0, x), "ReLU": lambda x: np.maximum(0, x), "Abs": np.abs,
}
_ELEMENTWISE = frozenset(_FUNCS) | {"softmax"}  # functions that keep their argument's shape


class _Undefined(Exception):
    """The expression has no (real, finite, shape-consistent) value at this point."""


def evaluate(node: Node, point: Mapping[str, Any]) -> Any:
    """The value of a safe_expr tree at ``point`` (name -> float or 2-D array), in float64.

    Products of two matrices are matrix products, ``^T`` transposes, a scalar plus a matrix is
    undefined (as on paper). Raises _Undefined for domain errors, overflow and shape mismatches.
    """
    kind = node[0]
    if kind == "num":
        return _finite(float(node[1]))  # float() of "1e99999999" is inf at once; Fraction would not be
    if kind == "name":
        name = node[1]
        if name in point:
            return point[name]
        if name in CONSTANTS:
            return math.pi if name == "pi" else math.e
        raise _Undefined(name)
    if kind == "neg":
        return -evaluate(node[1], point)
    if kind == "T":
        v = evaluate(node[1], point)
        return v.T if isinstance(v, np.ndarray) else v
    if kind == "call":
        return _call(node, [evaluate(a, point) for a in node[2]])
    if kind in _BINARY:  # left-nested chains: iterate over the spine
        spine = []
        while node[0] in _BINARY:
            spine.append(node)
            node = node[1]
        value = evaluate(node, point)
        for link in reversed(spine):
            value = _binary(link[0], value, evaluate(link[2], point))
        return value
    base, exponent = evaluate(node[1], point), evaluate(node[2], point)
    if isinstance(exponent, np.ndarray):
        raise _Undefined("matrix exponent")
    if isinstance(base, np.ndarray):
        if base.shape[0] != base.shape[1] or exponent != int(exponent) or exponent < 1:
            raise _Undefined("matrix power")
        return np.linalg.matrix_power(base, int(exponent))
    with np.errstate(all="ignore"):
        try:
            return _finite(float(base) ** float(exponent))
        except (OverflowError, ZeroDivisionError, TypeError):
            raise _Undefined("power") from None


_BINARY = ("add", "sub", "mul", "div", "had")


def _finite(v: Any) -> Any:
    if isinstance(v, float | int):
        if not math.isfinite(v):
            raise _Undefined("not a finite number")
        return v
    if isinstance(v, complex) or not np.isfinite(v).all():
        raise _Undefined("not a finite real number")
    return v


def _binary(op: str, a: Any, b: Any) -> Any:
    ma, mb = isinstance(a, np.ndarray), isinstance(b, np.ndarray)
    with np.errstate(all="ignore"):
        if op in ("add", "sub", "had"):  # a scalar with a matrix: element-wise (1 - A)
            if ma and mb and a.shape != b.shape:
                raise _Undefined("shapes do not fit")
            return _finite(a + b if op == "add" else a - b if op == "sub" else a * b)
        if op == "mul":
            if ma and mb:
                if a.shape[1] != b.shape[0]:
                    raise _Undefined("shapes do not fit")
                return _finite(a @ b)
            return _finite(a * b)
        if mb or b == 0:
            raise _Undefined("division")
        return _finite(a / b)


def _call(node: Node, args: list[Any]) -> Any:
    name = node[1]
    with np.errstate(all="ignore"):
        if isinstance(name, tuple):  # log_b
            base = float(name[1]) if name[1].isdigit() else None
            if base is None or base <= 0 or base == 1:
                raise _Undefined("log base")
            return _finite(np.log(args[0]) / np.log(base))
        if name == "HadamardProduct":
            value = args[0]
            for a in args[1:]:
                value = _binary("had", value, a)
            return value
        if name in ("max", "min", "Max", "Min"):
            return _finite((max if name in ("max", "Max") else min)(args))
        if name == "log":
            return _finite(np.log(args[0]) / (np.log(args[1]) if len(args) == 2 else 1.0))
        if name == "root":
            return _finite(float(args[0]) ** (1.0 / float(args[1])))
        if name == "sum":  # over the samples: the columns, as (A - Y) 1_m
            return args[0].sum(axis=1, keepdims=True) if isinstance(args[0], np.ndarray) else args[0]
        if name == "softmax":  # column by column (one column per sample)
            if not isinstance(args[0], np.ndarray):
                return 1.0
            e = np.exp(args[0] - args[0].max(axis=0, keepdims=True))
            return _finite(e / e.sum(axis=0, keepdims=True))
        return _finite(_FUNCS[name](args[0]))


def _random_point(rng: random.Random, names: set[str], shapes: Mapping[str, tuple[int, int]]) -> dict[str, Any]:
    point: dict[str, Any] = {}
    for n in sorted(names):
        if n in shapes:
            r, c = shapes[n]
            if n.startswith("1_"):  # 1_m: a vector of ones (sums over samples)
                point[n] = np.ones((r, c))
                continue
            point[n] = np.array([[rng.uniform(-2, 2) for _ in range(c)] for _ in range(r)])
        else:
            point[n] = rng.uniform(0.5, 2.0)  # positive: logs and roots stay defined
    return point


def _close(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        if not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray) and a.shape == b.shape):
            return False
        return bool((np.abs(a - b) <= 1e-9 * np.maximum(1.0, np.maximum(np.abs(a), np.abs(b)))).all())
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


@lru_cache(maxsize=16384)
def _tree(text: str) -> Node:
    return parse_tree(text)


@lru_cache(maxsize=4096)
def _key_points(
    expected: str, known: tuple[tuple[str, tuple[int, int]], ...], trials: int, definitions: tuple[tuple[str, str], ...] = ()
) -> tuple[Any, ...]:
    """The key's values at ``trials`` random points (computed once per key expression, not per student).

    ``definitions`` (name, expression) give names their meaning (A = sigma(W X + b 1_m^T)): the point
    draws the names they are made of and computes the defined ones, so either form evaluates the same.
    """
    tree = _tree(expected)
    shapes = dict(known)
    defs = [(name, _tree(text)) for name, text in definitions]
    links = [("sub", ("name", name, 0), t, 0) for name, t in defs]  # the defined name has its definition's shape
    def_names = {n for link in links for n in tree_names(link)} - CONSTANTS  # all matrices (W, X, b, 1_m)
    found = infer_shapes(tree, matrix_names(tree, shapes) | def_names, shapes, also=links) or {}
    drawn = (tree_names(tree) | def_names) - CONSTANTS - {name for name, _ in defs}
    rng = random.Random(expected)
    out = []
    for _ in range(trials):
        point = _random_point(rng, drawn, found)
        try:
            for name, t in defs:
                point[name] = evaluate(t, point)
            out.append((point, evaluate(tree, point)))
        except (_Undefined, ValueError, TypeError, IndexError):
            continue
    return tuple(out)


def expressions_equivalent(
    given: str,
    expected: str,
    *,
    shapes: Mapping[str, tuple[int, int]] | None = None,
    trials: int = 3,
    definitions: Mapping[str, str] | None = None,
) -> bool:
    """Equivalence of two expressions by their values at random points (float64, 1e-9 relative).

    Matrix names (capitalised or transposed ones, ``1_m`` vectors of ones, and those in
    ``shapes``) get the shapes of ``shapes`` or shapes inferred from ``expected``; random matrices
    of those shapes (and random positive scalars) are substituted in both, so (A - Y)Xᵀ = AXᵀ - YXᵀ
    but XᵀA is not. Deterministic: the points come from generators seeded by the texts.
    """
    points = _key_points(expected, tuple(sorted((shapes or {}).items())), trials, tuple(sorted((definitions or {}).items())))
    try:
        given_tree = _tree(given)
    except ExprSyntaxError:
        return False
    extra = tree_names(given_tree) - CONSTANTS
    for point, want in points:
        names = extra - point.keys()
        if names:  # names the key does not use: free scalars
            point = dict(point, **_random_point(random.Random(f"{given}\0{expected}"), names, {}))
        try:
            got = evaluate(given_tree, point)
        except (_Undefined, ValueError, TypeError, IndexError):
            return False
        if not _close(got, want):
            return False
    return bool(points)


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

def element_for(kind: str, tol: Tolerance) -> Element:
    if kind in ("integer", "shape"):
        return exact_integer
    return lambda g, e: number_equal(g, e, tol)


def matches(
    kind: str,
    given: Any,
    expected: Any,
    tol: Tolerance = DEFAULT,
    *,
    shapes: Mapping[str, tuple[int, int]] | None = None,
    definitions: Mapping[str, str] | None = None,
) -> bool:
    """Does ``given`` answer a part of ``kind`` whose key is ``expected``? Values from nnexam.grader.values."""
    if kind == "integer":
        return arrays_equal(given, expected, exact_integer) if isinstance(given, tuple) else exact_integer(given, expected)
    if kind == "number":
        return arrays_equal(given, expected, element_for(kind, tol))
    if kind in ("vector", "matrix"):
        return arrays_equal(given, expected, element_for(kind, tol))
    if kind == "shape":
        return shapes_equal(given, expected)
    if kind == "expression":
        if isinstance(given, Formula) and isinstance(expected, Formula):
            return expressions_equivalent(given.text, expected.text, shapes=shapes, definitions=definitions)
        return False
    if kind == "choice":
        return choice_equal(given, expected)
    if kind == "table":
        return tables_equal(given, expected)
    return text_equal(given, expected)
