"""optimizer-step: textbook cases, mistakes, follow-on, bad input, the generator, and differential
tests against torch.optim and keras.optimizers fed the same gradients (``NNEXAM_DIFF_N`` instances,
300 by default), in float64, both conventions, every optimizer, weight decay included."""

from __future__ import annotations

import json
import os
import random
from fractions import Fraction

import pytest
import sympy as sp
from click.testing import CliRunner
from nnexam.questions import doc, registry
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import params_json
from nnexam.questions.optimizer_step import OPTIMIZERS

from nnexam.cli import cli

FAM = registry.get("optimizer-step")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))


def solve(**raw):
    return FAM.solve(FAM.parse(raw))


def num(v) -> float:
    return float(sp.N(v, 20))


# --- textbook cases (by hand) -----------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,part,expected",
    [
        (dict(optimizer="sgd", w=[1, 2], gradients=[[1, -2]], learning_rate=0.1), "w1", (Fraction(9, 10), Fraction(11, 5))),
        # PyTorch momentum b = 0.9 b + g: b1 = 2, w1 = 1 - 0.1*2; b2 = 0.9*2 + 2 = 3.8, w2 = 0.8 - 0.38
        (dict(optimizer="momentum", convention="pytorch", w=1, gradients=[2, 2], learning_rate=0.1), "w2", Fraction(42, 100)),
        # Keras momentum v = 0.9 v - 0.1 g: the same weights with a constant learning rate
        (dict(optimizer="momentum", w=1, gradients=[2, 2], learning_rate=0.1), "w2", Fraction(42, 100)),
        # PyTorch Nesterov: w1 = 1 - 0.1 (2 + 0.9*2) = 0.62
        (dict(optimizer="nesterov", convention="pytorch", w=1, gradients=[2], learning_rate=0.1), "w1", Fraction(62, 100)),
        # Adam's first step moves every weight by lr (times the sign of g), epsilon aside
        (dict(optimizer="adam", convention="pytorch", w=[1, 1], gradients=[[5, -3]], learning_rate=0.1, epsilon=0), "w1",
         (Fraction(9, 10), Fraction(11, 10))),
        (dict(optimizer="adam", w=[1, 1], gradients=[[5, -3]], learning_rate=0.1, epsilon=0), "w1", (Fraction(9, 10), Fraction(11, 10))),
        # Adagrad PyTorch: s = 4, w = 1 - 0.5*2/2 = 0.5; Keras starts at s = 0.1: w = 1 - 0.5*2/sqrt(4.1)
        (dict(optimizer="adagrad", convention="pytorch", w=1, gradients=[2], learning_rate=0.5, epsilon=0), "w1", Fraction(1, 2)),
        (dict(optimizer="adagrad", w=1, gradients=[2], learning_rate=0.5, epsilon=0), "w1", 1 - 1 / sp.sqrt(Fraction(41, 10))),
        # RMSprop Keras: s = 0.1*4 = 0.4, w = 1 - 0.1*2/sqrt(0.4)
        (dict(optimizer="rmsprop", w=1, gradients=[2], learning_rate=0.1, epsilon=0), "w1", 1 - sp.Rational(1, 5) / sp.sqrt(sp.Rational(2, 5))),
        # gradient descent on f = x^2 with lr 1/4: x halves each step
        (dict(optimizer="sgd", w=8, f="x^2", steps=3, learning_rate="1/4"), "final", 1),
        (dict(optimizer="sgd", w=[1, 1], f="x^2 + 2y^2 + x*y", steps=1, learning_rate="1/10"), "w1", (Fraction(7, 10), Fraction(1, 2))),
        # AdamW PyTorch: w *= 1 - lr*wd, then the Adam step: 1*(1 - 0.1*0.5) - 0.1 = 0.85
        (dict(optimizer="adamw", convention="pytorch", w=1, gradients=[3], learning_rate=0.1, weight_decay=0.5, epsilon=0), "w1",
         Fraction(85, 100)),
        # PyTorch SGD weight decay is L2: g = 2 + 0.5*1; Keras' is decoupled: w = 1 - 0.1*0.5*1 - 0.1*2
        (dict(optimizer="sgd", convention="pytorch", w=1, gradients=[2], learning_rate=0.1, weight_decay=0.5), "w1", Fraction(75, 100)),
        (dict(optimizer="sgd", w=1, gradients=[2], learning_rate=0.1, weight_decay=0.5), "w1", Fraction(75, 100)),
    ],
    ids=["sgd", "momentum-torch", "momentum-keras", "nesterov-torch", "adam-torch-first", "adam-keras-first",
         "adagrad-torch", "adagrad-keras", "rmsprop-keras", "f-x2", "f-2d", "adamw-torch", "sgd-l2", "sgd-decoupled"],
)  # fmt: skip
def test_textbook(raw, part, expected):
    got = solve(**raw)[part]
    if isinstance(expected, tuple):
        assert len(got) == len(expected)
        for g, e in zip(got, expected):
            assert sp.simplify(g - e) == 0, (g, e)
    else:
        assert sp.simplify(got - expected) == 0, (got, expected)


