"""cross-entropy: textbook losses, kind inference, mistakes, bad input, the generator, and differential
tests against PyTorch float64 (``NNEXAM_DIFF_N`` instances, 300 by default) and Keras' losses."""

from __future__ import annotations

import math
import os
import random
from fractions import Fraction

import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from nnexam.questions import registry
from nnexam.questions.errors import NnexamError, ParamError

from nnexam.cli import cli

FAM = registry.get("cross-entropy")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))

# Anything a spec file or --set could hold: numbers, text, booleans, nulls, nested lists.
SCALARS = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.booleans(), st.none())
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=16)
NUMBERS = st.recursive(st.integers(-3, 3), lambda inner: st.lists(inner, min_size=1, max_size=3), max_leaves=9)
ln = sp.log
R = sp.Rational


def loss(**raw):
    return FAM.solve(FAM.parse(raw))["loss"]


@pytest.mark.parametrize(
    "raw,expected",
    [
        (dict(y_true=[1, 0, 0], y_pred=[0.7, 0.2, 0.1]), -ln(R(7, 10))),
        (dict(y_true=0, y_pred=[0.7, 0.2, 0.1]), -ln(R(7, 10))),
        (dict(y_true=[0, 2], y_pred=[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]), -(ln(R(7, 10)) + ln(R(3, 5))) / 2),
        (dict(y_true=[0, 2], y_pred=[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], reduction="sum"), -(ln(R(7, 10)) + ln(R(3, 5)))),
        (dict(y_true=[[0, 1], [1, 0]], y_pred=[[0.25, 0.75], [0.5, 0.5]]), -(ln(R(3, 4)) + ln(R(1, 2))) / 2),
        (dict(y_true=1, y_pred=0.8), -ln(R(4, 5))),
        (dict(y_true=[1, 0], y_pred=[0.8, 0.4]), -(ln(R(4, 5)) + ln(R(3, 5))) / 2),
        (dict(y_true=[1, 0, 0], y_pred=[0.5, 0.3, 0.2], kind="binary"), -(ln(R(1, 2)) + ln(R(7, 10)) + ln(R(4, 5))) / 3),
        (dict(y_true=1, y_pred=[2, 1, 0], from_logits=True), ln(1 + sp.E + sp.exp(2)) - 1),
        (dict(y_true=[1, 0], y_pred=[2, -1], from_logits=True, kind="binary"), (ln(1 + sp.exp(-2)) + ln(1 + sp.exp(-1))) / 2),
        (dict(y_true=[0, 1], y_pred=[0, 1]), R(0)),  # a certain, right prediction costs nothing
    ],
    ids=[
        "categorical-0.7", "sparse-0.7", "sparse-batch-mean", "sparse-batch-sum", "categorical-batch",
        "binary-one", "binary-batch", "binary-explicit", "sparse-logits", "binary-logits", "zero-loss",
    ],
)  # fmt: skip
def test_textbook(raw, expected):
    got = loss(**raw)
    assert sp.simplify(got - expected) == 0, got


def test_ce_of_0_7_is_exact_and_known():
    got = loss(y_true=[1, 0, 0], y_pred=[0.7, 0.2, 0.1])
    assert got == -ln(R(7, 10)) and not got.is_Float
    assert float(got) == pytest.approx(0.35667494393873245, rel=1e-15)


@pytest.mark.parametrize(
    "raw,kind",
    [
        (dict(y_true=1, y_pred=0.3), "binary"),
        (dict(y_true=2, y_pred=[0.2, 0.3, 0.5]), "sparse"),
        (dict(y_true=[2, 0], y_pred=[[0.2, 0.3, 0.5], [0.6, 0.2, 0.2]]), "sparse"),
        (dict(y_true=[0, 0, 1], y_pred=[0.2, 0.3, 0.5]), "categorical"),
        (dict(y_true=[[0, 1], [1, 0]], y_pred=[[0.2, 0.8], [0.6, 0.4]]), "categorical"),
        (dict(y_true=[0, 0, 1], y_pred=[0.2, 0.3, 0.4]), "binary"),  # predictions do not sum to 1
        (dict(y_true=[1, 0, 1], y_pred=[0.2, 0.3, 0.5]), "binary"),  # not one-hot
        (dict(y_true=[0, 1], y_pred=[3, -1], from_logits=True), "categorical"),
    ],
    ids=["scalar-pred", "label", "labels", "one-hot", "one-hot-batch", "no-sum", "multi-label", "logits"],
)
def test_kind_inference(raw, kind):
    assert FAM.parse(raw).kind == kind


