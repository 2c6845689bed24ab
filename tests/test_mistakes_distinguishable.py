"""The proof of issue 10: in the example exam's key for 300 students, every known mistake's answer,
submitted as a student would (the key's ``exact`` string), is graded as something other than
``correct`` by the real grader. A mistake the grader accepts as right would be a variant whose key
cannot tell it from the right answer; ``Family.draw`` must never produce one."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
from nnexam.grader.judge import judge_question
from nnexam.grader.key import parse_key
from nnexam.questions import exam as exam_mod
from nnexam.questions import exam_variant

EXAM = Path(__file__).resolve().parents[1] / "examples" / "exam.toml"
STUDENTS = 300


def _key_data() -> dict:
    spec = exam_mod.load(EXAM)
    roster = [exam_mod.Student(id=f"s{i:03d}", name=f"Student {i}", file=f"s{i:03d}") for i in range(STUDENTS)]
    variants = [exam_variant.build(spec, s) for s in roster]
    return json.loads(exam_variant.key_json(spec, [exam_variant.student_json(v) for v in variants]))


def _submitted(part: dict, mistake: dict) -> object:
    """What a student making the mistake writes: its exact string (a table as its rows, the form the key reads)."""
    return mistake["value"] if part["kind"] == "table" else mistake["exact"]


@pytest.mark.slow
def test_every_mistake_in_the_example_key_is_graded_other_than_correct() -> None:
    data = _key_data()
    key = parse_key(data, "key.json")
    checked: Counter[str] = Counter()
    wrong: list[str] = []
    for entry in data["students"]:
        variant = key.variant(entry["student"])
        right = {p["id"]: (p["value"] if p["kind"] == "table" else p["exact"]) for q in entry["questions"] for p in q["parts"]}
        for q, kq in zip(entry["questions"], variant.questions, strict=True):
            for part in q["parts"]:
                for m in part["mistakes"]:
                    answers = dict(right, **{part["id"]: _submitted(part, m)})
                    got = next(r for r in judge_question(kq, answers).parts if r.part == part["id"])
                    checked[q["type"]] += 1
                    if got.verdict == "correct":
                        wrong.append(f"{entry['student']} {part['id']} mistake {m['id']!r}: {m['exact']} vs {part['exact']}")
    assert not wrong, f"{len(wrong)} mistakes graded correct, e.g. " + "; ".join(wrong[:5])
    assert sum(checked.values()) > STUDENTS, checked  # the key does list mistakes: the check is not empty
    assert {"gradient", "dense-forward", "softmax"} <= checked.keys(), checked
