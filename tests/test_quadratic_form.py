"""quadratic-form: textbook cases in several notations, mistakes, non-quadratic input, generator, and a
differential test: xᵀAx + xᵀb + c against the polynomial (exact, Fractions) and against torch
float64 (einsum, and autograd's Hessian = 2A)."""

from __future__ import annotations

import os
import random
import re
from fractions import Fraction
from itertools import combinations_with_replacement

import pytest
import sympy as sp
from click.testing import CliRunner
from nnexam.questions import registry
from nnexam.questions.errors import ParamError

from nnexam.cli import cli

FAM = registry.get("quadratic-form")
N = int(os.environ.get("NNEXAM_DIFF_N", "300"))
R = sp.Rational


def answer(f, variables=None):
    raw = {"f": f} if variables is None else {"f": f, "variables": variables}
    return FAM.solve(FAM.parse(raw)).as_dict()


@pytest.mark.parametrize(
    "f,variables,A,b,c",
    [
        ("3x^2 - 4xy + y^2 + 2x - 5", "x, y", [[3, -2], [-2, 1]], [2, 0], -5),
        ("x^2 + y^2", None, [[1, 0], [0, 1]], [0, 0], 0),
        ("(x + y)^2", ["x", "y"], [[1, 1], [1, 1]], [0, 0], 0),
        ("x**2 + 3*x*y", ["x", "y"], [[1, R(3, 2)], [R(3, 2), 0]], [0, 0], 0),
        (r"2x_1^{2} + 2x_1x_2 + 3x_2^2 - x_1 + 4", None, [[2, 1], [1, 3]], [-1, 0], 4),
        (r"\frac{1}{2}x^2 + 3xy", ["x", "y"], [[R(1, 2), R(3, 2)], [R(3, 2), 0]], [0, 0], 0),
        ("x1^2 + x1 x2 - 7", ["x1", "x2"], [[1, R(1, 2)], [R(1, 2), 0]], [0, 0], -7),
        ("y^2 + 2xy + x", "y, x", [[1, 1], [1, 0]], [0, 1], 0),
        ("x^2", ["x", "y"], [[1, 0], [0, 0]], [0, 0], 0),
        ("x² + y² - 2y", None, [[1, 0], [0, 1]], [0, -2], 0),
        ("0.5x^2 - 1.5", ["x"], [[R(1, 2)]], [0], R(-3, 2)),
        ("(x - 1)(y + 2)", None, [[0, R(1, 2)], [R(1, 2), 0]], [2, -1], -2),
        ("x^2 + 3xy + y^2", None, [[1, R(3, 2)], [R(3, 2), 1]], [0, 0], 0),
        ("(x+1)^3 - x^3 - 3x^2", ["x"], [[0]], [3], 1),
        ("4 w_2 w_1 + w_1^2", None, [[1, 2], [2, 0]], [0, 0], 0),
    ],
    ids=["textbook", "identity", "square-of-sum", "python-power", "latex-indexed", "latex-frac", "x1-is-x_1",
         "order-given", "unused-variable", "unicode", "decimals", "product-of-sums", "xy-split", "cubes-cancel",
         "names-sorted"],
)
def test_textbook(f, variables, A, b, c):
    a = answer(f, variables)
    assert a["A"] == tuple(tuple(sp.Rational(v) for v in row) for row in A)
    assert a["b"] == tuple(sp.Rational(v) for v in b)
    assert a["c"] == c


def test_irrational_coefficient_stays_exact():
    a = answer("sqrt(2)*x*y + pi*x", ["x", "y"])
    assert a["A"][0][1] == sp.sqrt(2) / 2 and a["b"][0] == sp.pi


def test_steps_list_where_each_term_goes():
    from nnexam.questions import doc

    text = doc.plain(FAM.solve(FAM.parse({"f": "3x^2 - 4xy + y^2 + 2x - 5"})).steps)
    assert "A12 = A21 = -2" in text and "b1 = 2" in text and "c = -5" in text


BASE = {"f": "3x^2 - 4xy + y^2 + 2x - 5", "variables": ["x", "y"]}