def test_defaults_are_each_frameworks_own():
    keras = FAM.parse(dict(optimizer="rmsprop", w=1, gradients=[1]))
    torch = FAM.parse(dict(optimizer="rmsprop", convention="pytorch", w=1, gradients=[1]))
    assert keras.hyper["rho"] == Fraction(9, 10) and torch.hyper["rho"] == Fraction(99, 100)
    assert keras.hyper["epsilon"] == Fraction(1, 10**7) and torch.hyper["epsilon"] == Fraction(1, 10**8)
    assert FAM.parse(dict(optimizer="adamw", w=1, gradients=[1])).hyper["weight_decay"] == Fraction(4, 1000)
    assert FAM.parse(dict(optimizer="adagrad", w=1, gradients=[1])).hyper["initial_accumulator"] == Fraction(1, 10)


def test_statement_names_the_convention_and_steps_show_the_state():
    p = FAM.parse(dict(optimizer="adam", convention="pytorch", w=[1, 2], gradients=[[1, -2], [3, 1]], learning_rate=0.1))
    text = doc.plain(FAM.statement(p))
    assert "PyTorch" in text and "β₁" in text
    steps = doc.plain(FAM.solve(p).steps)
    assert "m1 = (1/10, -1/5)" in steps and "v1 = (1/1000, 1/250)" in steps


# --- mistakes ---------------------------------------------------------------------------------


def _wrong(raw) -> dict:
    p = FAM.parse(raw)
    return {m.id: w for m, w in FAM.mistake_answers(p)}


def test_each_mistake_is_what_its_name_says():
    w = _wrong(dict(optimizer="adam", convention="pytorch", w=1, gradients=[2], learning_rate=0.1, epsilon=0))
    assert w["update-sign"]["w1"] == sp.Rational(11, 10)
    assert num(w["adam-no-bias-correction"]["w1"]) == pytest.approx(1 - 0.1 * 0.2 / (0.001 * 4) ** 0.5)
    w = _wrong(dict(optimizer="momentum", convention="pytorch", w=1, gradients=[2], learning_rate=0.1))
    assert w["momentum-ema"]["w1"] == 1 - sp.Rational(1, 10) * sp.Rational(1, 10) * 2
    w = _wrong(dict(optimizer="nesterov", convention="pytorch", w=1, gradients=[2], learning_rate=0.1))
    assert w["nesterov-lookahead-forgotten"]["w1"] == sp.Rational(4, 5)
    w = _wrong(dict(optimizer="rmsprop", w=1, gradients=[2], learning_rate=0.1, epsilon=0))
    assert num(w["rmsprop-rho-other-framework"]["w1"]) == pytest.approx(1 - 0.2 / (0.01 * 4) ** 0.5)
    w = _wrong(dict(optimizer="rmsprop", convention="pytorch", w=1, gradients=[1], learning_rate=1, epsilon=1))
    assert num(w["epsilon-inside-sqrt"]["w1"]) == pytest.approx(1 - 1 / (0.01 + 1) ** 0.5)
    w = _wrong(dict(optimizer="adagrad", w=1, gradients=[1], learning_rate=1, epsilon=1))
    assert num(w["epsilon-outside-sqrt"]["w1"]) == pytest.approx(1 - 1 / (1.1**0.5 + 1))
    w = _wrong(dict(optimizer="adamw", convention="pytorch", w=1, gradients=[3], learning_rate=0.1, weight_decay=0.5, epsilon=0))
    assert "weight-decay-as-l2" in w and "weight-decay-decoupled" not in w
    w = _wrong(dict(optimizer="adam", convention="pytorch", w=1, gradients=[3], learning_rate=0.1, weight_decay=0.5, epsilon=0))
    assert "weight-decay-decoupled" in w and "weight-decay-as-l2" not in w
    w = _wrong(dict(optimizer="adagrad", convention="pytorch", w=1, gradients=[1], learning_rate=0.5, epsilon=0))
    assert num(w["adagrad-initial-accumulator"]["w1"]) == pytest.approx(1 - 0.5 / 1.1**0.5)


