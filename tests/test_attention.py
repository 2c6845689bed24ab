"""attention: textbook cases, masks, mistakes, follow-on, bad input, the generator, and a differential
test against PyTorch float64: ``F.scaled_dot_product_attention`` (boolean masks, ``is_causal``, a
given scale) for the output, and a masked softmax of Q Kᵀ for the scores and weights
(``NNEXAM_DIFF_N`` instances, 300 by default)."""

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
from nnexam.questions.exact import exact_str, params_json
from nnexam.questions.family import graded_equal
from nnexam.questions.grading import DEFAULT

from nnexam.cli import cli

FAM = registry.get("attention")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))

# Anything a spec file or --set could hold: numbers, text, booleans, nulls, nested lists.
SCALARS = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.booleans(), st.none())
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=16)
E = sp.exp


def solve(**raw):
    return FAM.solve(FAM.parse(raw)).as_dict()


def floats(m):
    return [[float(sp.N(x, 20)) if x != -sp.oo else -math.inf for x in r] for r in m]


def test_textbook_two_positions():
    # Q K^T = [[1, 0], [0, 1]], d_k = 2: scores 1/sqrt(2) on the diagonal
    got = solve(q=[[1, 0], [0, 1]], k=[[1, 0], [0, 1]], v=[[1, 2], [3, 4]])
    s = 1 / sp.sqrt(2)
    assert got["scores"] == ((s, 0), (0, s))
    w = E(s) / (E(s) + 1)
    assert sp.simplify(got["weights"][0][0] - w) == 0 and sp.simplify(got["weights"][0][1] - (1 - w)) == 0
    assert sp.simplify(got["output"][0][0] - (w * 1 + (1 - w) * 3)) == 0


def test_rational_scale_for_dk_4_and_equal_scores_give_uniform_weights():
    got = solve(q=[[1, 1, 1, 1]], k=[[1, 1, 0, 0], [0, 0, 1, 1]], v=[[2], [4]])
    assert got["scores"] == ((1, 1),)  # 2 / sqrt(4)
    assert got["weights"] == ((sp.Rational(1, 2), sp.Rational(1, 2)),)
    assert got["output"] == ((3,),)


def test_causal_mask_scores_are_minus_infinity_and_weights_zero():
    got = solve(q=[[1], [2]], k=[[1], [1]], v=[[1], [5]], mask="causal", scale=1)
    assert got["scores"] == ((1, -sp.oo), (2, 2))
    assert got["weights"] == ((1, 0), (sp.Rational(1, 2), sp.Rational(1, 2)))
    assert got["output"] == ((1,), (3,))
    assert exact_str(got["scores"]) == "[[1, -inf], [2, 2]]"


def test_mask_matrix_and_given_scale():
    got = solve(q=[[1, 0]], k=[[1, 0], [0, 1], [2, 0]], v=[[1], [2], [3]], mask=[[1, 0, 1]], scale="1/2")
    assert got["scores"] == ((sp.Rational(1, 2), -sp.oo, 1),)
    total = E(sp.Rational(1, 2)) + E(1)
    assert sp.simplify(got["output"][0][0] - (E(sp.Rational(1, 2)) * 1 + E(1) * 3) / total) == 0


def test_steps_and_statement():
    p = FAM.parse(dict(q=[[1], [2]], k=[[1], [1]], v=[[1], [5]], mask="causal"))
    text = doc.plain(FAM.solve(p).steps)
    assert "Q K^T = [[1, 1], [2, 2]]" in text and "-inf" in text and "1/sqrt(1) = 1" in text
    st = doc.plain(FAM.statement(p))
    assert "causal" in st and "-inf" in st


def _wrong(raw):
    p = FAM.parse(raw)
    return p, {m.id: w for m, w in FAM.mistake_answers(p)}


CAUSAL = dict(q=[[2, 0], [1, 1], [0, 2]], k=[[1, 0], [0, 1], [1, 1]], v=[[1, 0], [0, 1], [2, 2]], mask="causal")


