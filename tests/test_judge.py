"""Verdicts: right answers, every known mistake of every present family, error carried forward,
transposed matrices, missing and unreadable answers, credit policies, unknown/duplicate students."""

from __future__ import annotations

from pathlib import Path

import pytest
from grader_keys import key_data, right_answers, students
from nnexam.grader.compare import matches
from nnexam.grader.judge import grade_batch, judge_student
from nnexam.grader.key import parse_key
from nnexam.grader.submissions import Batch, Submission
from nnexam.grader.values import Unreadable
from nnexam.questions import registry
from nnexam.questions.errors import NnexamError

SEEDS = (1, 2, 3)
FAMILIES = [f.type_id for f in registry.families() if f.mistakes]


BANK = str(Path(__file__).resolve().parents[1] / "examples" / "bank.toml")


def _key(type_id: str, seed: int, **extra: object) -> tuple[dict, object]:
    if type_id in ("true-false", "multiple-choice") and Path(BANK).exists():
        extra.setdefault("options", {"bank": BANK})
    try:
        data = key_data([{"id": "q1", "type": type_id, "points": 4, **extra}], seed=seed)
    except NnexamError as err:  # a family that needs options (a bank file...) to draw a variant
        pytest.skip(f"{type_id}: no variant with default options: {err}")
    return data, parse_key(data, "key.json")


def _judge(key: object, answers: dict) -> object:
    return judge_student(key, key.variant("s"), "s", answers)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("type_id", [f.type_id for f in registry.families()])
def test_right_answers_get_full_marks(type_id: str, seed: int) -> None:
    data, key = _key(type_id, seed)
    result = _judge(key, right_answers(data))
    assert [p.verdict for p in result.parts] == ["correct"] * len(result.parts)
    assert result.score == result.max == 4


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("type_id", FAMILIES)
def test_each_mistake_is_recognised(type_id: str, seed: int) -> None:
    """A submission answering a mistake's value gets that mistake's id and the partial credit."""
    data, key = _key(type_id, seed)
    right = right_answers(data)
    q = key.variant("s").questions[0]
    seen = 0
    for part in q.parts:
        for m in part.mistakes:
            answers = dict(right, **{part.id: next(x["exact"] for p in data["students"][0]["questions"][0]["parts"]
                                                    if p["id"] == part.id for x in p["mistakes"] if x["id"] == m.id)})
            got = next(p for p in _judge(key, answers).parts if p.part == part.id)
            if matches(part.kind, m.value, part.value, part.tolerance):
                assert got.verdict == "correct"  # the mistake lands within tolerance of the right answer
                continue
            same_value = {x.id for x in part.mistakes if matches(part.kind, m.value, x.value, part.tolerance)}
            assert got.mistake in same_value, (part.id, m.id, got)
            assert got.verdict == "partial" and got.score == pytest.approx(round(part.points * 0.5, 6))  # scores keep 6 decimals
            assert got.feedback.startswith("Recognised mistake")
            seen += 1
    if not any(p.mistakes for p in q.parts):
        pytest.skip(f"{type_id} seed {seed}: no mistake applies to this variant")
    assert seen > 0


def test_policy_per_mistake_id_and_zero_credit() -> None:
    data = key_data([{"id": "q1", "type": "training-steps", "points": 2, "params": {"samples": 1000, "batch_size": 64, "epochs": 3}}],
                    grading={"mistake_credit": {"default": 0.25, "floor-steps": 0}})
    key = parse_key(data, "key.json")
    r = _judge(key, {"q1.steps_per_epoch": "15", "q1.total_updates": "16"})
    steps, total = r.parts
    assert (steps.verdict, steps.mistake, steps.score) == ("incorrect", "floor-steps", 0)
    assert (total.verdict, total.mistake, total.score) == ("partial", "forgot-epochs", 0.25)


def test_error_carried_forward_training_steps() -> None:
    data = key_data([{"id": "q1", "type": "training-steps", "points": 2, "params": {"samples": 1000, "batch_size": 64, "epochs": 3}}])
    key = parse_key(data, "key.json")
    r = _judge(key, {"q1.steps_per_epoch": "17", "q1.total_updates": "51"})  # right: 16, 48
    steps, total = r.parts
    assert steps.verdict == "incorrect"
    assert total.verdict == "correct" and total.carried_forward and "carried forward" in total.feedback
    assert r.score == 1


