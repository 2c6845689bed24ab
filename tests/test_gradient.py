"""gradient: textbook cases, mistakes, bad input, generator, and a differential test against torch
autograd (float64) that also evaluates the symbolic matrix-form answers on each instance."""

from __future__ import annotations

import os
import random
import re

import pytest
import sympy as sp
from click.testing import CliRunner
from nnexam.questions import gradient as G
from nnexam.questions import registry
from nnexam.questions.errors import NnexamError, ParamError
from nnexam.questions.family import same

from nnexam.cli import cli

FAM = registry.get("gradient")
N = int(os.environ.get("NNEXAM_DIFF_N", "300"))
S = G.symbols()
A, Y, X, ONES, M = S.A, S.Y, S.X, S.ONES, S.M


def answer(**raw):
    return FAM.solve(FAM.parse({"model": "logistic", **raw})).as_dict()


def mat(rows):
    return tuple(tuple(sp.nsimplify(v) for v in r) for r in rows)


@pytest.mark.parametrize(
    "raw,dw,db",
    [
        ({"model": "linear-mse", "X": [1, 2, 3], "y": [2, 4, 6], "W": [1], "b": 0}, [[-14]], [-6]),
        ({"model": "linear-mse", "half": False, "X": [1, 2, 3], "y": [2, 4, 6], "W": [1], "b": 0}, [[-28]], [-12]),
        ({"model": "linear-mse", "reduction": "mean", "X": [1, 2, 3], "y": [2, 4, 6], "W": [1]}, [["-14/3"]], [-2]),
        ({"model": "logistic", "X": [[1, 2], [3, 4]], "y": [1, 0]}, [["1/2", "1/2"]], [0]),
        ({"model": "softmax-ce", "X": [[1]], "y": [0], "W": [[0], [0]]}, [["-1/2"], ["1/2"]], ["-1/2", "1/2"]),
        ({"model": "softmax-ce", "X": [[1, 2]], "y": [[1, 0], [0, 1], [0, 0]]}, [[0], [-1], [1]], ["-1/3", "-1/3", "2/3"]),
    ],
    ids=["mse-half", "mse-no-half", "mse-mean", "logistic-zero-init", "softmax-indices", "softmax-one-hot"],
)
def test_textbook_values(raw, dw, db):
    a = answer(**raw)
    assert a["dL/dW_value"] == mat(dw)
    assert a["dL/db_value"] == tuple(sp.Rational(v) for v in db)


def test_logistic_values_stay_exact():
    a = answer(model="logistic", X=[[1]], y=[1], W=[[0]], b=1)
    (v,), = a["dL/dW_value"]
    assert same(v, 1 / (1 + sp.exp(-1)) - 1)
    assert v.has(sp.exp(-1)) or v.has(sp.E)
    assert not v.atoms(sp.Float)


@pytest.mark.parametrize(
    "raw,dw,db",
    [
        ({}, (A - Y) * X.T, (A - Y) * ONES),
        ({"reduction": "mean"}, sp.MatMul(1 / M, A - Y, X.T), sp.MatMul(1 / M, A - Y, ONES)),
        ({"model": "linear-mse", "half": False}, sp.MatMul(2, A - Y, X.T), sp.MatMul(2, A - Y, ONES)),
        ({"model": "softmax-ce"}, A * X.T - Y * X.T, A * ONES - Y * ONES),
    ],
    ids=["logistic", "mean", "mse-2", "softmax-expanded"],
)
def test_symbolic_parts(raw, dw, db):
    a = answer(**raw)
    assert same(a["dL/dW"], dw) and same(a["dL/db"], db)
    assert "dL/dW_value" not in a


def test_steps_show_chain_rule_and_values():
    from nnexam.questions import doc

    p = FAM.parse({"model": "logistic", "X": [[1, 2], [0, -1]], "y": [1, 0], "W": [1, -1], "b": 0})
    text = doc.plain(FAM.solve(p).steps)
    assert "(A - Y)/(A(1 - A)) · A(1 - A) = A - Y" in text
    assert "dW = (A - Y)*Xᵀ = [[" in text and "exp(-3)" in text and "≈" in text


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------

INSTANCE = {"model": "logistic", "X": [[1, 2], [0, -1]], "y": [1, 0], "W": [[0, 0]], "b": 0}  # A = 1/2


