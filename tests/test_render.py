"""Rendering: every family in every format, exact answers in the PDF text, escaping of hostile text."""

from __future__ import annotations

import html.parser
import shutil
import subprocess
import xml.etree.ElementTree as ET
from fractions import Fraction
from pathlib import Path

import pytest
import sympy as sp
from nnexam.questions import exam, registry
from nnexam.questions import exam_variant as ev

from nnexam.render import base, markdown, moodle, outputs, typst
from nnexam.render import html as html_fmt

BANK = Path(__file__).resolve().parent.parent / "examples" / "bank.toml"
CHOICE_TYPES = ("true-false", "multiple-choice")
HOSTILE = [
    '#read("/etc/passwd")',
    "</name><x>",
    "$x$",
    "*bold* _it_",
    "Seán O'Brien",
    "Zoë \\(x\\) ]]> & --",
    "`code` [link](http://x.org) @ref <lab> // no comment",
    "{{ name }} {% raw %}",
    "1. = - + ~ # heading",
]

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")


def one_question_spec(type_id: str, **extra: object) -> exam.ExamSpec:
    options = {"bank": str(BANK)} if type_id in CHOICE_TYPES else {}
    q = {"id": "q1", "type": type_id, "points": 5, "options": options, **extra}
    return exam.parse({"exam": {"title": "T", "course": "C", "seed": 11}, "questions": [q]}, "exam.toml")


def variant(type_id: str, sid: str = "s1", name: str = "N") -> ev.Variant:
    return ev.build(one_question_spec(type_id), exam.Student(id=sid, name=name, file="s1"))


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    p = tmp_path / "doc.pdf"
    p.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", str(p), "-"], capture_output=True, text=True, check=True).stdout
    return out.replace("\u2212", "-")


def document(fmt_name: str, v: ev.Variant, key: bool) -> str:
    fmt, tsuffix, _ = outputs.DOCUMENTS[fmt_name]
    return outputs.render(fmt, None, f"exam.{tsuffix}.j2", base.view(fmt, v, key))


