"""Verdicts per part: correct, partial, incorrect, missing, unreadable — results are values.

Order of the checks for one part: the right answer; a later part computed correctly from the
student's own earlier answers (error carried forward, via the family's ``follow_on``); a known
mistake of the family (from the key, compared with the same tolerance); a transposed matrix;
otherwise incorrect. A recognised mistake earns the exam's ``mistake_credit`` (per id or default),
a carried-forward part ``carried_forward_credit`` (full credit unless the exam says otherwise).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache
from typing import Any

import sympy as sp
from nnexam.grader.compare import element_for, is_transposed, matches
from nnexam.grader.key import Key, KeyPart, KeyQuestion, KeyStudent
from nnexam.grader.values import MISSING, Formula, Reading, Unreadable, as_value, read_answer
from nnexam.questions.errors import NnexamError
from nnexam.questions.safe_expr import ExprSyntaxError, parse_expression

VERDICTS = ("correct", "partial", "incorrect", "missing", "unreadable")
MAX_SHOWN = 300  # characters of a student's answer kept in results
MAX_MAGNITUDE = 1e300  # an intermediate value of an answer beyond this is not evaluated (see _too_costly)
MAX_NODES = 5000  # sympy nodes of one answer's value


@dataclass(frozen=True)
class PartResult:
    part: str  # "q1.z1"
    verdict: str
    score: float
    max: float
    mistake: str | None
    feedback: str
    expected: str
    given: str | None
    carried_forward: bool = False
    shown: str = ""  # the expected answer for people (exact, with its decimal value)


@dataclass(frozen=True)
class QuestionResult:
    id: str
    score: float
    max: float
    parts: tuple[PartResult, ...]


@dataclass(frozen=True)
class StudentResult:
    student: str
    name: str
    status: str  # graded, no submission
    score: float
    max: float
    questions: tuple[QuestionResult, ...]
    source: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def parts(self) -> list[PartResult]:
        return [p for q in self.questions for p in q.parts]


def _shown(raw: Any) -> str | None:
    if raw is None:
        return None
    text = raw if isinstance(raw, str) else str(raw)
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


@cache
def _family(type_id: str) -> Any:
    """The registry's family for ``type_id``, or None for a type this installation lacks."""
    from nnexam.questions import registry

    try:
        return registry.get(type_id)
    except NnexamError:
        return None


def _follow_on(q: KeyQuestion, given: Mapping[str, Any]) -> dict[str, Any]:
    """The family's parts recomputed from the student's own answers; {} when unavailable."""
    family = _family(q.type)
    if not given or family is None or q.family_params is None:
        return {}
    try:
        return {k: as_value(v) for k, v in family.follow_on(q.family_params, given).items()}
    except (NnexamError, ArithmeticError, ValueError, TypeError, KeyError, IndexError, RecursionError):
        return {}


def _for_follow_on(kind: str, value: Any) -> Any:
    """A parsed answer as the family's follow_on receives it (sympy values, tuples)."""
    if isinstance(value, Formula):
        try:
            return parse_expression(value.text)
        except ExprSyntaxError:
            return None
    return value


_FLOAT_FUNCS = {
    "exp": math.exp, "log": math.log, "sin": math.sin, "cos": math.cos, "tan": math.tan, "sqrt": math.sqrt,
    "tanh": math.tanh, "sinh": math.sinh, "cosh": math.cosh, "asin": math.asin, "acos": math.acos,
    "atan": math.atan, "Abs": abs, "erf": math.erf,
}


