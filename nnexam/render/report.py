"""The instructor's report: per question mean and % correct, per part % correct, the most common
mistakes with counts, a score histogram (SVG), and the submissions that could not be read.

Markdown and HTML from ``templates/report_instructor.{md,html}.j2`` (the escaping environment of
:mod:`nnexam.render.base`); the histogram is written next to them as ``histogram.svg``.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nnexam.grader.gradebook import number, write_atomic
from nnexam.grader.judge import StudentResult
from nnexam.grader.key import Key
from nnexam.svgplot import histogram

TOP_MISTAKES = 15


def summary(key: Key, results: Sequence[StudentResult], problems: Sequence[Any]) -> dict[str, Any]:
    """The numbers of the report, as plain values (also handy for scripts and tests)."""
    graded = [r for r in results if r.status == "graded"]
    questions = []
    for qid, title, points in key.questions:
        scores = [q for r in graded for q in r.questions if q.id == qid]
        full = sum(1 for q in scores if q.max and q.score >= q.max - 1e-9)
        parts: dict[str, list[Any]] = {}
        for q in scores:
            for p in q.parts:
                parts.setdefault(p.part, []).append(p)
        questions.append({
            "id": qid,
            "title": title,
            "points": number(points),
            "mean": f"{sum(q.score for q in scores) / len(scores):.2f}" if scores else "-",
            "correct_pct": f"{100 * full / len(scores):.0f}" if scores else "-",
            "parts": [
                {
                    "part": name,
                    "correct_pct": f"{100 * sum(p.verdict == 'correct' for p in ps) / len(ps):.0f}",
                    "carried_forward": sum(p.carried_forward for p in ps),
                    "unreadable": sum(p.verdict == "unreadable" for p in ps),
                    "missing": sum(p.verdict == "missing" for p in ps),
                }
                for name, ps in parts.items()
            ],
        })
    mistakes = Counter((p.part, p.mistake) for r in graded for p in r.parts if p.mistake)
    messages = {(p.part, p.mistake): p.feedback for r in graded for p in r.parts if p.mistake}
    pct = [100 * r.score / r.max for r in graded if r.max]
    return {
        "title": key.title or "Exam",
        "students": len(results),
        "graded": len(graded),
        "not_submitted": sum(r.status == "no submission" for r in results),
        "mean_pct": f"{statistics.mean(pct):.1f}" if pct else "-",
        "median_pct": f"{statistics.median(pct):.1f}" if pct else "-",
        "questions": questions,
        "mistakes": [
            {"part": part, "mistake": mid, "count": n, "message": messages[(part, mid)].removeprefix("Recognised mistake: ")}
            for (part, mid), n in mistakes.most_common(TOP_MISTAKES)
        ],
        "unreadable": [{"source": p.source, "line": p.line or "", "message": p.message} for p in problems if p.fatal],
        "warnings": [{"source": p.source, "line": p.line or "", "message": p.message} for p in problems if not p.fatal],
        "histogram_values": pct,
    }


def score_histogram(pct: Sequence[float], title: str) -> str:
    return histogram(pct, [10.0 * i for i in range(11)], title=f"Scores: {title}", xlabel="score (%)", ylabel="students")


def write_report(out_dir: str | Path, key: Key, results: Sequence[StudentResult], problems: Sequence[Any]) -> list[Path]:
    """DIR/report.md, DIR/report.html and DIR/histogram.svg."""
    from nnexam.render import base, html, markdown

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    data = summary(key, results, problems)
    svg = score_histogram(data["histogram_values"], data["title"])
    files = []
    write_atomic(out / "histogram.svg", svg)
    files.append(out / "histogram.svg")
    for fmt, obj in (("md", markdown.FORMAT), ("html", html.FORMAT)):
        ctx = dict(data, svg=base.Raw(svg))
        text = base.environment(obj).get_template(f"report_instructor.{fmt}.j2").render(ctx)
        write_atomic(out / f"report.{fmt}", text)
        files.append(out / f"report.{fmt}")
    return files
