"""The value parser: every answer form students write, and what it refuses (as a value, never raising)."""

from __future__ import annotations

import pytest
import sympy as sp
from nnexam.grader.values import MISSING, Formula, Unreadable, as_value, parse_answer

R = sp.Rational
I = sp.Integer  # noqa: E741

READS = [
    # integers and numbers
    ("42", "integer", None, I(42)),
    ("1,204,352", "integer", None, I(1204352)),
    ("48 330", "integer", None, I(48330)),
    ("48\u202f330", "integer", None, I(48330)),
    ("1,204.5", "number", None, R(2409, 2)),
    ("-0.25", "number", None, R(-1, 4)),
    ("3/4", "number", None, R(3, 4)),
    ("1e-3", "number", None, R(1, 1000)),
    ("2.5E2", "number", None, I(250)),
    ("97%", "number", R(97, 100), R(97, 100)),
    ("97%", "number", I(97), I(97)),
    ("97 %", "number", R(1, 2), R(97, 100)),
    ("$0.5$", "number", None, R(1, 2)),
    ("≈ 0.73", "number", None, R(73, 100)),
    ("\\frac{3}{4}", "number", None, R(3, 4)),
    ("\\ln 5", "number", None, sp.log(5)),
    ("e^2/(1 + e^2)", "number", None, sp.exp(2) / (1 + sp.exp(2))),
    ("[5]", "number", None, I(5)),
    ("3200.0", "integer", None, I(3200)),
    # vectors and matrices
    ("[1, 2, 3]", "vector", None, (I(1), I(2), I(3))),
    ("1 2 3", "vector", None, (I(1), I(2), I(3))),
    ("1, 2, 3", "vector", None, (I(1), I(2), I(3))),
    ("[12 -7]", "vector", None, (I(12), I(-7))),
    ("[0.1 0.2 0.7]", "vector", None, (R(1, 10), R(1, 5), R(7, 10))),
    ("[1 - 2, 3]", "vector", None, (I(-1), I(3))),
    ("[(1+2)/3, 4]", "vector", None, (I(1), I(4))),
    ("[1, 2,]", "vector", None, (I(1), I(2))),
    ("[1/2, e^{-1}]", "vector", None, (R(1, 2), sp.exp(-1))),
    ("array([0.1, 0.9])", "vector", None, (R(1, 10), R(9, 10))),
    ("[[12 -7] [3 40]]", "matrix", None, ((I(12), I(-7)), (I(3), I(40)))),
    ("[[12, -7], [3, 40]]", "matrix", None, ((I(12), I(-7)), (I(3), I(40)))),
    ("[1 2; 3 4]", "matrix", None, ((I(1), I(2)), (I(3), I(4)))),
    ("np.array([[1, 2], [3, 4]])", "matrix", None, ((I(1), I(2)), (I(3), I(4)))),
    (r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", "matrix", None, ((I(1), I(2)), (I(3), I(4)))),
    (r"\left[\begin{array}{cc} 1 & 2 \\ 3 & 4 \end{array}\right]", "matrix", None, ((I(1), I(2)), (I(3), I(4)))),
    (r"\begin{pmatrix} 1 \\ 2 \end{pmatrix}", "vector", None, ((I(1),), (I(2),))),
    # shapes
    ("(7, 7)", "shape", None, (I(7), I(7))),
    ("7x7", "shape", None, (I(7), I(7))),
    ("28 × 28 × 1", "shape", None, (I(28), I(28), I(1))),
    ("(None, 7, 7, 32)", "shape", None, (None, I(7), I(7), I(32))),
    ("[(56, 56), (54, 54)]", "shape", None, ((I(56), I(56)), (I(54), I(54)))),
    ("7", "shape", None, (I(7),)),
    # choices, text, expressions
    ("b", "choice", None, "B"),
    ("(C)", "choice", None, "C"),
    ("True", "choice", None, "true"),
    ("F", "choice", None, "F"),  # a label, never "false" (issue 14)
    ("W^T \\delta", "expression", None, Formula("W^T \\delta")),
    ("  max  pooling ", "text", None, "max pooling"),
]


@pytest.mark.parametrize(("raw", "kind", "expected", "want"), READS, ids=[f"{r[1]}:{r[0]}" for r in READS])
def test_reads(raw: str, kind: str, expected: object, want: object) -> None:
    got = parse_answer(raw, kind, expected=expected)
    assert got == want, got


NATIVE = [
    (42, "integer", I(42)),
    (0.1, "number", R(1, 10)),
    ([1, 2.5, "3/4"], "vector", (I(1), R(5, 2), R(3, 4))),
    ([[1, 2], [3, 4]], "matrix", ((I(1), I(2)), (I(3), I(4)))),
    ([None, 7, 7], "shape", (None, I(7), I(7))),
    (True, "choice", "true"),
    ([{"name": "dense", "params": 10}], "table", [{"name": "dense", "params": 10}]),
    ("[{name: dense, params: 10}]", "table", [{"name": "dense", "params": 10}]),
]


@pytest.mark.parametrize(("raw", "kind", "want"), NATIVE, ids=[f"{r[1]}:{r[0]!r}" for r in NATIVE])
def test_reads_yaml_values(raw: object, kind: str, want: object) -> None:
    assert parse_answer(raw, kind) == want


@pytest.mark.parametrize("raw", [None, "", "   \n"])
def test_empty_is_missing(raw: object) -> None:
    assert parse_answer(raw, "number") is MISSING


BAD = [
    ("[1,,2]", "vector", "empty entry"),
    ("[1, 2", "vector", "missing ']'"),
    ("1, 2]", "vector", "unbalanced"),
    ("x", "number", "expression in x"),
    ("9**9**9", "number", "larger than"),
    ("__import__('os').system('ls')", "number", "unexpected character"),
    (r"\input{/etc/passwd}", "number", "unsupported LaTeX command"),
    ("maybe", "choice", "one choice"),
    (True, "number", "got true"),
    (float("nan"), "number", "finite"),
    ([[[[[1]]]]], "matrix", "nested more than"),
    ("[" * 10 + "1" + "]" * 10, "matrix", "nested more than"),
    ("x" * 30_000, "number", "longer than"),
    ({"a": 1}, "number", "number or a list"),
    ("a: &a [1]\nb: *a", "table", "aliases"),
    ("[1, 2] * 3, 4", "vector", "mixes a list"),
    ("1e999", "number", "exponent"),
    ("2 3", "number", "two numbers"),
]


@pytest.mark.parametrize(("raw", "kind", "reason"), BAD, ids=[f"{r[1]}:{str(r[0])[:30]}" for r in BAD])
def test_unreadable_is_a_value_with_the_reason(raw: object, kind: str, reason: str) -> None:
    got = parse_answer(raw, kind)
    assert isinstance(got, Unreadable)
    assert reason in got.reason


def test_as_value_matches_the_parser() -> None:
    assert as_value([1, 2]) == parse_answer("[1, 2]", "vector")
    assert as_value(sp.Matrix([[1, 2], [3, 4]])) == parse_answer("[[1, 2], [3, 4]]", "matrix")
    assert as_value((28, 28)) == parse_answer("(28, 28)", "shape")


# ---------------------------------------------------------------------------------------------
# issue 12: what a careful human grader reads

LENIENT = [
    ("b = 3", "number", I(3)),
    ("W_out = H_out = 13", "integer", I(13)),
    ("50000/64 = 782", "integer", I(782)),
    ("-ln(0.3) ≈ 1.20", "number", R(6, 5)),
    (r"\frac{1}{1+e^{-2}} \approx 0.8808", "number", R(8808, 10000)),
    ("3*3*16*32 + 32 = 4640", "integer", I(4640)),
    ("782 steps", "integer", I(782)),
    ("4,640 params", "integer", I(4640)),
    ("1.20 (natural log)", "number", R(6, 5)),
    ("Output is (13,13)", "shape", (I(13), I(13))),
    ("Total params: 34,826 (136.04 KB)", "integer", I(34826)),
    ("512 total trainable params", "integer", I(512)),
    ("26 x 26 pixels", "shape", (I(26), I(26))),
    ("0.6931...", "number", R(6931, 10000)),
    ("~1.2", "number", R(6, 5)),
    ("12.5k", "integer", I(12500)),
    ("23.6M", "integer", I(23600000)),
    ("array([[1., 2.],\n       [3., 4.]])", "matrix", ((I(1), I(2)), (I(3), I(4)))),
    ("tensor([[12., -3.], [0., 5.]], grad_fn=<AddBackward0>)", "matrix", ((I(12), I(-3)), (I(0), I(5)))),
    ("12 -3\n0 5", "matrix", ((I(12), I(-3)), (I(0), I(5)))),
    ("h1 = [12; 0; -5]", "vector", ((I(12),), (I(0),), (I(-5),))),
    (r"\begin{vmatrix} 1 & 2 \\ 3 & 4 \end{vmatrix}", "matrix", ((I(1), I(2)), (I(3), I(4)))),
    (r"\left( \dfrac{3}{4} \right)", "number", R(3, 4)),
    (r"1\,204", "integer", I(1204)),
    ("34{,}826", "integer", I(34826)),
    ("\u2212０.５", "number", R(-1, 2)),
    ("Answer: B", "choice", "B"),
    ("B) ReLU", "choice", "B"),
    ("True, because the sum is 1", "choice", "true"),
    ("3.4·10⁶", "number", I(3400000)),
    ("[1 2 3]^T", "vector", (I(1), I(2), I(3))),
    ("[[1, 2], [3, 4]]^T", "matrix", ((I(1), I(3)), (I(2), I(4)))),
    ("13 by 13", "shape", (I(13), I(13))),
    ("0,5", "number", R(1, 2)),
    ("1/2 (0.5)", "number", R(1, 2)),  # a value and its decimal, not 1/2 * 0.5
]


@pytest.mark.parametrize(("raw", "kind", "want"), LENIENT, ids=[f"{r[1]}:{r[0][:30]}" for r in LENIENT])
def test_reads_what_a_grader_reads(raw: str, kind: str, want: object) -> None:
    assert parse_answer(raw, kind) == want


def test_working_and_approximation_are_kept() -> None:
    from nnexam.grader.values import read_answer

    r = read_answer("50000/64 = 782", "integer")
    assert r.working == (("50000/64", R(3125, 4)),) and not r.approximate
    assert read_answer("23.6M", "integer").approximate
    assert read_answer("-ln(0.3) ≈ 1.20", "number").approximate
    assert read_answer("b = 3", "number").working == ()  # a label is not working


@pytest.mark.parametrize("raw", [
    "1e309", "[10^400, 1]", "exp(exp(exp(exp(3))))", "sin(exp(exp(13)))", "e^999", "1" * 5000, "3 = 10^400",
])
def test_answers_beyond_a_float_are_unreadable_with_a_reason(raw: str) -> None:
    got = parse_answer(raw, "vector" if raw.startswith("[") else "number")
    assert isinstance(got, Unreadable) and ("larger" in got.reason or "longer" in got.reason), got


@pytest.mark.parametrize(("raw", "kind"), [("I don't know", "expression"), ("no idea, sorry", "choice"), ("?", "shape"),
                                           ("3 (or 4)", "integer"), ("5 or 6 steps", "integer"), ("see page 2", "number")])
def test_no_value_stays_unreadable(raw: str, kind: str) -> None:
    assert isinstance(parse_answer(raw, kind), Unreadable)