def _approx(x: Any, budget: list[int]) -> float | None:
    """A float estimate of a sympy number, computed with floats only (never ``evalf``): raises
    OverflowError when an intermediate value leaves the float range; None where it cannot tell."""
    budget[0] -= 1
    if budget[0] < 0:
        raise OverflowError(f"more than {MAX_NODES} operations")
    if isinstance(x, sp.Rational):  # inside an expression (a bare one never comes here: exact, any size)
        v = float(Fraction(int(x.p), int(x.q)))  # OverflowError past the float range
        if abs(v) > MAX_MAGNITUDE:
            raise OverflowError("a number inside the expression exceeds 1e300")
        return v
    if isinstance(x, sp.Float | sp.NumberSymbol):
        return float(x)
    args = [_approx(a, budget) for a in x.args]
    if any(a is None for a in args):
        return None
    try:
        if isinstance(x, sp.Add):
            v = math.fsum(args)  # type: ignore[arg-type]
        elif isinstance(x, sp.Mul):
            v = math.prod(args)  # type: ignore[arg-type]
        elif isinstance(x, sp.Pow):
            v = math.pow(*args)  # type: ignore[arg-type]
        elif isinstance(x, sp.Function) and type(x).__name__ in _FLOAT_FUNCS:
            v = _FLOAT_FUNCS[type(x).__name__](*args)
        else:
            return None
    except (ValueError, ZeroDivisionError, TypeError):
        return None  # a domain error: let the comparator decide (it sees complex values as non-numbers)
    if isinstance(v, complex) or math.isnan(v):
        return None
    if abs(v) > MAX_MAGNITUDE:
        raise OverflowError("an intermediate value exceeds 1e300")
    return v


def _too_costly(value: Any) -> str | None:
    """Why ``value`` (a parsed answer) is not evaluated, or None. Cheap to write, expensive to
    evaluate: ``exp(exp(exp(exp(3))))`` or ``sin(exp(exp(13)))`` would keep sympy's ``evalf`` busy
    for hours; with floats their intermediate values overflow at once, and that is the bound."""
    stack = [value]
    budget = [MAX_NODES]
    while stack:
        v = stack.pop()
        if isinstance(v, tuple | list):
            stack.extend(v)
        elif isinstance(v, sp.Basic) and not isinstance(v, sp.Rational) and v.is_number:
            try:
                _approx(v, budget)
            except OverflowError as err:
                why = str(err) if "exceeds" in str(err) or "operations" in str(err) else "an intermediate value exceeds 1e300"
                return f"its value cannot be evaluated within nnexam's bounds ({why}); simplify it"
            except RecursionError:
                return "the answer is nested too deeply"
    return None


def _read(raw: Any, p: KeyPart) -> Reading:
    """``raw`` read for part ``p``; whatever cannot be read or bounded is Unreadable, never raised
    (the reader's own limits, then a float estimate of what evaluating the value would cost)."""
    try:
        reading = read_answer(raw, p.kind, expected=p.value)
        why = _too_costly(reading.value)
    except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError) as err:
        return Reading(Unreadable(f"the answer could not be evaluated ({type(err).__name__}: {str(err)[:80]})"))
    return Reading(Unreadable(why)) if why else reading


def _guarded(p: KeyPart, raw: Any, value: Any, q: KeyQuestion, follow: Mapping[str, Any],
             shapes: Mapping[str, tuple[int, int]] | None, reading: Reading | None = None) -> PartResult:
    """:func:`judge_part`, total: an answer that breaks a comparator is unreadable with the reason."""
    try:
        return judge_part(p, raw, value, q, follow, shapes, reading)
    except (ArithmeticError, ValueError, TypeError, RecursionError, MemoryError, NnexamError) as err:
        why = Unreadable(f"the answer could not be compared ({type(err).__name__}: {str(err)[:80]})")
        return judge_part(p, raw, why, q)


