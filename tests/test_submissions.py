"""Reading submissions in every format, and every way a file can be bad (each reported, never raised)."""

from __future__ import annotations

import io
import json
import os
import stat
import zipfile
from pathlib import Path

import pytest
from nnexam.grader import submissions as subs_mod
from nnexam.grader.submissions import read_submissions


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    (path.write_bytes if isinstance(text, bytes) else path.write_text)(text)
    return path


ANSWER_SHEET = """# Answer sheet: Midterm
student: "s001"
answers:
  # Question 1
  "q1.z1": [-1, 3/2]
  "q1.output": 0.731
  "q2.output": [[12, -7], [3, 40]]
  "q3.loss": \\frac{1}{2}
  "q4.answer": null
"""


def test_yaml_answer_sheet(tmp_path: Path) -> None:
    b = read_submissions([_write(tmp_path / "s001.yaml", ANSWER_SHEET)])
    assert not b.problems
    (s,) = b.submissions
    assert s.student == "s001"
    assert s.answers == {"q1.z1": [-1, "3/2"], "q1.output": 0.731, "q2.output": [[12, -7], [3, 40]],
                         "q3.loss": "\\frac{1}{2}", "q4.answer": None}


def test_yaml_that_is_not_yaml_is_read_line_by_line_with_a_warning(tmp_path: Path) -> None:
    text = 'student: s002\nanswers:\n  "q2.output": [[12 -7] [3 40]]\n  "q1.z1": [1, 2]\n'
    b = read_submissions([_write(tmp_path / "s002.yaml", text)])
    (s,) = b.submissions
    assert s.answers == {"q2.output": "[[12 -7] [3 40]]", "q1.z1": "[1, 2]"}
    assert [p.fatal for p in b.problems] == [False] and "line by line" in b.problems[0].message


def test_nested_answers_and_json_list(tmp_path: Path) -> None:
    data = [{"student": "a", "answers": {"q1": {"z1": 1}}}, {"student": 7, "q1.z1": "2"}, {"answers": {}}]
    b = read_submissions([_write(tmp_path / "all.json", json.dumps(data))])
    assert [(s.student, dict(s.answers)) for s in b.submissions] == [("a", {"q1.z1": 1}), ("7", {"q1.z1": "2"})]
    assert len(b.problems) == 1 and "all.json[2]" in str(b.problems[0]) and "no student id" in str(b.problems[0])


def test_csv_lms_export(tmp_path: Path) -> None:
    text = ("\ufeffStudent ID;Full name;q1.steps_per_epoch;q1.total_updates (2 pts);q2.output\n"
            's001;Ada;1,204;"3612";"[[1, 2], [3, 4]]"\n'
            ";Nobody;1;2;3\n"
            "s002;Bob;;;\n")
    b = read_submissions([_write(tmp_path / "export.csv", text)])
    assert [s.student for s in b.submissions] == ["s001", "s002"]
    assert b.submissions[0].answers == {"q1.steps_per_epoch": "1,204", "q1.total_updates": "3612", "q2.output": "[[1, 2], [3, 4]]"}
    assert b.submissions[0].source.endswith("export.csv:2")
    msgs = [(str(p), p.fatal) for p in b.problems]
    assert (f"{tmp_path / 'export.csv'}:3: a row without a student id", True) in msgs
    assert any("no answers for student 's002'" in m for m, _ in msgs)


@pytest.mark.parametrize(("header", "why"), [("name,q1.x\n", "no student column"), ("student,comment\n", "no answer columns")])
def test_csv_without_the_needed_columns(tmp_path: Path, header: str, why: str) -> None:
    b = read_submissions([_write(tmp_path / "e.csv", header + "a,1\n")])
    assert not b.submissions and why in b.problems[0].message


MARKDOWN = """# Homework 3 answers

**Student:** s003

- q1.z1: `[-1, 1.5]`
- **q1.output**: 0.731
- q2.output: [[12, -7],
  [3, 40]]
- q3.loss = \\frac{1}{2}

q4.output:
\\begin{bmatrix} 1 & 2 \\\\
3 & 4 \\end{bmatrix}

```python
q9.bogus: 1   # inside a code block: not an answer
```
"""


def test_markdown_with_multiline_matrices(tmp_path: Path) -> None:
    b = read_submissions([_write(tmp_path / "s003.md", MARKDOWN)])
    (s,) = b.submissions
    assert s.student == "s003"
    assert s.answers == {"q1.z1": "[-1, 1.5]", "q1.output": "0.731", "q2.output": "[[12, -7], [3, 40]]",
                         "q3.loss": "\\frac{1}{2}", "q4.output": "\\begin{bmatrix} 1 & 2 \\\\ 3 & 4 \\end{bmatrix}"}


def test_pdf_text_layer(tmp_path: Path) -> None:
    import typst

    src = _write(tmp_path / "a.typ", "student: s004\n\nq1.steps\\_per\\_epoch: 42\n\nq1.total\\_updates: 3/4\n")
    pdf = typst.compile(str(src))
    b = read_submissions([_write(tmp_path / "s004.pdf", pdf)])
    (s,) = b.submissions
    assert (s.student, dict(s.answers)) == ("s004", {"q1.steps_per_epoch": "42", "q1.total_updates": "3/4"})