def test_tiny_epsilon_mistakes_are_not_listed():
    """ε = 1e-7 inside or outside the root changes nothing a grader can see: not a mistake to name."""
    w = _wrong(dict(optimizer="rmsprop", w=1, gradients=[2], learning_rate=0.1))
    assert "epsilon-outside-sqrt" not in w and "epsilon-inside-sqrt" not in w
    w = _wrong(dict(optimizer="adam", w=1, gradients=[2], learning_rate=0.1, epsilon=0.5))
    assert "adam-epsilon-placement" in w


def test_follow_on_steps_from_the_students_weights():
    p = FAM.parse(dict(optimizer="momentum", convention="pytorch", w=1, gradients=[2, 2], learning_rate=0.1))
    # right: b1 = 2, w1 = 0.8; the student wrote w1 = 0.5: w2 = 0.5 - 0.1*3.8
    out = FAM.follow_on(p, {"w1": sp.Rational(1, 2)})
    assert out["w2"] == sp.Rational(12, 100)
    q = FAM.parse(dict(optimizer="sgd", w=8, f="x^2", steps=2, learning_rate="1/4"))
    assert FAM.follow_on(q, {"w1": 2})["w2"] == 1  # gradient at the student's own x = 2
    assert FAM.follow_on(q, {"w1": "abc"}) == {}


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(optimizer="adam", w=[1, 2]), "either gradients"),
        (dict(optimizer="adam", w=[1, 2], gradients=[[1, 2]], f="x^2"), "either gradients"),
        (dict(optimizer="adam", w=[1, 2], gradients=[[1, 2, 3]]), "gradients[1]"),
        (dict(optimizer="adam", w=[1, 2], gradients=[1, 2, 3]), "gradients"),
        (dict(optimizer="sgd", w=[1, 2], gradients=[[1, 2]], rho=0.9), "rho"),
        (dict(optimizer="adam", w=1, gradients=[1], beta_1=1), "beta_1"),
        (dict(optimizer="sgd", w=1, gradients=[1], learning_rate=0), "learning_rate"),
        (dict(optimizer="sgd", w=[1, 2], f="x^2 + y^2 + z"), "w"),
        (dict(optimizer="sgd", w=1, f="x^2 + q", variables=["x"]), "'q' is not one of them"),
        (dict(optimizer="sgd", w=1, f="x^^2"), "parameter 'f'"),
        (dict(optimizer="sgd", w=-1, f="sqrt(x)"), "defined at every iterate"),
        (dict(optimizer="sgd", w=-1, f="ln(x)"), "defined at every iterate"),
        (dict(optimizer="adam", w=1, f="x^2", steps=9), "steps"),
        (dict(optimizer="sgd", w=1, gradients=[1], steps=2), "steps"),
        (dict(optimizer="lion", w=1, gradients=[1]), "optimizer"),
    ],
    ids=["neither", "both", "shape", "vector-vs-steps", "unused-rho", "beta", "lr", "f-vars", "f-unknown",
         "f-syntax", "f-not-defined", "f-ln-negative", "too-many-symbolic", "steps-with-gradients", "unknown"],
)  # fmt: skip
def test_bad_input_names_the_parameter(raw, fragment):
    from nnexam.questions.errors import NnexamError

    with pytest.raises(NnexamError) as err:
        FAM.solve(FAM.parse(raw))
    assert fragment in str(err.value)


def test_cli_answer_json():
    args = ["answer", "optimizer-step", "--set", "optimizer=sgd", "--set", "w=[1,2]", "--set", "gradients=[[1,-2]]",
            "--set", "learning_rate=0.1", "--json"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)["parts"]["final"]
    assert out["exact"] == "[9/10, 11/5]" and out["value"] == [0.9, 2.2]


