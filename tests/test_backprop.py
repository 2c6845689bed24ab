"""backprop: textbook cases, mistakes, follow-on, bad input, the generator, and a differential test
against torch.autograd in float64 (``NNEXAM_DIFF_N`` instances, 300 by default): the loss, every
dL/dz_l (retained gradients), dL/dW_l and dL/db_l."""

from __future__ import annotations

import json
import os
import random
from fractions import Fraction

import pytest
import sympy as sp
from nnexam.questions import doc, registry
from nnexam.questions.activations import NAMES, TRANSCENDENTAL
from nnexam.questions.errors import NnexamError, ParamError
from nnexam.questions.exact import params_json

FAM = registry.get("backprop")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "200"))  # exact sympy solves: 200 keep the file under ~30 s
# z1 = [1, -3], a1 = [1, 0], z2 = a2 = [-2]
NET = dict(x=[1, -2], weights=[[[2, 1], [3, 2]], [[-3, 1]]], biases=[[1, -2], 1], activations=["relu", "linear"], y=[1])


def solve(**raw):
    return FAM.solve(FAM.parse(raw))


# --- textbook cases ---------------------------------------------------------------------------


def test_two_layer_relu_network_by_hand():
    a = solve(**NET)
    assert a["loss"] == 9  # (-2 - 1)^2
    assert a["dL/dz2"] == (-6,)  # 2 (a - y)
    assert a["dL/dW2"] == ((-6, 0),)  # dL/dz2 a1^T
    assert a["dL/dz1"] == (18, 0)  # W2^T (-6) = (18, -6), relu'(z1) = (1, 0)
    assert a["dL/dW1"] == ((18, -36), (0, 0)) and a["dL/db1"] == (18, 0)


def test_mse_is_the_mean_over_outputs():
    a = solve(x=[1], weights=[[1], [2]], activations="linear", y=[0, 0])
    assert a["loss"] == sp.Rational(5, 2) and a["dL/dz1"] == (1, 2)  # (2/2)(a - y)


def test_softmax_cross_entropy_gives_a_minus_y():
    a = solve(x=[1, 2], weights=[[1, -1], [2, 0]], activations="softmax", y=0, loss="categorical-cross-entropy")
    e = sp.exp
    assert sp.simplify(a["dL/dz1"][0] - (e(-1) / (e(-1) + e(2)) - 1)) == 0
    assert sp.simplify(a["loss"] - sp.log(1 + e(3))) == 0


def test_sigmoid_binary_cross_entropy():
    a = solve(x=[0], weights=[[1]], biases=[0], activations="sigmoid", y=[1], loss="binary-cross-entropy")
    assert a["dL/dz1"] == (sp.Rational(-1, 2),) and sp.simplify(a["loss"] - sp.log(2)) == 0


def test_saturated_sigmoid_loss_keeps_its_digits():
    """ln(1 − σ(400)) = −ln(1 + e^400): evaluating 1 − σ(400) would lose every digit."""
    from nnexam.questions.exact import json_value

    a = solve(x=[400], weights=[[1]], biases=[0], activations="sigmoid", y=[0], loss="binary-cross-entropy")
    assert json_value(a["loss"]) == pytest.approx(400, rel=1e-12)
    assert json_value(a["dL/dz1"][0]) == pytest.approx(1, rel=1e-12)


def test_statement_and_steps():
    p = FAM.parse(NET)
    text = doc.plain(FAM.statement(p))
    assert "mean squared error" in text and "no ½" in text
    steps = doc.plain(FAM.solve(p).steps)
    assert "δ1 = [[18], [0]]" in steps


# --- mistakes ---------------------------------------------------------------------------------


