"""The answer corpus (tests/answer_corpus/): answers written as students write them, each labelled
with the verdict a careful human grader gives, run through the real judge. Every label must match;
the agreement figure is printed (README, "Grading rules")."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

from nnexam.grader.judge import judge_student
from nnexam.grader.key import Key, parse_key

CORPUS = Path(__file__).resolve().parent / "answer_corpus"


@cache
def _key(name: str) -> tuple[Key, dict[str, str]]:
    data = json.loads((CORPUS / "keys" / f"{name}.json").read_text(encoding="utf-8"))
    right = {p["id"]: p["exact"] for q in data["students"][0]["questions"] for p in q["parts"]}
    return parse_key(data, f"{name}.json"), right


def cases() -> list[dict[str, Any]]:
    with open(CORPUS / "answers.jsonl", encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def verdict(case: dict[str, Any]) -> tuple[str, str | None, str]:
    key, right = _key(case["key"])
    student = key.variant("*")
    result = judge_student(key, student, "*", dict(right, **{case["part"]: case["answer"]}))
    part = next(p for p in result.parts if p.part == case["part"])
    return part.verdict, part.mistake, part.feedback


def test_every_corpus_answer_gets_the_human_verdict() -> None:
    all_cases = cases()
    assert len(all_cases) >= 1000
    wrong = []
    human_reads = 0
    for c in all_cases:
        got, mistake, feedback = verdict(c)
        ok = got == c["verdict"] and (got != "partial" or mistake in c["mistakes"])
        if c["verdict"] != "unreadable" and got == "unreadable":
            human_reads += 1
        if not ok:
            wrong.append(f"{c['key']} {c['part']} [{c['form']}] {c['answer']!r}: want {c['verdict']} {c['mistakes']}, "
                         f"got {got} {mistake}: {feedback[:120]}")
    kinds = Counter(c["kind"] for c in all_cases)
    print(f"\nanswer corpus: {len(all_cases)} answers, {len(all_cases) - len(wrong)} matched, "
          f"{human_reads} unreadable that a human reads; by kind: {dict(sorted(kinds.items()))}")
    assert not wrong, f"{len(wrong)} of {len(all_cases)} labels not matched:\n" + "\n".join(wrong[:40])
    assert human_reads == 0


def test_the_corpus_covers_every_kind_and_verdict() -> None:
    all_cases = cases()
    assert {c["kind"] for c in all_cases} >= {"integer", "number", "vector", "matrix", "shape", "expression", "choice", "table"}
    assert {c["verdict"] for c in all_cases} == {"correct", "partial", "incorrect", "unreadable"}
