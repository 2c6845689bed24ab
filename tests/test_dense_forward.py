"""dense-forward: textbook cases, weight/bias shapes, mistakes, follow-on, bad input, the generator,
and a differential test against PyTorch float64 (``NNEXAM_DIFF_N`` instances, 300 by default)."""

from __future__ import annotations

import os
import random
from fractions import Fraction

import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from nnexam.questions import registry
from nnexam.questions.activations import NAMES, TRANSCENDENTAL
from nnexam.questions.errors import NnexamError, ParamError, UnknownNameError
from nnexam.questions.exact import json_value

from nnexam.cli import cli

FAM = registry.get("dense-forward")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))

# Anything a spec file or --set could hold: numbers, text, booleans, nulls, nested lists.
SCALARS = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.booleans(), st.none())
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=16)
NUMBERS = st.recursive(st.integers(-3, 3), lambda inner: st.lists(inner, min_size=1, max_size=3), max_leaves=9)
E = sp.exp


def solve(**raw):
    return FAM.solve(FAM.parse(raw))


# --- textbook cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,part,expected",
    [
        (dict(x=[13], weights=[[1]], activations="sigmoid"), "output", (1 / (1 + E(-13)),)),
        (dict(x=[0], weights=[[5]], activations="sigmoid"), "output", (sp.Rational(1, 2),)),
        (dict(x=[2], weights=[[1]], activations="tanh"), "output", (sp.tanh(2),)),
        # relu hidden, linear output: the classic two-layer exercise
        (
            dict(x=[1, -2], weights=[[[1, 2], [3, -1], [0, 1]], [[1, -1, 2]]], biases=[[0, 1, -1], 2], activations=["relu", "linear"]),
            "z1",
            (-3, 6, -3),
        ),
        (
            dict(x=[1, -2], weights=[[[1, 2], [3, -1], [0, 1]], [[1, -1, 2]]], biases=[[0, 1, -1], 2], activations=["relu", "linear"]),
            "output",
            (-4,),
        ),
        # leaky ReLU: PyTorch's default slope 1/100, or the alpha given
        (dict(x=[1, -2], weights=[[1, 1], [2, 3]], activations="leaky_relu"), "a1", (sp.Rational(-1, 100), -4 * sp.Rational(1, 100))),
        (dict(x=[1, -2], weights=[[1, 1], [2, 3]], activations="leaky_relu", alpha=0.2), "a1", (sp.Rational(-1, 5), sp.Rational(-4, 5))),
        # softmax output layer
        (dict(x=[1, 0], weights=[[1, 0], [0, 1]], activations="softmax"), "output", (E(1) / (1 + E(1)), 1 / (1 + E(1)))),
        # one-unit layer written as a flat list, a row, or a column: all oriented by the input size
        (dict(x=[1, 2, 3], weights=[1, 1, 1], biases=1, activations="linear"), "output", (7,)),
        (dict(x=[1, 2, 3], weights=[[[1, 1, 1]]], biases=[1], activations=["linear"]), "output", (7,)),
        (dict(x=[1, 2, 3], weights=[[1], [1], [1]], biases=1, activations="linear"), "output", (7,)),
        # a scalar bias is added to every unit of its layer; one name applies to every layer
        (dict(x=[1, 1], weights=[[1, 0], [0, 2]], biases=[-5], activations="relu"), "z1", (-4, -3)),
        (dict(x=[1, 1], weights=[[[1, 0], [0, 2]], [[1, 1]]], biases=[3, -1], activations="relu"), "z2", (8,)),
        # a 3-unit layer with one input: a column of 3 weights stays 3 units when the input has size 1
        (dict(x=[2], weights=[[1], [-1], [3]], activations="relu"), "output", (2, 0, 6)),
    ],
    ids=[
        "sigmoid-13", "sigmoid-0", "tanh-2", "relu-linear-z1", "relu-linear-out", "leaky-default",
        "leaky-alpha", "softmax-out", "flat-list", "row", "column", "scalar-bias", "per-layer-scalars", "one-input",
    ],
)  # fmt: skip
def test_textbook(raw, part, expected):
    got = solve(**raw)[part]
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        assert sp.simplify(g - e) == 0, (g, e)


def test_sigmoid_13_is_exact_and_shows_its_value():
    out = solve(x=[13], weights=[[1]], activations="sigmoid")["output"][0]
    assert out == 1 / (1 + E(-13))
    assert not out.is_Float
    assert json_value(out) == pytest.approx(0.9999977396757, abs=1e-12)