class _Text(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(source: str) -> str:
    p = _Text()
    p.feed(source)
    return "".join(p.parts)


def moodle_xml(v: ev.Variant) -> ET.Element:
    job_results = [{"moodle": moodle.questions(v)}]
    text = outputs.render(moodle.FORMAT, None, "moodle.xml.j2", {
        "exam": base.exam_view(v.exam), "categories": outputs.categories(v.exam, job_results)})
    return ET.fromstring(text.encode("utf-8"))


# ---------------------------------------------------------------------------------------------
# Every family (present now or landing later) in every format
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("type_id", registry.names())
def test_every_family_renders_in_every_format(type_id: str, tmp_path: Path) -> None:
    v = variant(type_id)
    part_ids = [p.id for q in v.questions for p in q.parts]
    for key in (False, True):
        pdf = outputs.pdf(document("pdf", v, key), None, type_id)
        assert pdf.startswith(b"%PDF")
        md = document("md", v, key)
        page = document("html", v, key)
        for pid in part_ids:
            assert markdown.escape(pid) in md
            assert pid in html_text(page)
    root = moodle_xml(v)
    assert root.tag == "quiz" and root.find("question[@type='category']") is not None


def _numbers(value: object) -> list[sp.Rational]:
    if isinstance(value, sp.MatrixBase):
        value = value.tolist()
    if isinstance(value, list | tuple):
        return [n for v in value for n in _numbers(v)]
    if isinstance(value, int) and not isinstance(value, bool) or isinstance(value, sp.Rational):
        return [sp.Rational(value)]
    if isinstance(value, Fraction):
        return [sp.Rational(value.numerator, value.denominator)]
    return []


@needs_pdftotext
@pytest.mark.parametrize("type_id", registry.names())
def test_pdf_key_shows_exact_answers(type_id: str, tmp_path: Path) -> None:
    v = variant(type_id)
    text = pdf_text(outputs.pdf(document("pdf", v, True), None, type_id), tmp_path)
    assert "ANSWER KEY" in text
    for p in v.questions[0].parts:
        assert p.id in text
        for n in _numbers(p.exact):
            assert str(abs(n.p)) in text and (n.q == 1 or str(n.q) in text), (p.id, n)
        if isinstance(p.exact, str):
            assert p.exact in text
        approx = ev.decimal(p.exact)
        if approx and "," not in approx:
            assert approx in text


@needs_pdftotext
def test_pdf_exam_has_header_points_and_page_numbers(tmp_path: Path) -> None:
    v = variant("training-steps", sid="s042", name="Ada Lovelace")
    text = pdf_text(outputs.pdf(document("pdf", v, False), None, "exam"), tmp_path)
    for words in ("C", "T", "Ada Lovelace", "s042", "Question 1", "5 points", "Page 1 of 1", "q1.steps_per_epoch", "Score"):
        assert words in text
    assert "ANSWER KEY" not in text


def test_pdf_is_byte_identical_across_renders() -> None:
    v = variant("training-steps")
    assert outputs.pdf(document("pdf", v, True), None, "a") == outputs.pdf(document("pdf", v, True), None, "b")


def test_pdf_compiles_in_threads_give_the_same_bytes() -> None:
    """One Typst compiler per thread (kept between documents): concurrent compiles neither fail
    nor change the bytes."""
    from concurrent.futures import ThreadPoolExecutor

    sources = [document("pdf", variant(t), key) for t in ("training-steps", "softmax") for key in (False, True)]
    alone = [outputs.pdf(src, None, "alone") for src in sources]
    with ThreadPoolExecutor(3) as pool:
        together = list(pool.map(lambda src: outputs.pdf(src, None, "together"), sources * 2))
    assert together == alone * 2


# ---------------------------------------------------------------------------------------------
# Escaping: hostile names and bank text print as typed in every format
# ---------------------------------------------------------------------------------------------


@needs_pdftotext
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_name_prints_as_typed_in_pdf(name: str, tmp_path: Path) -> None:
    v = variant("training-steps", sid=name, name=name)
    text = pdf_text(outputs.pdf(document("pdf", v, False), None, "exam"), tmp_path)
    squashed = " ".join(text.split())
    assert name in squashed


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_name_prints_as_typed_in_html(name: str) -> None:
    page = document("html", variant("training-steps", sid=name, name=name), False)
    assert "<x>" not in page and "<lab>" not in page
    assert name in html_text(page)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_name_prints_as_typed_in_markdown(name: str) -> None:
    md_it = pytest.importorskip("markdown_it")
    md = document("md", variant("training-steps", sid=name, name=name), False)
    rendered = md_it.MarkdownIt("commonmark").render(md)
    assert name in html_text(rendered)
    assert "<x>" not in rendered and "<em>" not in rendered and "<strong>bold" not in rendered


@pytest.mark.parametrize("text", HOSTILE)
def test_escape_functions_quote_every_markup_character(text: str) -> None:
    assert typst.escape(text).replace("\\", "") == text.replace("\\", "")
    assert "#" not in typst.escape(text).replace("\\#", "")
    assert ET.fromstring(f"<t a='{moodle.escape(text)}'>{moodle.escape(text)}</t>").text == text
    assert html_text(html_fmt.escape(text)) == text


def test_typst_string_literal_round_trips() -> None:
    import json

    import typst as typst_lib

    for text in [*HOSTILE, 'a\nb\t"c"\\']:
        assert json.loads(typst_lib.eval(b"", typst.string(text))) == text


def test_hostile_bank_text_in_moodle_xml(tmp_path: Path) -> None:
    bank = tmp_path / "bank.toml"
    bank.write_text(
        '[[items]]\nid = "x"\nstatement = "</text>]]><x> & $y$ #read(\\"/etc/passwd\\")"\n'
        'choices = ["<b>a</b>", "b & c"]\nkey = "A"\n',
        encoding="utf-8",
    )
    s = exam.parse({"exam": {"title": "</quiz>"}, "questions": [
        {"id": "q1", "type": "multiple-choice", "points": 1, "options": {"bank": str(bank)}}]}, "exam.toml")
    root = moodle_xml(ev.build(s, exam.Student(id="<s>", file="s")))
    (q,) = root.findall("question[@type='multichoice']")
    assert '</text>]]><x> & $y$ #read("/etc/passwd")' in html_text(q.findtext("questiontext/text"))
    assert "<b>a</b>" in html_text(q.findtext("questiontext/text"))
    assert root.find("question/category/text").text.endswith("/01 q1 Multiple choice")


# ---------------------------------------------------------------------------------------------
# Moodle structure
# ---------------------------------------------------------------------------------------------


def test_moodle_numerical_questions_with_tolerance() -> None:
    s = exam.parse({"exam": {"title": "T"}, "questions": [
        {"id": "q1", "type": "training-steps", "points": 4},
        {"id": "q2", "type": "true-false", "points": 1, "options": {"bank": str(BANK)}},
    ]}, "exam.toml")
    results = [{"moodle": moodle.questions(ev.build(s, exam.Student(id=sid, file=sid)))} for sid in ("a", "b", "c")]
    text = outputs.render(moodle.FORMAT, None, "moodle.xml.j2", {"exam": base.exam_view(s), "categories": outputs.categories(s, results)})
    root = ET.fromstring(text.encode())
    cats = [c.findtext("category/text") for c in root.findall("question[@type='category']")]
    assert cats == ["$course$/top/T/01 q1 Training steps", "$course$/top/T/02 q2 True false"]
    numerical = root.findall("question[@type='numerical']")
    assert len(numerical) == 3 * 2  # one per variant and part
    for q in numerical:
        ans = q.find("answer")
        assert ans.get("fraction") == "100"
        assert int(ans.findtext("text")) > 0 and float(ans.findtext("tolerance")) == 0.0
        assert float(q.findtext("defaultgrade")) == 2
    assert len(root.findall("question[@type='truefalse']")) == 3


@pytest.mark.parametrize(
    "tol, value, expected",
    [
        pytest.param({"rel": 0.01, "abs": 0.001}, 2.0, 0.02, id="rel-wins"),
        pytest.param({"rel": 0.01, "abs": 0.001}, 0.01, 0.001, id="abs-wins"),
        pytest.param({"sigfigs": 3}, 0.123456, 0.00051, id="sigfigs"),
        pytest.param({"sigfigs": 2}, 1234.0, 51.0, id="sigfigs-large"),
    ],
)
def test_moodle_tolerance(tol: dict, value: float, expected: float) -> None:
    from nnexam.questions.grading import DEFAULT

    part = ev.PartKey(id="q.p", part="p", kind="number", points=1, exact=sp.Rational(1, 3), tolerance=DEFAULT.updated(tol))
    assert moodle.tolerance(part, value) == pytest.approx(expected)


def test_template_override_replaces_one_file(tmp_path: Path) -> None:
    (tmp_path / "exam_header.typ.j2").write_text('#text(20pt)[Institute of {{ exam.course }}]\n')
    v = variant("training-steps")
    fmt = typst.FORMAT
    src = outputs.render(fmt, tmp_path, "exam.typ.j2", base.view(fmt, v, False))
    assert "Institute of C" in src and "#nn-student" in src
    outputs.pdf(src, tmp_path, "x")