def test_each_mistake_is_what_its_name_says():
    w = {m.id: v for m, v in FAM.mistake_answers(FAM.parse(NET))}
    assert w["forgot-activation-derivative"]["dL/dz1"] == (18, -6)
    assert w["transposed-weight-gradient"] == {"dL/dW1": ((18, 0), (-36, 0))}  # dL/dW2 is a row: not listed
    assert w["mse-half-sum"]["dL/dz2"] == (-3,) and w["mse-half-sum"]["loss"] == sp.Rational(9, 2)
    assert w["a-minus-y-other-loss"]["dL/dz2"] == (-3,)
    assert "mse-sum-not-mean" not in w  # one output: sum = mean
    w = {m.id: v for m, v in FAM.mistake_answers(FAM.parse(dict(x=[1], weights=[[1], [2]], activations="linear", y=[0, 0])))}
    assert w["mse-sum-not-mean"]["loss"] == 5
    p = FAM.parse(dict(x=[1, 2], weights=[[1, -1], [2, 0]], activations="softmax", y=0, loss="categorical-cross-entropy"))
    w = {m.id: v for m, v in FAM.mistake_answers(p)}
    assert "a-minus-y-other-loss" not in w and "mse-half-sum" not in w
    assert "forgot-activation-derivative" in w  # -y/a taken for dL/dz


def test_every_mistake_differs_on_every_drawn_variant():
    rng = random.Random(9)
    seen = set()
    for i in range(80):
        p = FAM.draw(rng, options={"losses": ["mse"], "outputs_max": 3} if i % 2 else None)
        right = FAM.solve(p).as_dict()
        for m, wrong in FAM.mistake_answers(p):
            seen.add(m.id)
            assert any(not _close(v, right[k]) for k, v in wrong.items()), (m.id, p)
    assert seen == {m.id for m in FAM.mistakes}


def _flat(v) -> list[float]:
    return [float(sp.N(x, 20)) for x in sp.flatten(v)] if isinstance(v, tuple) else [float(sp.N(v, 20))]


def _close(a, b) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    return _flat(a) == pytest.approx(_flat(b), rel=1e-9, abs=1e-12)


