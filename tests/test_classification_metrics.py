"""classification-metrics: textbook cases, zero division, mistakes, follow-on, bad input, the generator,
and a differential test against scikit-learn's ``accuracy_score`` and ``precision_recall_fscore_support``
for every average and both zero_division values (``NNEXAM_DIFF_N`` instances, 300 by default)."""

from __future__ import annotations

import json
import os
import random
import warnings
from fractions import Fraction as Fr

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from nnexam.questions import doc, registry
from nnexam.questions.errors import NnexamError, ParamError
from nnexam.questions.exact import params_json
from nnexam.questions.family import graded_equal
from nnexam.questions.grading import DEFAULT

from nnexam.cli import cli

FAM = registry.get("classification-metrics")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))

# Anything a spec file or --set could hold: numbers, text, booleans, nulls, nested lists.
SCALARS = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.booleans(), st.none())
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=16)

BINARY = [[50, 10], [5, 35]]  # TN 50, FP 10, FN 5, TP 35 (class 1 positive)
SKEWED = [[50, 20], [2, 28]]  # P = 28/48, R = 28/30: far enough apart that (P + R)/2 is not within tolerance of F1


def solve(**raw):
    return FAM.solve(FAM.parse(raw)).as_dict()


@pytest.mark.parametrize(
    "raw,expected",
    [
        # the classic 2x2: precision 35/45, recall 35/40, F1 = 2·35/(70 + 15)
        (dict(confusion=BINARY), dict(accuracy=Fr(85, 100), precision=Fr(7, 9), recall=Fr(7, 8), f1=Fr(14, 17))),
        (dict(confusion=BINARY, positive=0), dict(precision=Fr(50, 55), recall=Fr(50, 60), f1=Fr(100, 115))),
        # 3 classes: per class P = 3/4, 1/3, 2/3; R = 3/5, 1/2, 2/3; F1 = 2/3, 2/5, 2/3
        (dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="macro"),
         dict(accuracy=Fr(6, 10), precision=(Fr(3, 4) + Fr(1, 3) + Fr(2, 3)) / 3, recall=(Fr(3, 5) + Fr(1, 2) + Fr(2, 3)) / 3,
              f1=(Fr(2, 3) + Fr(2, 5) + Fr(2, 3)) / 3)),
        (dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="micro"),
         dict(accuracy=Fr(6, 10), precision=Fr(6, 10), recall=Fr(6, 10), f1=Fr(6, 10))),
        (dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="weighted"),
         dict(precision=(5 * Fr(3, 4) + 2 * Fr(1, 3) + 3 * Fr(2, 3)) / 10, recall=Fr(6, 10))),
        # labels: classes are the labels that occur (0, 2, 5 here)
        (dict(y_true=[0, 2, 5, 5, 2], y_pred=[0, 5, 5, 2, 2], average="macro"),
         dict(accuracy=Fr(3, 5), precision=(1 + Fr(1, 2) + Fr(1, 2)) / 3)),
        # zero division: class 2 is never predicted, its precision 0/0 is zero_division
        (dict(confusion=[[2, 0, 0], [0, 2, 0], [1, 0, 0]], average="macro"), dict(precision=Fr(2, 3) / 3 + Fr(1, 3))),
        (dict(confusion=[[2, 0, 0], [0, 2, 0], [1, 0, 0]], average="macro", zero_division=1), dict(precision=Fr(2, 3) / 3 + Fr(2, 3))),
    ],
    ids=["binary", "binary-positive-0", "macro", "micro", "weighted", "labels", "zero-division-0", "zero-division-1"],
)
def test_textbook(raw, expected):
    got = solve(**raw)
    for k, v in expected.items():
        assert got[k] == v, k


def test_default_average_binary_for_two_classes_else_macro():
    assert FAM.parse(dict(confusion=BINARY)).average == "binary"
    assert FAM.parse(dict(confusion=[[1, 0, 0], [0, 1, 0], [0, 0, 1]])).average == "macro"
    with pytest.raises(ParamError, match="positive"):  # as scikit-learn: pos_label=1 is not one of the labels 0, 2
        FAM.parse(dict(y_true=[0, 2], y_pred=[2, 0]))
    assert FAM.parse(dict(y_true=[0, 2], y_pred=[2, 0], positive=2)).average == "binary"