def test_error_carried_forward_dense_forward() -> None:
    params = {"x": [1, 2], "weights": [[[1, -1], [2, 0]], [[1, 1]]], "biases": [[0, 1], [1]], "activations": ["relu", "linear"]}
    data = key_data([{"id": "q1", "type": "dense-forward", "points": 5, "params": params}])
    key = parse_key(data, "key.json")
    # right: z1 = [-1, 3], a1 = [0, 3], z2 = [4]; the student gets z1 wrong and carries it forward
    r = _judge(key, {"q1.z1": "[1, 3]", "q1.a1": "[1, 3]", "q1.z2": "[5]", "q1.a2": "5", "q1.output": "5"})
    verdicts = {p.part: (p.verdict, p.carried_forward) for p in r.parts}
    assert verdicts["q1.z1"][0] == "incorrect"
    assert all(verdicts[k] == ("correct", True) for k in ("q1.a1", "q1.z2", "q1.a2", "q1.output"))


def test_error_carried_forward_stacked_conv_sizes() -> None:
    params = {"input": [32, 32], "layers": [{"kernel": 3}, {"kernel": 3, "stride": 2}]}
    data = key_data([{"id": "q1", "type": "conv-output-size", "points": 2, "params": params}])
    key = parse_key(data, "key.json")
    # right sizes: 30x30 then 14x14; the student's first size is wrong, the second follows from it
    r = _judge(key, {"q1.sizes": "[[31, 31], [15, 15]]", "q1.output": "[15, 15]"})
    by = {p.part: p for p in r.parts}
    assert by["q1.output"].verdict == "correct" and by["q1.output"].carried_forward


def test_carried_forward_credit_policy() -> None:
    data = key_data([{"id": "q1", "type": "training-steps", "points": 2, "params": {"samples": 1000, "batch_size": 64, "epochs": 3}}],
                    grading={"carried_forward_credit": 0.5})
    r = _judge(parse_key(data, "key.json"), {"q1.steps_per_epoch": "17", "q1.total_updates": "51"})
    assert (r.parts[1].verdict, r.parts[1].score) == ("partial", 0.5)


def test_transposed_matrix_is_a_named_mistake() -> None:
    params = {"input": [[1, 2, 0], [0, 1, 3], [2, 2, 1]], "kernel": [[1, 0], [2, 1]]}
    data = key_data([{"id": "q1", "type": "conv2d-output", "points": 4, "params": params}])
    key = parse_key(data, "key.json")
    right = key.variant("s").questions[0].parts[0].value
    transposed = "[" + ", ".join("[" + ", ".join(str(row[i]) for row in right) + "]" for i in range(len(right[0]))) + "]"
    got = _judge(key, {"q1.output": transposed}).parts[0]
    assert got.verdict == "partial" and got.mistake in ("transposed", "transposed-output")


def test_missing_unreadable_incorrect() -> None:
    data = key_data([{"id": "q1", "type": "training-steps", "points": 2, "params": {"samples": 1000, "batch_size": 64, "epochs": 3}}])
    key = parse_key(data, "key.json")
    steps, total = _judge(key, {"q1.steps_per_epoch": None, "q1.total_updates": "4 8"}).parts
    assert (steps.verdict, steps.score, steps.feedback) == ("missing", 0, "No answer.")
    assert total.verdict == "unreadable" and "two numbers" in total.feedback
    (_, total) = _judge(key, {"q1.steps_per_epoch": "16", "q1.total_updates": "47"}).parts
    assert total.verdict == "incorrect" and "48" in total.feedback


def test_batch_reports_unknown_and_duplicate_students_and_lists_absent_ones() -> None:
    data = key_data([{"id": "q1", "type": "training-steps", "points": 2}], students("s1", "s2", "s3"))
    key = parse_key(data, "key.json")
    subs = [Submission("s1", right_answers(data, "s1"), "a.yaml"), Submission("s1", {}, "b.yaml"),
            Submission("zz", {}, "c.yaml"), Submission("s2", {}, "d.yaml")]
    graded = grade_batch(key, Batch(submissions=subs))
    assert [(r.student, r.status, r.score) for r in graded.results] == [
        ("s1", "graded", 2), ("s2", "graded", 0), ("s3", "no submission", 0)]
    messages = [str(p) for p in graded.problems]
    assert any("b.yaml" in m and "second submission" in m for m in messages)
    assert any("c.yaml" in m and "unknown student 'zz'" in m for m in messages)


def test_parallel_grading_gives_the_same_results() -> None:
    data = key_data([{"id": "q1", "type": "training-steps", "points": 2}])
    key = parse_key(data, "key.json")
    subs = [Submission(f"s{i}", {"q1.steps_per_epoch": str(i), "q1.total_updates": "3"}, f"{i}.yaml") for i in range(250)]
    one = grade_batch(key, Batch(submissions=subs)).results
    two = grade_batch(key, Batch(submissions=subs), jobs=2).results
    assert one == two


