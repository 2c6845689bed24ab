"""rnn-forward: textbook cases, shapes, mistakes, follow-on, bad input, the generator, and differential
tests against PyTorch's ``nn.RNN`` and Keras' ``SimpleRNN`` in float64 with the weights set (Keras'
kernel is input x units: the transpose of W_xh) (``NNEXAM_DIFF_N`` instances, 300 by default)."""

from __future__ import annotations

import json
import math
import os
import random
from fractions import Fraction

import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from nnexam.questions import doc, registry
from nnexam.questions.errors import NnexamError, ParamError
from nnexam.questions.exact import params_json
from nnexam.questions.family import graded_equal
from nnexam.questions.grading import DEFAULT

from nnexam.cli import cli

FAM = registry.get("rnn-forward")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))

# Anything a spec file or --set could hold: numbers, text, booleans, nulls, nested lists.
SCALARS = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.booleans(), st.none())
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=16)
T = sp.tanh


def solve(**raw):
    return FAM.solve(FAM.parse(raw)).as_dict()


def test_textbook_scalar_tanh_rnn():
    # h1 = tanh(1·1 + 0) ; h2 = tanh(1·2 + 1/2·tanh(1))
    got = solve(x=[1, 2], w_xh=1, w_hh="1/2", activation="tanh")
    assert got["h1"] == (T(1),)
    assert sp.simplify(got["h2"][0] - T(2 + T(1) / 2)) == 0


def test_textbook_relu_rnn_with_output():
    # h1 = relu([1, -1] + b) = relu([2, -1]) = [2, 0]; h2 = relu(W_xh·[0, 1] + W_hh·[2, 0] + b)
    got = solve(x=[[1, 0], [0, 1]], w_xh=[[1, 0], [0, -1]], w_hh=[[1, 1], [-1, 0]], b_h=[1, 0], activation="relu",
                w_hy=[[1, 1]], b_y=[-1])
    assert got["h1"] == (2, 0)
    assert got["h2"] == (3, 0)  # [0 + 2 + 1, -1 - 2 + 0] -> relu -> [3, 0]
    assert got["y"] == (2,)


def test_h0_scalar_bias_and_a_one_unit_column():
    got = solve(x=[1], w_xh=[[2], [3]], w_hh=[[0, 0], [0, 0]], b_h=1, h0=[5, 5], activation="relu")
    assert got["h1"] == (3, 4)
    got = solve(x=[[1]], w_xh=[[1]], w_hh=[[1]], h0=[5], activation="relu")
    assert got["h1"] == (6,)


def test_steps_and_statement():
    p = FAM.parse(dict(x=[[1, 0], [0, 1]], w_xh=[[1, 0], [0, -1]], w_hh=[[1, 1], [-1, 0]], b_h=[1, 0], activation="relu"))
    text = doc.plain(FAM.solve(p).steps)
    assert "z_2,1 = 1 · 0 + 0 · 1 + 1 · 2 + 1 · 0 + 1 = 3" in text and "relu(-3) = 0" in text
    st = doc.plain(FAM.statement(p))
    assert "2 hidden units" in st and "relu" in st and "h1, h2" in st


NET = dict(x=[[1, 0], [0, 1], [1, 1]], w_xh=[[1, 0], [0, -1]], w_hh=[[1, 1], [-1, 0]], b_h=[1, 0], activation="relu",
           w_hy=[[1, -1]], b_y=[0])


def _torch_like(raw, **change):
    """The same RNN in exact arithmetic written independently (used only for the mistakes' expected values)."""
    import numpy as np

    x = [np.array(v, dtype=object) for v in raw["x"]]
    w_xh, w_hh = np.array(change.get("w_xh", raw["w_xh"]), dtype=object), np.array(change.get("w_hh", raw["w_hh"]), dtype=object)
    b = np.array(change.get("b_h", raw["b_h"]), dtype=object)
    h = np.zeros(len(b), dtype=object)
    states = []
    for t, xt in enumerate(x):
        prev = h if change.get("recurrent", True) else 0 * h
        if change.get("previous_input"):
            prev = x[t - 1] if t else np.zeros(len(b), dtype=object)
        z = w_xh.dot(xt) + w_hh.dot(prev) + b
        h = z if change.get("linear") else np.array([max(v, 0) for v in z], dtype=object)
        states.append(tuple(int(v) for v in h))
    return states


