"""The gradebook: grades.csv (one row per student, a column per question, total, max, percentage)
and the ``--json`` results, both written atomically (:func:`nnexam.questions.files.write_atomic`:
a temporary file in the same folder, renamed over the old one), so a crash never leaves half a
gradebook.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nnexam.grader.judge import StudentResult
from nnexam.grader.key import Key
from nnexam.questions.files import write_atomic  # noqa: F401 - the one atomic writer (feedback, report use it from here)


def number(x: float) -> str:
    """6, 1.5, 0.3333: scores as an LMS imports them (no float noise, no exponent)."""
    r = round(float(x), 4)
    return str(int(r)) if r.is_integer() else f"{r:.4f}".rstrip("0").rstrip(".")


def gradebook_csv(key: Key, results: Sequence[StudentResult]) -> str:
    """grades.csv text: student, name, status, one column per question, total, max, percentage."""
    qids = [q[0] for q in key.questions]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["student", "name", "status", *qids, "total", "max", "percentage"])
    for r in results:
        by_q = {q.id: q.score for q in r.questions}
        pct = 100 * r.score / r.max if r.max else 0.0
        w.writerow([_cell(r.student), _cell(r.name), r.status, *(number(by_q.get(q, 0)) for q in qids),
                     number(r.score), number(r.max), number(pct)])
    return out.getvalue()


def _cell(text: str) -> str:
    """No spreadsheet formula injection: a cell starting with = + - @ gets a leading quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def results_json(results: Sequence[StudentResult], problems: Sequence[Any] = ()) -> dict[str, Any]:
    """The ``--json`` shape of DESIGN.md (plus ``name``, ``source``, ``carried_forward``, ``problems``)."""
    return {
        "students": [
            {
                "student": r.student,
                "name": r.name,
                "score": r.score,
                "max": r.max,
                "status": r.status,
                "source": r.source,
                "parts": [
                    {
                        "part": p.part, "verdict": p.verdict, "score": p.score, "max": p.max, "expected": p.expected,
                        "given": p.given, "mistake": p.mistake, "feedback": p.feedback, "carried_forward": p.carried_forward,
                    }
                    for p in r.parts
                ],
            }
            for r in results
        ],
        "problems": [{"source": p.source, "line": p.line, "message": p.message, "fatal": p.fatal} for p in problems],
    }


def write_gradebook(path: str | Path, key: Key, results: Sequence[StudentResult]) -> None:
    write_atomic(path, gradebook_csv(key, results))


def results_json_text(results: Sequence[StudentResult], problems: Sequence[Any] = ()) -> str:
    return json.dumps(results_json(results, problems), indent=1, ensure_ascii=False) + "\n"


def write_json(path: str | Path, results: Sequence[StudentResult], problems: Sequence[Any] = ()) -> None:
    write_atomic(path, results_json_text(results, problems))