@pytest.mark.torch
@pytest.mark.parametrize(
    "mistake,scale,how",
    [("forgot-scale", 1, None), ("scaled-by-dk", sp.Rational(1, 2), None), ("mask-as-zero", None, "zero"),
     ("forgot-mask", None, "none"), ("mask-after-softmax", None, "after"), ("softmax-over-columns", None, "columns"),
     ("forgot-softmax", None, "no-softmax")],
)
def test_each_mistake_is_recognised(mistake, scale, how):
    import torch

    p, wrong = _wrong(CAUSAL)
    right = FAM.solve(p).as_dict()
    q, k, v = (torch.tensor(m, dtype=torch.float64) for m in (CAUSAL["q"], CAUSAL["k"], CAUSAL["v"]))
    s = (q @ k.T) * (float(scale) if scale is not None else 1 / math.sqrt(2))
    causal = torch.ones(3, 3, dtype=torch.bool).tril()
    if how == "zero":
        s = s.masked_fill(~causal, 0.0)
    elif how in (None, "columns"):
        s = s.masked_fill(~causal, -math.inf)
    w = torch.softmax(s, dim=0 if how == "columns" else 1) if how != "no-softmax" else s.masked_fill(~causal, 0.0)
    if how == "after":
        w = w * causal
    got = wrong[mistake]
    assert floats(got.get("weights", right["weights"])) == [pytest.approx(r, abs=1e-12) for r in w.tolist()]
    assert floats(got.get("output", right["output"])) == [pytest.approx(r, abs=1e-12) for r in (w @ v).tolist()]
    assert any(not graded_equal(val, right[part], "matrix", DEFAULT) for part, val in got.items())


def test_mistakes_apply_only_where_they_can():
    _, wrong = _wrong(dict(q=[[1], [2]], k=[[1], [-1]], v=[[1], [5]]))  # d_k = 1, no mask
    assert not wrong.keys() & {"forgot-scale", "scaled-by-dk", "mask-as-zero", "forgot-mask", "mask-after-softmax"}
    _, wrong = _wrong(dict(q=[[1, 2]], k=[[1, 0], [0, 1]], v=[[1], [5]], scale=1))
    assert not wrong.keys() & {"forgot-scale", "scaled-by-dk", "softmax-over-columns"}


