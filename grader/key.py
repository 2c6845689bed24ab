"""key.json (written by ``nnexam generate``) read and checked into typed, parsed values.

Every problem raises :class:`InputError` naming the file and the place (``students[2].questions[0]``)
so ``nnexam grade`` stops with one clear line when the key cannot be used. Expected values and
the mistakes' values are parsed once here with the same parser as the students' answers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from nnexam.grader.values import Unreadable, parse_answer
from nnexam.questions.errors import InputError, NnexamError
from nnexam.questions.files import load_json, read_text
from nnexam.questions.grading import (
    DEFAULT,
    DEFAULT_POLICY,
    KEY_FORMAT,
    KEY_VERSION,
    AnswerKind,
    Policy,
    Tolerance,
)

MAX_KEY_BYTES = 200 * 1024 * 1024


@dataclass(frozen=True)
class KeyMistake:
    id: str
    message: str
    value: Any


@dataclass(frozen=True)
class KeyPart:
    id: str  # "q1.z1"
    part: str  # "z1"
    kind: AnswerKind
    points: float
    exact: str
    value: Any  # parsed exact answer
    shown: str  # the exact answer for people: "exp(2)/(1 + exp(2)) ≈ 0.8808"
    tolerance: Tolerance
    mistakes: tuple[KeyMistake, ...]
    choices: tuple[str, ...] | None


@dataclass(frozen=True)
class KeyQuestion:
    id: str
    type: str
    points: float
    params: Mapping[str, Any]
    policy: Policy
    parts: tuple[KeyPart, ...]

    @cached_property
    def family_params(self) -> Any:
        """The family's Params rebuilt from the key (for error carried forward); None if impossible."""
        from nnexam.questions import registry

        try:
            return registry.get(self.type).parse(self.params)
        except (NnexamError, ValueError, TypeError):
            return None

    @cached_property
    def definitions(self) -> dict[str, str]:
        """What the names in this question's expressions stand for (A = sigma(W X + b 1_m^T))."""
        from nnexam.questions import registry

        if self.family_params is None:
            return {}
        try:
            return registry.get(self.type).definitions(self.family_params)
        except NnexamError:
            return {}

    @cached_property
    def matrix_shapes(self) -> dict[str, tuple[int, int]]:
        """Shapes of the matrix-valued parameters (X, W, ...): the names expressions use."""
        out = {}
        for name, v in self.params.items():
            if isinstance(v, list) and v and all(isinstance(r, list) for r in v) and len({len(r) for r in v}) == 1:
                out[name] = (len(v), len(v[0]))
        return out


@dataclass(frozen=True)
class KeyStudent:
    student: str
    name: str
    file: str
    questions: tuple[KeyQuestion, ...]


@dataclass(frozen=True)
class Key:
    path: str
    title: str
    questions: tuple[tuple[str, str, float], ...]  # (id, title, points), the gradebook's columns
    students: Mapping[str, KeyStudent]

    @property
    def anonymous(self) -> bool:
        """One variant made without a roster: it applies to any submission."""
        return "*" in self.students

    def variant(self, student: str) -> KeyStudent | None:
        return self.students.get(student) or self.students.get("*")


def load_key(path: str | Path) -> Key:
    """Read and check key.json; raises InputError naming the file and what is wrong."""
    p = Path(path)
    data = load_json(read_text(p, "key (the key.json written by `nnexam generate`)", MAX_KEY_BYTES), str(p), "key")
    return parse_key(data, str(p))


def _need(cond: bool, path: str, where: str, what: str, got: Any = None) -> None:
    if not cond:
        shown = "" if got is None else f"; received {json.dumps(got)[:60] if not isinstance(got, str) else repr(got[:60])}"
        raise InputError(path, f"{where}: expected {what}{shown}")


def _number(raw: Any, path: str, where: str) -> float:
    _need(isinstance(raw, int | float) and not isinstance(raw, bool) and raw >= 0, path, where, "a non-negative number", raw)
    return float(raw)


def _policy(raw: Any, base: Policy, path: str, where: str) -> Policy:
    if raw is None:
        return base
    _need(isinstance(raw, Mapping), path, where, "an object", raw)
    try:
        return base.updated(raw, where)
    except NnexamError as err:
        raise InputError(path, str(err)) from None


def _tolerance(raw: Any, base: Tolerance, path: str, where: str) -> Tolerance:
    if raw is None:
        return base
    _need(isinstance(raw, Mapping), path, where, "an object with rel, abs, sigfigs", raw)
    try:
        return base.updated(raw, where)
    except NnexamError as err:
        raise InputError(path, str(err)) from None


def _expected(kind: str, exact: Any, value: Any, path: str, where: str) -> Any:
    raw = value if kind == "table" else exact
    got = parse_answer(raw, kind)
    if isinstance(got, Unreadable):
        raise InputError(path, f"{where}: the key's answer {str(raw)[:60]!r} cannot be read: {got.reason.splitlines()[0]}")
    return got


def _approx(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_approx(x) for x in v) + "]"
    if isinstance(v, float):
        return f"{v:.4g}"
    return str(v)


