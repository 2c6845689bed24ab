"""Test helper for the grader tests: key.json data built the way `nnexam generate` builds it
(nnexam.questions.exam + nnexam.questions.exam_variant), and answers filled from a variant's exact values."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from nnexam.questions import exam as exam_mod
from nnexam.questions import exam_variant
from nnexam.questions.exact import exact_str


def key_data(questions: Sequence[Mapping[str, Any]], students: Sequence[exam_mod.Student] | None = None,
             seed: int = 7, grading: Mapping[str, Any] | None = None) -> dict[str, Any]:
    spec_raw: dict[str, Any] = {"exam": {"title": "Test exam", "seed": seed}, "questions": [dict(q) for q in questions]}
    if grading:
        spec_raw["grading"] = dict(grading)
    spec = exam_mod.parse(spec_raw, "exam.toml")
    roster = tuple(students) if students else exam_mod.anonymous()
    variants = [exam_variant.build(spec, s) for s in roster]
    return json.loads(exam_variant.key_json(spec, [exam_variant.student_json(v) for v in variants]))


def right_answers(data: Mapping[str, Any], student: str = "*") -> dict[str, str]:
    """Every part answered with the key's exact string."""
    entry = next(s for s in data["students"] if s["student"] == student)
    return {p["id"]: p["exact"] for q in entry["questions"] for p in q["parts"]}


def students(*ids: str) -> list[exam_mod.Student]:
    return [exam_mod.Student(id=i, name=f"Student {i}", file=i) for i in ids]


__all__ = ["exact_str", "key_data", "right_answers", "students"]