# --- generator --------------------------------------------------------------------------------


def test_generator_is_seeded_valid_and_round_trips_through_json():
    a = [FAM.draw(random.Random(s)) for s in range(40)]
    assert a == [FAM.draw(random.Random(s)) for s in range(40)]
    assert {p.optimizer for p in a} == set(OPTIMIZERS) and {p.convention for p in a} == {"keras", "pytorch"}
    assert any(p.f is not None for p in a)
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p
        assert doc.plain(FAM.statement(p))


def test_every_mistake_differs_on_every_drawn_variant():
    rng = random.Random(7)
    seen = set()
    options = [None, {"epsilon": "1/2", "weight_decay": "1/10"},
               {"optimizers": ["adagrad"], "learning_rates": ["2"], "value_max": 1}]  # Adagrad's start shows with |g| = 1
    for i in range(150):
        p = FAM.draw(rng, options=options[i % 3])
        right = FAM.solve(p).as_dict()
        for m, wrong in FAM.mistake_answers(p):
            seen.add(m.id)
            assert any(not _close(v, right[k]) for k, v in wrong.items()), (m.id, p)
    assert seen == {m.id for m in FAM.mistakes}


def _close(a, b) -> bool:
    fa = [num(x) for x in (sp.flatten(a) if isinstance(a, tuple) else [a])]
    fb = [num(x) for x in (sp.flatten(b) if isinstance(b, tuple) else [b])]
    return fa == pytest.approx(fb, rel=1e-9, abs=1e-12)


# --- differential tests -----------------------------------------------------------------------


def _random_params(rng: random.Random):
    """Any optimizer, convention and shape; fractional values; hyperparameters given or defaulted."""
    opt = rng.choice(OPTIMIZERS)
    conv = rng.choice(["keras", "pytorch"])
    shape = rng.choice([(), (2,), (3,), (2, 2)])

    def val() -> str:
        return str(Fraction(rng.randint(-12, 12), rng.choice([1, 2, 4, 5])))

    def like() -> object:
        if not shape:
            return val()
        if len(shape) == 1:
            return [val() for _ in range(shape[0])]
        return [[val() for _ in range(shape[1])] for _ in range(shape[0])]

    raw: dict = {"optimizer": opt, "convention": conv, "w": like(), "gradients": [like() for _ in range(rng.randint(1, 3))]}
    if not shape:
        raw["gradients"] = [str(v) for v in raw["gradients"]]
    raw["learning_rate"] = rng.choice(["1/10", "1/100", "1/2", None])
    from nnexam.questions.optimizer_step import USES

    for name, choices in (("momentum", ["1/2", "9/10", "99/100"]), ("rho", ["1/2", "9/10", "99/100"]), ("beta_1", ["1/2", "4/5"]),
                          ("beta_2", ["9/10", "99/100"]), ("epsilon", ["1/10", "1/1000", "0"]), ("weight_decay", ["1/10", "1/2"]),
                          ("initial_accumulator", ["0", "1/2"])):
        if name in USES[opt] and rng.random() < 0.4:
            raw[name] = rng.choice(choices)
    return FAM.parse({k: v for k, v in raw.items() if v is not None})


def _flat_floats(p, value) -> list[float]:
    return [num(x) for x in (sp.flatten(value) if isinstance(value, tuple) else [value])]


def _torch_run(p) -> list[list[float]]:
    import torch

    h = {k: float(v) for k, v in p.hyper.items()}
    w = torch.tensor(_flat_floats(p, p.w), dtype=torch.float64, requires_grad=True)
    o = p.optimizer
    if o in ("sgd", "momentum", "nesterov"):
        opt = torch.optim.SGD([w], lr=h["learning_rate"], momentum=h.get("momentum", 0), nesterov=o == "nesterov",
                              weight_decay=h["weight_decay"])
    elif o == "rmsprop":
        opt = torch.optim.RMSprop([w], lr=h["learning_rate"], alpha=h["rho"], eps=h["epsilon"], weight_decay=h["weight_decay"])
    elif o == "adagrad":
        opt = torch.optim.Adagrad([w], lr=h["learning_rate"], eps=h["epsilon"], weight_decay=h["weight_decay"],
                                  initial_accumulator_value=h["initial_accumulator"])
    else:
        cls = torch.optim.Adam if o == "adam" else torch.optim.AdamW
        opt = cls([w], lr=h["learning_rate"], betas=(h["beta_1"], h["beta_2"]), eps=h["epsilon"], weight_decay=h["weight_decay"])
    out = []
    for t in range(p.n_steps):
        opt.zero_grad()
        if p.f is None:
            w.grad = torch.tensor(_flat_floats(p, p.gradients[t]), dtype=torch.float64)
        else:
            _f_value(p, w).backward()
        opt.step()
        out.append(w.detach().tolist())
    return out


