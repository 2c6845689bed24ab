"""softmax: textbook values, batches, mistakes, bad input, the generator, and a differential test
against PyTorch float64 (``NNEXAM_DIFF_N`` instances, 300 by default)."""

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

FAM = registry.get("softmax")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))

# Anything a spec file or --set could hold: numbers, text, booleans, nulls, nested lists.
SCALARS = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.booleans(), st.none())
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=16)
NUMBERS = st.recursive(st.integers(-3, 3), lambda inner: st.lists(inner, min_size=1, max_size=3), max_leaves=9)
E = sp.exp


def probs(logits):
    return FAM.solve(FAM.parse({"logits": logits}))["probabilities"]


@pytest.mark.parametrize(
    "logits,expected",
    [
        ([0, 0], (sp.Rational(1, 2), sp.Rational(1, 2))),
        ([5], (1,)),
        ([1, 2, 3], (E(1) / (E(1) + E(2) + E(3)), E(2) / (E(1) + E(2) + E(3)), E(3) / (E(1) + E(2) + E(3)))),
        (["ln2", 0], None),
        ([[1, 1, 1], [0, 1, 0]], ((sp.Rational(1, 3),) * 3, (1 / (2 + E(1)), E(1) / (2 + E(1)), 1 / (2 + E(1))))),
    ],
    ids=["equal-pair", "single", "one-two-three", "bad-text", "batch"],
)
def test_textbook(logits, expected):
    if expected is None:
        with pytest.raises(ParamError, match=r"logits\[1\]"):
            probs(logits)
        return
    got = probs(logits)
    flat = lambda v: [x for r in v for x in (r if isinstance(r, tuple) else (r,))]  # noqa: E731
    assert all(sp.simplify(g - e) == 0 for g, e in zip(flat(got), flat(expected)))


def test_known_decimals_and_exact_form():
    got = probs([2, 1, 0.1])
    assert [float(v) for v in got] == pytest.approx([0.6590011388859679, 0.2424329707047139, 0.09856589040931818], rel=1e-12)
    p = probs([2, 1, 0])
    assert p[0] == E(2) / (1 + E(1) + E(2))
    assert sum(p).equals(1)


def test_batch_is_a_matrix_part():
    a = FAM.solve(FAM.parse({"logits": [[1, 2], [3, 4]]}))
    assert a.parts[0].kind == "matrix" and len(a["probabilities"]) == 2
    assert FAM.solve(FAM.parse({"logits": [1, 2]})).parts[0].kind == "vector"


def test_steps_show_the_shared_denominator():
    from nnexam.questions import doc

    text = doc.plain(FAM.solve(FAM.parse({"logits": [2, 1, 0]})).steps)
    assert "exp(2) + exp(1) + exp(0) = 1 + e + exp(2) ≈ 11.1073" in text
    assert "p1 = exp(2)/(1 + e + exp(2)) ≈ 0.665241" in text


@pytest.mark.parametrize(
    "logits,mistake,expected",
    [
        ([2, 1, 0], "forgot-normalisation", (E(2), E(1), 1)),
        ([2, 1, 1], "normalised-logits", (sp.Rational(1, 2), sp.Rational(1, 4), sp.Rational(1, 4))),
        ([2, 1, 0], "argmax-one-hot", (1, 0, 0)),
        ([2, 1, 0], "used-log-softmax", tuple(v - sp.log(1 + E(1) + E(2)) for v in (2, 1, 0))),
        ([2, 0], "used-sigmoid", (1 / (1 + E(-2)), sp.Rational(1, 2))),
        ([[1, 0], [0, 0]], "wrong-axis", ((E(1) / (1 + E(1)), sp.Rational(1, 2)), (1 / (1 + E(1)), sp.Rational(1, 2)))),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_mistake_is_recognised(logits, mistake, expected):
    p = FAM.parse({"logits": logits})
    wrong = {m.id: w["probabilities"] for m, w in FAM.mistake_answers(p)}
    from nnexam.questions.family import same

    assert same(wrong[mistake], expected)
    assert FAM.distinguishable(p, FAM.solve(p)) is None


def test_mistakes_apply_only_where_they_can():
    ids = {m.id for m, _ in FAM.mistake_answers(FAM.parse({"logits": [1, -2, 1]}))}
    assert "normalised-logits" not in ids  # the logits sum to 0
    assert "argmax-one-hot" not in ids  # two largest logits
    assert "wrong-axis" not in ids  # not a batch


@pytest.mark.parametrize(
    "raw,fragment",
    [
        ({"logits": [[1, 2], [3]]}, "rows of equal length"),
        ({"logits": [[1, 2], 3]}, "logits[2]"),
        ({"logits": [[[1]]]}, "at most 2 levels"),
        ({"logits": "abc"}, "parameter 'logits'"),
        ({"logits": 3}, "a vector of numbers"),
        ({}, "logits"),
        ({"logits": [1, 2], "temperature": 2}, "unknown parameter"),
    ],
    ids=["ragged", "mixed", "too-deep", "text", "scalar", "missing", "unknown-param"],
)
def test_bad_input_names_the_parameter(raw, fragment):
    with pytest.raises(NnexamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


@given(logits=JUNK)
@settings(max_examples=120, deadline=None, derandomize=True)
def test_junk_input_is_a_clear_error_or_an_answer(logits):
    try:
        p = FAM.parse({"logits": logits})
    except NnexamError:
        return
    assert FAM.solve(p).names() == ["probabilities"]


def test_cli_bad_input_is_one_line_exit_1():
    r = CliRunner().invoke(cli, ["answer", "softmax", "--set", "logits=[[1,2],[3]]"])
    assert r.exit_code == 1 and "logits" in r.output
    assert len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output


def test_generator_is_seeded_and_valid():
    a = [FAM.draw(random.Random(s)) for s in range(40)]
    assert a == [FAM.draw(random.Random(s)) for s in range(40)]
    assert len(set(a)) > 30
    for p in a:
        assert 3 <= len(p.logits) <= 4 and list(p.logits).count(max(p.logits)) == 1
        assert FAM.distinguishable(p, FAM.solve(p)) is None
    b = FAM.draw(random.Random(1), options={"batch": 3, "classes_min": 2, "classes_max": 2, "value_min": 0, "value_max": 5})
    assert len(b.logits) == 3 and all(len(r) == 2 and 0 <= min(r) and max(r) <= 5 for r in b.logits)


def test_drawn_params_round_trip_through_json():
    import json

    from nnexam.questions.exact import params_json

    for s in range(15):
        p = FAM.draw(random.Random(s))
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p


@pytest.mark.torch
def test_differential_against_torch():
    import torch
    import torch.nn.functional as F

    rng = random.Random(7)
    for i in range(DIFF_N):
        rows, cols = rng.randint(1, 4), rng.randint(1, 6)
        logits = [[Fraction(rng.randint(-40, 40), rng.choice([1, 2, 4, 10])) for _ in range(cols)] for _ in range(rows)]
        raw = [[str(v) for v in r] for r in logits]
        got = probs(raw if rows > 1 else raw[0])
        got = [list(r) for r in got] if rows > 1 else [list(got)]
        ref = F.softmax(torch.tensor([[float(v) for v in r] for r in logits], dtype=torch.float64), dim=-1)
        assert [[float(sp.N(v, 15)) for v in r] for r in got] == [pytest.approx(r, rel=1e-12, abs=1e-300) for r in ref.tolist()], (i, raw)
        assert all(math.isclose(sum(float(sp.N(v, 15)) for v in r), 1.0, rel_tol=1e-12) for r in got)
