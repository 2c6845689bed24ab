"""Comparators, one mode at a time, each with answers just inside and just outside tolerance."""

from __future__ import annotations

import pytest
import sympy as sp
from nnexam.grader.compare import (
    arrays_equal,
    choice_equal,
    exact_integer,
    is_transposed,
    matches,
    number_equal,
    shapes_equal,
    sigfigs_match,
    tables_equal,
    within_tolerance,
)
from nnexam.grader.equivalence import expressions_equivalent, infer_shapes
from nnexam.grader.values import parse_answer
from nnexam.questions.grading import DEFAULT, Tolerance
from nnexam.questions.safe_expr import parse_tree

R = sp.Rational
I = sp.Integer  # noqa: E741


def test_default_tolerance_comes_from_the_one_place() -> None:
    assert DEFAULT == Tolerance(rel=0.01, abs=0.001, sigfigs=None)


@pytest.mark.parametrize(("given", "expected", "ok"), [
    (I(3200), I(3200), True), (R(3200), I(3200), True), (R(32001, 10), I(3200), False), (I(3201), I(3200), False),
])
def test_exact_integer(given: sp.Rational, expected: sp.Integer, ok: bool) -> None:
    assert exact_integer(given, expected) is ok


# (expected, rel, abs): a value just inside and just outside, on both sides
REL_CASES = [(sp.exp(2) / (1 + sp.exp(2)), 0.01, 0.001), (I(1000), 0.01, 0.001), (R(-5, 3), 0.02, 0.0), (I(0), 0.01, 0.001),
             (R(23, 1000000), 0.01, 0.001), (sp.log(5), 0.001, 0.0)]


@pytest.mark.parametrize(("expected", "rel", "abs_"), REL_CASES, ids=[str(c[0]) for c in REL_CASES])
def test_within_tolerance_edges(expected: sp.Expr, rel: float, abs_: float) -> None:
    e = float(sp.N(expected, 30))
    margin = max(abs_, rel * abs(e))
    for sign in (1, -1):
        inside = sp.Rational(str(e + sign * margin * 0.999))
        outside = sp.Rational(str(e + sign * margin * 1.001 + sign * 1e-12))
        assert within_tolerance(inside, expected, rel=rel, abs_=abs_)
        assert not within_tolerance(outside, expected, rel=rel, abs_=abs_)


@pytest.mark.parametrize(("given", "expected", "digits", "ok"), [
    ("0.881", sp.exp(2) / (1 + sp.exp(2)), 3, True),   # 0.8808 -> 0.881
    ("0.8804", sp.exp(2) / (1 + sp.exp(2)), 3, True),  # within 0.51 of the last digit (0.8808)
    ("0.880", sp.exp(2) / (1 + sp.exp(2)), 3, False),  # 0.8808 does not round to 0.880
    ("0.879", sp.exp(2) / (1 + sp.exp(2)), 3, False),
    ("1230", I(1234), 3, True), ("1240", I(1234), 3, False), ("0", I(0), 2, True),
    ("0.0001235", R(1234, 10**7), 3, True), ("0.0001240", R(1234, 10**7), 3, False),
])
def test_sigfigs(given: str, expected: sp.Expr, digits: int, ok: bool) -> None:
    assert sigfigs_match(sp.Rational(given), expected, digits=digits) is ok


def test_sigfigs_mode_replaces_rel_abs() -> None:
    tol = Tolerance(sigfigs=2)
    assert number_equal(R(88, 100), sp.exp(2) / (1 + sp.exp(2)), tol)
    assert not number_equal(R(87, 100), sp.exp(2) / (1 + sp.exp(2)), tol)


def _v(text: str, kind: str = "matrix") -> object:
    return parse_answer(text, kind)


def test_arrays_elementwise_with_shape_check() -> None:
    eq = lambda g, e: within_tolerance(g, e)  # noqa: E731
    key = _v("[[1, 1/3], [2, 4]]")
    assert arrays_equal(_v("[[1, 0.333], [2, 4]]"), key, eq)
    assert not arrays_equal(_v("[[1, 0.32], [2, 4]]"), key, eq)
    assert not arrays_equal(_v("[1, 0.333, 2, 4]", "vector"), key, eq)
    assert not arrays_equal(_v("[[1, 0.333, 2, 4]]"), key, eq)
    assert arrays_equal(_v("[[1], [2]]"), _v("[1, 2]", "vector"), eq)  # a column is a vector
    assert arrays_equal(_v("[5]", "vector"), I(5), eq)  # a 1-element vector is its scalar
    assert arrays_equal(I(5), _v("[5]", "vector"), eq)


def test_transposed_is_recognised_not_accepted() -> None:
    key = _v("[[1, 2, 3], [4, 5, 6]]")
    t = _v("[[1, 4], [2, 5], [3, 6]]")
    assert not matches("matrix", t, key)
    assert is_transposed(t, key, exact_integer)
    sym = _v("[[1, 2], [2, 1]]")
    assert not is_transposed(sym, sym, exact_integer)