@pytest.mark.parametrize(
    "mistake,raw,dw_sym,dw,db",
    [
        ("missing-x-transpose", INSTANCE, (A - Y) * X, [["-1/2", "-3/2"]], None),
        ("sign-error", INSTANCE, (Y - A) * X.T, [["-1/2", "1/2"]], [0]),
        ("extra-sigmoid-derivative", INSTANCE, sp.HadamardProduct(A - Y, A, sp.OneMatrix(S.NY, M) - A) * X.T,
         [["1/8", "-1/8"]], [0]),
        ("mean-vs-sum", INSTANCE, sp.MatMul(1 / M, A - Y, X.T), [["1/4", "-1/4"]], [0]),
        ("mean-vs-sum", {**INSTANCE, "reduction": "mean"}, (A - Y) * X.T, [["1/2", "-1/2"]], [0]),
        ("forgot-2", {"model": "linear-mse", "half": False, "X": [1, 2], "y": [1, 1], "W": [1]}, (A - Y) * X.T,
         [[2]], [1]),
        ("extra-2", {"model": "linear-mse", "X": [1, 2], "y": [1, 1], "W": [1]}, sp.MatMul(2, A - Y, X.T), [[4]], [2]),
    ],
    ids=["x-not-transposed", "sign", "extra-sigmoid", "sum-as-mean", "mean-as-sum", "forgot-2", "extra-2"],
)
def test_each_mistake_is_recognised(mistake, raw, dw_sym, dw, db):
    p = FAM.parse(raw)
    got = {m.id: w for m, w in FAM.mistake_answers(p)}
    assert mistake in got, sorted(got)
    wrong = got[mistake]
    assert same(wrong["dL/dW"], dw_sym)
    assert wrong["dL/dW_value"] == mat(dw)
    if db is not None:
        assert wrong["dL/db_value"] == tuple(sp.Rational(v) for v in db)
    assert FAM.distinguishable(p, FAM.solve(p)) is None


def test_db_not_summed_and_mistakes_that_do_not_apply():
    p = FAM.parse(INSTANCE)
    got = {m.id: w for m, w in FAM.mistake_answers(p)}
    assert same(got["db-not-summed"]["dL/db"], A - Y)
    assert "forgot-2" not in got and "extra-2" not in got
    mse = {m.id for m, _ in FAM.mistake_answers(FAM.parse({"model": "linear-mse"}))}
    assert "extra-sigmoid-derivative" not in mse and "extra-2" in mse


def test_follow_on_evaluates_students_expression():
    p = FAM.parse(INSTANCE)
    out = FAM.follow_on(p, {"dL/dW": (Y - A) * X.T, "dL/db": (A - Y) * ONES})
    assert out["dL/dW_value"] == mat([["-1/2", "1/2"]])
    assert out["dL/db_value"] == (0,)
    assert FAM.follow_on(p, {"dL/dW": (A - Y) * X})["dL/dW_value"] == mat([["-1/2", "-3/2"]])  # X is square here
    wide = FAM.parse({"model": "logistic", "X": [1, 2, 3], "y": [1, 0, 1]})
    assert FAM.follow_on(wide, {"dL/dW": (A - Y) * X}) == {}  # shapes do not allow it: no value


# ---------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,param",
    [
        ({"X": [[1, 2, 3], [4, 5, 6]], "y": [1, 0]}, "y"),
        ({"X": [[1, 2], [3, 4]], "y": [1, 0], "W": [[1, 2, 3]]}, "W"),
        ({"X": [[1, 2], [3, 4]], "y": [1, 0], "b": [1, 2]}, "b"),
        ({"y": [1, 0]}, "X"),
        ({"X": [[1, 2]]}, "y"),
        ({"model": "logistic", "half": True}, "half"),
        ({"X": [[1, 2]], "y": [2, 0]}, "y"),
        ({"model": "softmax-ce", "X": [[1, 2]], "y": [[1, 0], [1, 0]]}, "y"),
        ({"model": "softmax-ce", "X": [[1, 2]], "y": [0, 3], "W": [[1], [2]]}, "y"),
        ({"X": [[1, 2], [3]], "y": [1, 0]}, "X"),
        ({"X": [list(range(9))], "y": [0] * 9}, "X"),
        ({"X": [[1, "a"]], "y": [1, 0]}, "X[1][2]"),
        ({"model": None}, "model"),
    ],
    ids=["y-columns", "W-shape", "b-length", "y-without-X", "X-without-y", "half-logistic", "bce-target",
         "not-one-hot", "class-out-of-range", "ragged", "too-big", "not-a-number", "model-required"],
)
def test_bad_params_name_the_parameter(raw, param):
    with pytest.raises(ParamError, match=re.escape(f"'{param}")):
        FAM.parse({"model": "logistic", **raw})