def _f_value(p, w):
    """f at the tensor w, built from the parsed expression with torch operations (polynomials here)."""
    from nnexam.questions.optimizer_step import _function

    e, xs, _ = _function(p.f, p.variables)
    fn = sp.lambdify(xs, e, modules="math")
    return fn(*[w[i] for i in range(len(xs))])


def _keras_run(p) -> list[list[float]]:
    import keras
    import numpy as np

    h = {k: float(v) for k, v in p.hyper.items()}
    o = p.optimizer
    wd = h["weight_decay"] or None
    if o in ("sgd", "momentum", "nesterov"):
        opt = keras.optimizers.SGD(learning_rate=h["learning_rate"], momentum=h.get("momentum", 0.0), nesterov=o == "nesterov",
                                   weight_decay=wd)
    elif o == "rmsprop":
        opt = keras.optimizers.RMSprop(learning_rate=h["learning_rate"], rho=h["rho"], epsilon=h["epsilon"], weight_decay=wd)
    elif o == "adagrad":
        opt = keras.optimizers.Adagrad(learning_rate=h["learning_rate"], epsilon=h["epsilon"], weight_decay=wd,
                                       initial_accumulator_value=h["initial_accumulator"])
    else:
        cls = keras.optimizers.Adam if o == "adam" else keras.optimizers.AdamW
        kw = {"weight_decay": h["weight_decay"]} if o == "adamw" else {"weight_decay": wd}
        opt = cls(learning_rate=h["learning_rate"], beta_1=h["beta_1"], beta_2=h["beta_2"], epsilon=h["epsilon"], **kw)
    v = keras.Variable(np.array(_flat_floats(p, p.w)), dtype="float64")
    out = []
    for t in range(p.n_steps):
        if p.f is None:
            g = np.array(_flat_floats(p, p.gradients[t]))
        else:  # f's gradient at the current weights, by torch's autograd
            import torch

            w = torch.tensor(v.numpy(), dtype=torch.float64, requires_grad=True)
            _f_value(p, w).backward()
            g = w.grad.numpy()
        opt.apply_gradients([(keras.ops.convert_to_tensor(g, dtype="float64"), v)])
        out.append(v.numpy().tolist())
    return out


def _instances(seed: int, n: int, pred) -> list:
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        p = FAM.draw(rng) if len(out) % 4 == 0 else _random_params(rng)
        try:
            FAM.solve(p)
        except ParamError as err:  # 0/0: a zero gradient with epsilon 0 (torch gives nan)
            assert "epsilon" in str(err)
            continue
        if pred(p):
            out.append(p)
    return out


def _check(p, ref: list[list[float]], rel: float = 1e-9, abs_tol: float = 1e-11) -> None:
    answer = FAM.solve(p)
    for t, r in enumerate(ref, start=1):
        got = _flat_floats(p, answer[f"w{t}"])
        assert got == pytest.approx(r, rel=rel, abs=abs_tol), (t, p)


@pytest.mark.torch
def test_differential_against_torch_optim(one_thread):
    for p in _instances(2026, DIFF_N, lambda p: p.convention == "pytorch"):
        _check(p, _torch_run(p))


@pytest.mark.keras
def test_differential_against_keras_optimizers(one_thread):
    for p in _instances(2027, max(1, DIFF_N // 2), lambda p: p.convention == "keras"):  # slower: half as many
        # Keras keeps the learning rate (and weight decay) in float32 variables: ~1e-8 of each step, absolute
        _check(p, _keras_run(p), rel=1e-6, abs_tol=1e-6)
