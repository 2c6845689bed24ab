"""`nnexam grade` end to end: generate -> fill answer sheets -> grade; outputs, exit codes, atomicity."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from grader_keys import key_data, right_answers, students
from nnexam.grader import gradebook
from nnexam.grader.judge import VERDICTS

from nnexam.cli import cli

ROOT = Path(__file__).resolve().parents[1]


def run(*args: object) -> object:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example exam generated for the example roster (as the README demo does)."""
    out = tmp_path_factory.mktemp("exam")
    r = run("generate", ROOT / "examples" / "exam.toml", "--roster", ROOT / "examples" / "roster.csv", "--out", out, "--format", "md")
    assert r.exit_code == 0, r.output
    return out


def _fill_sheet(sheet: Path, key: dict, student: str, wrong: dict[str, str] | None = None) -> str:
    """The student's answer sheet with every null replaced by the key's exact answer (or ``wrong``)."""
    entry = next(s for s in key["students"] if s["student"] == student)
    exact = {p["id"]: p["exact"] for q in entry["questions"] for p in q["parts"]}
    exact.update(wrong or {})
    lines = []
    for line in sheet.read_text(encoding="utf-8").splitlines():
        stripped = line.strip()
        if stripped.endswith(": null") and stripped.startswith('"'):
            pid = json.loads(stripped[: -len(": null")])
            line = line.replace("null", json.dumps(exact[pid], ensure_ascii=False))
        lines.append(line)
    return "\n".join(lines) + "\n"


def test_generate_fill_grade(generated: Path, tmp_path: Path) -> None:
    key = json.loads((generated / "key.json").read_text(encoding="utf-8"))
    subs = tmp_path / "subs"
    subs.mkdir()
    first, second = key["students"][0]["student"], key["students"][1]["student"]
    sheets = sorted((generated / "sheets").glob("*.yaml"))
    assert sheets, "generate writes one answer sheet per student"
    q_loss = next(p for q in key["students"][1]["questions"] for p in q["parts"]
                  if any(m["id"] == "log-base-10" for m in p["mistakes"]))
    log10 = next(m["exact"] for m in q_loss["mistakes"] if m["id"] == "log-base-10")
    (subs / "a.yaml").write_text(_fill_sheet(sheets[0], key, first))
    (subs / "b.yaml").write_text(_fill_sheet(sheets[1], key, second, {q_loss["id"]: log10}))
    out = tmp_path / "grades.csv"
    r = run("grade", generated / "key.json", subs, "--out", out, "--json", tmp_path / "r.json",
            "--feedback", tmp_path / "fb", "--report", tmp_path / "report")
    assert r.exit_code == 0, r.output
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [row["student"] for row in rows] == [s["student"] for s in key["students"]]
    assert rows[0]["percentage"] == "100"
    assert rows[2]["status"] == "no submission"
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert set(data) == {"students", "problems"}
    s = data["students"][1]
    assert {"student", "score", "max", "status", "parts"} <= set(s)
    for p in s["parts"]:
        assert {"part", "verdict", "score", "max", "expected", "given", "mistake", "feedback"} <= set(p)
        assert p["verdict"] in VERDICTS
    loss = next(p for p in s["parts"] if p["part"] == q_loss["id"])
    assert (loss["verdict"], loss["mistake"]) == ("partial", "log-base-10")
    assert "natural log" in loss["feedback"]
    assert (tmp_path / "fb" / f"{key['students'][1]['file']}.md").exists()
    assert {f.name for f in (tmp_path / "report").iterdir()} == {"report.md", "report.html", "histogram.svg"}
    report = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "log\\-base\\-10" in report


