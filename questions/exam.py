"""Exam specs (TOML) and rosters (CSV): read, check, and report bad input with file and place.

An exam spec::

    [exam]
    title = "Midterm"            course = "Neural Networks"     date = "2026-03-14"
    seed = 2026                  instructions = "..."

    [grading]                    # optional, exam-wide (questions may override)
    tolerance = {rel = 0.01, abs = 0.001}
    mistake_credit = 0.5         # or {default = 0.5, log-base-10 = 0.25}
    carried_forward_credit = 1.0

    [[questions]]
    id = "q1"  type = "dense-forward"  points = 6
    params = {...}               # fixed params; all required ones given = that exact instance
    options = {...}              # generator ranges/choices (Family.draw)
    text = "..."                 # optional statement override; {name} inserts a param's value
    parts = {z1 = 1, output = 2} # optional per-part points (the rest share what is left)
    tolerance = {rel = 0.02}     # or per part: {output = {rel = 0.02}}

Per-student variants are built by :mod:`nnexam.questions.exam_variant`.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from nnexam.questions import registry
from nnexam.questions.bank import FilePath
from nnexam.questions.errors import InputError, NnexamError, UnknownNameError
from nnexam.questions.family import Family
from nnexam.questions.files import load_toml, read_text
from nnexam.questions.grading import DEFAULT, Tolerance, policy_overrides
from nnexam.questions.params import parse_fields

MAX_SPEC_BYTES = 1_000_000
MAX_ROSTER_BYTES = 5_000_000
MAX_QUESTIONS = 200
MAX_STUDENTS = 20_000
MAX_ID = 200
WILDCARD = "*"  # the one variant made without a roster; applies to every submission

_QUESTION_KEYS = ("id", "type", "points", "title", "params", "options", "text", "parts", "tolerance", "grading")
_TOL_KEYS = {"rel", "abs", "sigfigs"}
_ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


@dataclass(frozen=True)
class QuestionSpec:
    id: str
    type: str
    points: Fraction
    title: str
    params: Mapping[str, Any] = field(default_factory=dict)
    options: Mapping[str, Any] = field(default_factory=dict)
    text: str | None = None
    part_points: Mapping[str, Fraction] = field(default_factory=dict)
    tolerance: Tolerance = DEFAULT  # exam-wide tolerance with this question's override
    part_tolerance: Mapping[str, Tolerance] = field(default_factory=dict)
    grading: Mapping[str, Any] = field(default_factory=dict)  # per-question overrides for key.json

    @property
    def family(self) -> Family:
        return registry.get(self.type)

    @property
    def fixed(self) -> bool:
        """The params are a whole instance: it is reproduced exactly, nothing is drawn."""
        return complete(self.family, self.params)


def complete(family: Family, params: Mapping[str, Any]) -> bool:
    """Every required param is given. A family with none required (its data in one of two forms, such as
    classification-metrics' confusion matrix or labels) needs params that parse: ``average`` alone is fixed
    while the data is drawn."""
    if not all(p.name in params for p in family.params if p.required):
        return False
    if any(p.required for p in family.params):
        return True
    try:
        family.parse(params)
    except NnexamError:
        return False
    return True


@dataclass(frozen=True)
class ExamSpec:
    path: str
    title: str
    course: str
    date: str
    seed: int
    instructions: str
    questions: tuple[QuestionSpec, ...]
    tolerance: Tolerance = DEFAULT
    grading: Mapping[str, Any] = field(default_factory=dict)  # mistake_credit, carried_forward_credit

    @property
    def points(self) -> Fraction:
        return sum((q.points for q in self.questions), Fraction(0))


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""
    file: str = "all"  # sanitised file stem for this student's files


# ---------------------------------------------------------------------------------------------
# Exam spec
# ---------------------------------------------------------------------------------------------


def load(path: str | Path, seed: int | None = None) -> ExamSpec:
    """Read and check an exam spec; ``seed`` (``--seed``) replaces the file's."""
    p = Path(path)
    data = load_toml(read_text(p, "exam file", MAX_SPEC_BYTES), str(p), "exam file")
    return parse(data, str(p), base=p.parent, seed=seed)


def _text(where: str, path: str, raw: Any, *, default: str | None = None, limit: int = 20_000) -> str:
    if raw is None and default is not None:
        return default
    if not isinstance(raw, str) or len(raw) > limit:
        raise InputError(path, f"{where}: expected text (at most {limit} characters). Received: {raw!r:.80}")
    return raw.strip()


_BRACED = re.compile(r"\{([^{}]*)\}")


def _check_placeholders(text: str, names: list[str], params_type: type, where: str, path: str) -> None:
    """Only ``{param_name}`` of the question's own parameters: ``{__class__}``, ``{x.y}``, ``{x[0]}``
    or a method's name would print Python internals. Braces that name nothing (LaTeX's
    ``\\frac{a}{b}``) stay as written."""
    for m in _BRACED.finditer(text):
        name = m.group(1).strip()
        if name in names:
            continue
        head = re.match(r"[A-Za-z_]\w*", name)
        if head is None:
            continue
        rest = name[head.end():]
        if name.startswith("_") or rest[:1] in (".", "[", "!", ":") and rest or (not rest and hasattr(params_type, name)):
            raise InputError(path, f"{where}: placeholder {{{name[:40]}}} is not a parameter of this question; "
                                   f"write {{name}} with one of {', '.join(names)} (attributes and indexing are not allowed)")


def _points(where: str, path: str, raw: Any) -> Fraction:
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 <= raw <= 10_000 or raw != raw:
        raise InputError(path, f"{where}: expected a number of points from 0 to 10000. Received: {raw!r:.80}")
    return Fraction(str(raw)) if isinstance(raw, float) else Fraction(raw)


def _tolerance(where: str, path: str, base: Tolerance, raw: Any) -> Tolerance:
    if not isinstance(raw, Mapping):
        raise InputError(path, f"{where}: expected a table such as {{rel = 0.01, abs = 0.001}}. Received: {raw!r:.80}")
    try:
        return base.updated(raw, where=where)
    except NnexamError as err:
        raise InputError(path, str(err)) from None


def _grading(where: str, path: str, raw: Any, *, allow_tolerance: bool) -> dict[str, Any]:
    """The policy overrides of a ``[grading]`` table (:func:`questions.grading.policy_overrides`),
    checked and kept as written for key.json; the tolerance is read apart."""
    if not isinstance(raw, Mapping):
        raise InputError(path, f"{where}: expected a table. Received: {raw!r:.80}")
    known = {"mistake_credit", "carried_forward_credit"} | ({"tolerance"} if allow_tolerance else set())
    unknown = sorted(set(raw) - known)
    if unknown:
        raise InputError(path, f"{where}.{unknown[0]}: unknown key; expected one of {', '.join(sorted(known))}")
    try:
        return policy_overrides(raw, where)
    except NnexamError as err:
        raise InputError(path, str(err)) from None


def parse(data: Mapping[str, Any], path: str, base: Path | None = None, seed: int | None = None) -> ExamSpec:
    """Checked exam spec from parsed TOML; every error names ``path`` and the question id."""
    base = base or Path(".")
    unknown = sorted(set(data) - {"exam", "grading", "questions"})
    if unknown:
        raise InputError(path, f"unknown table [{unknown[0]}]; expected [exam], [grading] and [[questions]]")
    head = data.get("exam")
    if not isinstance(head, Mapping):
        raise InputError(path, "missing [exam] table (title, course, date, seed, instructions)")
    bad = sorted(set(head) - {"title", "course", "date", "seed", "instructions"})
    if bad:
        raise InputError(path, f"[exam] {bad[0]}: unknown key; expected title, course, date, seed, instructions")
    title = _text("[exam] title", path, head.get("title"), limit=300)
    course = _text("[exam] course", path, head.get("course"), default="", limit=300)
    date = head.get("date", "")
    date = str(date) if not isinstance(date, str) and hasattr(date, "isoformat") else date
    date = _text("[exam] date", path, date, default="", limit=100)
    instructions = _text("[exam] instructions", path, head.get("instructions"), default="")
    file_seed = head.get("seed", 0)
    if isinstance(file_seed, bool) or not isinstance(file_seed, int):
        raise InputError(path, f"[exam] seed: expected an integer. Received: {file_seed!r:.80}")
    grading_raw = data.get("grading", {})
    grading = _grading("[grading]", path, grading_raw, allow_tolerance=True)
    tolerance = DEFAULT
    if isinstance(grading_raw, Mapping) and "tolerance" in grading_raw:
        tolerance = _tolerance("[grading] tolerance", path, DEFAULT, grading_raw["tolerance"])
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise InputError(path, "expected at least one [[questions]] table")
    if len(raw_questions) > MAX_QUESTIONS:
        raise InputError(path, f"at most {MAX_QUESTIONS} questions. Received: {len(raw_questions)}")
    questions: list[QuestionSpec] = []
    for n, raw in enumerate(raw_questions, 1):
        q = _question(raw, n, path, base, tolerance)
        if any(q.id == other.id for other in questions):
            raise InputError(path, f"question {q.id!r}: duplicate id (ids must be unique in the exam)")
        questions.append(q)
    return ExamSpec(
        path=path,
        title=title,
        course=course,
        date=date,
        seed=file_seed if seed is None else seed,
        instructions=instructions,
        questions=tuple(questions),
        tolerance=tolerance,
        grading=grading,
    )


def _question(raw: Any, n: int, path: str, base: Path, exam_tol: Tolerance) -> QuestionSpec:
    if not isinstance(raw, Mapping):
        raise InputError(path, f"[[questions]] number {n}: expected a table")
    qid = raw.get("id")
    if not isinstance(qid, str) or not _ID.match(qid):
        raise InputError(path, f"[[questions]] number {n}: id: expected 1-40 letters, digits, '_' or '-'. Received: {qid!r:.80}")
    where = f"question {qid!r}"
    unknown = sorted(set(raw) - set(_QUESTION_KEYS))
    if unknown:
        raise InputError(path, f"{where}: unknown key {unknown[0]!r}; expected one of {', '.join(_QUESTION_KEYS)}")
    type_id = raw.get("type")
    if not isinstance(type_id, str):
        raise InputError(path, f"{where}: type: expected a question type id (see `nnexam list`). Received: {type_id!r:.80}")
    try:
        family = registry.get(type_id)
    except NnexamError as err:
        raise InputError(path, f"{where}: {err}") from None
    if "points" not in raw:
        raise InputError(path, f"{where}: points: expected a number of points (required)")
    points = _points(f"{where}: points", path, raw["points"])
    params = raw.get("params", {})
    options = raw.get("options", {})
    for name, table in (("params", params), ("options", options)):
        if not isinstance(table, Mapping):
            raise InputError(path, f"{where}: {name}: expected a table such as {{name = value}}. Received: {table!r:.80}")
    params = _resolve_paths(family.params, params, base)
    options = _resolve_paths(family.options, options, base)
    try:  # check names and values now, so a bad spec fails before any variant is drawn
        known = [p.name for p in family.params]
        for name in params:
            if name not in known:
                raise UnknownNameError("parameter", name, known)
        parse_fields([p for p in family.params if p.name in params], params)
        parse_fields(family.options, options)
        if complete(family, params):
            family.solve(family.parse(params))
    except NnexamError as err:
        raise InputError(path, f"{where} ({type_id}): {err}") from None
    text = None if raw.get("text") is None else _text(f"{where}: text", path, raw["text"])
    if text is not None:
        _check_placeholders(text, [p.name for p in family.params], family.Params, f"{where}: text", path)
    title = _text(f"{where}: title", path, raw.get("title"), default=type_id.replace("-", " ").capitalize(), limit=200)
    part_points: dict[str, Fraction] = {}
    parts_raw = raw.get("parts", {})
    if not isinstance(parts_raw, Mapping):
        raise InputError(path, f"{where}: parts: expected a table of points by part, e.g. {{z1 = 1, output = 2}}")
    for part, pts in parts_raw.items():
        part_points[str(part)] = _points(f"{where}: parts.{part}", path, pts)
    if sum(part_points.values(), Fraction(0)) > points:
        raise InputError(path, f"{where}: parts: the parts' points add up to more than the question's {points}")
    tolerance, part_tolerance = exam_tol, {}
    tol_raw = raw.get("tolerance", {})
    if not isinstance(tol_raw, Mapping):
        raise InputError(path, f"{where}: tolerance: expected a table such as {{rel = 0.02}} or {{output = {{rel = 0.02}}}}")
    if set(tol_raw) <= _TOL_KEYS:
        tolerance = _tolerance(f"{where}: tolerance", path, exam_tol, tol_raw)
    else:
        for part, t in tol_raw.items():
            part_tolerance[str(part)] = _tolerance(f"{where}: tolerance.{part}", path, exam_tol, t)
    grading = _grading(f"{where}: grading", path, raw.get("grading", {}), allow_tolerance=False)
    if tolerance != exam_tol:
        grading["tolerance"] = tolerance.as_dict()
    return QuestionSpec(
        id=qid,
        type=type_id,
        points=points,
        title=title,
        params=dict(params),
        options=dict(options),
        text=text,
        part_points=part_points,
        tolerance=tolerance,
        part_tolerance=part_tolerance,
        grading=grading,
    )


def _resolve_paths(specs: Any, raw: Mapping[str, Any], base: Path) -> dict[str, Any]:
    """File-path params/options are relative to the exam file, not to where nnexam runs."""
    out = dict(raw)
    for p in specs:
        if isinstance(p.convert, FilePath) and isinstance(out.get(p.name), str):
            out[p.name] = str(base / out[p.name])
    return out


# ---------------------------------------------------------------------------------------------
# Roster
# ---------------------------------------------------------------------------------------------

_ID_COLUMNS = ("id", "student", "student_id")
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def file_stem(student_id: str, taken: set[str]) -> str:
    """A file name for ``student_id``: no path characters, no leading dot, unique (case-insensitively)
    among ``taken``, which it is added to."""
    stem = "all" if student_id == WILDCARD else (_UNSAFE.sub("_", student_id).strip("._")[:60] or "student")
    candidate, k = stem, 1
    while candidate.lower() in taken:
        k += 1
        candidate = f"{stem}-{k}"
    taken.add(candidate.lower())
    return candidate


def _cell(row: list[str], col: int | None) -> str:
    return row[col].strip() if col is not None and col < len(row) else ""


def load_roster(path: str | Path) -> tuple[Student, ...]:
    """Students from a CSV with a column ``id`` (or ``student``/``student_id``), optional ``name``, ``email``."""
    p = str(path)
    text = read_text(path, "roster", MAX_ROSTER_BYTES)
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as err:
        raise InputError(p, f"not valid CSV: {err}") from None
    if not rows:
        raise InputError(p, "empty roster; expected a header line with a column 'id'")
    header = [h.strip().lower() for h in rows[0]]
    twice = sorted({h for h in header if h and header.count(h) > 1})
    if twice:
        raise InputError(p, f"column {twice[0]!r} appears twice in the header; keep one", line=1)
    id_col = next((header.index(c) for c in _ID_COLUMNS if c in header), None)
    if id_col is None:
        raise InputError(p, f"no student id column; expected one named {', '.join(_ID_COLUMNS)}. Received: {rows[0]}", line=1)
    name_col = header.index("name") if "name" in header else None
    email_col = header.index("email") if "email" in header else None
    students: list[Student] = []
    first_line: dict[str, int] = {}
    taken: set[str] = set()
    for line, row in enumerate(rows[1:], 2):
        if not any(c.strip() for c in row):
            continue  # blank line
        sid = _cell(row, id_col)
        if not sid:
            raise InputError(p, "empty student id", line=line)
        if len(sid) > MAX_ID or any(ord(c) < 32 or ord(c) == 127 for c in sid):
            raise InputError(p, f"student id: expected at most {MAX_ID} printable characters. Received: {sid!r:.80}", line=line)
        if sid == WILDCARD:
            raise InputError(p, f"student id {WILDCARD!r} is reserved (the variant made without a roster)", line=line)
        if sid in first_line:
            raise InputError(p, f"duplicate student id {sid!r} (first on line {first_line[sid]})", line=line)
        first_line[sid] = line
        name = _cell(row, name_col)
        if len(name) > 300 or any(ord(c) < 32 for c in name):
            raise InputError(p, f"name: expected at most 300 printable characters. Received: {name!r:.80}", line=line)
        students.append(Student(id=sid, name=name, email=_cell(row, email_col)[:300], file=file_stem(sid, taken)))
        if len(students) > MAX_STUDENTS:
            raise InputError(p, f"at most {MAX_STUDENTS} students")
    if not students:
        raise InputError(p, "no students: the roster has a header but no rows")
    return tuple(students)


def anonymous() -> tuple[Student, ...]:
    """The single variant made without a roster."""
    return (Student(id=WILDCARD, name="", email="", file="all"),)