def test_follow_on_uses_the_students_own_scores_and_weights():
    p = FAM.parse(dict(q=[[1], [2]], k=[[1], [1]], v=[[1], [5]], mask="causal"))
    out = FAM.follow_on(p, {"scores": ((sp.Integer(0), sp.Integer(7)), (sp.Integer(0), sp.Float(0.0)))})
    assert out["weights"] == ((1, 0), (sp.Rational(1, 2), sp.Rational(1, 2)))  # the masked 7 still gets weight 0
    out = FAM.follow_on(p, {"weights": ((sp.Float(0.5), sp.Float(0.5)), (sp.Integer(0), sp.Integer(1)))})
    assert floats(out["output"]) == [[3.0], [5.0]]
    assert FAM.follow_on(p, {"scores": ((1, 2),), "weights": "x"}) == {}


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(q=[[1, 2]], k=[[1, 2, 3]], v=[[1]]), "parameter 'k'"),
        (dict(q=[[1, 2]], k=[[1, 2], [3, 4]], v=[[1]]), "one row per key position (2 rows)"),
        (dict(q=[[1]], k=[[1]], v=[[1]], mask=[[1, 1]]), "1x1 matrix"),
        (dict(q=[[1]], k=[[1]], v=[[1]], mask=[[2]]), "mask[1][1]"),
        (dict(q=[[1], [1]], k=[[1], [1]], v=[[1], [1]], mask=[[1, 0], [0, 0]]), "query 2 attends to none"),
        (dict(q=[[1]], k=[[1]], v=[[1]], mask="future"), "mask"),
        (dict(q=[[1]], k=[[1]], v=[[1]], scale="x"), "scale"),
        (dict(q=[[1]], k=[[1]]), "'v'"),
    ],
    ids=["dk", "rows", "mask-shape", "mask-entry", "fully-masked", "mask-name", "scale", "missing"],
)
def test_bad_input_names_the_parameter(raw, fragment):
    with pytest.raises(NnexamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


@given(q=JUNK, k=JUNK, v=JUNK, mask=st.one_of(JUNK, st.sampled_from(["none", "causal"])), scale=JUNK)
@settings(max_examples=100, deadline=None, derandomize=True)
def test_junk_input_is_a_clear_error_or_an_answer(q, k, v, mask, scale):
    try:
        p = FAM.parse({"q": q, "k": k, "v": v, "mask": mask, "scale": scale})
    except NnexamError:
        return
    assert FAM.solve(p).names() == ["scores", "weights", "output"]


def test_cli_answer_prints_minus_inf_and_bad_input_is_one_line():
    r = CliRunner().invoke(cli, ["answer", "attention", "--set", "q=[[1],[2]]", "--set", "k=[[1],[1]]", "--set", "v=[[1],[5]]",
                                 "--set", "mask=causal", "--set", "scale=1", "--json"])
    assert r.exit_code == 0, r.output
    parts = json.loads(r.output)["parts"]
    assert parts["scores"]["exact"] == "[[1, -inf], [2, 2]]" and parts["output"]["exact"] == "[[1], [3]]"
    r = CliRunner().invoke(cli, ["answer", "attention", "--set", "q=[[1,2]]", "--set", "k=[[1]]", "--set", "v=[[1]]"])
    assert r.exit_code == 1 and "'k'" in r.output and len(r.output.strip().splitlines()) == 1


def test_generator_is_seeded_and_every_mistake_shows():
    opts = {"masks": ["none", "causal"]}
    a = [FAM.draw(random.Random(s), options=opts) for s in range(60)]
    assert a[:20] == [FAM.draw(random.Random(s), options=opts) for s in range(20)]
    assert len(set(a)) > 55 and {p.mask for p in a} == {"none", "causal"} and {p.dk for p in a} == {2, 4}
    assert {FAM.draw(random.Random(s)).mask for s in range(20)} == {"none", "causal"}  # the default masks
    for p in a:
        right = FAM.solve(p).as_dict()
        for m, wrong in FAM.mistake_answers(p):
            assert any(not graded_equal(v, right[k], "matrix", DEFAULT) for k, v in wrong.items()), (m.id, p)
    b = FAM.draw(random.Random(1), options={"positions_min": 4, "positions_max": 4, "dk": [3], "masks": ["causal"]})
    assert len(b.q) == 4 and b.dk == 3 and b.mask == "causal"
    with pytest.raises(ParamError, match="options"):
        FAM.draw(random.Random(0), options={"dv_min": 3, "dv_max": 2})


def test_drawn_params_round_trip_through_json():
    for s in range(20):
        p = FAM.draw(random.Random(s), options={"masks": ["none", "causal"]})
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p
    p = FAM.parse(dict(q=[[1, "1/2"]], k=[[1, 0]], v=[[1]], mask=[[1]], scale="3/4"))
    assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p


def test_a_key_with_masked_scores_is_readable_by_the_grader():
    """A causal question's key (scores with -inf) loads, its own answers grade correct, -inf written
    as a student would is read, and a wrong masked entry is not correct."""
    import json

    from nnexam.grader.judge import judge_question
    from nnexam.grader.key import parse_key
    from nnexam.grader.values import Unreadable, parse_answer
    from nnexam.questions import exam as exam_mod
    from nnexam.questions import exam_variant

    assert not isinstance(parse_answer("[[1, -inf], [2, 2]]", "matrix"), Unreadable)
    assert parse_answer("[[1, −∞], [2, 2]]", "matrix") == parse_answer("[[1, -inf], [2, 2]]", "matrix")
    spec = exam_mod.parse({"exam": {"title": "t", "seed": 3}, "questions": [
        {"id": "q1", "type": "attention", "points": 3,
         "params": {"q": [[1, 0], [0, 1]], "k": [[1, 1], [2, 0]], "v": [[1], [3]], "mask": "causal"}}]}, "exam.toml")
    variant = exam_variant.build(spec, exam_mod.Student(id="s1", name="S", file="s1"))
    data = json.loads(exam_variant.key_json(spec, [exam_variant.student_json(variant)]))
    key = parse_key(data, "key.json")
    kq = key.variant("s1").questions[0]
    parts = data["students"][0]["questions"][0]["parts"]
    right = {p["id"]: p["exact"] for p in parts}
    assert "-inf" in right["q1.scores"]
    assert all(r.verdict == "correct" for r in judge_question(kq, right).parts)
    typed = dict(right, **{"q1.scores": right["q1.scores"].replace("-inf", "-∞")})
    assert all(r.verdict == "correct" for r in judge_question(kq, typed).parts)
    unmasked = dict(right, **{"q1.scores": right["q1.scores"].replace("-inf", "1")})
    assert next(r for r in judge_question(kq, unmasked).parts if r.part == "q1.scores").verdict != "correct"


# --- differential test against PyTorch float64 ------------------------------------------------


def _random_case(rng: random.Random) -> dict:
    nq, nk, dk, dv = rng.randint(1, 4), rng.randint(1, 4), rng.randint(1, 5), rng.randint(1, 3)

    def m(r: int, c: int) -> list:
        return [[str(Fraction(rng.randint(-8, 8), rng.choice([1, 2, 4]))) for _ in range(c)] for _ in range(r)]

    raw: dict = dict(q=m(nq, dk), k=m(nk, dk), v=m(nk, dv))
    kind = rng.choice(["none", "causal", "matrix"])
    if kind == "matrix":
        raw["mask"] = [[rng.choice([0, 1, 1]) for _ in range(nk)] for _ in range(nq)]
    elif kind == "causal":
        raw["mask"] = "causal"
    if rng.random() < 0.3:
        raw["scale"] = str(Fraction(rng.randint(1, 9), rng.randint(1, 9)))
    return raw


@pytest.mark.torch
def test_differential_against_torch(one_thread):
    import torch
    import torch.nn.functional as F

    rng = random.Random(20261205)
    checked = 0
    while checked < DIFF_N:
        raw = _random_case(rng)
        try:
            p = FAM.parse(raw)
        except ParamError as err:
            assert "attends to none" in str(err), raw
            continue
        got = FAM.solve(p).as_dict()
        q, k, v = (torch.tensor([[float(Fraction(x)) for x in r] for r in raw[n]], dtype=torch.float64) for n in "qkv")
        scale = float(Fraction(raw["scale"])) if "scale" in raw else None
        if raw.get("mask") == "causal":
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True, scale=scale)
            allow = torch.ones(len(q), len(k), dtype=torch.bool).tril()
        elif "mask" in raw:
            allow = torch.tensor(raw["mask"], dtype=torch.bool)
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=allow, scale=scale)
        else:
            out = F.scaled_dot_product_attention(q, k, v, scale=scale)
            allow = torch.ones(len(q), len(k), dtype=torch.bool)
        s = ((q @ k.T) * (scale if scale is not None else 1 / math.sqrt(k.shape[1]))).masked_fill(~allow, -math.inf)
        assert floats(got["scores"]) == [pytest.approx(r, rel=1e-12, abs=1e-12) for r in s.tolist()], raw
        assert floats(got["weights"]) == [pytest.approx(r, rel=1e-10, abs=1e-12) for r in torch.softmax(s, dim=-1).tolist()], raw
        assert floats(got["output"]) == [pytest.approx(r, rel=1e-10, abs=1e-10) for r in out.tolist()], raw
        checked += 1


def test_the_grader_carries_wrong_scores_forward():
    from grader_keys import key_data
    from nnexam.grader.judge import judge_student
    from nnexam.grader.key import parse_key

    params = dict(q=[[1], [2]], k=[[1], [1]], v=[[1], [5]], scale=1)  # scores [[1, 1], [2, 2]], weights 1/2, output 3
    key = parse_key(key_data([{"id": "q1", "type": "attention", "points": 3, "params": params}]), "key.json")
    w = 1 / (1 + math.e)  # softmax of the student's first row [0, 1]
    answers = {"q1.scores": "[[0, 1], [2, 2]]", "q1.weights": f"[[{w}, {1 - w}], [0.5, 0.5]]",
               "q1.output": f"[[{w + 5 * (1 - w)}], [3]]"}
    got = {p.part: p for p in judge_student(key, key.variant("s"), "s", answers).parts}
    assert got["q1.scores"].verdict == "incorrect"
    assert all(got[k].verdict == "correct" and got[k].carried_forward for k in ("q1.weights", "q1.output"))