def test_example_submissions(generated: Path, tmp_path: Path) -> None:
    """The README demo: the sample submissions, some right, some with classic mistakes, in several formats."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_submissions", ROOT / "examples" / "make_submissions.py")
    maker = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maker)  # type: ignore[union-attr]
    examples = tmp_path / "submissions"  # as examples/submissions, made for the key generated now
    maker.main(str(generated / "key.json"), str(examples))
    r = run("grade", generated / "key.json", examples, "--out", tmp_path / "g.csv", "--json", tmp_path / "r.json", "--report", tmp_path / "rep")
    assert r.exit_code == 0, r.output
    data = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    by = {s["student"]: s for s in data["students"]}
    assert by["s001"]["score"] == by["s001"]["max"]
    mistakes = {p["mistake"] for p in by["s002"]["parts"] if p["mistake"]}
    assert {"forgot-bias", "log-base-10", "floor-steps"} <= mistakes
    assert any(p["carried_forward"] for p in by["s002"]["parts"])
    assert any(p["mistake"] in ("transposed", "transposed-output") for p in by["s003"]["parts"])
    assert all(s["status"] == "graded" for s in data["students"])
    assert any("s999" in p["message"] for p in data["problems"]) and any("broken.json" in p["source"] for p in data["problems"])


def _small_key(tmp_path: Path) -> tuple[Path, dict]:
    data = key_data([{"id": "q1", "type": "training-steps", "points": 2}], students(*(f"s{i:02d}" for i in range(20))))
    path = tmp_path / "key.json"
    path.write_text(json.dumps(data))
    return path, data


def test_folder_with_one_malformed_file_in_ten(tmp_path: Path) -> None:
    key, data = _small_key(tmp_path)
    folder = tmp_path / "subs"
    folder.mkdir()
    for i in range(20):
        sid = f"s{i:02d}"
        if i % 10 == 7:
            (folder / f"{sid}.json").write_text('{"student": "' + sid + '", "answers": ')
        else:
            (folder / f"{sid}.yaml").write_text(yaml.safe_dump({"student": sid, "answers": right_answers(data, sid)}))
    r = run("grade", key, folder, "--out", tmp_path / "g.csv")
    assert r.exit_code == 0
    assert "s07.json" in r.stderr and "s17.json" in r.stderr
    rows = list(csv.DictReader((tmp_path / "g.csv").open()))
    assert sum(row["percentage"] == "100" for row in rows) == 18
    assert {row["student"] for row in rows if row["status"] == "no submission"} == {"s07", "s17"}


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("{not json", "not valid JSON"),
    ('{"format": "other"}', "format: expected"),
    ('{"format": "nnexam-key", "version": 1, "questions": [], "students": []}', "questions: expected a non-empty list"),
])
def test_unusable_key_exits_1_naming_the_file(tmp_path: Path, content: str | None, message: str) -> None:
    key = tmp_path / "key.json"
    if content is not None:
        key.write_text(content)
    sub = tmp_path / "s.yaml"
    sub.write_text("student: x\nanswers: {}\n")
    r = run("grade", key, sub, "--out", tmp_path / "g.csv")
    assert r.exit_code == 1
    assert str(key) in r.stderr and message in r.stderr
    assert "Traceback" not in r.output + r.stderr
    assert not (tmp_path / "g.csv").exists()


def test_key_with_unreadable_answer_names_the_place(tmp_path: Path) -> None:
    key, data = _small_key(tmp_path)
    data["students"][3]["questions"][0]["parts"][1]["exact"] = "[1, 2"
    key.write_text(json.dumps(data))
    r = run("grade", key, tmp_path, "--out", tmp_path / "g.csv")
    assert r.exit_code == 1 and "students[3].questions[0].parts[1]" in r.stderr


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    key, _ = _small_key(tmp_path)
    assert run("grade", key, "--out", tmp_path / "g.csv").exit_code == 2  # no submission given
    assert run("grade", key, tmp_path).exit_code == 2  # no --out


def test_gradebook_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "grades.csv"
    out.write_text("old gradebook\n")

    def crash(fd: int) -> None:
        raise OSError("disk full")

    from nnexam.questions import files

    monkeypatch.setattr(files.os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        gradebook.write_atomic(out, "new,half\n" * 1000)
    assert out.read_text() == "old gradebook\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grades.csv"]  # no temporary file left


def test_gradebook_cells_cannot_inject_formulas(tmp_path: Path) -> None:
    key, data = _small_key(tmp_path)
    data["students"][0]["student"] = "=HYPERLINK(\"x\")"
    key.write_text(json.dumps(data))
    sub = tmp_path / "s.yaml"
    sub.write_text(yaml.safe_dump({"student": '=HYPERLINK("x")', "answers": {}}))
    assert run("grade", key, sub, "--out", tmp_path / "g.csv").exit_code == 0
    assert "'=HYPERLINK" in (tmp_path / "g.csv").read_text()


def test_feedback_escapes_what_students_wrote(tmp_path: Path) -> None:
    key, data = _small_key(tmp_path)
    sub = tmp_path / "s.yaml"
    sub.write_text(yaml.safe_dump({"student": "s01", "answers": {"q1.steps_per_epoch": "<script>alert(1)</script>",
                                                                  "q1.total_updates": "*bold* [link](http://x)"}}))
    assert run("grade", key, sub, "--out", tmp_path / "g.csv", "--feedback", tmp_path / "fb", "--pdf").exit_code == 0
    html = (tmp_path / "fb" / "s01.html").read_text()
    md = (tmp_path / "fb" / "s01.md").read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "[link](http" not in md and "\\*bold\\*" in md
    assert (tmp_path / "fb" / "s01.pdf").read_bytes().startswith(b"%PDF")


def test_no_pdftotext_is_reported_not_fatal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key, _ = _small_key(tmp_path)
    (tmp_path / "s.pdf").write_bytes(b"%PDF-1.4")
    monkeypatch.setattr(shutil, "which", lambda name: None)
    r = run("grade", key, tmp_path / "s.pdf", "--out", tmp_path / "g.csv")
    assert r.exit_code == 0 and "pdftotext" in r.stderr
    assert os.path.exists(tmp_path / "g.csv")
