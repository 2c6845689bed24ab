"""The exam carries the answers back: a fillable PDF (a form field per part, named by the part id,
the student id hidden in the exam) and an HTML exam whose "save my answers" button writes the
answer file. Both grade exactly like the same answers in YAML."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from nnexam.grader.judge import grade_batch
from nnexam.grader.key import parse_key
from nnexam.grader.pdf_form import STUDENT_FIELD, read_form
from nnexam.grader.submissions import read_submissions
from nnexam.questions import exam
from nnexam.questions import exam_variant as ev

from nnexam.render import outputs

BANK = str(Path(__file__).resolve().parents[1] / "examples" / "bank.toml")
QUESTIONS = [
    {"id": "q1", "type": "dense-forward", "points": 4},
    {"id": "q2", "type": "gradient", "points": 4},
    {"id": "q3", "type": "multiple-choice", "points": 2, "options": {"bank": BANK}},
    {"id": "q4", "type": "conv-output-size", "points": 2},
]
STUDENT = exam.Student(id="s-042", name="Ada Lovelace", file="s-042")


def _exam() -> tuple[ev.Variant, Any]:
    spec = exam.parse({"exam": {"title": "Forms", "seed": 5}, "questions": QUESTIONS}, "exam.toml")
    v = ev.build(spec, STUDENT)
    key = parse_key(json.loads(ev.key_json(spec, [ev.student_json(v)])), "key.json")
    return v, key


def _answers(v: ev.Variant) -> dict[str, str]:
    """Right answers in students' forms for some parts, a wrong one and a blank for others."""
    out: dict[str, str] = {}
    for i, p in enumerate(pid for q in v.questions for pid in q.parts):
        text = p.text.replace(".T", "^T")
        out[p.id] = ["= " + text, text, "1234", ""][i % 4]
    return out


def _pdf_exam(v: ev.Variant, tmp: Path) -> Path:
    from nnexam.render import base

    fmt, tsuffix, _ = outputs.DOCUMENTS["pdf"]
    source = outputs.render(fmt, None, f"exam.{tsuffix}.j2", base.view(fmt, v, False))
    path = tmp / "exam.pdf"
    outputs._write_pdf(path, source, None, "exam.pdf", v.student.id)
    return path


def _grades(key: Any, paths: list[Path]) -> list[tuple[str, str, float, str]]:
    batch = read_submissions(paths)
    assert not [p for p in batch.problems if p.fatal], batch.problems
    graded = grade_batch(key, batch)
    return [(r.student, p.part, p.score, p.verdict) for r in graded.results for p in r.parts]


def test_pdf_exam_has_a_field_per_part_over_its_box(tmp_path: Path) -> None:
    from pypdf import PdfReader

    v, _ = _exam()
    reader = PdfReader(_pdf_exam(v, tmp_path))
    fields = reader.get_fields()
    parts = {p.id for q in v.questions for p in q.parts}
    assert parts | {STUDENT_FIELD} == set(fields) - {q.spec.id for q in v.questions}  # q1 is the parent of q1.z1
    assert fields[STUDENT_FIELD]["/V"] == STUDENT.id
    for page in reader.pages:
        w, h = float(page.mediabox.width), float(page.mediabox.height)
        for a in page.get("/Annots", []):
            x0, y0, x1, y1 = (float(c) for c in a.get_object()["/Rect"])
            if a.get_object()["/T"] != STUDENT_FIELD:
                assert 0 < x0 < x1 < w and 0 < y0 < y1 < h and x1 - x0 > 50