def test_steps_show_the_per_class_table_and_the_average():
    p = FAM.parse(dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="macro"))
    text = doc.plain(FAM.solve(p).steps)
    assert "class 0" in text and "3/4" in text and "Macro average" in text
    st = doc.plain(FAM.statement(p))
    assert "macro" in st and "rows are the true classes" in st


@pytest.mark.parametrize(
    "raw,mistake,expected",
    [
        (dict(confusion=SKEWED), "precision-recall-swapped", {"precision": Fr(14, 15), "recall": Fr(7, 12)}),
        (dict(confusion=SKEWED), "f1-arithmetic-mean", {"f1": (Fr(7, 12) + Fr(14, 15)) / 2}),
        (dict(confusion=SKEWED), "wrong-positive-class", {"precision": Fr(25, 26), "recall": Fr(5, 7), "f1": Fr(50, 61)}),
        (dict(confusion=SKEWED), "accuracy-one-column", {"accuracy": Fr(7, 12)}),
        (dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="macro"), "micro-instead-of-macro",
         {"precision": Fr(3, 5), "recall": Fr(3, 5), "f1": Fr(3, 5)}),
        (dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="micro"), "macro-instead-of-micro",
         {"precision": Fr(7, 12), "recall": Fr(53, 90), "f1": Fr(26, 45)}),
        (dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="weighted"), "macro-instead-of-weighted",
         {"precision": Fr(7, 12), "recall": Fr(53, 90), "f1": Fr(26, 45)}),
        (dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="weighted"), "micro-instead-of-weighted",
         {"precision": Fr(3, 5), "f1": Fr(3, 5)}),  # weighted recall is the accuracy: unchanged, not reported
        (dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="macro"), "weighted-instead-of-macro",
         {"precision": Fr(77, 120), "recall": Fr(3, 5), "f1": Fr(46, 75)}),
        (dict(confusion=SKEWED), "averaged-binary",
         {"precision": (Fr(7, 12) + Fr(25, 26)) / 2, "recall": (Fr(14, 15) + Fr(5, 7)) / 2, "f1": (Fr(28, 39) + Fr(50, 61)) / 2}),
        (dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="macro"), "f1-of-averages",
         {"f1": 2 * Fr(7, 12) * Fr(53, 90) / (Fr(7, 12) + Fr(53, 90))}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_mistake_is_recognised(raw, mistake, expected):
    p = FAM.parse(raw)
    wrong = {m.id: w for m, w in FAM.mistake_answers(p)}
    for k, v in expected.items():
        assert wrong[mistake][k] == v, k
    assert wrong[mistake].keys() == expected.keys()
    right = FAM.solve(p).as_dict()
    assert any(not graded_equal(v, right[k], "number", DEFAULT) for k, v in wrong[mistake].items())


def test_mistakes_apply_only_where_they_can():
    micro = {m.id for m, _ in FAM.mistake_answers(FAM.parse(dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]], average="micro")))}
    assert not micro & {"precision-recall-swapped", "f1-arithmetic-mean", "f1-of-averages", "wrong-positive-class"}
    binary = {m.id for m, _ in FAM.mistake_answers(FAM.parse(dict(confusion=BINARY)))}
    assert not binary & {"micro-instead-of-macro", "macro-instead-of-micro", "f1-of-averages"}