# --- mistakes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,mistake,expected",
    [
        (dict(y_true=0, y_pred=[0.7, 0.2, 0.1]), "log-base-10", -ln(R(7, 10)) / ln(10)),
        (dict(y_true=0, y_pred=[0.7, 0.2, 0.1]), "log-base-2", -ln(R(7, 10)) / ln(2)),
        (dict(y_true=0, y_pred=[0.7, 0.2, 0.1]), "forgot-negative-sign", ln(R(7, 10))),
        (dict(y_true=0, y_pred=[0.7, 0.2, 0.1]), "averaged-over-classes", -ln(R(7, 10)) / 3),
        (dict(y_true=[0, 2], y_pred=[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]), "sum-instead-of-mean", -ln(R(7, 10)) - ln(R(3, 5))),
        (dict(y_true=[0, 2], y_pred=[[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]], reduction="sum"), "mean-instead-of-sum", -(ln(R(7, 10)) + ln(R(3, 5))) / 2),
        (dict(y_true=[1, 0], y_pred=[0.8, 0.4]), "binary-forgot-negative-class", -ln(R(4, 5)) / 2),
        (dict(y_true=[1, 0], y_pred=[0.8, 0.4]), "swapped-binary-terms", -(ln(R(1, 5)) + ln(R(2, 5))) / 2),
        (dict(y_true=[0, 1, 0], y_pred=[0.6, 0.3, 0.1]), "used-wrong-class", -ln(R(3, 5))),
        (dict(y_true=2, y_pred=[0.6, 0.3, 0.1]), "label-one-based", -ln(R(3, 10))),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_mistake_is_recognised(raw, mistake, expected):
    p = FAM.parse(raw)
    wrong = {m.id: w["loss"] for m, w in FAM.mistake_answers(p)}
    assert sp.simplify(wrong[mistake] - expected) == 0
    assert FAM.distinguishable(p, FAM.solve(p)) is None


def test_mistakes_apply_only_where_they_can():
    ids = {m.id for m, _ in FAM.mistake_answers(FAM.parse(dict(y_true=[1, 0, 0], y_pred=[0.7, 0.2, 0.1])))}
    assert {"sum-instead-of-mean", "mean-instead-of-sum", "used-wrong-class", "label-one-based"}.isdisjoint(ids)
    assert {"binary-forgot-negative-class", "swapped-binary-terms"}.isdisjoint(ids)
    ids = {m.id for m, _ in FAM.mistake_answers(FAM.parse(dict(y_true=1, y_pred=0.9)))}
    assert "binary-forgot-negative-class" not in ids and "averaged-over-classes" not in ids


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(y_true=0, y_pred=[0, 0.5, 0.5]), "non-zero probability for the true class (entry 1)"),
        (dict(y_true=1, y_pred=0), "non-zero chance"),
        (dict(y_true=0, y_pred=1, kind="binary"), "non-zero chance"),
        (dict(y_true=[1, 0, 0], y_pred=[0.7, 0.2, 0.2], kind="categorical"), "sum to 1"),
        (dict(y_true=0, y_pred=[0.7, 0.2, 0.2]), "sum to 1"),
        (dict(y_true=3, y_pred=[0.7, 0.2, 0.1]), "class label 0..2"),
        (dict(y_true=1.5, y_pred=[0.7, 0.2, 0.1]), "class label"),
        (dict(y_true=[0, 1], y_pred=[[0.5, 0.5]]), "1 class label(s), one per row of y_pred"),
        (dict(y_true=[[1, 0], [1, 1]], y_pred=[[0.5, 0.5], [0.5, 0.5]]), "one-hot"),
        (dict(y_true=[1, 1, 0], y_pred=[0.5, 0.3, 0.2], kind="categorical"), "one-hot row"),
        (dict(y_true=[0, 1], y_pred=[[0.5, 0.5], [0.2]]), "rows of equal length"),
        (dict(y_true=2, y_pred=[0.5, 0.5], kind="binary"), "binary"),
        (dict(y_true=[0, 1], y_pred=[0.3, 1.2], kind="binary"), "between 0 and 1"),
        (dict(y_true=[0, 1], y_pred=[0.3, 0.2, 0.5], kind="binary"), "3 labels, one per prediction"),
        (dict(y_true=0, y_pred=[1]), "at least 2 classes"),
        (dict(y_true=0, y_pred=[0.5, 0.5], kind="softmax"), "unknown value for parameter 'kind'"),
        (dict(y_true=0, y_pred=[0.5, 0.5], reduction="avg"), "reduction"),
        (dict(y_true=0, y_pred="abc"), "parameter 'y_pred'"),
        (dict(y_true=[[[1]]], y_pred=[0.5, 0.5]), "at most 2 levels"),
    ],
    ids=[
        "zero-true-prob", "binary-zero", "binary-one", "no-sum-categorical", "no-sum-sparse", "label-range",
        "label-fraction", "label-count", "not-one-hot-batch", "not-one-hot", "ragged", "binary-label",
        "binary-prob-range", "binary-count", "one-class", "kind", "reduction", "text", "too-deep",
    ],
)  # fmt: skip
def test_bad_input_names_the_parameter(raw, fragment):
    with pytest.raises(NnexamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


@given(y_true=JUNK, y_pred=JUNK, kind=st.sampled_from([None, "categorical", "sparse", "binary", "x"]), logits=st.booleans())
@settings(max_examples=150, deadline=None, derandomize=True)
def test_junk_input_is_a_clear_error_or_an_answer(y_true, y_pred, kind, logits):
    try:
        p = FAM.parse({"y_true": y_true, "y_pred": y_pred, "kind": kind, "from_logits": logits})
    except NnexamError:
        return
    assert FAM.solve(p)["loss"].is_finite


def test_infinite_loss_is_a_param_error_naming_y_pred():
    with pytest.raises(ParamError) as err:
        FAM.parse(dict(y_true=[1, 2], y_pred=[[0.5, 0.5, 0], [0.5, 0.5, 0]]))
    assert err.value.param == "y_pred[2]" and "infinite" in str(err.value)


def test_cli_bad_input_is_one_line_exit_1():
    r = CliRunner().invoke(cli, ["answer", "cross-entropy", "--set", "y_true=0", "--set", "y_pred=[0,0.5,0.5]"])
    assert r.exit_code == 1 and "y_pred" in r.output and "infinite" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_cli_answer_shows_decimals_and_exact_loss():
    import json

    r = CliRunner().invoke(cli, ["answer", "cross-entropy", "--set", "y_true=[1,0,0]", "--set", "y_pred=[0.7,0.2,0.1]", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["parts"]["loss"]["exact"] == "-log(7/10)"
    assert out["parts"]["loss"]["value"] == pytest.approx(0.35667494, abs=1e-8)
    assert out["params"]["kind"] == "categorical"
    assert any("-ln(0.7)" in line for line in out["steps"])


# --- generator --------------------------------------------------------------------------------


def test_generator_is_seeded_and_valid():
    a = [FAM.draw(random.Random(s)) for s in range(60)]
    assert a == [FAM.draw(random.Random(s)) for s in range(60)]
    assert {p.kind for p in a} == {"categorical", "sparse", "binary"}
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        rows = p.y_pred if isinstance(p.y_pred, tuple) and isinstance(p.y_pred[0], tuple) else (p.y_pred,)
        if p.kind == "binary":
            rows = [p.y_pred] if isinstance(p.y_pred, tuple) else [(p.y_pred,)]
        for row in rows:
            assert all((v * 10).is_Integer and 0 < v < 1 for v in row)  # tenths, never 0 or 1
            if p.kind != "binary":
                assert sum(row) == 1



def test_drawn_params_round_trip_through_json():
    import json

    from nnexam.questions.exact import params_json

    for s in range(15):
        p = FAM.draw(random.Random(s))
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p

def test_generator_options_are_honoured():
    opts = {"kinds": ["sparse"], "batch_min": 3, "batch_max": 3, "reductions": ["sum"], "denominator": 20, "classes_min": 5, "classes_max": 5}
    for s in range(10):
        p = FAM.draw(random.Random(s), options=opts)
        assert p.kind == "sparse" and p.reduction == "sum" and len(p.y_pred) == 3 and len(p.y_pred[0]) == 5
        assert all((v * 20).is_Integer for r in p.y_pred for v in r)
    p = FAM.draw(random.Random(3), options={"from_logits": True, "kinds": ["categorical"]})
    assert p.from_logits and all(v.is_Integer for v in (p.y_pred if not isinstance(p.y_pred[0], tuple) else p.y_pred[0]))
    with pytest.raises(ParamError, match="denominator"):
        FAM.draw(random.Random(0), options={"denominator": 3, "classes_max": 4})


# --- differential tests -----------------------------------------------------------------------


def _random_case(rng: random.Random) -> dict:
    """Any kind, batch size, reduction; probabilities as random fractions summing to 1, or logits."""
    kind = rng.choice(["categorical", "sparse", "binary"])
    n, c = rng.randint(1, 5), rng.randint(2, 6)
    from_logits = rng.random() < 0.3
    batch = n > 1 or rng.random() < 0.5

    def row() -> list[Fraction]:
        if from_logits:
            return [Fraction(rng.randint(-30, 30), rng.choice([1, 2, 10])) for _ in range(c)]
        w = [rng.randint(1, 50) for _ in range(c)]
        return [Fraction(v, sum(w)) for v in w]

    if kind == "binary":
        labels = [rng.randint(0, 1) for _ in range(n)]
        preds = [Fraction(rng.randint(-30, 30), 10) if from_logits else Fraction(rng.randint(1, 99), 100) for _ in range(n)]
        y_true, y_pred = (labels, preds) if batch else (labels[0], preds[0])
    else:
        labels = [rng.randrange(c) for _ in range(n)]
        preds = [row() for _ in range(n)]
        onehot = [[int(j == k) for j in range(c)] for k in labels]
        y_true = (onehot if kind == "categorical" else labels) if batch else (onehot[0] if kind == "categorical" else labels[0])
        y_pred = preds if batch else preds[0]
    as_text = lambda v: [as_text(x) for x in v] if isinstance(v, list) else str(v)  # noqa: E731
    return dict(y_true=y_true, y_pred=as_text(y_pred), kind=kind, reduction=rng.choice(["mean", "sum"]), from_logits=from_logits)


def _as_float(v):
    return [_as_float(x) for x in v] if isinstance(v, list) else float(Fraction(v))


def _torch_loss(case: dict) -> float:
    import torch
    import torch.nn.functional as F

    red, pred = case["reduction"], torch.tensor(_as_float(case["y_pred"]), dtype=torch.float64)
    if case["kind"] == "binary":
        y = torch.tensor(case["y_true"], dtype=torch.float64)
        fn = F.binary_cross_entropy_with_logits if case["from_logits"] else F.binary_cross_entropy
        return fn(pred.reshape(-1), y.reshape(-1), reduction=red).item()
    pred = pred.reshape(-1, pred.shape[-1])
    if case["kind"] == "sparse":
        target = torch.tensor(case["y_true"], dtype=torch.long).reshape(-1)
    else:
        target = torch.tensor(case["y_true"], dtype=torch.float64).reshape(pred.shape).argmax(-1)
    logp = F.log_softmax(pred, dim=-1) if case["from_logits"] else torch.log(pred)
    return F.nll_loss(logp, target, reduction=red).item()


@pytest.mark.torch
def test_differential_against_torch():
    rng = random.Random(11)
    for i in range(DIFF_N):
        case = _random_case(rng)
        got = float(sp.N(loss(**case), 20))
        assert got == pytest.approx(_torch_loss(case), rel=1e-12, abs=1e-15), (i, case)
    # the torch one-liner for logits gives the same as the log-softmax route
    import torch
    import torch.nn.functional as F

    z = torch.tensor([[2.0, 1.0, 0.0]], dtype=torch.float64)
    assert F.cross_entropy(z, torch.tensor([1])).item() == pytest.approx(float(loss(y_true=1, y_pred=[2, 1, 0], from_logits=True)), rel=1e-14)


@pytest.mark.keras
def test_differential_against_keras():
    import keras
    import numpy as np

    rng = random.Random(12)
    for i in range(36):
        case = _random_case(rng)
        red = "sum_over_batch_size" if case["reduction"] == "mean" else "sum"
        cls = {
            "categorical": keras.losses.CategoricalCrossentropy,
            "sparse": keras.losses.SparseCategoricalCrossentropy,
            "binary": keras.losses.BinaryCrossentropy,
        }[case["kind"]]
        pred = np.array(_as_float(case["y_pred"]), dtype="float64")
        y = np.array(case["y_true"], dtype="float64")
        if case["kind"] == "binary":  # one output per sample: shape (N, 1), as Keras reduces the last axis
            pred, y = pred.reshape(-1, 1), y.reshape(-1, 1)
        else:
            pred = pred.reshape(-1, pred.shape[-1])
            y = y.reshape(pred.shape) if case["kind"] == "categorical" else y.reshape(-1)
        ref = float(keras.ops.convert_to_numpy(cls(from_logits=case["from_logits"], reduction=red)(y, pred)))
        got = float(sp.N(loss(**case), 20))
        # Keras computes in float32 and clips probabilities to [1e-7, 1 - 1e-7]
        assert got == pytest.approx(ref, rel=2e-5, abs=1e-6), (i, case)
    assert math.isclose(
        float(keras.ops.convert_to_numpy(keras.losses.CategoricalCrossentropy()(np.array([[1.0, 0, 0]]), np.array([[0.7, 0.2, 0.1]])))),
        0.35667494,
        rel_tol=1e-6,
    )
