"""The exact activation functions shared by dense-forward, softmax and cross-entropy."""

from __future__ import annotations

import pytest
import sympy as sp
from nnexam.questions import activations as act
from nnexam.questions.errors import UnknownNameError

E = sp.exp


@pytest.mark.parametrize(
    "name,z,expected",
    [
        ("sigmoid", 0, sp.Rational(1, 2)),
        ("sigmoid", 13, 1 / (1 + E(-13))),
        ("sigmoid", -2, 1 / (1 + E(2))),
        ("tanh", 0, 0),
        ("tanh", 2, sp.tanh(2)),
        ("relu", sp.Rational(-1, 3), 0),
        ("relu", sp.Rational(5, 2), sp.Rational(5, 2)),
        ("leaky_relu", -3, sp.Rational(-3, 100)),
        ("leaky_relu", 0, 0),
        ("linear", -7, -7),
        ("relu", 1 / (1 + E(1)) - sp.Rational(1, 2), 0),  # a non-rational value, negative
        ("relu", E(1) - 2, E(1) - 2),  # a non-rational value, positive
    ],
    ids=lambda v: str(v),
)
def test_exact_values(name, z, expected):
    assert act.apply(name, [sp.sympify(z)])[0] == expected


def test_softmax_is_exact_and_sums_to_one():
    p = act.softmax([sp.Integer(1), sp.Integer(2)])
    assert p == (E(1) / (E(1) + E(2)), E(2) / (E(1) + E(2)))
    assert sp.simplify(sum(p)) == 1
    assert act.log_softmax([0, 0]) == (-sp.log(2), -sp.log(2))


def test_sign_decides_equal_expressions_as_zero():
    same_value = E(1) / (1 + E(1)) - 1 / (1 + E(-1))  # 0, though sympy does not simplify it on its own
    assert act.sign(same_value) == 0
    assert act.sign(sp.tanh(1) - sp.Rational(3, 4)) == 1 and act.sign(sp.Rational(-1, 10**30)) == -1


@pytest.mark.parametrize("raw,name", [("ReLU", "relu"), ("Leaky-ReLU", "leaky_relu"), ("identity", "linear"), ("logistic", "sigmoid")])
def test_names_and_aliases(raw, name):
    assert act.resolve(raw) == name


def test_unknown_name_suggests_close_ones():
    with pytest.raises(UnknownNameError, match="Did you mean 'softmax'"):
        act.resolve("softmx")
    assert act.ActivationNames()("relu", "activations") == "relu"
    assert act.ActivationNames()('["relu", "tanh"]', "activations") == ("relu", "tanh")


def test_decimals_survive_cancellation():
    """sympy's plain evalf gives ln(1 - sigmoid(332.37)) as -288.3 (15 digits) or -332.305 (30):
    every decimal nnexam prints or compares comes from exact_n, which raises the precision until the
    digits are certain."""
    import math

    import sympy as sp
    from nnexam.questions.activations import sigmoid
    from nnexam.questions.exact import exact_n, json_value

    z = sp.Rational(33237, 100)
    x = sp.log(1 - sigmoid(z))
    assert math.isclose(float(exact_n(x)), -332.37, rel_tol=1e-12)
    assert math.isclose(json_value(x), -332.37, rel_tol=1e-12)
    assert exact_n(sp.exp(2) / (1 + sp.exp(2)) - sigmoid(2)) == 0  # an exact zero stays zero