def test_follow_on_f1_from_the_students_precision_and_recall():
    import sympy as sp

    p = FAM.parse(dict(confusion=BINARY))
    assert FAM.follow_on(p, {"precision": sp.Rational(1, 2), "recall": sp.Rational(1, 3)}) == {"f1": Fr(2, 5)}
    assert FAM.follow_on(p, {"precision": sp.Float(0.5), "recall": 0.25})["f1"] == pytest.approx(1 / 3)
    assert FAM.follow_on(p, {"precision": "x", "recall": 1}) == {}
    macro = FAM.parse(dict(confusion=[[3, 1, 1], [1, 1, 0], [0, 1, 2]]))
    assert FAM.follow_on(macro, {"precision": sp.Rational(1, 2), "recall": sp.Rational(1, 3)}) == {}  # mean of F1s: not from P, R


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(confusion=[[1, 2, 3], [4, 5, 6]]), "square"),
        (dict(confusion=[[1, -2], [3, 4]]), "confusion[1][2]"),
        (dict(confusion=[[1, 0.5], [3, 4]]), "confusion[1][2]"),
        (dict(confusion=[[0, 0], [0, 0]]), "at least one sample"),
        (dict(confusion=[[1, 2, 3], [4, 5, 6], [7, 8, 9]], average="binary"), "two classes"),
        (dict(confusion=BINARY, positive=3), "positive"),
        (dict(y_true=[0, 1, 1], y_pred=[0, 1]), "same length"),
        (dict(y_true=[0, 1], y_pred=[0, 1], confusion=BINARY), "not both"),
        (dict(y_true=[0, 1]), "y_pred"),
        ({}, "confusion"),
        (dict(confusion=BINARY, average="samples"), "average"),
    ],
    ids=["not-square", "negative", "fraction", "empty", "binary-3", "positive", "lengths", "both", "half", "missing", "average"],
)
def test_bad_input_names_the_parameter(raw, fragment):
    with pytest.raises(NnexamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


@given(confusion=JUNK, y_true=JUNK, y_pred=JUNK, average=st.one_of(JUNK, st.sampled_from(["macro", "binary"])),
       positive=JUNK, zero_division=JUNK)
@settings(max_examples=100, deadline=None, derandomize=True)
def test_junk_input_is_a_clear_error_or_an_answer(confusion, y_true, y_pred, average, positive, zero_division):
    try:
        p = FAM.parse({"confusion": confusion, "y_true": y_true, "y_pred": y_pred, "average": average,
                       "positive": positive, "zero_division": zero_division})
    except NnexamError:
        return
    assert FAM.solve(p).names() == ["accuracy", "precision", "recall", "f1"]


def test_cli_answer_and_bad_input():
    r = CliRunner().invoke(cli, ["answer", "classification-metrics", "--set", "confusion=[[50,10],[5,35]]", "--json"])
    assert r.exit_code == 0, r.output
    parts = json.loads(r.output)["parts"]
    assert parts["precision"]["exact"] == "7/9" and parts["f1"]["exact"] == "14/17"
    r = CliRunner().invoke(cli, ["answer", "classification-metrics", "--set", "confusion=[[1,2],[3]]"])
    assert r.exit_code == 1 and "confusion" in r.output and len(r.output.strip().splitlines()) == 1


def test_generator_is_seeded_and_every_mistake_shows():
    a = [FAM.draw(random.Random(s)) for s in range(200)]
    assert a == [FAM.draw(random.Random(s)) for s in range(200)]
    assert len(set(a)) > 150 and {p.average for p in a} == {"binary", "macro", "micro", "weighted"}
    for p in a:
        right = FAM.solve(p).as_dict()
        for m, wrong in FAM.mistake_answers(p):
            assert any(wrong[k] != right[k] for k in wrong), (m.id, p)
    labels = [FAM.draw(random.Random(s), options={"form": "labels", "classes_max": 4}) for s in range(20)]
    assert all(p.confusion is None and len(p.y_true) <= 30 for p in labels)
    with pytest.raises(ParamError, match="options"):
        FAM.draw(random.Random(0), options={"classes_min": 3, "averages": ["binary"]})


def test_drawn_params_round_trip_through_json():
    for s in range(30):
        p = FAM.draw(random.Random(s), options={"form": "either"})
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p


# --- differential test against scikit-learn ---------------------------------------------------


def _random_case(rng: random.Random) -> dict:
    n = rng.randint(2, 5)
    sparse = rng.random() < 0.4  # many zeros: classes never predicted or never true (0/0 ratios)
    if rng.random() < 0.5:
        m = [[rng.choice([0, 0, 0, 1, 2]) if sparse else rng.randint(0, 9) for _ in range(n)] for _ in range(n)]
        if not any(any(r) for r in m):
            m[0][0] = 1
        raw: dict = dict(confusion=m)
    else:
        labels = rng.sample(range(-3, 9), n)
        size = rng.randint(1, 25)
        raw = dict(y_true=[rng.choice(labels) for _ in range(size)], y_pred=[rng.choice(labels) for _ in range(size)])
    raw["average"] = rng.choice(["macro", "micro", "weighted", "binary"])
    if rng.random() < 0.5:
        raw["positive"] = rng.choice(raw.get("y_true") or [0, 1]) if "y_true" in raw else rng.randint(0, n - 1)
    raw["zero_division"] = rng.choice([0, 1])
    return raw


@pytest.mark.sklearn
def test_differential_against_sklearn():
    from sklearn.metrics import accuracy_score, precision_recall_fscore_support

    rng = random.Random(20261205)
    checked = 0
    while checked < DIFF_N:
        raw = _random_case(rng)
        try:
            p = FAM.parse(raw)
        except ParamError as err:
            assert raw["average"] == "binary" and ("two classes" in str(err) or "positive" in str(err))
            continue
        got = FAM.solve(p).as_dict()
        if p.confusion is not None:
            y_true = [i for i, r in enumerate(p.confusion) for j, c in enumerate(r) for _ in range(c)]
            y_pred = [j for i, r in enumerate(p.confusion) for j, c in enumerate(r) for _ in range(c)]
            labels = list(range(len(p.confusion)))
        else:
            y_true, y_pred, labels = list(p.y_true), list(p.y_pred), None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = precision_recall_fscore_support(y_true, y_pred, labels=labels, average=p.average, pos_label=p.positive,
                                                  zero_division=p.zero_division)
        assert float(got["accuracy"]) == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12), raw
        for k, v in zip(("precision", "recall", "f1"), ref[:3]):
            assert float(got[k]) == pytest.approx(float(v), abs=1e-12), (k, raw)
        checked += 1


