"""The instructor report: per question mean and % full marks, mistake counts, unreadable submissions."""

from __future__ import annotations

from pathlib import Path

from grader_keys import key_data, students
from nnexam.grader.judge import grade_batch
from nnexam.grader.key import parse_key
from nnexam.grader.submissions import Batch, Problem, Submission

from nnexam.render.report import summary, write_report


def test_summary_and_files(tmp_path: Path) -> None:
    data = key_data([{"id": "q1", "type": "training-steps", "points": 2, "params": {"samples": 1000, "batch_size": 64, "epochs": 3}}],
                    students("a", "b", "c", "d"))
    key = parse_key(data, "key.json")
    subs = [
        Submission("a", {"q1.steps_per_epoch": "16", "q1.total_updates": "48"}, "a.yaml"),
        Submission("b", {"q1.steps_per_epoch": "15", "q1.total_updates": "45"}, "b.yaml"),  # floor, carried forward
        Submission("c", {"q1.steps_per_epoch": "15", "q1.total_updates": "16"}, "c.yaml"),  # floor, forgot epochs
    ]
    graded = grade_batch(key, Batch(submissions=subs, problems=[Problem("e.yaml", "not valid YAML", line=3)]))
    s = summary(key, graded.results, graded.problems)
    assert (s["students"], s["graded"], s["not_submitted"]) == (4, 3, 1)
    (q,) = s["questions"]
    assert q["mean"] == "1.50" and q["correct_pct"] == "33"
    counts = {(m["part"], m["mistake"]): m["count"] for m in s["mistakes"]}
    assert counts == {("q1.steps_per_epoch", "floor-steps"): 2, ("q1.total_updates", "forgot-epochs"): 1}
    assert s["unreadable"] == [{"source": "e.yaml", "line": 3, "message": "not valid YAML"}]
    files = write_report(tmp_path, key, graded.results, graded.problems)
    assert sorted(f.name for f in files) == ["histogram.svg", "report.html", "report.md"]
    html = (tmp_path / "report.html").read_text()
    assert "<svg" in html and "floor-steps" in html and "e.yaml:3" in html