@pytest.mark.parametrize(
    "mistake,change",
    [
        ("forgot-recurrent", {"recurrent": False}),
        ("previous-input", {"previous_input": True}),
        ("forgot-activation", {"linear": True}),
        ("transposed-recurrent", {"w_hh": [[1, -1], [1, 0]]}),
        ("forgot-bias", {"b_h": [0, 0]}),
        ("transposed-input-weights", {"w_xh": [[1, 0], [2, -1]]}),  # on NET with w_xh = [[1, 2], [0, -1]]
    ],
)
def test_each_mistake_is_recognised(mistake, change):
    net = dict(NET, w_xh=[[1, 2], [0, -1]]) if mistake == "transposed-input-weights" else NET
    p = FAM.parse(net)
    right = FAM.solve(p).as_dict()
    wrong = {m.id: w for m, w in FAM.mistake_answers(p)}[mistake]
    expected = _torch_like(net, **change)
    for t, h in enumerate(expected, start=1):
        assert tuple(wrong.get(f"h{t}", right[f"h{t}"])) == h, (t, wrong)
    assert any(not graded_equal(v, right[k], "vector", DEFAULT) for k, v in wrong.items())


def test_output_and_h0_mistakes():
    p = FAM.parse(dict(NET, activation="tanh", h0=[1, 0], x=[[1, 0]]))
    wrong = {m.id: w for m, w in FAM.mistake_answers(p)}
    right = FAM.solve(p).as_dict()
    assert wrong["y-with-activation"]["y"] == (T(right["y"][0]),)
    assert wrong["forgot-h0"]["h1"] == (T(2), T(0))
    assert "previous-input" not in wrong  # one step: no previous input


def test_mistakes_apply_only_where_they_can():
    p = FAM.parse(dict(x=[[1], [2]], w_xh=[[1], [1]], w_hh=[[0, 0], [0, 0]], activation="relu"))
    ids = {m.id for m, _ in FAM.mistake_answers(p)}
    assert not ids & {"forgot-recurrent", "previous-input", "transposed-recurrent", "forgot-bias", "forgot-h0", "y-with-activation"}