@pytest.mark.parametrize(
    "mistake,part,value",
    [
        ("forgot-halving-cross-terms", "A", [[3, -4], [-4, 1]]),
        ("non-symmetric", "A", [[3, -4], [0, 1]]),
        ("halved-diagonal", "A", [[R(3, 2), -2], [-2, R(1, 2)]]),
        ("hessian-convention", "A", [[6, -4], [-4, 2]]),
        ("b-sign", "b", [-2, 0]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_mistake_is_recognised(mistake, part, value):
    p = FAM.parse(BASE)
    got = {m.id: w for m, w in FAM.mistake_answers(p)}
    want = tuple(tuple(sp.Rational(v) for v in r) for r in value) if part == "A" else tuple(sp.Rational(v) for v in value)
    assert got[mistake] == {part: want}
    assert FAM.distinguishable(p, FAM.solve(p)) is None


def test_mistakes_that_cannot_occur_are_skipped():
    p = FAM.parse({"f": "x^2 + y^2 + 1"})
    ids = {m.id for m, _ in FAM.mistake_answers(p)}
    assert ids == {"halved-diagonal", "hessian-convention"}


@pytest.mark.parametrize(
    "raw,message",
    [
        ({"f": "x^3 + y", "variables": "x, y"}, "the term x^3 has degree 3"),
        ({"f": "x*y*z + x^2"}, "the term x*y*z has degree 3"),
        ({"f": "2xyz", "variables": "x, y, z"}, "the term 2*x*y*z has degree 3"),
        ({"f": "sin(x) + y^2"}, "the term sin(x) is not"),
        ({"f": "1/x + y"}, "the term 1/x is not"),
        ({"f": "sqrt(x) + x^2"}, "the term sqrt(x) is not"),
        ({"f": "2^x"}, "the term 2^x is not"),
        ({"f": "x^2 + q", "variables": ["x"]}, "'q' is not one of them"),
        ({"f": "x^2 +"}, "a readable expression"),
        ({"f": "(x + y + z)^40"}, "its degree can reach 40"),
        ({"f": "x^2 + I*x", "variables": ["x"]}, "'I' is not one of them"),
    ],
    ids=["cube", "triple-product", "implicit-triple", "sin", "reciprocal", "sqrt", "exponential", "unlisted",
         "syntax", "huge-power", "imaginary"],
)
def test_not_quadratic_names_the_term(raw, message):
    with pytest.raises(ParamError, match="'f'") as err:
        FAM.parse(raw)
    assert message in str(err.value)


@pytest.mark.parametrize(
    "raw,param",
    [
        ({"f": "x^2", "variables": ["x1", "x_1"]}, "variables"),
        ({"f": "x^2", "variables": ["x", "e"]}, "variables[2]"),
        ({"f": "x^2", "variables": ["x + y"]}, "variables[1]"),
        ({"f": "x^2", "variables": [f"x{i}" for i in range(9)]}, "variables"),
        ({"f": "x" * 3000}, "f"),
        ({"variables": ["x"]}, "f"),
    ],
    ids=["same-variable", "constant", "not-a-name", "too-many", "too-long", "missing"],
)
def test_bad_params_name_the_parameter(raw, param):
    with pytest.raises(ParamError, match=re.escape(f"'{param}'")):
        FAM.parse(raw)


def test_cli_non_quadratic_is_one_line_exit_1():
    r = CliRunner().invoke(cli, ["answer", "quadratic-form", "--set", "f=x^3 + x*y", "--set", "variables=x, y"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "x^3" in r.output and len(r.output.strip().splitlines()) == 1


def test_cli_answer_json():
    import json

    r = CliRunner().invoke(cli, ["answer", "quadratic-form", "--set", "f=3x^2 - 4xy + y^2 + 2x - 5", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["parts"]["A"] == {"exact": "[[3, -2], [-2, 1]]", "value": [[3, -2], [-2, 1]]}
    assert out["params"]["variables"] == ["x", "y"]


def test_generator_is_seeded_varied_and_distinguishable():
    draws = [FAM.draw(random.Random(s)) for s in range(60)]
    assert draws == [FAM.draw(random.Random(s)) for s in range(60)]
    assert len(set(draws)) == 60
    for p in draws:
        a = FAM.solve(p).as_dict()
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert all(v.is_Integer and abs(v) <= 5 for row in a["A"] for v in row)
        assert len(FAM.mistake_answers(p)) == 5


@pytest.mark.parametrize(
    "options,check",
    [
        ({"names": "indexed", "variables_min": 4, "variables_max": 4}, lambda p: p.variables == ("x_1", "x_2", "x_3", "x_4")),
        ({"variables_min": 1, "variables_max": 1}, lambda p: p.variables == ("x",)),
        ({"coef_max": 9, "integer_A": False}, lambda p: True),
    ],
    ids=["indexed", "one-variable", "odd-cross"],
)
def test_generator_options(options, check):
    for s in range(10):
        p = FAM.draw(random.Random(s), options=options)
        assert check(p)
        assert FAM.parse({"f": p.f, "variables": list(p.variables)}) == p  # the text reads back


# ---------------------------------------------------------------------------------------------
# Differential: the polynomial itself (exact) and torch float64
# ---------------------------------------------------------------------------------------------


def random_quadratic(rng: random.Random):
    """Coefficients per monomial (exponent tuples) and f written in one of several notations."""
    n = rng.randint(1, 5)
    letters = n <= 3 and rng.random() < 0.5
    names = ["x", "y", "z"][:n] if letters else [f"x_{i + 1}" for i in range(n)]
    coeffs: dict[tuple[int, ...], Fraction] = {}
    for deg in (2, 1, 0):
        for combo in combinations_with_replacement(range(n), deg):
            if rng.random() < 0.7:
                e = [0] * n
                for i in combo:
                    e[i] += 1
                coeffs[tuple(e)] = Fraction(rng.randint(-9, 9), rng.choice((1, 1, 2, 3, 4)))
    style = rng.choice(("caret", "python", "implicit", "latex"))
    text = []
    for e, c in coeffs.items():
        if c == 0:
            continue
        sign = "-" if c < 0 else "+"
        mag = abs(c)
        if style == "latex":
            num = rf"\frac{{{mag.numerator}}}{{{mag.denominator}}}" if mag.denominator > 1 else str(mag.numerator)
        else:
            num = f"({mag.numerator}/{mag.denominator})" if mag.denominator > 1 else str(mag.numerator)
        factors = []
        for i, k in enumerate(e):
            if k:
                v = names[i] if style != "latex" else names[i].replace("_", "_{") + ("}" if "_" in names[i] else "")
                factors.append(v if k == 1 else (f"{v}**2" if style == "python" else f"{v}^2"))
        if style == "implicit":
            body = num + " ".join(factors) if factors else num
        elif style == "latex":
            body = num + " ".join(factors)
        else:
            body = "*".join([num, *factors])
        text.append(f" {sign} {body}")
    f = "".join(text) or "0"
    return names, coeffs, f


def poly_value(coeffs, point):
    total = Fraction(0)
    for e, c in coeffs.items():
        term = c
        for v, k in zip(point, e):
            term *= v**k
        total += term
    return total


@pytest.mark.torch
def test_differential_polynomial_and_torch():
    import torch

    rng = random.Random(4242)
    for _ in range(N):
        names, coeffs, f = random_quadratic(rng)
        a = FAM.solve(FAM.parse({"f": f, "variables": names})).as_dict()
        A = sp.Matrix(a["A"])
        assert A == A.T, f
        b = sp.Matrix(a["b"])
        for _ in range(3):  # exact, at random rational points
            point = [Fraction(rng.randint(-20, 20), rng.randint(1, 7)) for _ in names]
            x = sp.Matrix([sp.Rational(v.numerator, v.denominator) for v in point])
            lhs = (x.T * A * x)[0] + (x.T * b)[0] + a["c"]
            want = poly_value(coeffs, point)
            assert lhs == sp.Rational(want.numerator, want.denominator), (f, point)
        # torch float64: the form with einsum, and autograd's Hessian of the polynomial is 2A
        At = torch.tensor([[float(v) for v in row] for row in a["A"]], dtype=torch.float64)
        bt = torch.tensor([float(v) for v in a["b"]], dtype=torch.float64)
        ct = float(a["c"])

        def poly(x, coeffs=coeffs):
            out = x.new_zeros(())
            for e, c in coeffs.items():
                term = x.new_tensor(float(c))
                for i, k in enumerate(e):
                    term = term * x[i] ** k
                out = out + term
            return out

        x0 = torch.tensor([rng.uniform(-3, 3) for _ in names], dtype=torch.float64)
        form = torch.einsum("i,ij,j->", x0, At, x0) + x0 @ bt + ct
        assert torch.isclose(form, poly(x0), rtol=1e-12, atol=1e-10), f
        hess = torch.autograd.functional.hessian(poly, x0)
        assert torch.allclose(hess, 2 * At, rtol=0, atol=1e-12), f
        grad0 = torch.autograd.functional.jacobian(poly, torch.zeros(len(names), dtype=torch.float64))
        assert torch.allclose(grad0, bt, rtol=0, atol=1e-12), f


def test_params_json_round_trip():
    """key.json stores params with params_json; parsing them back gives the same instance."""
    import json

    from nnexam.questions.exact import params_json

    for s in range(10):
        p = FAM.draw(random.Random(s))
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p
