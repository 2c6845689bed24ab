"""The exam a student receives never prints a part's answer (issue 12): hints show the *form* of an
answer with other names and numbers. Every family is drawn many times and its exam (Markdown, HTML,
Moodle question text, answer sheet, and the PDF's text for a few) is searched for each part's exact
answer, normalised, other than values that are inputs of the question."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from nnexam.questions import doc, exam, registry
from nnexam.questions import exam_variant as ev
from nnexam.questions.exact import params_json
from test_render import document, moodle_xml, one_question_spec

from nnexam.render import outputs

SEEDS = 50  # variants per family (students of one exam: each draws its own)
PDF_SEEDS = 2

_DROP = re.compile(r"\s+|\*|·|⋅|\\cdot|\\left|\\right|\\,|\\!|\\quad|[{}$]|&nbsp;|\\\(|\\\)|\\mathrm|\\operatorname")


def normalise(text: str) -> str:
    """One spelling for the comparison: no spaces, products, braces or LaTeX sizing; ᵀ/\\top/.T as ^T."""
    text = text.replace("\u2212", "-").replace("\\top", "T").replace("ᵀ", "^T").replace(".T", "^T")
    text = text.replace("\\mathbf1", "1").replace("bold(1)", "1")
    return _DROP.sub("", text)


def _flat(v: object) -> list[object]:
    if isinstance(v, list | tuple):
        return [x for item in v for x in _flat(item)]
    return [v]


def candidates(p: ev.PartKey) -> list[tuple[str, bool]]:
    """(normalised text, token-bounded?) forms of one part's answer as an exam could print it."""
    if p.kind in ("choice", "table"):
        return []  # choices are listed by design; a layer table's columns are the model's inputs
    if p.kind == "expression":
        return [(normalise(p.text), False), (normalise(doc.expr(ev.formula(p.exact, p.kind) and p.exact).latex), False)]
    flat = _flat(p.value)
    if len(flat) > 1:
        rows = p.exact if isinstance(p.exact, list | tuple) else [p.exact]
        grid = [list(r) if isinstance(r, list | tuple) else [r] for r in rows]
        forms = [normalise(p.text), normalise(doc.mat(grid).latex), normalise(doc.mat(grid).typst)]
        if all(len(r) == 1 for r in grid) or len(grid) == 1:
            forms.append(normalise(doc.vec([x for r in grid for x in r]).latex))
        return [(f, False) for f in forms]
    one = flat[0] if flat else p.exact
    out = [(normalise(one if isinstance(one, str) else ev.exact_str(one)), True)]
    if p.decimal and p.decimal != p.text:
        out.append((normalise(p.decimal)[:6], True))
    return [(c, b) for c, b in out if len(c.lstrip("-")) >= 3]


def exam_texts(v: ev.Variant) -> dict[str, str]:
    root = moodle_xml(v)
    questions = " ".join(t.text or "" for t in root.iter("text") if t.text and "<p>" in t.text)
    return {
        "markdown": document("md", v, False),
        "html": re.sub(r"<(style|script)[^>]*>.*?</\1>", "", document("html", v, False), flags=re.S),  # page code, not text
        "moodle": questions,
        # the sheet's two header lines are the same fixed instructions for every exam (not the question's)
        "answer sheet": "\n".join(ev.answer_sheet(v).splitlines()[2:]),
    }


def _input_forms(value: object) -> set[str]:
    """Every list among a question's parameters, as printed and flattened ([[0], [1]] is also [0, 1])."""
    out: set[str] = set()
    if isinstance(value, dict):
        for v in value.values():
            out |= _input_forms(v)
    elif isinstance(value, list | tuple):
        out |= {normalise(str(list(value))), normalise(str(_flat(value)))}
        for v in value:
            out |= _input_forms(v)
    return out


def leaks(v: ev.Variant, texts: dict[str, str]) -> list[str]:
    found = []
    for q in v.questions:
        raw_inputs = params_json(q.params)
        inputs = normalise(str(raw_inputs))
        input_lists = _input_forms(raw_inputs)
        for p in q.parts:
            if normalise(p.text) in inputs:  # z2 = b2 when a1 = 0: the answer is one of the question's inputs
                continue
            if normalise(str(_flat(p.value))) in input_lists:  # h2 = [0, 1] when W_xh is that column
                continue
            for form, bounded in candidates(p):
                if not form or form in inputs:
                    continue
                before = r"(?<![\d.])" if form.startswith("-") else r"(?<![\d.\-])"  # -0.375 does not print 0.375
                pattern = (before + re.escape(form) + r"(?![\d])") if bounded else re.escape(form)
                for where, text in texts.items():
                    m = re.search(pattern, norm := normalise(text))
                    if m:
                        near = norm[max(0, m.start() - 60):m.end() + 20]
                        found.append(f"{v.student.id} {p.id}: answer {p.text!r} printed in the {where}: ...{near}...")
    return found


@pytest.mark.parametrize("type_id", registry.names())
def test_exam_does_not_print_its_answers(type_id: str) -> None:
    spec = one_question_spec(type_id)
    found: list[str] = []
    for i in range(SEEDS):
        v = ev.build(spec, exam.Student(id=f"s{i}", name="N", file=f"s{i}"))
        found += leaks(v, exam_texts(v))
    assert not found, "\n".join(found[:10])


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) not installed")
@pytest.mark.parametrize("type_id", registry.names())
def test_pdf_exam_does_not_print_its_answers(type_id: str, tmp_path: Path) -> None:
    spec = one_question_spec(type_id)
    found: list[str] = []
    for i in range(PDF_SEEDS):
        v = ev.build(spec, exam.Student(id=f"p{i}", name="N", file=f"p{i}"))
        path = tmp_path / f"{i}.pdf"
        path.write_bytes(outputs.pdf(document("pdf", v, False), None, type_id))
        text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
        found += leaks(v, {"pdf": text})
    assert not found, "\n".join(found[:10])


def test_the_old_gradient_hint_is_caught() -> None:
    """The check can fail: the hint that printed (A - Y)*X^T, put back, is found."""
    v = ev.build(one_question_spec("gradient", options={"model": "logistic"}),
                 exam.Student(id="s", name="N", file="s"))
    texts = exam_texts(v)
    assert not leaks(v, texts)
    texts["markdown"] += "dL/dW in matrix form, e.g. (A - Y)*X^T"
    assert leaks(v, texts)


def test_hint_formulas_print_as_math() -> None:
    """A hint's $...$ formula is typeset: LaTeX in Markdown/HTML, Typst math in the PDF source."""
    v = ev.build(one_question_spec("dense-forward"), exam.Student(id="s", name="N", file="s"))
    assert "W_{L} a_{L-1}" in document("md", v, False)
    assert "\\(W_{L} a_{L-1}" in document("html", v, False)
    assert "$W_(L) a_(L-1)" in document("pdf", v, False)
    assert "$" not in ev.answer_sheet(v)


def test_instruction_formulas_print_as_math() -> None:
    """The instructor's ``$e^a/(1 + e^a)$`` in the instructions is typeset, not printed as plain text."""
    spec = exam.parse({"exam": {"title": "T", "seed": 1, "instructions": "Write exact values such as $e^a/(1 + e^a)$."},
                       "questions": [{"id": "q1", "type": "softmax", "points": 1}]}, "exam.toml")
    v = ev.build(spec, exam.Student(id="s", name="N", file="s"))
    assert "$e^a/(1 + e^a)$" in document("pdf", v, False)
    assert "\\(e^a/(1 + e^a)" in document("html", v, False)
