"""normalization: textbook cases, both conventions' moving statistics, mistakes, follow-on, bad input,
the generator, and differential tests against F.batch_norm/F.layer_norm and Keras'
BatchNormalization/LayerNormalization in float64, running statistics included (``NNEXAM_DIFF_N``
instances, 300 by default)."""

from __future__ import annotations

import json
import os
import random
from fractions import Fraction

import pytest
import sympy as sp
from nnexam.questions import doc, registry
from nnexam.questions.errors import NnexamError, ParamError
from nnexam.questions.exact import params_json

FAM = registry.get("normalization")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))
R = Fraction


def solve(**raw):
    return FAM.solve(FAM.parse(raw))


# --- textbook cases ---------------------------------------------------------------------------


def test_batch_norm_by_hand():
    a = solve(x=[[1, 2], [3, 6]], epsilon=0)
    assert a["mean"] == (2, 4) and a["variance"] == (1, 4)
    assert a["output"] == ((-1, -1), (1, 1))
    # Keras: 0.99 * old + 0.01 * batch, biased variance
    assert a["moving_mean"] == (R(1, 50), R(1, 25)) and a["moving_variance"] == (1, R(103, 100))


def test_pytorch_running_variance_is_unbiased():
    a = solve(x=[[1, 2], [3, 6]], epsilon=0, convention="pytorch")
    assert a["variance"] == (1, 4)  # normalises with the biased variance
    assert a["moving_mean"] == (R(1, 5), R(2, 5))  # 0.9 * 0 + 0.1 * mean
    assert a["moving_variance"] == (R(9, 10) + R(2, 10), R(9, 10) + R(8, 10))  # unbiased: 2 and 8


def test_layer_norm_statistics_are_per_row_and_gamma_per_feature():
    a = solve(x=[[1, 2, 3], [0, 0, 6]], kind="layer", epsilon=0, gamma=[1, 2, 3], beta=[0, 1, 0])
    assert a["mean"] == (2, 2) and a["variance"] == (R(2, 3), 8)
    s = sp.sqrt(sp.Rational(3, 2))
    assert tuple(sp.simplify(v - e) for v, e in zip(a["output"][0], (-s, 1, 3 * s))) == (0, 0, 0)
    assert "moving_mean" not in a.names()


def test_inference_uses_the_moving_statistics_and_defines_only_the_output():
    a = solve(x=[[1, 2], [3, 6]], training=False, moving_mean=[1, 2], moving_variance=[4, 1], epsilon=0, beta=1)
    assert a.names() == ["output"]
    assert a["output"] == ((1, 1), (2, 5))


def test_defaults_are_each_frameworks_own():
    k, t = FAM.parse(dict(x=[[1], [2]])), FAM.parse(dict(x=[[1], [2]], convention="pytorch"))
    assert (k.eps, k.mom) == (R(1, 1000), R(99, 100)) and (t.eps, t.mom) == (R(1, 10**5), R(1, 10))


def test_statement_names_the_convention():
    text = doc.plain(FAM.statement(FAM.parse(dict(x=[[1, 2], [3, 6]], convention="pytorch"))))
    assert "PyTorch" in text and "unbiased" in text and "0.1" in text
    steps = doc.plain(FAM.solve(FAM.parse(dict(x=[[1, 2], [3, 6]]))).steps)
    assert "mean = (1 + 3) / 2 = 2" in steps


# --- mistakes ---------------------------------------------------------------------------------


def _wrong(**raw) -> dict:
    return {m.id: w for m, w in FAM.mistake_answers(FAM.parse(raw))}


def test_each_mistake_is_what_its_name_says():
    w = _wrong(x=[[1, 2], [3, 6]], epsilon=0)
    assert w["unbiased-variance"]["variance"] == (2, 8)
    assert w["moving-statistics-in-training"]["output"] == ((1, 2), (3, 6))
    assert w["momentum-convention-swapped"]["moving_mean"] == (R(99, 50), R(99, 25))
    assert w["running-variance-unbiased"]["moving_variance"] == (R(101, 100), R(107, 100))
    assert w["layer-vs-batch-axis"]["mean"] == (R(3, 2), R(9, 2))
    assert "running-variance-biased" not in w and "forgot-epsilon" not in w
    w = _wrong(x=[[1, 2], [3, 6]], epsilon=0, convention="pytorch")
    assert w["running-variance-biased"]["moving_variance"] == (R(9, 10) + R(1, 10), R(9, 10) + R(4, 10))
    w = _wrong(x=[[1, 2], [3, 6]], epsilon=1)
    assert w["forgot-epsilon"]["output"] == ((-1, -1), (1, 1))
    assert "forgot-epsilon" not in _wrong(x=[[1, 2], [3, 6]])  # 1e-3: invisible
    w = _wrong(x=[[1, 2], [3, 6]], training=False, moving_mean=[1, 2], moving_variance=[4, 1])
    assert set(w) == {"batch-statistics-in-inference"}


