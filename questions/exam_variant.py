"""Per-student variants of an exam spec: drawn deterministically from (exam seed, student id,
question id), solved exactly, with points, tolerances and the known mistakes' answers per part.

The same variant feeds every renderer, the key.json the grader reads and the answer sheet.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import sympy as sp
from nnexam.questions import doc
from nnexam.questions.errors import InputError, NnexamError
from nnexam.questions.exact import exact_str, json_value, params_json
from nnexam.questions.exam import ExamSpec, QuestionSpec, Student
from nnexam.questions.family import Family, same
from nnexam.questions.grading import KEY_FORMAT, KEY_VERSION, AnswerKind, Tolerance


class _Printed:
    """An exact answer's text and JSON value, printed once: the key views, the class key, key.json
    and the answer sheet all ask (sympy printing and evalf are most of a student's Python time)."""

    exact: Any

    @cached_property
    def text(self) -> str:
        return exact_str(self.exact)

    @cached_property
    def value(self) -> Any:
        return json_value(self.exact)


@dataclass(frozen=True)
class MistakeAnswer(_Printed):
    id: str
    message: str
    exact: Any


@dataclass(frozen=True)
class PartKey(_Printed):
    id: str  # "q1.z1"
    part: str
    kind: AnswerKind
    points: Fraction
    exact: Any
    tolerance: Tolerance
    help: str = ""
    mistakes: tuple[MistakeAnswer, ...] = ()
    choices: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", AnswerKind.parse(self.kind, f"part {self.id!r} kind"))

    @cached_property
    def decimal(self) -> str:
        return decimal(self.exact, self.value, self.text)


@dataclass(frozen=True)
class QuestionVariant:
    spec: QuestionSpec
    number: int  # 1-based position in the exam
    params: Any
    statement: tuple[doc.Block, ...]
    steps: tuple[doc.Block, ...]
    parts: tuple[PartKey, ...]


@dataclass(frozen=True)
class Variant:
    exam: ExamSpec
    student: Student
    questions: tuple[QuestionVariant, ...]


def rng_for(seed: int, student: str, question: str) -> random.Random:
    """A generator that depends only on (exam seed, student id, question id): adding a student or a
    question leaves every other variant as it was. hashlib, not hash(): stable across runs."""
    digest = hashlib.sha256(f"nnexam-variant-v1\0{seed}\0{student}\0{question}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def build(exam: ExamSpec, student: Student) -> Variant:
    """The student's variant; errors name the exam file and question id."""
    out = []
    for n, q in enumerate(exam.questions, 1):
        try:
            out.append(_question(exam, q, n, student))
        except NnexamError as err:
            raise InputError(exam.path, f"question {q.id!r} ({q.type}): {err}") from None
    return Variant(exam=exam, student=student, questions=tuple(out))


def _question(exam: ExamSpec, q: QuestionSpec, number: int, student: Student) -> QuestionVariant:
    family = q.family
    if q.fixed:
        params = family.parse(q.params)
    else:
        params = family.draw(
            rng_for(exam.seed, student.id, q.id), options=q.options, fixed=q.params,
            tolerance=q.tolerance, part_tolerance=q.part_tolerance,
        )
    answer = family.solve(params)
    statement = family.statement(params) if q.text is None else (_override(q.text, params),)
    return QuestionVariant(
        spec=q,
        number=number,
        params=params,
        statement=statement,
        steps=answer.steps,
        parts=_parts(q, family, params, answer),
    )


def _parts(q: QuestionSpec, family: Family, params: Any, answer: Any) -> tuple[PartKey, ...]:
    names = answer.names()
    unknown = sorted(set(q.part_points) - set(names)) or sorted(set(q.part_tolerance) - set(names))
    if unknown:
        raise InputError("parts", f"unknown part {unknown[0]!r}; this variant's parts are {', '.join(names)}")
    rest = [n for n in names if n not in q.part_points]
    left = q.points - sum(q.part_points.values(), Fraction(0))
    if not rest and left != 0:
        raise InputError("parts", f"the parts' points add up to {q.points - left}, not the question's {q.points}")
    share = left / len(rest) if rest else Fraction(0)
    wrong_by_part: dict[str, list[MistakeAnswer]] = {}
    right = answer.as_dict()
    for mistake, wrong in family.mistake_answers(params, answer):
        for name, value in wrong.items():
            if name in right and not same(value, right[name]):
                wrong_by_part.setdefault(name, []).append(MistakeAnswer(mistake.id, mistake.message, value))
    choices_fn = getattr(family.module, "choices", None)
    out = []
    for part in answer.parts:
        out.append(
            PartKey(
                id=f"{q.id}.{part.name}",
                part=part.name,
                kind=part.kind,
                points=q.part_points.get(part.name, share),
                exact=part.exact,
                tolerance=q.part_tolerance.get(part.name, q.tolerance),
                help=_part_help(family, part.name),
                mistakes=tuple(wrong_by_part.get(part.name, ())),
                choices=tuple(choices_fn(params)) if choices_fn and part.kind == "choice" else None,
            )
        )
    return tuple(out)


def _part_help(family: Family, name: str) -> str:
    """The PartSpec help; patterns such as ``zL`` stand for ``z1``, ``z2``, ..."""
    for spec in family.parts:
        pattern = "^" + re.escape(spec.name).replace("L", r"\d+") + "$"
        if spec.name == name or re.match(pattern, name):
            return spec.help
    return ""


_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


def _override(text: str, params: Any) -> doc.Para:
    """The spec's ``text`` with ``{name}`` replaced by the param's value as a formula (a regex, not
    str.format: the text is not trusted to touch attributes)."""
    pieces: list[doc.Piece] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        if not hasattr(params, m.group(1)):
            continue
        pieces.append(text[pos : m.start()])
        value = getattr(params, m.group(1))
        f = formula(value)
        pieces.append(f if f is not None else exact_str(value))
        pos = m.end()
    pieces.append(text[pos:])
    return doc.Para(tuple(p for p in pieces if p != ""))


# ---------------------------------------------------------------------------------------------
# Values as formulas (statements' placeholders, keys' answers)
# ---------------------------------------------------------------------------------------------


def _is_number(v: Any) -> bool:
    return (isinstance(v, int | Fraction) and not isinstance(v, bool)) or (isinstance(v, sp.Basic) and not isinstance(v, sp.MatrixBase))


def formula(value: Any, kind: str = "") -> doc.F | None:
    """An exact value as a formula: numbers and expressions, vectors (columns), matrices, shapes.
    None for what is not math (text, tables)."""
    if isinstance(value, sp.MatrixBase):
        return doc.mat(value.tolist())
    if _is_number(value):
        return doc.expr(sp.sympify(value))  # an exact answer from a solver, never student text
    if isinstance(value, Sequence) and not isinstance(value, str) and value:
        if all(isinstance(r, Sequence) and not isinstance(r, str) and r and all(_is_number(x) for x in r) for r in value):
            if len({len(r) for r in value}) == 1:
                return doc.mat([list(r) for r in value])
        if all(_is_number(x) for x in value):
            if kind == "shape" or all(isinstance(x, int) for x in value):
                return doc.op("(") + doc.join(",", [doc.num(x) for x in value]) + doc.op(")")
            return doc.vec(list(value))
    return None


def is_table(value: Any) -> bool:
    """A list of dicts (e.g. the layers of a model)."""
    return isinstance(value, Sequence) and not isinstance(value, str) and bool(value) and all(isinstance(r, Mapping) for r in value)


def table(value: Any) -> doc.Table | None:
    """A list of dicts (e.g. the layers of a model) as a table."""
    if is_table(value):
        header = tuple(dict.fromkeys(k for r in value for k in r))
        rows = tuple(tuple(_cell(r.get(h, "")) for h in header) for r in value)
        return doc.Table(tuple(str(h) for h in header), rows)
    return None


def _cell(v: Any) -> doc.Piece:
    f = formula(v)
    return f if f is not None and not isinstance(v, int | sp.Integer) else exact_str(v)


def decimal(value: Any, v: Any = None, text: str | None = None) -> str:
    """A decimal approximation (8 significant digits) when the exact value is not a plain integer or
    text; ``v`` and ``text``, when given, are its JSON value and exact text (already computed)."""
    v = json_value(value) if v is None else v

    def fmt(x: Any) -> str:
        if isinstance(x, float):
            return f"{x:.8g}"
        if isinstance(x, list):
            return "[" + ", ".join(fmt(y) for y in x) + "]"
        return str(x)

    def numeric(x: Any) -> bool:
        return isinstance(x, int | float) and not isinstance(x, bool) or isinstance(x, list) and all(numeric(y) for y in x)

    approx = fmt(v)
    return "" if not numeric(v) or approx == (exact_str(value) if text is None else text) else approx


# ---------------------------------------------------------------------------------------------
# key.json and the answer sheet
# ---------------------------------------------------------------------------------------------


def _points_text(p: Fraction) -> str:
    value = _points_json(p)
    return f"{value} point" + ("" if value == 1 else "s")


def _points_json(p: Fraction) -> int | float:
    return int(p) if p.denominator == 1 else round(float(p), 6)


def exam_json(exam: ExamSpec) -> dict[str, Any]:
    """The exam-level part of key.json."""
    grading = dict(exam.grading)
    grading["tolerance"] = exam.tolerance.as_dict()
    return {
        "format": KEY_FORMAT,
        "version": KEY_VERSION,
        "exam": {
            "title": exam.title,
            "course": exam.course,
            "date": exam.date,
            "seed": exam.seed,
            "instructions": exam.instructions,
            "points": _points_json(exam.points),
        },
        "grading": grading,
        "questions": [
            {"id": q.id, "type": q.type, "points": _points_json(q.points), "title": q.title} for q in exam.questions
        ],
    }


def student_json(v: Variant) -> dict[str, Any]:
    """One student's entry in key.json (see the key.json contract)."""
    questions = []
    for qv in v.questions:
        entry: dict[str, Any] = {
            "id": qv.spec.id,
            "type": qv.spec.type,
            "points": _points_json(qv.spec.points),
            "params": params_json(qv.params),
        }
        if qv.spec.grading:
            entry["grading"] = dict(qv.spec.grading)
        entry["parts"] = [
            {
                "id": p.id,
                "part": p.part,
                "kind": p.kind,
                "points": _points_json(p.points),
                "exact": p.text,
                "value": p.value,
                "tolerance": p.tolerance.as_dict(),
                "mistakes": [
                    {"id": m.id, "message": m.message, "exact": m.text, "value": m.value}
                    for m in p.mistakes
                ],
                "choices": list(p.choices) if p.choices is not None else None,
            }
            for p in qv.parts
        ]
        questions.append(entry)
    return {"student": v.student.id, "name": v.student.name, "file": v.student.file, "questions": questions}


def key_json(exam: ExamSpec, students: Sequence[Mapping[str, Any]]) -> str:
    """key.json text: stable key order, no timestamps (byte-identical for the same inputs)."""
    data = exam_json(exam)
    data["students"] = list(students)
    return json.dumps(data, indent=1, ensure_ascii=False) + "\n"


def expected_form(p: PartKey) -> str:
    """What a part's answer looks like, for the answer sheet's comments."""
    v = p.exact
    if p.choices:
        return "one of " + ", ".join(p.choices)
    if p.kind == "integer":
        return "an integer"
    if p.kind == "number":
        return "a number, e.g. 12.5, -0.375 or 11/32"
    if isinstance(v, Sequence) and not isinstance(v, str) and v and all(isinstance(r, Mapping) for r in v):
        return f"a list of {len(v)} rows, one per layer"
    if isinstance(v, sp.MatrixBase) or (isinstance(v, Sequence) and v and all(isinstance(r, Sequence) and not isinstance(r, str) for r in v)):
        rows = v.rows if isinstance(v, sp.MatrixBase) else len(v)
        cols = v.cols if isinstance(v, sp.MatrixBase) else len(v[0])
        return f"a matrix of {rows} rows and {cols} columns, rows in brackets: [[a, b], [c, d]]"
    if p.kind == "shape":
        return "a shape, e.g. [H, W] (or one integer)"
    if isinstance(v, Sequence) and not isinstance(v, str):
        return f"a list of {len(v)} numbers, e.g. [a, b]"
    if p.kind == "expression":
        return "an expression, e.g. 2*P*Q^T or 1/(1 + exp(-7))"
    return f"a {p.kind} value"


def _one_line(s: str) -> str:
    return " ".join(s.split())


def answer_sheet(v: Variant) -> str:
    """The YAML a student fills in: every part id with an empty value and what is expected."""
    exam = v.exam
    lines = [
        f"# Answer sheet: {_one_line(exam.title)}" + (f" ({_one_line(exam.course)})" if exam.course else ""),
        "# Write each answer after the colon. Numbers: 12.5, -0.375 or 11/32. Lists: [a, b]. Matrices: [[a, b], [c, d]].",
        f"student: {json.dumps(v.student.id, ensure_ascii=False)}",
        "answers:",
    ]
    for qv in v.questions:
        lines.append(f"  # Question {qv.number}: {_one_line(qv.spec.title)} ({_points_text(qv.spec.points)})")
        for p in qv.parts:
            help_ = f"{_one_line(doc.hint_plain(p.help))}; " if p.help else ""
            lines.append(f"  # {p.part}: {help_}{expected_form(p)} ({_points_text(p.points)})")
            lines.append(f"  {json.dumps(p.id, ensure_ascii=False)}: null")
    return "\n".join(lines) + "\n"