def judge_question(q: KeyQuestion, answers: Mapping[str, Any]) -> QuestionResult:
    """Every part of ``q`` against the student's raw ``answers`` (part id -> raw value)."""
    readings = {p.id: _read(answers.get(p.id), p) for p in q.parts}
    parsed: dict[str, Any] = {k: r.value for k, r in readings.items()}
    follow: dict[str, Any] = {}
    family = _family(q.type)
    if family is not None and hasattr(family.module, "follow_on") and len(q.parts) > 1:
        given = {
            p.part: _for_follow_on(p.kind, parsed[p.id])
            for p in q.parts
            if parsed[p.id] is not MISSING and not isinstance(parsed[p.id], Unreadable)
        }
        follow = _follow_on(q, {k: v for k, v in given.items() if v is not None})
    shapes = q.matrix_shapes
    results = tuple(_guarded(p, answers.get(p.id), parsed[p.id], q, follow, shapes, readings[p.id]) for p in q.parts)
    # the key rounds part points (4/3 -> 1.333333): the question's score is its share of the question's points
    part_points = sum(p.points for p in q.parts)
    score = q.points * sum(r.score for r in results) / part_points if part_points else 0.0
    return QuestionResult(id=q.id, score=round(score, 6), max=q.points, parts=results)


def judge_part(
    p: KeyPart,
    raw: Any,
    value: Any,
    q: KeyQuestion,
    follow: Mapping[str, Any] | None = None,
    shapes: Mapping[str, tuple[int, int]] | None = None,
    reading: Reading | None = None,
) -> PartResult:
    """One part's verdict; ``value`` is ``raw`` parsed by nnexam.grader.values (``reading``: with
    the student's working, checked against the value, and whether it was marked approximate)."""
    notes = _working_notes(p, value, reading, shapes, q.definitions)

    def result(verdict: str, credit: float, feedback: str, mistake: str | None = None, cf: bool = False) -> PartResult:
        if verdict not in ("correct", "missing", "unreadable") and reading is not None and reading.approximate \
                and p.kind == "integer":
            feedback += f" This part asks for an exact count: write every digit, not a rounded value such as {_shown(raw)!r}."
        return PartResult(
            part=p.id, verdict=verdict, score=round(p.points * credit, 6), max=p.points, mistake=mistake,
            feedback=" ".join((feedback, *notes)), expected=p.exact, given=_shown(raw), carried_forward=cf, shown=p.shown,
        )

    if value is MISSING:
        return result("missing", 0.0, "No answer.")
    if isinstance(value, Unreadable):
        return result("unreadable", 0.0, f"Could not read your answer: {value.reason}. {WHAT_TO_WRITE.get(p.kind, '')}")
    if matches(p.kind, value, p.value, p.tolerance, shapes=shapes, definitions=q.definitions):
        return result("correct", 1.0, "Correct.")
    wanted = (follow or {}).get(p.part)
    if wanted is not None and matches(p.kind, value, wanted, p.tolerance, shapes=shapes, definitions=q.definitions):
        credit = q.policy.carried_forward_credit
        return result(
            "correct" if credit >= 1 else "partial", credit,
            "Not the key's value, but correct from your own earlier answer(s) to this question "
            f"(error carried forward): {_points(p.points * credit)} of {_points(p.points)}.",
            cf=True,
        )
    for m in p.mistakes:
        if matches(p.kind, value, m.value, p.tolerance, shapes=shapes, definitions=q.definitions):
            credit = q.policy.credit(m.id)
            return result("partial" if credit > 0 else "incorrect", credit, f"Recognised mistake: {m.message}", mistake=m.id)
    if p.kind in ("matrix", "vector") and is_transposed(value, p.value, element_for(p.kind, p.tolerance)):
        credit = q.policy.credit("transposed")
        return result(
            "partial" if credit > 0 else "incorrect", credit,
            "Recognised mistake: your matrix is the transpose of the right one; rows and columns are swapped.",
            mistake="transposed",
        )
    return result("incorrect", 0.0, f"Incorrect; the expected answer is {p.shown}.")