def test_pdf_without_pdftotext_is_a_clear_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from nnexam.questions import files

    monkeypatch.setattr(files.shutil, "which", lambda name: None)
    b = read_submissions([_write(tmp_path / "x.pdf", b"%PDF-1.4 not really")])
    assert "pdftotext" in b.problems[0].message and "poppler" in b.problems[0].message


def test_broken_pdf(tmp_path: Path) -> None:
    b = read_submissions([_write(tmp_path / "x.pdf", b"%PDF-1.4 garbage")])
    assert not b.submissions and b.problems[0].source.endswith("x.pdf")


BAD_FILES = [
    ("empty.yaml", "", "empty file"),
    ("broken.json", '{"student": "x", "answers": {', "not valid JSON"),
    ("list.yaml", "- 1\n- 2\n", "expected a mapping"),
    ("noid.yaml", "answers:\n  q1.x: 1\n", "no student id"),
    ("bomb.yaml", "a: &a [1, 2]\nb: [*a, *a]\nstudent: x\n", "aliases"),
    ("latin1.md", "student: s\nq1.x: caf\xe9".encode("latin-1"), "not UTF-8"),
    ("notes.md", "just some text\n", "no answer lines"),
    ("answers.txt", "q1.x: 3\n", "no student id"),
    ("answers.yaml", "student: s\nanswers: 5\n", "expected a mapping of part ids"),
]


@pytest.mark.parametrize(("name", "content", "why"), BAD_FILES, ids=[b[0] for b in BAD_FILES])
def test_bad_files_are_problems_naming_the_file(tmp_path: Path, name: str, content: str | bytes, why: str) -> None:
    b = read_submissions([_write(tmp_path / name, content)])
    assert not b.submissions
    (p,) = [p for p in b.problems if p.fatal]
    assert p.source.endswith(name) and why in p.message


def test_too_large_and_missing_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subs_mod, "MAX_TEXT_BYTES", 100)
    b = read_submissions([_write(tmp_path / "big.yaml", "student: x\n" + "#" * 200), tmp_path / "nope.yaml"])
    assert [p.message.split(";")[0] for p in b.problems] == ["the submission is larger than 100 bytes", "no such file or folder"]


def test_folder_one_in_ten_malformed(tmp_path: Path) -> None:
    for i in range(30):
        if i % 10 == 3:
            _write(tmp_path / "class" / f"s{i:02d}.yaml", "student: [unclosed\n")
        else:
            _write(tmp_path / "class" / ("sub" if i % 2 else "") / f"s{i:02d}.json", json.dumps({"student": f"s{i:02d}", "answers": {"q1.x": i}}))
    _write(tmp_path / "class" / "README.docx", b"PK")
    _write(tmp_path / "class" / ".hidden.yaml", "x")
    b = read_submissions([tmp_path / "class"])
    assert len(b.submissions) == 27
    bad = sorted(Path(p.source).name for p in b.problems if p.fatal)
    assert bad == ["s03.yaml", "s13.yaml", "s23.yaml"]
    assert any("README.docx" in p.source and not p.fatal for p in b.problems)


def test_links_in_folders_are_not_followed(tmp_path: Path) -> None:
    secret = _write(tmp_path / "outside" / "secret.yaml", "student: x\nanswers: {q1.a: 1}\n")
    (tmp_path / "class").mkdir()
    os.symlink(secret, tmp_path / "class" / "link.yaml")
    b = read_submissions([tmp_path / "class"])
    assert not b.submissions and "a link" in b.problems[0].message


def _zip(path: Path, members: list[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members:
            zf.writestr(name, data)
    return path


def test_zip_archive_is_read_safely(tmp_path: Path) -> None:
    link = zipfile.ZipInfo("link.yaml")
    link.external_attr = (stat.S_IFLNK | 0o777) << 16
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("x.yaml", "student: n\n")
    archive = _zip(tmp_path / "class.zip", [
        ("class/s1.yaml", b"student: s1\nanswers:\n  q1.x: 1\n"),
        ("class/s2.md", b"student: s2\nq1.x: 2\n"),
        ("../evil.yaml", b"student: evil\n"),
        ("/abs.yaml", b"student: abs\n"),
        (link, b"/etc/passwd"),
        ("nested.zip", inner.getvalue()),
        ("bomb.yaml", b"student: b\n" + b" " * 2_000_000),
        ("__MACOSX/._s1.yaml", b"junk"),
        ("class/broken.json", b"{"),
    ])
    b = read_submissions([archive])
    assert sorted(s.student for s in b.submissions) == ["s1", "s2"]
    assert b.submissions[0].source == f"{archive}:class/s1.yaml"
    msgs = {p.source.split(":", 1)[1]: p.message for p in b.problems}
    assert "leaving the archive" in msgs["../evil.yaml"]
    assert "absolute path" in msgs["/abs.yaml"]
    assert "link" in msgs["link.yaml"]
    assert "archive inside" in msgs["nested.zip"]
    assert "zip bomb" in msgs["bomb.yaml"]
    assert "not valid JSON" in msgs["class/broken.json"]


def test_zip_limits_and_garbage(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(subs_mod, "MAX_ZIP_MEMBERS", 3)
    many = _zip(tmp_path / "many.zip", [(f"s{i}.yaml", b"student: s\n") for i in range(5)])
    junk = _write(tmp_path / "junk.zip", b"not a zip")
    b = read_submissions([many, junk])
    assert not b.submissions
    assert "more than 3 members" in b.problems[0].message and "not a readable zip" in b.problems[1].message
