"""Feedback per student: each part, what they wrote, the right answer, the mistake named, points.

Markdown and HTML always; PDF through Typst (``pdf=True``). Rendered from
``templates/feedback_student.{md,html,typ}.j2`` by the strict environment of
:mod:`nnexam.render.base`, whose per-format escaping runs on every value: whatever a student
wrote prints as typed and never becomes markup.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nnexam.grader.gradebook import number, write_atomic
from nnexam.grader.judge import StudentResult
from nnexam.grader.key import Key

FORMATS = ("md", "html")


def context(key: Key, r: StudentResult) -> dict[str, Any]:
    """The neutral view the feedback templates lay out."""
    titles = {qid: title for qid, title, _ in key.questions}
    return {
        "title": key.title or "Exam",
        "student": r.student,
        "name": r.name,
        "score": number(r.score),
        "max": number(r.max),
        "percentage": number(100 * r.score / r.max if r.max else 0),
        "notes": list(r.notes) + ([f"status: {r.status}"] if r.status != "graded" else []),
        "questions": [
            {
                "id": q.id,
                "title": titles.get(q.id, q.id),
                "score": number(q.score),
                "max": number(q.max),
                "parts": [
                    {
                        "name": p.part.split(".", 1)[-1],
                        "verdict": p.verdict,
                        "mistake": p.mistake or "",
                        "score": number(p.score),
                        "max": number(p.max),
                        "given": p.given if p.given is not None else "",
                        "expected": p.shown or p.expected,
                        "feedback": p.feedback,
                        "carried_forward": p.carried_forward,
                    }
                    for p in q.parts
                ],
            }
            for q in r.questions
        ],
    }


def render(key: Key, r: StudentResult, fmt: str) -> str | bytes:
    """One student's feedback as Markdown/HTML text or PDF bytes."""
    from nnexam.render import base

    if fmt == "pdf":
        from nnexam.render import typst

        source = base.environment(typst.FORMAT).get_template("feedback_student.typ.j2").render(context(key, r))
        return typst.compile_pdf(source)
    from nnexam.render import html, markdown

    fmt_obj = {"md": markdown.FORMAT, "html": html.FORMAT}[fmt]
    return base.environment(fmt_obj).get_template(f"feedback_student.{fmt}.j2").render(context(key, r))


def file_stem(key: Key, student: str, taken: set[str]) -> str:
    """The key's sanitised file name for the student; for an anonymous key, one made from the id."""
    variant = key.students.get(student)
    stem = variant.file if variant is not None and variant.student != "*" else ""
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem or student).strip("._")[:80] or "student"
    base, n = stem, 2
    while stem.lower() in taken:
        stem, n = f"{base}-{n}", n + 1
    taken.add(stem.lower())
    return stem


def write_feedback(out_dir: str | Path, key: Key, results: Sequence[StudentResult], *, pdf: bool = False,
                   progress: Any = None) -> list[Path]:
    """DIR/<student>.md and .html (and .pdf) for every graded student; returns the files written."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    taken: set[str] = set()
    for r in results:
        stem = file_stem(key, r.student, taken)
        for fmt in (*FORMATS, "pdf") if pdf else FORMATS:
            path = out / f"{stem}.{fmt}"
            doc = render(key, r, fmt)
            write_atomic(path, doc)
            written.append(path)
        if progress is not None:
            progress(1)
    return written