def test_follow_on_uses_the_students_own_states():
    p = FAM.parse(NET)
    out = FAM.follow_on(p, {"h1": (sp.Integer(1), sp.Integer(1)), "h3": (sp.Float(2.5), sp.Integer(1))})
    assert out["h2"] == (3, 0)  # relu(W_xh [0, 1] + W_hh [1, 1] + b) = relu([0 + 2 + 1, -1 - 1]) = [3, 0]
    assert out["y"] == (sp.Float(1.5),)
    assert FAM.follow_on(p, {"h1": [1, 2, 3], "h2": "x"}) == {}


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(x=[[1, 2], [3]], w_xh=[[1, 1]], w_hh=[[1]]), "input vectors of one size"),
        (dict(x=[[1, 2]], w_xh=[[1, 1, 1]], w_hh=[[1]]), "w_xh"),
        (dict(x=[[1, 2]], w_xh=[[1, 1], [1, 1]], w_hh=[[1, 1]]), "a 2x2 matrix"),
        (dict(x=[[1, 2]], w_xh=[[1, 1]], w_hh=[[1]], b_h=[1, 2]), "b_h"),
        (dict(x=[[1, 2]], w_xh=[[1, 1]], w_hh=[[1]], h0=[1, 2]), "h0"),
        (dict(x=[[1, 2]], w_xh=[[1, 1]], w_hh=[[1]], w_hy=[[1, 2]]), "w_hy"),
        (dict(x=[[1, 2]], w_xh=[[1, 1]], w_hh=[[1]], b_y=[1]), "b_y"),
        (dict(x=[[1, 2]], w_xh=[[1, 1]], w_hh=[[1]], activation="sigmoid"), "activation"),
        (dict(x=[[1, "a"]], w_xh=[[1, 1]], w_hh=[[1]]), "x[1][2]"),
        (dict(x=[[1]] * 17, w_xh=[[1]], w_hh=[[1]]), "at most 16 time steps"),
        (dict(x=[[1]] * 8, w_xh=[[1]] * 4, w_hh=[[1] * 4] * 4), "fewer steps or units"),
        (dict(x=[[1]], w_xh=[[1]]), "w_hh"),
    ],
    ids=["ragged-x", "w_xh-shape", "w_hh-shape", "b_h", "h0", "w_hy", "b_y-alone", "activation", "x-entry", "steps",
         "too-big", "missing"],
)
def test_bad_input_names_the_parameter(raw, fragment):
    with pytest.raises(NnexamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


@given(x=JUNK, w_xh=JUNK, w_hh=JUNK, b_h=JUNK, h0=JUNK, w_hy=JUNK, activation=st.one_of(JUNK, st.sampled_from(["tanh", "relu"])))
@settings(max_examples=100, deadline=None, derandomize=True)
def test_junk_input_is_a_clear_error_or_an_answer(x, w_xh, w_hh, b_h, h0, w_hy, activation):
    try:
        p = FAM.parse({"x": x, "w_xh": w_xh, "w_hh": w_hh, "b_h": b_h, "h0": h0, "w_hy": w_hy, "activation": activation})
    except NnexamError:
        return
    assert FAM.solve(p).names()[0] == "h1"


def test_cli_answer_and_bad_input():
    r = CliRunner().invoke(cli, ["answer", "rnn-forward", "--set", "x=[1,2]", "--set", "w_xh=1", "--set", "w_hh=1/2", "--json"])
    assert r.exit_code == 0, r.output
    parts = json.loads(r.output)["parts"]
    assert parts["h1"]["exact"] == "[tanh(1)]" and parts["h2"]["value"][0] == pytest.approx(math.tanh(2 + math.tanh(1) / 2), rel=1e-12)
    r = CliRunner().invoke(cli, ["answer", "rnn-forward", "--set", "x=[[1,2]]", "--set", "w_xh=[[1,1,1]]", "--set", "w_hh=[[1]]"])
    assert r.exit_code == 1 and "w_xh" in r.output and len(r.output.strip().splitlines()) == 1


def test_generator_is_seeded_and_every_mistake_shows():
    a = [FAM.draw(random.Random(s)) for s in range(40)]
    assert a[:10] == [FAM.draw(random.Random(s)) for s in range(10)]
    assert len(set(a)) > 35 and {p.activation for p in a} == {"relu", "tanh"} and any(p.w_hy is not None for p in a)
    for p in a:
        right = FAM.solve(p).as_dict()
        for m, wrong in FAM.mistake_answers(p):
            assert any(not graded_equal(v, right[k], "vector", DEFAULT) for k, v in wrong.items()), (m.id, p)
    b = FAM.draw(random.Random(1), options={"steps_min": 4, "steps_max": 4, "activations": ["relu"], "output": "always",
                                            "h0": True, "hidden_min": 3, "hidden_max": 3})
    assert len(b.x) == 4 and b.activation == "relu" and b.w_hy is not None and len(b.h0) == 3
    with pytest.raises(ParamError, match="options"):
        FAM.draw(random.Random(0), options={"steps_min": 3, "steps_max": 2})


def test_drawn_params_round_trip_through_json():
    for s in range(20):
        p = FAM.draw(random.Random(s))
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p


# --- differential tests against PyTorch and Keras ---------------------------------------------


def _random_rnn(rng: random.Random) -> dict:
    t, m, n = rng.randint(1, 4), rng.randint(1, 3), rng.randint(1, 3)
    act = rng.choice(["tanh", "relu"])
    if act == "tanh":  # exact tanh answers nest every earlier state: keep them small (the size guard refuses big ones)
        t, n = min(t, 3), min(n, 2)

    def val() -> str:
        return str(Fraction(rng.randint(-8, 8), rng.choice([1, 2, 4])))

    raw = dict(x=[[val() for _ in range(m)] for _ in range(t)], w_xh=[[val() for _ in range(m)] for _ in range(n)],
               w_hh=[[val() for _ in range(n)] for _ in range(n)], b_h=[val() for _ in range(n)], activation=act)
    if rng.random() < 0.5:
        raw["h0"] = [val() for _ in range(n)]
    if rng.random() < 0.5:
        k = rng.randint(1, 2)
        raw["w_hy"], raw["b_y"] = [[val() for _ in range(n)] for _ in range(k)], [val() for _ in range(k)]
    return raw


def _f(m):
    return [[float(Fraction(v)) for v in r] for r in m]


def _cases(n: int):
    rng = random.Random(20261205)
    for _ in range(n):
        raw = _random_rnn(rng)
        yield raw, FAM.solve(FAM.parse(raw)).as_dict()


def _states(got, steps):
    return [[float(sp.N(v, 20)) for v in got[f"h{t}"]] for t in range(1, steps + 1)]


@pytest.mark.torch
def test_differential_against_torch_rnn(one_thread):
    import torch

    for raw, got in _cases(DIFF_N):
        m, n = len(raw["x"][0]), len(raw["w_xh"])
        rnn = torch.nn.RNN(m, n, nonlinearity=raw["activation"], batch_first=True, dtype=torch.float64)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.tensor(_f(raw["w_xh"]), dtype=torch.float64))
            rnn.weight_hh_l0.copy_(torch.tensor(_f(raw["w_hh"]), dtype=torch.float64))
            rnn.bias_ih_l0.copy_(torch.tensor(_f([raw["b_h"]])[0], dtype=torch.float64))
            rnn.bias_hh_l0.zero_()
            h0 = torch.tensor([_f([raw.get("h0", [0] * n)])], dtype=torch.float64)
            seq, _ = rnn(torch.tensor([_f(raw["x"])], dtype=torch.float64), h0)
        assert _states(got, len(raw["x"])) == [pytest.approx(r, rel=1e-10, abs=1e-12) for r in seq[0].tolist()], raw
        if "w_hy" in raw:
            y = torch.tensor(_f(raw["w_hy"]), dtype=torch.float64) @ seq[0, -1] + torch.tensor(_f([raw["b_y"]])[0], dtype=torch.float64)
            assert [float(sp.N(v, 20)) for v in got["y"]] == pytest.approx(y.tolist(), rel=1e-10, abs=1e-12), raw


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # keras' torch backend calls np.array(x, copy=False)
def test_differential_against_keras_simple_rnn():
    import keras
    import numpy as np

    cases = list(_cases(max(DIFF_N // 5, 40)))
    by_shape: dict = {}
    for raw, got in cases:
        by_shape.setdefault((len(raw["x"][0]), len(raw["w_xh"]), raw["activation"]), []).append((raw, got))
    for (m, n, act), group in by_shape.items():  # one layer per shape: building Keras layers is the slow part
        layer = keras.layers.SimpleRNN(n, activation=act, return_sequences=True, dtype="float64")
        layer.build((1, None, m))
        for raw, got in group:
            layer.set_weights([np.array(_f(raw["w_xh"])).T, np.array(_f(raw["w_hh"])).T, np.array(_f([raw["b_h"]])[0])])
            x = np.array([_f(raw["x"])])
            seq = layer(x, initial_state=[np.array(_f([raw["h0"]]))]) if "h0" in raw else layer(x)
            seq = keras.ops.convert_to_numpy(seq)
            # A float64 SimpleRNN (torch backend) is not float64 throughout: measured, its step-2 pre-activation is
            # ~3e-8 off numpy float64 and a later state 2e-7 off (a given initial state too); its cell run by hand is
            # off the same way. So agreement is to float32 precision here; nn.RNN above agrees to 1e-10.
            assert _states(got, len(raw["x"])) == [pytest.approx(r, rel=1e-5, abs=1e-6) for r in seq[0].tolist()], raw


def test_the_grader_carries_a_wrong_state_forward():
    from grader_keys import key_data
    from nnexam.grader.judge import judge_student
    from nnexam.grader.key import parse_key

    data = key_data([{"id": "q1", "type": "rnn-forward", "points": 4, "params": NET}])
    key = parse_key(data, "key.json")
    # right: h1 = [2, 0], h2 = [3, 0], h3 = [5, 0], y = 5; from the student's h1 = [4, 0]: h2 = [5, 0], h3 = [7, 0], y = 7
    got = {p.part: p for p in judge_student(key, key.variant("s"), "s",
                                            {"q1.h1": "[4, 0]", "q1.h2": "[5, 0]", "q1.h3": "[7, 0]", "q1.y": "7"}).parts}
    assert got["q1.h1"].verdict == "incorrect"
    assert all(got[k].verdict == "correct" and got[k].carried_forward for k in ("q1.h2", "q1.h3", "q1.y"))