def test_every_mistake_differs_on_every_drawn_variant():
    from nnexam.questions.family import same

    rng = random.Random(3)
    seen = set()
    for i in range(120):
        p = FAM.draw(rng, options={"inference": True, "epsilon": "1/2"} if i % 3 == 0 else None)
        right = FAM.solve(p).as_dict()
        for m, wrong in FAM.mistake_answers(p):
            seen.add(m.id)
            assert any(not same(v, right[k]) for k, v in wrong.items()), (m.id, p)
    assert seen == {m.id for m in FAM.mistakes}


def test_follow_on_uses_the_students_statistics():
    p = FAM.parse(dict(x=[[1, 2], [3, 6]], epsilon=0))
    out = FAM.follow_on(p, {"mean": [2, 2], "variance": [1, 4]})
    assert out["output"] == ((-1, 0), (1, 2))
    assert out["moving_mean"] == (R(1, 50), R(1, 50))
    assert FAM.follow_on(p, {"mean": [2], "variance": [1, 4]}) == {}


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(x=[[1, 2], [3]]), "x"),
        (dict(x=[[1, 2], [3, 4]], gamma=[1, 2, 3]), "gamma"),
        (dict(x=[[1, 2], [1, 4]], epsilon=0), "epsilon"),
        (dict(x=[[1, 2]], convention="pytorch"), "at least 2 samples"),
        (dict(x=[[1, 2], [3, 4]], kind="layer", moving_mean=[1, 1]), "layer normalisation"),
        (dict(x=[[1, 2], [3, 4]], moving_variance=[-1, 1]), "moving_variance"),
        (dict(x=[[1, 2], [3, 4]], momentum=2), "momentum"),
        (dict(x=[[1, 2], [3, 4]], kind="group"), "kind"),
    ],
    ids=["ragged", "gamma", "zero-variance", "one-sample-torch", "layer-moving", "negative-variance", "momentum", "kind"],
)
def test_bad_input_names_the_parameter(raw, fragment):
    with pytest.raises(NnexamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


# --- generator --------------------------------------------------------------------------------


def test_generator_is_seeded_valid_and_round_trips_through_json():
    a = [FAM.draw(random.Random(s)) for s in range(40)]
    assert a == [FAM.draw(random.Random(s)) for s in range(40)]
    assert {p.kind for p in a} == {"batch", "layer"} and {p.convention for p in a} == {"keras", "pytorch"}
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p
        assert doc.plain(FAM.statement(p))
    with pytest.raises(ParamError, match="options"):
        FAM.draw(random.Random(0), options={"samples_min": 4, "samples_max": 2})


# --- differential tests -----------------------------------------------------------------------


def _random_params(rng: random.Random, convention: str):
    while True:
        n, c = rng.randint(1, 5), rng.randint(1, 4)

        def val(lo: int = -9, hi: int = 9) -> str:
            return str(R(rng.randint(lo, hi), rng.choice([1, 2, 4, 5])))

        raw = dict(x=[[val() for _ in range(c)] for _ in range(n)], kind=rng.choice(["batch", "layer"]), convention=convention,
                   gamma=[val() for _ in range(c)], beta=[val() for _ in range(c)], training=rng.random() < 0.8)
        if rng.random() < 0.5:
            raw["epsilon"] = rng.choice(["1/10", "1/1000", "2"] + (["0"] if convention == "keras" else []))  # torch refuses 0
        if raw["kind"] == "batch":
            raw["moving_mean"] = [val() for _ in range(c)]
            raw["moving_variance"] = [val(0, 9) for _ in range(c)]
            if rng.random() < 0.5:
                raw["momentum"] = rng.choice(["1/2", "9/10", "1/10", "1"])
        try:
            return FAM.parse(raw)
        except ParamError:
            continue


def _f(v) -> list:
    return [_f(x) for x in v] if isinstance(v, tuple) else float(sp.N(v, 20))


def _assert_close(got, exact, where, tol: float = 1e-10) -> None:
    import numpy as np

    want = np.array(_f(exact))
    assert np.shape(got) == want.shape, (np.shape(got), want.shape, where)
    assert np.allclose(got, want, rtol=tol, atol=tol), (np.asarray(got).tolist(), want.tolist(), where)


def _instances(seed: int, convention: str, n: int = DIFF_N) -> list:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        out.append(FAM.draw(rng, options={"conventions": [convention], "inference": True}) if i % 4 == 0
                   else _random_params(rng, convention))
    return out


@pytest.mark.torch
def test_differential_against_torch_batch_norm_and_layer_norm(one_thread):
    import torch
    import torch.nn.functional as F

    def t(v):
        return torch.tensor(_f(v), dtype=torch.float64)

    for p in _instances(41, "pytorch"):
        a = FAM.solve(p)
        x = t(p.x)
        if p.kind == "layer":
            y = F.layer_norm(x, (x.shape[1],), t(p.gamma), t(p.beta), eps=float(p.eps))
            _assert_close(y.numpy(), a["output"], p)
            if p.training:  # out of training only the output is asked
                _assert_close(x.mean(dim=1).numpy(), a["mean"], p)
                _assert_close(x.var(dim=1, unbiased=False).numpy(), a["variance"], p)
            continue
        rm, rv = t(p.moving_mean), t(p.moving_variance)
        y = F.batch_norm(x, rm, rv, t(p.gamma), t(p.beta), training=p.training, momentum=float(p.mom), eps=float(p.eps))
        _assert_close(y.numpy(), a["output"], p)
        if p.training:
            _assert_close(x.mean(dim=0).numpy(), a["mean"], p)
            _assert_close(x.var(dim=0, unbiased=False).numpy(), a["variance"], p)
            _assert_close(rm.numpy(), a["moving_mean"], p)
            _assert_close(rv.numpy(), a["moving_variance"], p)


@pytest.mark.keras
def test_differential_against_keras_normalization_layers(one_thread):
    import keras
    import numpy as np
    import torch
    import torch.nn.functional as F

    for p in _instances(42, "keras", max(1, DIFF_N // 2)):  # a Keras layer per instance is slow: half as many
        a = FAM.solve(p)
        x = np.array(_f(p.x))
        c = x.shape[1]
        if p.kind == "layer":
            layer = keras.layers.LayerNormalization(epsilon=float(p.eps), dtype="float64")
            layer.build((None, c))
            gamma, beta = np.array(_f(p.gamma)), np.array(_f(p.beta))
            layer.set_weights([gamma, beta])
            # Keras' normalisation layers on the torch backend compute in float32 even with dtype float64 (errors
            # ~1e-7): checked to 1e-6 here, and to 1e-10 by F.layer_norm with Keras' epsilon
            _assert_close(keras.ops.convert_to_numpy(layer(x)), a["output"], p, tol=1e-6)
            ref = F.layer_norm(torch.tensor(x), (c,), torch.tensor(gamma), torch.tensor(beta), eps=float(p.eps))
            _assert_close(ref.numpy(), a["output"], p)
            continue
        layer = keras.layers.BatchNormalization(momentum=float(p.mom), epsilon=float(p.eps), dtype="float64")
        layer.build((None, c))
        layer.set_weights([np.array(_f(v)) for v in (p.gamma, p.beta, p.moving_mean, p.moving_variance)])
        y = keras.ops.convert_to_numpy(layer(x, training=p.training))
        # float32 inside Keras (see above; its variance, E[x²] − E[x]², cancels): 1e-4 on the output, 1e-6 on the
        # moving statistics still tell the conventions apart (the biased and unbiased moving variances differ by
        # (1 − momentum)·var/(n − 1), >= 1e-3 relative here)
        _assert_close(y, a["output"], p, tol=1e-4)
        if p.training:
            _assert_close(keras.ops.convert_to_numpy(layer.moving_mean), a["moving_mean"], p, tol=1e-6)
            _assert_close(keras.ops.convert_to_numpy(layer.moving_variance), a["moving_variance"], p, tol=1e-6)


def test_cli_answer_json_and_bad_input():
    from click.testing import CliRunner

    from nnexam.cli import cli

    args = ["answer", "normalization", "--set", "x=[[1,2],[3,6]]", "--set", "epsilon=0", "--set", "convention=pytorch", "--json"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    parts = json.loads(r.output)["parts"]
    assert parts["output"]["exact"] == "[[-1, -1], [1, 1]]" and parts["moving_variance"]["exact"] == "[11/10, 17/10]"
    r = CliRunner().invoke(cli, ["answer", "normalization", "--set", "x=[[1,2],[3]]"])
    assert r.exit_code == 1 and "x" in r.output and len(r.output.strip().splitlines()) == 1