def test_gradient_accepts_a_written_out_and_sum_over_samples() -> None:
    """sigma(W X + b 1_m^T) is what the key calls A; sum(A - Y) is (A - Y) 1_m."""
    params = {"model": "logistic", "X": [[1, 2], [0, -1]], "y": [1, 0], "W": [1, -1], "b": 0}
    data = key_data([{"id": "q1", "type": "gradient", "points": 4, "params": params}])
    key = parse_key(data, "key.json")
    r = _judge(key, {"q1.dL/dW": r"(\sigma(W X + b 1_m^T) - Y) X^T", "q1.dL/db": "sum(A - Y)"})
    verdicts = {p.part: p.verdict for p in r.parts}
    assert verdicts["q1.dL/dW"] == "correct" and verdicts["q1.dL/db"] == "correct", verdicts
    r = _judge(key, {"q1.dL/dW": r"(\sigma(W X) - Y) X^T"})  # the bias dropped inside sigma
    assert {p.part: p.verdict for p in r.parts}["q1.dL/dW"] == "incorrect"


def _one(type_id: str, part: str, answer: str, seed: int = 1) -> object:
    data, key = _key(type_id, seed)
    answers = dict(right_answers(data), **{f"q1.{part}": answer})
    return next(p for p in _judge(key, answers).parts if p.part == f"q1.{part}")


def test_disagreeing_working_is_noted_and_the_final_value_graded() -> None:
    data, _ = _key("training-steps", 1)
    n = next(p["value"] for p in data["students"][0]["questions"][0]["parts"] if p["part"] == "steps_per_epoch")
    got = _one("training-steps", "steps_per_epoch", f"{n + 7} = {n}")
    assert got.verdict == "correct" and "does not equal your final value" in got.feedback
    assert "Note" not in _one("training-steps", "steps_per_epoch", f"{n - 1} + 1 = {n}").feedback


def test_an_approximate_count_is_not_exact_and_says_so() -> None:
    data, _ = _key("param-count", 1)
    n = next(p["value"] for p in data["students"][0]["questions"][0]["parts"] if p["part"] == "total")
    got = _one("param-count", "total", f"{n / 1000 + 0.3:.1f}k")
    assert got.verdict == "incorrect" and "exact count" in got.feedback


def test_unreadable_feedback_says_what_to_write() -> None:
    got = _one("cross-entropy", "loss", "see page 2 of my notes")
    assert got.verdict == "unreadable" and "write one number, e.g. 1.20" in got.feedback.lower()


@pytest.mark.parametrize("answer", ["1e309", "exp(exp(exp(exp(3))))", "[10^400, 1]", "1" * 4400])
def test_judging_is_total_through_error_carried_forward(answer: str) -> None:
    """Every part of a multi-part question answered with a monster: verdicts, no exception or hang."""
    data, key = _key("dense-forward", 1)
    answers = {pid: answer for pid in right_answers(data)}
    result = _judge(key, answers)
    assert {p.verdict for p in result.parts} <= {"unreadable", "incorrect"}


def test_a_5000_digit_integer_in_a_yaml_or_json_file_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    from nnexam.grader.submissions import read_submissions

    (tmp_path / "a.yaml").write_text("student: s1\nanswers:\n  q1.z1: " + "1" * 5000 + "\n")
    (tmp_path / "b.json").write_text('{"student": "s2", "answers": {"q1.z1": ' + "1" * 5000 + "}}")
    batch = read_submissions([tmp_path])
    # the YAML file is read again line by line (a warning): its answer is text the value parser refuses
    assert [s.student for s in batch.submissions] == ["s1"] and len(batch.problems) == 2
    from nnexam.grader.values import parse_answer

    assert isinstance(parse_answer(batch.submissions[0].answers["q1.z1"], "integer"), Unreadable)


def test_blank_cells_under_parts_of_other_variants_are_not_problems() -> None:
    """An LMS export has a column for every part of every variant; a student's blank cell under a
    part their variant lacks is no answer, while a filled one is reported."""
    from nnexam.grader.judge import match_parts

    out, notes, unknown = match_parts({"q1.a": "3", "q2.w2": "", "q2.w3": None, "q2.w4": " "}, {"q1.a", "q2.w1"})
    assert out == {"q1.a": "3"} and notes == [] and unknown == []
    _, _, unknown = match_parts({"q1.a": "3", "q2.w2": "7"}, {"q1.a", "q2.w1"})
    assert unknown == ["q2.w2"]