@pytest.mark.sklearn
def test_default_zero_division_is_sklearns_warn_value():
    from sklearn.exceptions import UndefinedMetricWarning
    from sklearn.metrics import precision_recall_fscore_support

    m = [[2, 0, 0], [0, 2, 0], [1, 0, 0]]
    y_true = [i for i, r in enumerate(m) for j, c in enumerate(r) for _ in range(c)]
    y_pred = [j for i, r in enumerate(m) for j, c in enumerate(r) for _ in range(c)]
    with pytest.warns(UndefinedMetricWarning):
        ref = precision_recall_fscore_support(y_true, y_pred, average="macro")
    got = solve(confusion=m, average="macro")
    assert float(got["precision"]) == pytest.approx(ref[0]) and float(got["f1"]) == pytest.approx(ref[2])


def test_the_grader_carries_wrong_precision_and_recall_forward():
    from grader_keys import key_data
    from nnexam.grader.judge import judge_student
    from nnexam.grader.key import parse_key

    key = parse_key(key_data([{"id": "q1", "type": "classification-metrics", "points": 4, "params": {"confusion": SKEWED}}]),
                    "key.json")
    answers = {"q1.accuracy": "0.78", "q1.precision": "1/2", "q1.recall": "1/3", "q1.f1": "0.4"}
    got = {p.part: p for p in judge_student(key, key.variant("s"), "s", answers).parts}
    assert got["q1.accuracy"].verdict == "correct" and got["q1.precision"].verdict == "incorrect"
    assert got["q1.f1"].verdict == "correct" and got["q1.f1"].carried_forward
    answers = {"q1.accuracy": "0.78", "q1.precision": "14/15", "q1.recall": "7/12", "q1.f1": "28/39"}
    got = {p.part: p for p in judge_student(key, key.variant("s"), "s", answers).parts}
    assert got["q1.precision"].mistake == "precision-recall-swapped"


def test_an_exam_fixes_the_average_and_draws_the_data():
    from nnexam.questions import exam, exam_variant

    def spec(params: dict) -> exam.ExamSpec:
        q = {"id": "q1", "type": "classification-metrics", "points": 4, "params": params}
        return exam.parse({"exam": {"title": "T", "seed": 3}, "questions": [q]}, "exam.toml")

    drawn = spec({"average": "weighted"})
    assert not drawn.questions[0].fixed
    got = [exam_variant.build(drawn, exam.Student(id=f"s{i}", name="N", file=f"s{i}")).questions[0].params for i in range(6)]
    assert all(p.average == "weighted" for p in got) and len({p.confusion for p in got}) > 3
    fixed = spec({"confusion": SKEWED})
    assert fixed.questions[0].fixed and not spec({}).questions[0].fixed
    with pytest.raises(NnexamError, match="confusion"):
        spec({"confusion": [[1, 2], [3]]})