# What to write, per kind, when an answer could not be read (examples of the form, not of any key).
WHAT_TO_WRITE = {
    "integer": "Write one whole number, e.g. 4640, or an expression such as 3*3*16*32 + 32.",
    "number": "Write one number, e.g. 1.20, or an expression such as -ln(0.3) or 1/(1 + e^-2).",
    "vector": "Write the numbers in brackets, e.g. [0.5, -2, 3] (MATLAB's [0.5; -2; 3] is read too).",
    "matrix": "Write the rows in brackets, e.g. [[1, 2], [3, 4]] or [1 2; 3 4].",
    "shape": "Write the sizes, e.g. (13, 13, 16), 13x13 or (None, 13, 13, 16).",
    "expression": "Write one expression with the question's names, e.g. 2*P*Q^T + c (products with *, transposes with ^T).",
    "choice": "Write one choice: a letter such as B, or true/false.",
    "table": "Write a list of rows, e.g. [{name: conv1, params: 896}].",
    "text": "",
}


def _working_notes(
    p: KeyPart, value: Any, reading: Reading | None, shapes: Any, definitions: Any
) -> tuple[str, ...]:
    """A chain whose members disagree (``50000/64 = 782``): said in the feedback; the final value is graded."""
    if reading is None or not reading.working or value is MISSING or isinstance(value, Unreadable):
        return ()
    for text, member in reading.working:
        if not matches(p.kind, member, value, p.tolerance, shapes=shapes, definitions=definitions):
            shown = text if len(text) <= 60 else text[:57] + "..."
            return (f"Note: your working '{shown}' does not equal your final value (beyond the tolerance); "
                    "the final value was graded.",)
    return ()


def _points(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.4g}"


def match_parts(answers: Mapping[str, Any], known: set[str]) -> tuple[dict[str, Any], list[str], list[str]]:
    """Answers keyed by the key's part ids: an id that differs only in case or surrounding spaces
    (``Q6.RF`` for ``q6.rf``) is taken for the part when that is unambiguous. Returns the answers,
    notes on what was matched so, and the ids that match no part (each one a problem to report;
    a blank answer to an unknown id is no answer, so no problem)."""
    out: dict[str, Any] = {}
    loose: dict[str, list[str]] = {}
    for k in known:
        loose.setdefault(k.strip().lower(), []).append(k)
    notes, unmatched = [], []
    for k, v in answers.items():
        if k in known:
            out[k] = v
    for k, v in answers.items():
        if k in known or v is None or (isinstance(v, str) and not v.strip()):
            continue  # a blank cell under another student's part (an LMS export has every column) says nothing
        cands = loose.get(str(k).strip().lower(), [])
        if len(cands) == 1 and cands[0] not in out:  # a second spelling of an answered part is reported
            out[cands[0]] = v
            notes.append(f"{k!s:.60} read as {cands[0]}")
        else:
            unmatched.append(str(k))
    return out, notes, sorted(unmatched)


def judge_student(key: Key, variant: KeyStudent, student: str, answers: Mapping[str, Any], source: str = "") -> StudentResult:
    """All questions of one student's variant. Answers to part ids the key does not have are noted
    (and reported as a problem by :func:`grade_batch`)."""
    known = {p.id for q in variant.questions for p in q.parts}
    answers, matched, unknown = match_parts(answers, known)
    questions = tuple(judge_question(q, answers) for q in variant.questions)
    notes = tuple(f"part id {m} (case or spaces differ)" for m in matched[:10])
    if unknown:
        notes += (f"answers to part ids that match no part of the exam, not graded: {', '.join(u[:40] for u in unknown[:10])}"
                  f"{' ...' if len(unknown) > 10 else ''}",)
    return StudentResult(
        student=student,
        name=variant.name if variant.student != "*" else "",
        status="graded",
        score=round(sum(q.score for q in questions), 6),
        max=round(sum(q.max for q in questions), 6),
        questions=questions,
        source=source,
        notes=notes,
    )


