"""Are two expressions the same answer? Randomised numeric evaluation of safe_expr trees.

``(A - Y) X^T``, ``(A-Y)·Xᵀ`` and ``A X^T - Y X^T`` are one answer: both trees are evaluated at
seeded random points in float64, matrix names (capitalised, transposed, ``1_m``, or with shapes
from the key) replaced by random matrices of shapes inferred from the key's products. The
functions come from :data:`nnexam.questions.functions.TABLE`, the one table the parser and the
exact builder use too. Split from :mod:`nnexam.grader.compare` because it is an engine of its own
(evaluation, shape inference, definitions); compare only asks it one question.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from nnexam.grader.values import Formula
from nnexam.questions import functions
from nnexam.questions.safe_expr import (
    CONSTANTS,
    ExprSyntaxError,
    Node,
    parse_tree,
    transposed_names,
    tree_names,
)


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


_ELEMENTWISE = frozenset(n for n in functions.NAMES if functions.get(n).elementwise)  # keep their argument's shape


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
        if name == "HadamardProduct":  # entry by entry, with the shape checks of a binary operation
            value = args[0]
            for a in args[1:]:
                value = _binary("had", value, a)
            return value
        fn = functions.get(name)
        if not fn.arity[0] <= len(args) <= fn.arity[1]:
            raise _Undefined(f"{name} of {len(args)} arguments")
        return _finite(fn.numeric(*args))


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


def _text_tree(x: str | Formula) -> tuple[str, Node]:
    """A Formula carries the tree its reader parsed; plain text (tests, the audit) is parsed here."""
    if isinstance(x, Formula):
        return x.text, x.tree if x.tree is not None else _tree(x.text)
    return x, _tree(x)


# The prediction's other names (as course notes write it): \hat{y}, y_hat; the key calls it A.
_PREDICTION = ("yhat", "Yhat", "y_hat", "Y_hat", "hat_y", "y_pred")


def _in_key_notation(tree: Node, known: set[str]) -> Node:
    """The student's names in the key's notation: the question's letters in the other case
    ((a - y) x^T for (A - Y) X^T), ŷ for A, a sample's vectors (x_i) for their matrix (X)."""
    names = tree_names(tree) - CONSTANTS - known
    if not names:
        return tree
    rename = {}
    for n in names:
        for cand in (n.upper(), n.capitalize(), n[:1].upper() + n[1:], n.split("_")[0].upper()):
            if cand in known:
                rename[n] = cand
                break
        else:
            if n in _PREDICTION and "A" in known:
                rename[n] = "A"
    return _renamed(tree, rename) if rename else tree


def _renamed(node: Node, rename: Mapping[str, str]) -> Node:
    if node[0] == "name":
        return ("name", rename.get(node[1], node[1]), node[-1])
    return tuple(
        _renamed(c, rename) if isinstance(c, tuple) else [_renamed(x, rename) for x in c] if isinstance(c, list) else c
        for c in node
    )


def expressions_equivalent(
    given: str | Formula,
    expected: str | Formula,
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
    expected_text = expected.text if isinstance(expected, Formula) else expected
    points = _key_points(expected_text, tuple(sorted((shapes or {}).items())), trials, tuple(sorted((definitions or {}).items())))
    try:
        given_text, given_tree = _text_tree(given)
    except ExprSyntaxError:
        return False
    if points:
        given_tree = _in_key_notation(given_tree, set(points[0][0]))
    extra = tree_names(given_tree) - CONSTANTS
    for point, want in points:
        names = extra - point.keys()
        if names:  # names the key does not use: free scalars
            point = dict(point, **_random_point(random.Random(f"{given_text}\0{expected_text}"), names, {}))
        try:
            got = evaluate(given_tree, point)
        except (_Undefined, ValueError, TypeError, IndexError):
            return False
        if not _close(got, want):
            return False
    return bool(points)