def test_unknown_model_lists_known():
    with pytest.raises(NnexamError, match="logistic"):
        FAM.parse({"model": "relu-mse"})


def test_cli_bad_shape_is_one_line_exit_1():
    r = CliRunner().invoke(cli, ["answer", "gradient", "--set", "model=logistic", "--set", "X=[[1,2,3]]", "--set", "y=[1,0]"])
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "parameter 'y'" in r.output and len(r.output.strip().splitlines()) == 1


def test_cli_answer_json():
    import json

    r = CliRunner().invoke(cli, ["answer", "gradient", "--set", "model=linear-mse", "--set", "X=[1,2,3]",
                                 "--set", "y=[2,4,6]", "--set", "W=[1]", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["parts"]["dL/dW_value"] == {"exact": "[[-14]]", "value": [[-14]]}
    assert out["parts"]["dL/dW"]["exact"] == "(A - Y)*X.T"


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def test_generator_is_seeded_varied_and_distinguishable():
    draws = [FAM.draw(random.Random(s)) for s in range(30)]
    assert draws == [FAM.draw(random.Random(s)) for s in range(30)]
    assert len(set(draws)) == 30
    assert {p.model for p in draws} == set(G.MODELS)
    for p in draws:
        assert G._numbers_distinct(p)
        assert all(abs(v) <= 2 for row in p.X for v in row)


@pytest.mark.parametrize(
    "options,check",
    [
        ({"model": "softmax-ce", "classes_max": 4}, lambda p: p.model == "softmax-ce" and 2 <= len(p.W) <= 4),
        ({"numeric": False}, lambda p: p.X is None),
        ({"zero_weights": True, "model": "logistic"}, lambda p: all(v == sp.Rational(1, 2) for v in G.instance(p).A)),
        ({"features_min": 4, "features_max": 4, "samples_min": 1, "samples_max": 1}, lambda p: len(p.X) == 4 and len(p.X[0]) == 1),
        ({"reduction": "mean", "value_max": 5}, lambda p: p.reduction == "mean"),
    ],
    ids=["softmax-classes", "symbolic-only", "zero-weights", "sizes", "mean"],
)
def test_generator_options(options, check):
    for s in range(8):
        p = FAM.draw(random.Random(s), options=options)
        assert check(p)


# ---------------------------------------------------------------------------------------------
# Differential: torch autograd, float64
# ---------------------------------------------------------------------------------------------


def random_instance(rng: random.Random) -> dict:
    model = rng.choice(G.MODELS)
    n_x, m = rng.randint(1, 4), rng.randint(1, 4)
    n_y = rng.randint(2, 4) if model == "softmax-ce" else rng.randint(1, 3)
    num = lambda: sp.Rational(rng.randint(-6, 6), rng.choice((1, 2, 4)))  # noqa: E731
    raw = {
        "model": model,
        "reduction": rng.choice(("sum", "mean")),
        "X": [[num() for _ in range(m)] for _ in range(n_x)],
        "W": [[num() for _ in range(n_x)] for _ in range(n_y)],
        "b": [num() for _ in range(n_y)],
    }
    if model == "logistic":
        raw["y"] = [[rng.choice((0, 1, sp.Rational(1, 4))) for _ in range(m)] for _ in range(n_y)]
    elif model == "linear-mse":
        raw["y"] = [[num() for _ in range(m)] for _ in range(n_y)]
        raw["half"] = rng.choice((True, False))
    elif rng.random() < 0.5:
        raw["y"] = [rng.randrange(n_y) for _ in range(m)]
    else:
        labels = [rng.randrange(n_y) for _ in range(m)]
        raw["y"] = [[1 if labels[j] == i else 0 for j in range(m)] for i in range(n_y)]
    return raw


def torch_grads(p: G.Params):
    import torch
    import torch.nn.functional as F

    n = G.instance(p)
    t = lambda mtx: torch.tensor([[float(v) for v in mtx.row(i)] for i in range(mtx.rows)], dtype=torch.float64)  # noqa: E731
    x, y = t(n.X), t(n.Y)
    w = t(n.W).requires_grad_()
    b = t(n.b).requires_grad_()
    z = w @ x + b
    if p.model == "logistic":
        loss = F.binary_cross_entropy_with_logits(z, y, reduction="sum")
    elif p.model == "linear-mse":
        loss = F.mse_loss(z, y, reduction="sum") * (1.0 if p.half is False else 0.5)
    elif n.labels is not None:
        loss = F.cross_entropy(z.T, torch.tensor(n.labels), reduction="sum")
    else:
        loss = F.cross_entropy(z.T, y.T, reduction="sum")
    if p.reduction == "mean":
        loss = loss / x.shape[1]
    loss.backward()
    return w.grad.tolist(), [r[0] for r in b.grad.tolist()], n


def close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(b))


@pytest.mark.torch
def test_differential_against_torch_autograd():
    rng = random.Random(20240611)
    for k in range(N):
        raw = random_instance(rng)
        p = FAM.parse(raw)
        a = G._answer_parts(p)  # what solve() returns as parts; solve() itself (with its steps) every 10th
        if k % 10 == 0:
            assert FAM.solve(p).as_dict() == a
        gw, gb, n = torch_grads(p)
        dw = [[float(v) for v in row] for row in a["dL/dW_value"]]
        db = [float(v) for v in a["dL/db_value"]]
        assert all(close(u, v) for ru, rv in zip(dw, gw) for u, v in zip(ru, rv)), (raw, dw, gw)
        assert all(close(u, v) for u, v in zip(db, gb)), (raw, db, gb)
        assert len(dw) == len(gw) and len(dw[0]) == len(gw[0]) and len(db) == len(gb)
        # the matrix-form answers, evaluated on this instance, give the same numbers
        values = {"A": n.A, "Y": n.Y, "X": n.X}
        sym_w = G.substitute(a["dL/dW"], values)
        sym_b = G.substitute(a["dL/db"], values)
        assert all(close(float(sym_w[i, j]), gw[i][j]) for i in range(sym_w.rows) for j in range(sym_w.cols))
        assert all(close(float(sym_b[i, 0]), gb[i]) for i in range(sym_b.rows))


@pytest.mark.torch
def test_differential_generated_variants_against_torch():
    for s in range(max(5, N // 30)):
        p = FAM.draw(random.Random(s))
        a = FAM.solve(p).as_dict()
        gw, gb, _ = torch_grads(p)
        assert all(close(float(u), v) for ru, rv in zip(a["dL/dW_value"], gw) for u, v in zip(ru, rv))
        assert all(close(float(u), v) for u, v in zip(a["dL/db_value"], gb))


def test_params_json_round_trip():
    """key.json stores params with params_json; parsing them back gives the same instance."""
    import json

    from nnexam.questions.exact import params_json

    for s in range(10):
        p = FAM.draw(random.Random(s))
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p


@pytest.mark.parametrize("model", ["logistic", "linear-mse", "softmax-ce"])
def test_definitions_reproduce_the_instance(model):
    """The names the key uses (A, Z) mean what the solver computes: evaluated by the grader's
    evaluator from W, X, b they give the solver's exact A and Z (to 1e-9)."""
    import numpy as np
    from nnexam.grader.equivalence import _tree, evaluate
    from nnexam.questions import registry
    from nnexam.questions.gradient import instance

    fam = registry.get("gradient")
    for seed in range(20):
        p = fam.draw(random.Random(seed), options={"model": model})
        if not p.numeric:
            continue
        n = instance(p)
        point = {k: np.array(getattr(n, k).evalf(), dtype=float) for k in ("W", "X", "b")}
        point["1_m"] = np.ones((n.X.cols, 1))
        for name, text in fam.definitions(p).items():
            want = np.array(getattr(n, name).evalf(), dtype=float)
            assert np.allclose(evaluate(_tree(text), point), want, rtol=1e-9, atol=1e-12), (model, seed, name)