def not_submitted(variant: KeyStudent) -> StudentResult:
    """A roster student without a submission: every part missing, score 0."""
    questions = tuple(judge_question(q, {}) for q in variant.questions)
    return StudentResult(
        student=variant.student, name=variant.name, status="no submission", score=0.0,
        max=round(sum(q.max for q in questions), 6), questions=questions,
    )


@dataclass
class Graded:
    """A batch graded: one result per student (roster order), and what could not be graded."""

    results: list[StudentResult]
    problems: list[Any]  # nnexam.grader.submissions.Problem


def grade_batch(key: Key, batch: Any, progress: Any = None, jobs: int = 1) -> Graded:
    """Judge every submission of ``batch`` (nnexam.grader.submissions.Batch) against ``key``.

    An unknown student or a second submission for the same student is a problem (the first one
    read is graded); roster students without a submission get a row with status "no submission".
    ``progress(n)`` is called as submissions are done; ``jobs`` > 1 spreads them over processes.
    """
    from nnexam.grader.submissions import Problem

    problems = list(batch.problems)
    todo: list[tuple[Any, KeyStudent]] = []
    sources: dict[str, str] = {}
    for sub in batch.submissions:
        variant = key.variant(sub.student)
        if variant is None:
            problems.append(Problem(sub.source, f"unknown student {sub.student!r}: not in the key's roster; not graded"))
        elif sub.student in sources:
            problems.append(Problem(sub.source, f"a second submission for student {sub.student!r} (first: {sources[sub.student]}); ignored"))
        else:
            sources[sub.student] = sub.source
            todo.append((sub, variant))
    if progress is not None and len(todo) < len(batch.submissions):
        progress(len(batch.submissions) - len(todo))
    graded = {r.student: r for r in _judge_all(key, todo, progress, jobs)}
    for r in graded.values():
        problems.extend(Problem(r.source or r.student, n) for n in r.notes if n.startswith("answers to part ids"))
    if key.anonymous:
        return Graded(results=[graded[s.student] for s, _ in todo], problems=problems)
    results = [graded.get(s) or not_submitted(v) for s, v in key.students.items()]
    return Graded(results=results, problems=problems)


def _judge_one(key: Key, sub: Any, variant: KeyStudent) -> StudentResult:
    """One student, total: should judging raise anyway (a bug the guards above missed), every part
    of that student is unreadable with the reason and the rest of the class is still graded."""
    try:
        return judge_student(key, variant, sub.student, sub.answers, sub.source)
    except Exception as err:  # noqa: BLE001 - one submission never stops the batch
        why = Unreadable(f"this submission could not be judged ({type(err).__name__}: {str(err)[:80]}); please report")
        questions = tuple(
            QuestionResult(id=q.id, score=0.0, max=q.points, parts=tuple(judge_part(p, sub.answers.get(p.id), why, q) for p in q.parts))
            for q in variant.questions
        )
        return StudentResult(student=sub.student, name=variant.name if variant.student != "*" else "", status="graded",
                             score=0.0, max=round(sum(q.max for q in questions), 6), questions=questions,
                             source=sub.source, notes=(why.reason,))


def _judge_chunk(key: Key, chunk: list[tuple[Any, KeyStudent]]) -> list[StudentResult]:
    return [_judge_one(key, s, v) for s, v in chunk]


def _judge_all(key: Key, todo: list[tuple[Any, KeyStudent]], progress: Any, jobs: int) -> list[StudentResult]:
    if jobs <= 1 or len(todo) < 200:
        out = []
        for sub, variant in todo:
            out.append(_judge_one(key, sub, variant))
            if progress is not None:
                progress(1)
        return out
    from concurrent.futures import ProcessPoolExecutor

    size = max(50, len(todo) // (jobs * 8))
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    out = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for chunk, results in zip(chunks, pool.map(_judge_chunk, [key] * len(chunks), chunks)):
            out.extend(results)
            if progress is not None:
                progress(len(chunk))
    return out
