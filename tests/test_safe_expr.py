"""The safe expression parser: what it reads, what it refuses, and that it never evaluates text."""

from __future__ import annotations

import gc
import time

import pytest
import sympy as sp
from nnexam.questions.safe_expr import ExprSyntaxError, parse_expression

x, y, z, u, t = sp.symbols("x y z u t")
E = sp.E

READS = [
    # plain
    ("2x", 2 * x), ("3(x+1)", 3 * x + 3), ("x y", x * y), ("x^2", x**2), ("x**2", x**2), ("-x^2", -(x**2)),
    ("2^3^2", sp.Integer(512)), ("1/2", sp.Rational(1, 2)), ("0.25", sp.Rational(1, 4)),
    ("1e-3", sp.Rational(1, 1000)), ("2.5E2", sp.Integer(250)), ("2e^{-4}", 2 * sp.exp(-4)), ("2^-1", sp.Rational(1, 2)),
    ("[x+1]*2", 2 * x + 2), ("-(-(-x))", -x), ("e", E), ("e^x", sp.exp(x)), ("pi", sp.pi),
    # functions
    ("relu(-3)", sp.Integer(0)), ("max(1, 2, 3)", sp.Integer(3)), ("min(x, 2)", sp.Min(x, 2)), ("abs(-2)", sp.Integer(2)),
    ("sqrt(16)", sp.Integer(4)), ("ln(5)", sp.log(5)), ("log(5)", sp.log(5)), ("log10(1000)", sp.Integer(3)),
    ("log2(8)", sp.Integer(3)), ("log_2 8", sp.Integer(3)), ("log(8, 2)", sp.Integer(3)), ("exp(1)", E),
    ("sigma(z)", 1 / (1 + sp.exp(-z))), ("sigmoid(z)", 1 / (1 + sp.exp(-z))), ("tanh(u) - t", sp.tanh(u) - t),
    ("sin x", sp.sin(x)), ("cos(x)^2", sp.cos(x) ** 2),
    # names
    ("x_1 + x_{12} + x1", 2 * sp.Symbol("x_1") + sp.Symbol("x_12")), ("delta", sp.Symbol("delta")),
    # unicode
    ("σ(z)", 1 / (1 + sp.exp(-z))), ("2·3", sp.Integer(6)), ("2×3", sp.Integer(6)), ("5−2", sp.Integer(3)),
    ("x²", x**2), ("π", sp.pi), ("δ x", sp.Symbol("delta") * x), ("√4", sp.Integer(2)),
    # LaTeX
    (r"\frac{1}{1+e^{-4}}", 1 / (1 + sp.exp(-4))), (r"\frac12", sp.Rational(1, 2)), (r"\dfrac{3}{4}x", 3 * x / 4),
    (r"\ln 5", sp.log(5)), (r"\tanh(u) - t", sp.tanh(u) - t), (r"\sigma(z)", 1 / (1 + sp.exp(-z))),
    (r"\log_{10}(100)", sp.Integer(2)), (r"\sqrt{2}", sp.sqrt(2)), (r"\sqrt[3]{8}", sp.Integer(2)),
    (r"\left( x+1 \right)^{2}", (x + 1) ** 2), (r"\mathrm{relu}(x)", sp.Max(0, x)), (r"\delta", sp.Symbol("delta")),
    (r"x_1\cdot w_1", sp.Symbol("x_1") * sp.Symbol("w_1")), (r"3 \times 4", sp.Integer(12)),
    (r"\sin^2 x + \cos^2 x", sp.sin(x) ** 2 + sp.cos(x) ** 2), (r"\exp(x)", sp.exp(x)), (r"\pi r^2", sp.pi * sp.Symbol("r") ** 2),
    (r"\mathbf{x}", x), (r"\,x\;", x),
]


@pytest.mark.parametrize(("text", "expected"), READS, ids=[r[0] for r in READS])
def test_reads(text: str, expected: sp.Expr) -> None:
    got = parse_expression(text)
    assert sp.simplify(got - expected) == 0


def test_numbers_are_exact() -> None:
    assert parse_expression("0.1") == sp.Rational(1, 10)
    assert isinstance(parse_expression("1.5e-2"), sp.Rational)