def test_steps_write_out_every_dot_product():
    from nnexam.questions import doc

    a = solve(x=[1, -2], weights=[[[1, 2], [3, -1]], [[1, -1]]], biases=[[0, 1], 2], activations=["relu", "sigmoid"])
    text = doc.plain(a.steps)
    assert "1 · 1 + 2 · (-2) + 0 = -3" in text
    assert "3 · 1 + (-1) · (-2) + 1 = 6" in text
    assert "relu(-3) = 0" in text
    assert "σ(-4) = 1/(1 + exp(4))" in text


# --- mistakes ---------------------------------------------------------------------------------

# z1 = [1, -3], a1 = [1, 0], z2 = a2 = [-2]
NET = dict(x=[1, -2], weights=[[[2, 1], [3, 2]], [[-3, 1]]], biases=[[1, -2], 1], activations=["relu", "linear"])


@pytest.mark.parametrize(
    "raw,mistake,part,expected",
    [
        (NET, "forgot-bias", "z1", (0, -1)),
        (NET, "forgot-activation", "a1", (1, -3)),
        (NET, "relu-on-output", "output", (0,)),
        (dict(x=[1, -2], weights=[[2, 1], [3, 2]], biases=[1, -2], activations="linear"), "transposed-weights", "z1", (-3, -5)),
        (dict(x=[1], weights=[[2]], biases=[1], activations="sigmoid"), "sigmoid-sign", "output", (1 / (1 + E(3)),)),
        (dict(x=[1, 0], weights=[[1, 0], [0, 1]], activations="softmax"), "softmax-as-sigmoid", "output", (1 / (1 + E(-1)), sp.Rational(1, 2))),
        (dict(x=[1, -2], weights=[[1, 1]], activations="leaky_relu"), "leaky-slope-keras", "output", (sp.Rational(-3, 10),)),
        (dict(x=[1, -2], weights=[[1, 1]], activations="leaky_relu"), "leaky-as-relu", "output", (0,)),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_mistake_is_recognised(raw, mistake, part, expected):
    p = FAM.parse(raw)
    right = FAM.solve(p)
    wrong = {m.id: w for m, w in FAM.mistake_answers(p, right)}
    assert tuple(wrong[mistake][part]) == tuple(sp.sympify(e) for e in expected)
    assert FAM.distinguishable(p, right) is None


def test_mistakes_apply_only_where_they_can():
    p = FAM.parse(dict(x=[1, 2], weights=[[1, 2], [3, 4], [5, 6]], activations="linear"))
    ids = {m.id for m, _ in FAM.mistake_answers(p)}
    assert "forgot-bias" not in ids  # no bias
    assert "transposed-weights" not in ids  # 3x2: W^T does not fit
    assert "forgot-activation" not in ids and "sigmoid-sign" not in ids


def test_a_mistake_that_changes_nothing_is_reported_so_draws_reject_it():
    # relu on a positive linear output changes nothing: the variant cannot tell it apart
    p = FAM.parse(dict(x=[1, 1], weights=[[[1, 1], [1, -3]], [[1, 1]]], biases=[[0, 0], 1], activations=["relu", "linear"]))
    assert FAM.distinguishable(p, FAM.solve(p)) == "relu-on-output"


def test_follow_on_uses_the_students_own_values():
    p = FAM.parse(NET)
    given = {"z1": [3, -3], "a1": [2, 0], "z2": [5]}
    out = FAM.follow_on(p, given)
    assert out["a1"] == (3, 0)  # relu of the student's z1
    assert out["z2"] == (-5,)  # W2 · [2, 0] + 1
    assert out["a2"] == (5,)  # linear of the student's z2
    assert out["output"] == (5,)
    assert FAM.follow_on(p, {"z1": [1, 2, 3], "a1": "abc"}) == {}
    assert FAM.follow_on(p, {"z1": [[3], [-3]]})["a1"] == (3, 0)  # a column vector
    assert FAM.follow_on(p, {"a1": [[2.5, 0]]})["z2"] == (sp.Float(-6.5),)  # a row of decimals


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(x=[1, 2], weights=[[[1, 2], [3]]], activations="relu"), "weights[1]"),
        (dict(x=[1, 2], weights=[[1, 2], [3]], activations="relu"), "rows of equal length"),
        (dict(x=[1, 2], weights=[[[1, 2], [3, 4], [5, 6]], [[1, 2, 3, 4]] * 3], activations="relu"), "weights[2] is 3x4 but layer 2 receives 3 inputs"),
        (dict(x=[1, 2], weights=[[1, 2, 3]], activations="relu"), "weights[1] is 1x3 but layer 1 receives 2 inputs"),
        (dict(x=[1, 2], weights=[[1, 2]], activations=["relu", "relu"]), "one activation per layer (1 layer)"),
        (dict(x=[1, 2], weights=[[1, 2]], activations=["relu"], biases=[1, 2]), "biases[1]"),
        (dict(x=[1, 2], weights=[[[1, 2]], [[3]]], activations="relu", biases=[1, 2, 3]), "one entry per layer (2)"),
        (dict(x=[1, 2], weights=[[1, 2]], activations="relu", biases=[[[1]]]), "biases"),
        (dict(x="abc", weights=[[1, 2]], activations="relu"), "parameter 'x'"),
        (dict(x=[1, "a"], weights=[[1, 2]], activations="relu"), "x[2]"),
        (dict(x=[1, 2], weights=[[1, "b"]], activations="relu"), "weights[1][2]"),
        (dict(x=[1, 2], weights=[[[[1, 2]]]], activations="relu"), "at most 3 levels"),
        (dict(x=[1, 2], weights=[[1, 2]], activations="relu", alpha="x"), "alpha"),
        (dict(x=[1, 2], weights=[[1, 2]]), "activations"),
        (dict(x=[1] * 8, weights=[[[1] * 8] * 8] * 6, activations="sigmoid"), "small enough for exact answers"),
    ],
    ids=[
        "ragged-layer", "ragged-matrix", "wrong-shape-layer-2", "wrong-shape-layer-1", "activation-count",
        "bias-length", "bias-layers", "bias-too-deep", "x-text", "x-entry", "weight-entry", "too-deep",
        "alpha", "missing", "too-big",
    ],
)  # fmt: skip
def test_bad_input_names_the_parameter(raw, fragment):
    with pytest.raises(ParamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


@given(x=NUMBERS, weights=JUNK, activations=st.one_of(JUNK, st.sampled_from(["relu", "sigmoid", ["tanh", "softmax"]])), biases=JUNK)
@settings(max_examples=120, deadline=None, derandomize=True)
def test_junk_input_is_a_clear_error_or_an_answer(x, weights, activations, biases):
    try:
        p = FAM.parse({"x": x, "weights": weights, "activations": activations, "biases": biases})
    except NnexamError:
        return
    assert FAM.solve(p).names()[-1] == "output"


def test_unknown_activation_suggests_the_close_name():
    with pytest.raises(UnknownNameError) as err:
        FAM.parse(dict(x=[1], weights=[[1]], activations=["sigmod"]))
    assert "'sigmoid'" in str(err.value) and "activations[1]" in str(err.value)
    assert FAM.parse(dict(x=[1], weights=[[1]], activations="Leaky-ReLU")).activations == ("leaky_relu",)


@pytest.mark.parametrize(
    "sets,fragment",
    [
        (["x=[1,2]", "weights=[[[1,2],[3,4],[5,6]],[[1,2]]]", "activations=relu"], "weights[2] is 1x2 but layer 2 receives 3 inputs"),
        (["x=[1,2]", "weights=[[1,2]]", "activations=relu6"], "unknown activation"),
        (["x=[1,2]", "weights=[[1,2],[3]]", "activations=relu"], "weights"),
        (["x=[1,2]", "weights=[[1,2]]"], "activations"),
    ],
    ids=["shape", "activation", "malformed", "missing"],
)
def test_cli_bad_input_is_one_line_exit_1(sets, fragment):
    args = ["answer", "dense-forward"] + [a for s in sets for a in ("--set", s)]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 1
    assert fragment in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_cli_answer_json():
    import json

    args = ["answer", "dense-forward", "--set", "x=[13]", "--set", "weights=[[1]]", "--set", "activations=sigmoid", "--json"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)["parts"]["output"]
    assert out["exact"] == "[1/(exp(-13) + 1)]"
    assert out["value"][0] == pytest.approx(0.99999774, abs=1e-8)


# --- generator --------------------------------------------------------------------------------


def test_generator_is_seeded_and_makes_good_questions():
    a = [FAM.draw(random.Random(s)) for s in range(40)]
    assert a == [FAM.draw(random.Random(s)) for s in range(40)]
    assert len(set(a)) == 40
    for p in a:
        answer = FAM.solve(p)
        assert FAM.distinguishable(p, answer) is None
        assert all(v.is_Integer for v in p.x) and all(v.is_Integer for w in p.weights for r in w for v in r)
        relu_z = [v for i, n in enumerate(p.activations, 1) if n == "relu" for v in answer[f"z{i}"]]
        assert any(v < 0 for v in relu_z), p  # at least one negative pre-activation before a ReLU



def test_drawn_params_round_trip_through_json():
    import json

    from nnexam.questions.exact import params_json

    for s in range(15):
        p = FAM.draw(random.Random(s))
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p

def test_generator_options_are_honoured():
    opts = {"layers_min": 3, "layers_max": 3, "hidden_activations": ["leaky_relu", "tanh"], "output_activations": "sigmoid",
            "value_min": -1, "value_max": 2, "alpha": "1/10"}  # fmt: skip
    for s in range(5):
        p = FAM.draw(random.Random(s), options=opts)
        assert len(p.weights) == 3 and p.activations[-1] == "sigmoid"
        assert set(p.activations[:-1]) <= {"leaky_relu", "tanh"} and p.alpha == sp.Rational(1, 10)
        assert all(-1 <= v <= 2 for w in p.weights for r in w for v in r)
    with pytest.raises(ParamError, match="options"):
        FAM.draw(random.Random(0), options={"units_min": 3, "units_max": 2})


# --- differential test against PyTorch float64 ------------------------------------------------


def _random_network(rng: random.Random) -> dict:
    """Arbitrary shapes, every activation, fractional values: what an instructor might type (at most two
    sigmoid/tanh/softmax layers: deeper stacks are exact but slow, the slow path is run by hand)."""
    n_layers = rng.randint(1, 4)
    sizes = [rng.randint(1, 4) for _ in range(n_layers + 1)]
    names = [rng.choice(NAMES) for _ in range(n_layers)]
    while sum(n in TRANSCENDENTAL for n in names) > 2:
        names[rng.choice([i for i, n in enumerate(names) if n in TRANSCENDENTAL])] = rng.choice(["relu", "leaky_relu", "linear"])

    def val() -> str:
        return str(Fraction(rng.randint(-12, 12), rng.choice([1, 1, 2, 4, 5])))

    weights = [[[val() for _ in range(a)] for _ in range(b)] for a, b in zip(sizes, sizes[1:])]
    biases = [[val() for _ in range(b)] if rng.random() < 0.8 else val() for b in sizes[1:]]
    return dict(x=[val() for _ in range(sizes[0])], weights=weights, biases=biases, activations=names, alpha=f"{rng.randint(0, 40)}/100")


def _parse_random(rng: random.Random):
    """A random network small enough for exact answers (deep softmax stacks are refused by design)."""
    while True:
        try:
            return FAM.parse(_random_network(rng))
        except ParamError as err:
            assert "small enough" in str(err)


def _torch_forward(p):
    import torch
    import torch.nn.functional as F

    a = torch.tensor([float(v) for v in p.x], dtype=torch.float64)
    outs = []
    for w, b, name in zip(p.weights, p.biases, p.activations):
        z = F.linear(a, torch.tensor([[float(v) for v in r] for r in w], dtype=torch.float64), torch.tensor([float(v) for v in b], dtype=torch.float64))
        a = {
            "relu": F.relu,
            "sigmoid": torch.sigmoid,
            "tanh": torch.tanh,
            "softmax": lambda t: F.softmax(t, dim=0),
            "linear": lambda t: t,
            "leaky_relu": lambda t: F.leaky_relu(t, negative_slope=float(p.alpha)),
        }[name](z)
        outs.append((z, a))
    return outs


@pytest.mark.torch
def test_differential_against_torch():
    rng = random.Random(20261122)
    checked = 0
    for i in range(DIFF_N):
        p = FAM.draw(rng) if i % 3 == 0 else _parse_random(rng)
        answer = FAM.solve(p)
        for layer, (z, a) in enumerate(_torch_forward(p), start=1):
            for part, ref in ((f"z{layer}", z), (f"a{layer}", a)):
                got = [float(sp.N(v, 15)) for v in answer[part]]
                assert got == pytest.approx(ref.tolist(), rel=1e-10, abs=1e-12), (i, part, p)
        assert tuple(answer["output"]) == tuple(answer[f"a{len(p.weights)}"])
        checked += 1
    assert checked == DIFF_N