def test_filled_pdf_grades_like_the_same_answers_in_yaml(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    v, key = _exam()
    answers = _answers(v)
    writer = PdfWriter(clone_from=PdfReader(_pdf_exam(v, tmp_path)))
    for page in writer.pages:
        writer.update_page_form_field_values(page, {k: a for k, a in answers.items() if a}, auto_regenerate=False)
    filled = tmp_path / "filled.pdf"
    with open(filled, "wb") as f:
        writer.write(f)
    assert read_form(filled.read_bytes())["student"] == STUDENT.id
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(yaml.safe_dump({"student": STUDENT.id, "answers": {k: a or None for k, a in answers.items()}}))
    from_pdf, from_yaml = _grades(key, [filled]), _grades(key, [sheet])
    assert from_pdf == from_yaml
    assert {g[3] for g in from_pdf} >= {"correct", "missing"}


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="pdftoppm (poppler-utils) not installed")
def test_filled_pdf_renders_its_values(tmp_path: Path) -> None:
    """Poppler (as PDF readers do) draws the filled values inside the boxes."""
    from pypdf import PdfReader, PdfWriter

    v, _ = _exam()
    writer = PdfWriter(clone_from=PdfReader(_pdf_exam(v, tmp_path)))
    first = v.questions[0].parts[0].id
    writer.update_page_form_field_values(writer.pages[0], {first: "[12, 0, -5]"})
    buf = io.BytesIO()
    writer.write(buf)
    (tmp_path / "f.pdf").write_bytes(buf.getvalue())
    subprocess.run(["pdftoppm", "-r", "40", "-f", "1", "-l", "1", "-png", str(tmp_path / "f.pdf"), str(tmp_path / "p")], check=True)
    assert list(tmp_path.glob("p*.png"))
    text = subprocess.run(["pdftotext", str(tmp_path / "f.pdf"), "-"], capture_output=True, text=True).stdout
    assert "[12, 0, -5]" in text or "12, 0, -5" in text


def _html_exam(v: ev.Variant) -> str:
    from nnexam.render import base

    fmt, tsuffix, _ = outputs.DOCUMENTS["html"]
    return outputs.render(fmt, None, f"exam.{tsuffix}.j2", base.view(fmt, v, False))


def test_html_exam_has_a_field_per_part_and_a_save_button() -> None:
    v, _ = _exam()
    page = _html_exam(v)
    names = re.findall(r'<textarea [^>]*data-part="([^"]+)"', page)
    assert names == [p.id for q in v.questions for p in q.parts]
    assert 'id="nn-save"' in page and "Save my answers" in page and "http" not in page.split('id="nn-save"')[1]


def test_saved_html_answer_file_grades_like_yaml(tmp_path: Path) -> None:
    """The file the button writes (JSON: student and answers by part id) is a submission."""
    v, key = _exam()
    answers = _answers(v)
    saved = tmp_path / f"answers-{STUDENT.id}.json"
    saved.write_text(json.dumps({"student": STUDENT.id, "answers": {k: a or None for k, a in answers.items()}}, indent=1))
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(yaml.safe_dump({"student": STUDENT.id, "answers": {k: a or None for k, a in answers.items()}}))
    assert _grades(key, [saved]) == _grades(key, [sheet])


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")


@pytest.mark.slow
@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium not installed (Debian: apt-get install chromium)")
def test_html_exam_filled_and_saved_in_headless_chromium(tmp_path: Path) -> None:
    """The real page in a real browser: fields filled, the button clicked, the saved text graded."""
    v, key = _exam()
    answers = _answers(v)
    fill = (
        "<script>document.addEventListener('DOMContentLoaded', function () {"
        f"var a = {json.dumps(answers)};"
        "document.querySelectorAll('textarea[data-part]').forEach(function (t) { t.value = a[t.dataset.part] || ''; });"
        "document.getElementById('nn-save').click();});</script>"
    )
    page = re.sub(r'<script defer src="https://[^"]*"></script>', "", _html_exam(v))  # no network here (MathJax)
    page = page.replace("</body>", fill + "</body>")
    path = tmp_path / "exam.html"
    path.write_text(page, encoding="utf-8")
    out = subprocess.run(
        [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--virtual-time-budget=3000",
         f"--user-data-dir={tmp_path / 'profile'}", "--dump-dom", path.as_uri()],
        capture_output=True, text=True, timeout=180,  # 2 busy cores: Chromium starts slowly
    )
    m = re.search(r'data-nn-saved="([^"]*)"', out.stdout)
    assert m, out.stderr[-2000:]
    import html

    saved = tmp_path / "answers.json"
    saved.write_text(html.unescape(m.group(1)), encoding="utf-8")
    sheet = tmp_path / "sheet.yaml"
    sheet.write_text(yaml.safe_dump({"student": STUDENT.id, "answers": {k: a or None for k, a in answers.items()}}))
    assert json.loads(saved.read_text())["student"] == STUDENT.id
    assert _grades(key, [saved]) == _grades(key, [sheet])