def test_follow_on_uses_the_students_deltas():
    p = FAM.parse(NET)
    out = FAM.follow_on(p, {"dL/dz2": [-4]})
    assert out["dL/dW2"] == ((-4, 0),) and out["dL/db2"] == (-4,)
    assert out["dL/dz1"] == (12, 0)  # W2^T (-4) = (12, -4), relu'
    assert FAM.follow_on(p, {"dL/dz2": "abc"}) == {}


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(NET, y=[1, 2]), "one target per output unit (1)"),
        (dict(NET, loss="binary-cross-entropy"), "a sigmoid output layer"),
        (dict(NET, activations=["relu", "sigmoid"], loss="binary-cross-entropy", y=[2]), "targets in [0, 1]"),
        (dict(x=[1], weights=[[1], [2]], activations="softmax", y=[1, 1], loss="categorical-cross-entropy"), "sum to 1"),
        (dict(x=[1], weights=[[1], [2]], activations="softmax", y=5, loss="categorical-cross-entropy"), "class index"),
        (dict(NET, loss="hinge"), "loss"),
        (dict(NET, weights=[[1, 2, 3]]), "weights"),
    ],
    ids=["y-size", "bce-needs-sigmoid", "bce-targets", "cce-sum", "cce-index", "loss", "shape"],
)
def test_bad_input_names_the_parameter(raw, fragment):
    with pytest.raises(NnexamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


# --- generator --------------------------------------------------------------------------------


def test_generator_is_seeded_valid_and_round_trips_through_json():
    a = [FAM.draw(random.Random(s)) for s in range(30)]
    assert a == [FAM.draw(random.Random(s)) for s in range(30)]
    assert {p.loss for p in a} == {"mse", "binary-cross-entropy", "categorical-cross-entropy"}
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p
        assert doc.plain(FAM.statement(p))
    with pytest.raises(ParamError, match="options"):
        FAM.draw(random.Random(0), options={"units_min": 3, "units_max": 2})


# --- differential test against torch.autograd -------------------------------------------------


def _random_params(rng: random.Random):
    """Any shapes, hidden activations and loss; fractional values; at most one sigmoid/tanh/softmax layer."""
    while True:
        loss = rng.choice(["mse", "binary-cross-entropy", "categorical-cross-entropy"])
        n_layers = rng.randint(1, 3)
        sizes = [rng.randint(1, 3) for _ in range(n_layers + 1)]
        names = [rng.choice(NAMES) for _ in range(n_layers)]
        if loss == "binary-cross-entropy":
            names[-1] = "sigmoid"
        elif loss == "categorical-cross-entropy":
            names[-1], sizes[-1] = "softmax", max(2, sizes[-1])
        if sum(n in TRANSCENDENTAL for n in names) > 1:  # exact, but nested exp terms make the solve slow
            continue

        def val() -> str:
            return str(Fraction(rng.randint(-8, 8), rng.choice([1, 2, 4])))

        n_out = sizes[-1]
        if loss == "mse":
            y = [val() for _ in range(n_out)]
        elif loss == "binary-cross-entropy":
            y = [rng.choice(["0", "1", "1/4"]) for _ in range(n_out)]
        else:
            y = [1 if i == rng.randrange(n_out) else 0 for i in range(n_out)]
            if sum(y) != 1:
                y = [1] + [0] * (n_out - 1)
        raw = dict(x=[val() for _ in range(sizes[0])], weights=[[[val() for _ in range(a)] for _ in range(b)] for a, b in zip(sizes, sizes[1:])],
                   biases=[[val() for _ in range(b)] for b in sizes[1:]], activations=names, y=y, loss=loss,
                   alpha=f"{rng.randint(0, 30)}/100")
        try:
            return FAM.parse(raw)
        except ParamError as err:
            assert "small enough" in str(err)


def _torch(p):
    import torch
    import torch.nn.functional as F

    def t(v):
        return torch.tensor([[float(sp.N(x, 20)) for x in r] for r in v] if isinstance(v[0], tuple) else
                            [float(sp.N(x, 20)) for x in v], dtype=torch.float64)

    a = t(p.x)
    ws = [t(w).requires_grad_(True) for w in p.weights]
    bs = [t(b).requires_grad_(True) for b in p.biases]
    zs = []
    acts = {"relu": F.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "softmax": lambda v: F.softmax(v, dim=0),
            "linear": lambda v: v, "leaky_relu": lambda v: F.leaky_relu(v, float(p.alpha))}
    for w, b, name in zip(ws, bs, p.activations):
        z = w @ a + b
        z.retain_grad()
        zs.append(z)
        a = acts[name](z)
    y = t(p.y)
    if p.loss == "mse":
        loss = F.mse_loss(a, y)
    elif p.loss == "binary-cross-entropy":  # on the logits: F.binary_cross_entropy clamps ln at -100
        loss = F.binary_cross_entropy_with_logits(zs[-1], y)
    else:
        loss = F.cross_entropy(zs[-1].unsqueeze(0), y.unsqueeze(0))
    loss.backward()
    return loss, zs, ws, bs


@pytest.mark.torch
def test_differential_against_torch_autograd(one_thread):
    rng = random.Random(77)
    for i in range(DIFF_N):
        p = FAM.draw(rng) if i % 4 == 0 else _random_params(rng)
        a = FAM.solve(p)
        loss, zs, ws, bs = _torch(p)
        kinks = [v for z, n in zip(zs, p.activations) if n in ("relu", "leaky_relu") for v in z.tolist()]
        if any(abs(v) < 1e-9 for v in kinks):  # float64 rounds a tiny exact z to 0, where the derivative jumps
            continue
        assert _flat(a["loss"]) == pytest.approx([loss.item()], rel=1e-9, abs=1e-12), (i, p)
        for k, (z, w, b) in enumerate(zip(zs, ws, bs), start=1):
            for part, ref in ((f"dL/dz{k}", z.grad), (f"dL/dW{k}", w.grad), (f"dL/db{k}", b.grad)):
                assert _flat(a[part]) == pytest.approx(ref.flatten().tolist(), rel=1e-9, abs=1e-12), (i, part, p)


def test_cli_answer_json_and_bad_input():
    from click.testing import CliRunner

    from nnexam.cli import cli

    args = ["answer", "backprop", "--set", "x=[1,-2]", "--set", "weights=[[[2,1],[3,2]],[[-3,1]]]", "--set", "biases=[[1,-2],1]",
            "--set", "activations=[\"relu\",\"linear\"]", "--set", "y=[1]", "--json"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    parts = json.loads(r.output)["parts"]
    assert parts["dL/dW1"]["exact"] == "[[18, -36], [0, 0]]" and parts["loss"]["value"] == 9
    r = CliRunner().invoke(cli, ["answer", "backprop", "--set", "x=[1]", "--set", "weights=[[1]]", "--set", "activations=relu",
                                 "--set", "y=[1]", "--set", "loss=binary-cross-entropy"])
    assert r.exit_code == 1 and "sigmoid" in r.output and len(r.output.strip().splitlines()) == 1