@pytest.mark.parametrize(("given", "expected", "ok"), [
    ("(None, 7, 7, 32)", "[7, 7, 32]", True), ("7x7", "[7, 7]", True), ("7", "[7, 7]", True), ("7", "7", True),
    ("7x7", "7", False), ("(7, 8)", "[7, 7]", False), ("[[28, 28], [26, 26]]", "[[28, 28], [26, 26]]", True),
    ("[(28, 28), (26, 27)]", "[[28, 28], [26, 26]]", False), ("[7.0, 7]", "[7, 7]", True), ("[7.5, 7]", "[7, 7]", False),
])
def test_shapes(given: str, expected: str, ok: bool) -> None:
    assert shapes_equal(_v(given, "shape"), _v(expected, "shape")) is ok


EQUIVALENT = [
    ("(A - Y) X^T", "(A - Y)*X.T", True),
    ("A X^T - Y X^T", "(A - Y)*X.T", True),
    (r"(A-Y)X^{\top}", "(A - Y)*X.T", True),
    ("((X (A - Y)^T))^T", "(A - Y)*X.T", True),
    ("X^T (A - Y)", "(A - Y)*X.T", False),
    ("(Y - A) X^T", "(A - Y)*X.T", False),
    (r"W^T \delta", "W.T*delta", True),
    (r"\sigma(z)(1-\sigma(z))", "exp(-z)/(1 + exp(-z))**2", True),
    ("sigma(z)^2", "exp(-z)/(1 + exp(-z))**2", False),
    (r"\tanh(u) - t", "tanh(u) - t", True),
    (r"\frac{1}{1+e^{-4}}", "1/(1 + exp(-4))", True),
    ("1/(1+e^4)", "1/(1 + exp(-4))", False),
    (r"\ln 5", "log(5)", True),
    ("log10(5)", "log(5)", False),
    ("2x + 2", "2*(x + 1)", True),
    ("x_1 w_1 + b", "b + w1*x1", True),
    ("relu(x)", "Max(0, x)", True),
    ("x +", "x", False),
    # the gradient family's keys: vectors of ones, element-wise products as sympy prints them
    ("(A-Y) 1_m", "(A - Y)*1_m", True),
    (r"(A-Y)\mathbf{1}_m", "(A - Y)*1_m", True),
    ("(A - Y)", "(A - Y)*1_m", False),
    ("((A-Y) ⊙ A ⊙ (1-A)) X^T", "(HadamardProduct(A - Y, A, -A + 1))*X.T", True),
    (r"((A-Y) \odot A \odot (1-A)) X^\top", "(HadamardProduct(A - Y, A, -A + 1))*X.T", True),
    ("(A-Y) X^T", "(HadamardProduct(A - Y, A, -A + 1))*X.T", False),
    ("1/m (A-Y) X^T", "1/m*(A - Y)*X.T", True),
]


@pytest.mark.parametrize(("given", "expected", "ok"), EQUIVALENT, ids=[f"{g} vs {e}" for g, e, _ in EQUIVALENT])
def test_expressions(given: str, expected: str, ok: bool) -> None:
    assert expressions_equivalent(given, expected) is ok


def test_expression_shapes_come_from_the_question_params() -> None:
    shapes = {"X": (3, 5), "A": (1, 5), "Y": (1, 5)}
    assert infer_shapes(parse_tree("(A - Y)*X.T"), {"A", "X", "Y"}, shapes) == shapes
    assert expressions_equivalent("(A-Y)X'", "(A - Y)*X.T", shapes=shapes)
    assert not expressions_equivalent("X'(A-Y)", "(A - Y)*X.T", shapes=shapes)


def test_inferred_free_dimensions_differ() -> None:
    got = infer_shapes(parse_tree("(A - Y)*X.T"), {"A", "X", "Y"})
    assert got is not None and got["A"] == got["Y"] and got["A"][1] == got["X"][1] and got["A"][0] != got["X"][0]


@pytest.mark.parametrize(("given", "expected", "ok"), [("b", "B", True), ("true", "true", True), ("A", "B", False), (None, "A", False)])
def test_choices(given: object, expected: str, ok: bool) -> None:
    assert choice_equal(given, expected) is ok


def test_tables_compare_the_numbers_not_the_layer_names() -> None:
    key = [{"name": "conv2d", "type": "Conv2D", "output_shape": [26, 26, 16], "params": 160}]
    assert tables_equal([{"name": "c1", "type": "conv", "output_shape": [26, 26, 16], "params": 160}], key)
    assert not tables_equal([{"name": "conv2d", "output_shape": [26, 26, 16], "params": 144}], key)
    assert not tables_equal([], key)


@pytest.mark.parametrize(
    "given,same",
    [
        ("(sigma(W X + b 1_m^T) - Y) X^T", True),  # A written out
        ("(σ(Z) - Y)Xᵀ", True),
        ("A X^T - Y X^T", True),
        ("(Y - A) X^T", False),
        ("(A - Y) X", False),
        ("(sigma(W X) - Y) X^T", False),  # forgot the bias inside
    ],
    ids=["a-expanded", "sigma-of-z", "distributed", "sign", "no-transpose", "bias-dropped"],
)
def test_definitions_accept_a_written_out(given, same):
    defs = {"Z": "W*X + b*1_m^T", "A": "sigma(W*X + b*1_m^T)"}
    assert expressions_equivalent(given, "(A - Y)*X.T", definitions=defs) is same


def test_sum_over_samples_is_times_ones():
    assert expressions_equivalent("sum(A - Y)", "(A - Y)*1_m")
    assert not expressions_equivalent("sum(A - Y)", "(A - Y)*X.T")
