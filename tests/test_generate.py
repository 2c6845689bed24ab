"""``nnexam generate`` end to end through click's CliRunner: outputs, determinism, bad input."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from nnexam.questions import registry

from nnexam.cli import cli
from nnexam.render import markdown

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"

EXAM = """
[exam]
title = "Quiz 1"
course = "Deep Learning"
date = "2026-02-01"
seed = 3
instructions = "Answer every part."

[[questions]]
id = "q1"
type = "training-steps"
points = 4

[[questions]]
id = "q2"
type = "multiple-choice"
points = 2
options = {{bank = "{bank}"}}

[[questions]]
id = "q3"
type = "true-false"
points = 1
options = {{bank = "{bank}", item = "sigmoid-zero-centred"}}
"""

ROSTER = 'id,name,email\ns001,Ada Lovelace,ada@x.org\ns/002,"Zoë O\'Brien",\n"#read(""/etc/passwd"")","</name><x> $x$ *bold*",\n'


@pytest.fixture()
def files(tmp_path: Path) -> tuple[Path, Path]:
    exam = tmp_path / "exam.toml"
    exam.write_text(EXAM.format(bank=(EXAMPLES / "bank.toml").as_posix()), encoding="utf-8")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    return exam, roster


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["generate", *args])
    return result.exit_code, result.output


def generate(exam: Path, out: Path, *extra: str) -> None:
    code, output = run(str(exam), "--out", str(out), *extra)
    assert code == 0, output


def test_outputs_for_a_roster(files: tuple[Path, Path], tmp_path: Path) -> None:
    exam, roster = files
    out = tmp_path / "out"
    generate(exam, out, "--roster", str(roster), "--jobs", "1")
    stems = ["s001", "s_002", "read_etc_passwd"]
    for stem in stems:
        for folder in ("exams", "keys"):
            for suffix in (".pdf", ".md", ".html"):
                assert (out / folder / f"{stem}{suffix}").stat().st_size > 0
        assert (out / "sheets" / f"{stem}.yaml").exists()
    for name in ("class-key.pdf", "class-key.md", "class-key.html", "moodle.xml", "key.json"):
        assert (out / name).exists()
    key = json.loads((out / "key.json").read_text())
    assert [s["student"] for s in key["students"]] == ["s001", "s/002", '#read("/etc/passwd")']
    assert [s["file"] for s in key["students"]] == stems
    assert key["students"][2]["name"] == "</name><x> $x$ *bold*"
    for s in key["students"]:
        sheet = yaml.safe_load((out / "sheets" / f"{s['file']}.yaml").read_text())
        assert sheet["student"] == s["student"]
        assert list(sheet["answers"]) == [p["id"] for q in s["questions"] for p in q["parts"]]
    root = ET.parse(out / "moodle.xml").getroot()
    assert len(root.findall("question[@type='category']")) == 3
    assert len(root.findall("question[@type='numerical']")) == 3 * 2
    assert len(root.findall("question[@type='multichoice']")) == 3


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
def test_key_pdf_text_contains_the_exact_answers(files: tuple[Path, Path], tmp_path: Path) -> None:
    exam, roster = files
    out = tmp_path / "out"
    generate(exam, out, "--roster", str(roster), "--format", "pdf", "--jobs", "1")
    key = json.loads((out / "key.json").read_text())
    for s in key["students"]:
        text = subprocess.run(["pdftotext", "-layout", str(out / "keys" / f"{s['file']}.pdf"), "-"],
                              capture_output=True, text=True, check=True).stdout
        flat = " ".join(text.split())
        assert s["name"] in flat and s["student"] in flat
        for q in s["questions"]:
            for p in q["parts"]:
                assert f"{p['id']} {p['exact']}" in flat, (p["id"], p["exact"])
        exam_text = subprocess.run(["pdftotext", str(out / "exams" / f"{s['file']}.pdf"), "-"],
                                   capture_output=True, text=True, check=True).stdout
        assert "ANSWER KEY" not in exam_text and "Page 1 of" in exam_text


def test_class_key_lists_every_students_answers_and_the_parts_once(files: tuple[Path, Path], tmp_path: Path) -> None:
    exam, roster = files
    out = tmp_path / "out"
    generate(exam, out, "--roster", str(roster), "--format", "pdf")
    key = json.loads((out / "key.json").read_text())
    text = subprocess.run(["pdftotext", "-layout", str(out / "class-key.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    flat = " ".join(text.split())
    for s in key["students"]:
        assert s["student"] in flat and s["name"] in flat
        block = flat[flat.index(s["student"]):]
        for q in s["questions"]:
            for p in q["parts"]:
                assert f"{p['part']} {p['exact']}" in block, (s["student"], p["id"])
    for q in key["students"][0]["questions"]:
        for p in q["parts"]:
            assert flat.count(p["id"]) == 1  # the points and tolerance table names each part once
    generate(exam, out, "--roster", str(roster), "--format", "md,html")
    md = (out / "class-key.md").read_text(encoding="utf-8")
    for q in key["students"][0]["questions"]:
        for p in q["parts"]:  # once in the points table, once per student
            assert md.count(f"| {markdown.escape(p['id'])} | ") == 1 + len(key["students"])
    assert "<th>Points</th><th>Tolerance</th>" in (out / "class-key.html").read_text(encoding="utf-8")


def test_part_summary_says_when_points_vary_between_variants() -> None:
    from nnexam.render.outputs import part_summary

    row = {"question": 1, "id": "q1.z1", "points": "2", "tolerance": "exact"}
    students = [{"rows": [row, {**row, "id": "q1.z2"}]}, {"rows": [{**row, "points": "1"}]}]
    assert part_summary(students) == [
        {"question": 1, "id": "q1.z1", "points": "varies", "tolerance": "exact"},
        {"question": 1, "id": "q1.z2", "points": "2", "tolerance": "exact"},
    ]


def test_byte_identical_across_runs_and_job_counts(files: tuple[Path, Path], tmp_path: Path) -> None:
    exam, roster = files
    generate(exam, tmp_path / "a", "--roster", str(roster), "--format", "pdf,moodle", "--jobs", "1")
    generate(exam, tmp_path / "b", "--roster", str(roster), "--format", "pdf,moodle", "--jobs", "2")
    names = sorted(p.relative_to(tmp_path / "a") for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert len(names) == 3 * 3 + 3  # exam, key, sheet per student; class key, moodle, key.json
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_seed_option_changes_the_variants(files: tuple[Path, Path], tmp_path: Path) -> None:
    exam, _ = files
    generate(exam, tmp_path / "a", "--format", "md")
    generate(exam, tmp_path / "b", "--format", "md", "--seed", "4")
    a, b = (json.loads((tmp_path / d / "key.json").read_text()) for d in "ab")
    assert a["students"][0]["student"] == "*" and a["exam"]["seed"] == 3 and b["exam"]["seed"] == 4
    assert a["students"][0]["questions"][0]["params"] != b["students"][0]["questions"][0]["params"]


def test_templates_override(files: tuple[Path, Path], tmp_path: Path) -> None:
    exam, _ = files
    custom = tmp_path / "custom"
    custom.mkdir()
    (custom / "exam.md.j2").write_text("# {{ exam.title }} for {{ student.id }}\n")
    generate(exam, tmp_path / "out", "--format", "md", "--templates", str(custom))
    assert (tmp_path / "out" / "exams" / "all.md").read_text() == "# Quiz 1 for \\*\n"


EXAMPLE_TYPES = {q["type"] for q in tomllib.loads((EXAMPLES / "exam.toml").read_text(encoding="utf-8"))["questions"]}


@pytest.mark.skipif(not EXAMPLE_TYPES <= set(registry.names()), reason="the example exam's question types have not all landed")
def test_example_exam_generates(tmp_path: Path) -> None:
    generate(EXAMPLES / "exam.toml", tmp_path / "out", "--format", "pdf,moodle", "--jobs", "1")
    key = json.loads((tmp_path / "out" / "key.json").read_text())
    assert len(key["questions"]) >= 10
    ET.parse(tmp_path / "out" / "moodle.xml")


# ---------------------------------------------------------------------------------------------
# Bad input: exit 1, one line, no traceback
# ---------------------------------------------------------------------------------------------

BAD_EXAMS = [
    ("unknown-type", '[exam]\ntitle = "T"\n[[questions]]\nid = "q1"\ntype = "sofmax"\npoints = 1\n', ["Did you mean 'softmax'"]),
    ("wrong-param", '[exam]\ntitle = "T"\n[[questions]]\nid = "q1"\ntype = "training-steps"\npoints = 1\n'
     'params = {samples = "lots", batch_size = 2}\n', ["q1", "'samples'", "lots"]),
    ("impossible-range", '[exam]\ntitle = "T"\n[[questions]]\nid = "q1"\ntype = "training-steps"\npoints = 1\n'
     'options = {epochs_min = 9, epochs_max = 2}\n', ["q1", "min <= max"]),
    ("toml-syntax", '[exam\ntitle = "T"\n', ["not valid TOML"]),
    ("missing-bank", '[exam]\ntitle = "T"\n[[questions]]\nid = "q1"\ntype = "true-false"\npoints = 1\n'
     'options = {bank = "nowhere.toml"}\n', ["nowhere.toml", "cannot read"]),
]


@pytest.mark.parametrize("text, words", [pytest.param(t, w, id=i) for i, t, w in BAD_EXAMS])
def test_bad_exam_exits_1_with_one_line(text: str, words: list[str], tmp_path: Path) -> None:
    exam = tmp_path / "exam.toml"
    exam.write_text(text)
    code, output = run(str(exam), "--out", str(tmp_path / "out"), "--format", "md")
    assert code == 1
    assert output.count("\n") == 1 and output.startswith("error: ") and "Traceback" not in output
    for w in words:
        assert w in output


@pytest.mark.parametrize(
    "roster, words",
    [
        pytest.param("id\ns1\ns1\n", ["duplicate student id 's1'"], id="duplicate"),
        pytest.param("id,name\ns1,A\n,B\n", ["empty student id"], id="empty"),
        pytest.param("name\nA\n", ["no student id column"], id="no-id"),
    ],
)
def test_bad_roster_exits_1(files: tuple[Path, Path], tmp_path: Path, roster: str, words: list[str]) -> None:
    exam, _ = files
    r = tmp_path / "bad.csv"
    r.write_text(roster)
    code, output = run(str(exam), "--roster", str(r), "--out", str(tmp_path / "out"))
    assert code == 1 and output.count("\n") == 1 and "bad.csv" in output
    for w in words:
        assert w in output


def test_bad_format_and_broken_template(files: tuple[Path, Path], tmp_path: Path) -> None:
    exam, _ = files
    code, output = run(str(exam), "--out", str(tmp_path / "o"), "--format", "pdf,docx")
    assert code == 1 and "unknown format 'docx'" in output and output.count("\n") == 1
    custom = tmp_path / "custom"
    custom.mkdir()
    (custom / "exam.md.j2").write_text("{{ student.nmae }}\n")
    code, output = run(str(exam), "--out", str(tmp_path / "o"), "--format", "md", "--templates", str(custom))
    assert code == 1 and "template error" in output and "nmae" in output and output.count("\n") == 1
    (custom / "exam_header.typ.j2").write_text("#nosuchfunction()\n")
    code, output = run(str(exam), "--out", str(tmp_path / "o"), "--format", "pdf", "--templates", str(custom))
    assert code == 1 and "typst could not compile" in output and output.count("\n") == 1