def shown(exact: str, value: Any) -> str:
    """The exact answer, followed by its decimal value when the exact form is not plain numbers."""
    if isinstance(value, float | list) and re.search(r"[A-Za-z]", exact) and len(exact) < 400:
        return f"{exact} ≈ {_approx(value)}"
    return exact


def parse_key(data: Any, path: str) -> Key:
    _need(isinstance(data, Mapping), path, "top level", "a JSON object")
    _need(data.get("format") == KEY_FORMAT, path, "format", f'"{KEY_FORMAT}" (written by `nnexam generate`)', data.get("format"))
    _need(data.get("version") == KEY_VERSION, path, "version", str(KEY_VERSION), data.get("version"))
    grading = data.get("grading") or {}
    _need(isinstance(grading, Mapping), path, "grading", "an object", grading)
    base_policy = _policy(grading, DEFAULT_POLICY, path, "grading")
    base_tol = _tolerance(grading.get("tolerance"), DEFAULT, path, "grading.tolerance")
    qs = data.get("questions")
    _need(isinstance(qs, list) and bool(qs), path, "questions", "a non-empty list", qs)
    columns = []
    for i, q in enumerate(qs):
        _need(isinstance(q, Mapping) and isinstance(q.get("id"), str), path, f"questions[{i}]", "an object with an id", q)
        columns.append((q["id"], str(q.get("title") or q["id"]), _number(q.get("points", 0), path, f"questions[{i}].points")))
    known_q = {c[0] for c in columns}
    students_raw = data.get("students")
    _need(isinstance(students_raw, list) and bool(students_raw), path, "students", "a non-empty list", students_raw)
    students: dict[str, KeyStudent] = {}
    for si, s in enumerate(students_raw):
        where = f"students[{si}]"
        _need(isinstance(s, Mapping) and isinstance(s.get("student"), str), path, where, "an object with a student id", s)
        _need(s["student"] not in students, path, f"{where}.student", "a unique student id", s["student"])
        questions = []
        _need(isinstance(s.get("questions"), list), path, f"{where}.questions", "a list", s.get("questions"))
        for qi, q in enumerate(s["questions"]):
            questions.append(_question(q, path, f"{where}.questions[{qi}]", base_policy, base_tol, known_q))
        students[s["student"]] = KeyStudent(
            student=s["student"], name=str(s.get("name") or ""), file=str(s.get("file") or s["student"]), questions=tuple(questions)
        )
    return Key(path=path, title=str((data.get("exam") or {}).get("title") or ""), questions=tuple(columns), students=students)


def _question(q: Any, path: str, where: str, base_policy: Policy, base_tol: Tolerance, known: set[str]) -> KeyQuestion:
    _need(isinstance(q, Mapping), path, where, "an object", q)
    _need(q.get("id") in known, path, f"{where}.id", f"one of the exam's questions ({', '.join(sorted(known))})", q.get("id"))
    _need(isinstance(q.get("type"), str), path, f"{where}.type", "a question type id", q.get("type"))
    _need(isinstance(q.get("params", {}), Mapping), path, f"{where}.params", "an object", q.get("params"))
    policy = _policy(q.get("grading"), base_policy, path, f"{where}.grading")
    qtol = _tolerance((q.get("grading") or {}).get("tolerance"), base_tol, path, f"{where}.grading.tolerance")
    parts = []
    _need(isinstance(q.get("parts"), list) and bool(q["parts"]), path, f"{where}.parts", "a non-empty list", q.get("parts"))
    for pi, p in enumerate(q["parts"]):
        pw = f"{where}.parts[{pi}]"
        _need(isinstance(p, Mapping), path, pw, "an object", p)
        for k in ("id", "part", "kind"):
            _need(isinstance(p.get(k), str), path, f"{pw}.{k}", "text", p.get(k))
        _need(p["kind"] in AnswerKind.__members__.values(), path, f"{pw}.kind",
              "an answer kind: " + ", ".join(AnswerKind), p["kind"])
        kind = AnswerKind(p["kind"])
        value = _expected(kind, p.get("exact"), p.get("value"), path, pw)
        mistakes = []
        for mi, m in enumerate(p.get("mistakes") or []):
            mw = f"{pw}.mistakes[{mi}]"
            _need(isinstance(m, Mapping) and isinstance(m.get("id"), str), path, mw, "an object with an id", m)
            wrong = parse_answer(m.get("value") if kind == "table" else m.get("exact"), kind)
            if not isinstance(wrong, Unreadable):  # a mistake this parser cannot read is not recognised, not fatal
                mistakes.append(KeyMistake(m["id"], str(m.get("message") or ""), wrong))
        choices = p.get("choices")
        parts.append(
            KeyPart(
                id=p["id"], part=p["part"], kind=kind, points=_number(p.get("points", 0), path, f"{pw}.points"),
                exact=str(p.get("exact")), value=value, shown=shown(str(p.get("exact")), p.get("value")), tolerance=_tolerance(p.get("tolerance"), qtol, path, f"{pw}.tolerance"),
                mistakes=tuple(mistakes), choices=tuple(str(c) for c in choices) if isinstance(choices, list) else None,
            )
        )
    return KeyQuestion(
        id=q["id"], type=q["type"], points=_number(q.get("points", 0), path, f"{where}.points"),
        params=dict(q.get("params") or {}), policy=policy, parts=tuple(parts),
    )