def test_matrix_products_and_transposes() -> None:
    shapes = {"W": (3, 2), "delta": (3, 1)}
    got = parse_expression(r"W^T \delta", matrix_symbols=shapes)
    W, d = sp.MatrixSymbol("W", 3, 2), sp.MatrixSymbol("delta", 3, 1)
    assert got == W.T * d and got.shape == (2, 1)
    for text in ("W^{T} delta", r"W^\top \delta", "W.T*delta", "W' delta", "Wᵀδ", r"\mathbf{W}^{\top}\boldsymbol{\delta}"):
        assert parse_expression(text, matrix_symbols=shapes) == W.T * d, text
    ax = {"A": (1, 4), "Y": (1, 4), "X": (3, 4)}
    assert parse_expression("(A - Y)*X.T", matrix_symbols=ax) == parse_expression("(A-Y)Xᵀ", matrix_symbols=ax)


def test_shape_mismatch_is_a_syntax_error() -> None:
    with pytest.raises(ExprSyntaxError, match="shapes do not fit"):
        parse_expression("X W", matrix_symbols={"X": (3, 4), "W": (3, 4)})


REFUSED = [
    ("9**9**9", "power larger"), ("10^10^10", "power larger"), ("(2^1000)^1000", "digits"), ("1e999", "exponent of 10"),
    ("x^100", "power of an expression"), ("1/0", "division by zero"), ("0^-1", "division by zero"),
    ("__import__('os')", "unexpected character"), (r"\input{/etc/passwd}", "unsupported LaTeX command"),
    (r"\def\x{1}", "unsupported LaTeX command"), ("2 3", "two numbers"), ("", "empty"), ("(" * 60 + "x" + ")" * 60, "nested"),
    ("x" * 3000, "longer than"), ("x+", "ends too early"), ("(x", "expected '\\)'"), ("max(" + ",".join("x" * 9) + ")", "more than 8"),
    ("sqrt(2^999)", "root of a very large"), ("(3^999)^(1/3)", "root of a very large"), ("x = 1", "unexpected character"),
    ("exp(10^7)", "larger than"), ("a;b", "unexpected character"), ("|x|", "unexpected character"),
]


@pytest.mark.parametrize(("text", "reason"), REFUSED, ids=[r[0][:30] for r in REFUSED])
def test_refuses_quickly(text: str, reason: str) -> None:
    # CPU time (other load does not count), with the collector off as timeit does: a collection of
    # the worker's whole heap, triggered by chance inside the call, is not the parser's cost
    gc.disable()
    try:
        start = time.thread_time()
        with pytest.raises(ExprSyntaxError, match=reason) as info:
            parse_expression(text)
        spent = time.thread_time() - start
    finally:
        gc.enable()
    assert spent < 0.1
    assert 0 <= info.value.offset <= len(text)


def test_message_has_a_caret_under_the_offset() -> None:
    with pytest.raises(ExprSyntaxError) as info:
        parse_expression("2 + * 3")
    err = info.value
    assert err.offset == 4
    lines = str(err).splitlines()
    assert lines[-1].index("^") == lines[-2].index("*")


def test_long_flat_input_does_not_recurse() -> None:
    assert parse_expression("+".join(["x"] * 450)) == 450 * x
    assert parse_expression(" ".join(["x"] * 60)) == x**60


def test_ones_vectors_and_hadamard_products() -> None:
    shapes = {"A": (2, 3), "Y": (2, 3), "1_m": (3, 1)}
    assert parse_expression("(A - Y)*1_m", matrix_symbols=shapes).shape == (2, 1)
    assert parse_expression(r"(A - Y)\mathbf{1}_m", matrix_symbols=shapes).shape == (2, 1)
    had = parse_expression("HadamardProduct(A, Y)", matrix_symbols=shapes)
    assert had == parse_expression(r"A \odot Y", matrix_symbols=shapes) == parse_expression("A ⊙ Y", matrix_symbols=shapes)
    assert isinstance(had, sp.HadamardProduct)


def test_sqrt_of_a_large_number_reads_like_its_power():
    """Keys write roots such as sqrt(6187510)/1000 (sympy's printing): the argument bound of exp and
    sin does not apply, the power's bounds do."""
    import sympy as sp
    from nnexam.questions.safe_expr import parse_expression

    assert parse_expression("sqrt(6187510)/1000") == sp.sqrt(6187510) / 1000 == parse_expression("6187510^(1/2)/1000")
    assert parse_expression("sqrt(10^40)") == sp.Integer(10) ** 20
