"""What a question family is, and the generic machinery around one.

A family is a module exposing, side by side:

- ``TYPE_ID`` (``"conv2d-output"``), ``SUMMARY`` (one line);
- ``PARAMS``: :class:`nnexam.questions.params.Param` specs, and ``Params``, a frozen dataclass whose
  ``__post_init__`` raises :class:`ParamError` on inconsistent values (shapes that do not fit);
- ``PARTS``: :class:`nnexam.questions.params.PartSpec` (for variable parts such as ``z1..zL`` list the
  pattern with an ``L`` in the name);
- ``OPTIONS``: generator knobs (ranges an instructor sets), as ``Param`` specs with defaults;
- ``sample(rng: random.Random, **options) -> Params``: a seeded random variant, good for an exam;
- ``solve(params) -> Answer``: the exact answer and worked steps; the truth;
- ``statement(params) -> tuple[Block, ...]``: the question as students read it;
- ``MISTAKES``: :class:`Mistake` s, each an alternative solver for the parts it changes;
- optionally ``follow_on(params, given) -> dict``: for multi-part questions, the parts recomputed
  from a student's own earlier answers (error carried forward).

:class:`Family` wraps such a module and adds parsing, drawing with constraints, and the
mistakes' answers.

Exact values are ``int`` and ``fractions.Fraction`` (what the converters give); a family that needs
symbolic algebra converts them with :func:`nnexam.questions.exact.to_sympy` and imports sympy inside the
functions that use it, never at module level: `nnexam list` and the numeric families start without
sympy (~0.5 s of imports).
"""

from __future__ import annotations

import dataclasses
import random
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from types import ModuleType
from typing import TYPE_CHECKING, Any

from nnexam.questions.doc import Block
from nnexam.questions.errors import NnexamError, ParamError
from nnexam.questions.exact import exact_n, is_number, is_sympy, is_sympy_matrix, loaded_sympy
from nnexam.questions.grading import DEFAULT, AnswerKind, Tolerance
from nnexam.questions.params import Param, PartSpec, parse_fields

if TYPE_CHECKING:
    import sympy as sp


@dataclass(frozen=True)
class Part:
    """One exact answer part; ``kind`` tells the grader how to read and compare it."""

    name: str
    exact: Any
    kind: AnswerKind

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", AnswerKind.parse(self.kind, f"part {self.name!r} kind"))


@dataclass(frozen=True)
class Answer:
    parts: tuple[Part, ...]
    steps: tuple[Block, ...] = ()

    def __getitem__(self, name: str) -> Any:
        for p in self.parts:
            if p.name == name:
                return p.exact
        raise KeyError(name)

    def names(self) -> list[str]:
        return [p.name for p in self.parts]

    def as_dict(self) -> dict[str, Any]:
        return {p.name: p.exact for p in self.parts}


@dataclass(frozen=True)
class Mistake:
    """A known mistake: ``apply(params)`` returns what the mistaken solver would answer for the
    parts it changes, or ``{}`` when the mistake cannot occur for these params."""

    id: str
    message: str
    apply: Callable[[Any], Mapping[str, Any]]


def same(a: Any, b: Any) -> bool:
    """Exact equality of answers (tuples element-wise; numeric expressions to 30 digits)."""
    if isinstance(a, Mapping) or isinstance(b, Mapping):
        return isinstance(a, Mapping) and isinstance(b, Mapping) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if is_sympy_matrix(a):
        a = tuple(tuple(a.row(i)) for i in range(a.rows))
    if is_sympy_matrix(b):
        b = tuple(tuple(b.row(i)) for i in range(b.rows))
    if isinstance(a, Sequence) or isinstance(b, Sequence):
        return (
            isinstance(a, Sequence) and isinstance(b, Sequence) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
        )
    sp = loaded_sympy()
    if sp is None or (is_number(a) and is_number(b)):  # plain exact numbers (or other plain values)
        return a == b
    if isinstance(a, sp.MatrixExpr) or isinstance(b, sp.MatrixExpr):
        return isinstance(a, sp.MatrixExpr) and isinstance(b, sp.MatrixExpr) and same_matrix_expr(a, b)
    try:
        ea, eb = sp.sympify(a), sp.sympify(b)  # solver answers (sympy, int or Fraction), never student text
    except (sp.SympifyError, TypeError):
        return a == b
    if ea == eb:
        return True
    if ea.is_Rational and eb.is_Rational:  # distinct exact rationals: no need to evaluate
        return False
    if ea.is_number and eb.is_number:
        return bool(abs(exact_n(ea - eb, 40)) < sp.Float("1e-30"))
    if ea.free_symbols or eb.free_symbols:
        return sp.simplify(ea - eb) == 0
    return False


def _as_float(x: Any) -> float | None:
    """An exact numeric answer as a float (None for symbols, non-numbers and overflow)."""
    try:
        v = complex(exact_n(x, 20) if is_sympy(x) else x)
    except (TypeError, ValueError, OverflowError):
        return None
    return v.real if abs(v.imag) <= 1e-12 * max(1.0, abs(v.real)) else None


def _squeezed(v: Any) -> Any:
    """As the grader reads arrays: [[1], [2]] and [[1, 2]] are [1, 2]; a one-element vector is its scalar."""
    if is_sympy_matrix(v):
        v = tuple(tuple(v.row(i)) for i in range(v.rows))
    if isinstance(v, Sequence) and not isinstance(v, str):
        v = tuple(_squeezed(x) if isinstance(x, Sequence) and not isinstance(x, str) else x for x in v)
        if v and all(isinstance(r, tuple) for r in v) and (len(v) == 1 or all(len(r) == 1 for r in v)):
            v = tuple(x for r in v for x in r)
        if len(v) == 1 and not isinstance(v[0], tuple):
            return v[0]
    return v


def _within(a: Any, b: Any, tol: Tolerance) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b) and all(_within(x, y, tol) for x, y in zip(a, b))
    fa, fb = _as_float(a), _as_float(b)
    if fa is None or fb is None:
        return same(a, b)
    return tol.accepts(fa, fb)


def graded_equal(wrong: Any, right: Any, kind: AnswerKind | str, tol: Tolerance) -> bool:
    """Would the grader take ``wrong`` for ``right``? Exact for counts, shapes, expressions, choices
    and tables; numbers, vectors and matrices element by element under ``tol`` (the grader's own
    rule, :meth:`Tolerance.accepts`), after the grader's squeezing of one-row/one-column arrays. A
    transposed matrix is a recognised mistake there, so it is compared as it stands here."""
    if not AnswerKind.parse(kind).toleranced:
        return same(wrong, right)
    return same(wrong, right) or _within(_squeezed(wrong), _squeezed(right), tol)


@lru_cache(maxsize=4096)
def same_matrix_expr(a: sp.MatrixExpr, b: sp.MatrixExpr) -> bool:
    """Matrix expressions such as ``(A - Y)*X.T`` are the same when they agree as explicit matrices,
    with distinct sizes for the dimension symbols and seeded random integer entries (simplify is slow
    and incomplete on them; cached, since a family has a handful). Different shapes are never the same."""
    import sympy as sp

    if a == b:
        return True
    free = a.free_symbols | b.free_symbols
    dims = {d for s in free if isinstance(s, sp.MatrixSymbol) for d in sp.Tuple(*s.shape).free_symbols}
    scalars = sorted({s for s in free if not isinstance(s, sp.MatrixSymbol)} | dims, key=str)
    sizes = {s: sp.Integer(n) for s, n in zip(scalars, (2, 3, 5, 7, 11, 13, 17, 19))}
    rng = random.Random(0)
    try:
        ea, eb = a.xreplace(sizes), b.xreplace(sizes)
        if ea.shape != eb.shape:
            return False
        names = sorted((s for s in ea.free_symbols | eb.free_symbols if isinstance(s, sp.MatrixSymbol)), key=str)
        mats = {s: sp.Matrix(*s.shape, lambda i, j: rng.randint(-9, 9)) for s in names}
        return explicit_matrix(ea, mats) == explicit_matrix(eb, mats)
    except (ValueError, TypeError, KeyError):  # ShapeError is a ValueError; a size left symbolic a TypeError
        return False


def explicit_matrix(e: Any, mats: Mapping[Any, sp.Matrix]) -> Any:
    """A matrix expression evaluated with explicit matrices (sympy's doit is ~50x slower on these)."""
    import sympy as sp

    if isinstance(e, sp.MatrixSymbol):
        return mats[e]
    if isinstance(e, sp.MatAdd):
        args = [explicit_matrix(x, mats) for x in e.args]
        out = args[0]
        for x in args[1:]:
            out = out + x
        return out
    if isinstance(e, sp.MatMul):
        out = sp.Integer(1)
        for x in e.args:
            out = out * explicit_matrix(x, mats)
        return out
    if isinstance(e, sp.Transpose):
        return explicit_matrix(e.arg, mats).T
    if isinstance(e, sp.HadamardProduct):
        args = [explicit_matrix(x, mats) for x in e.args]
        out = args[0]
        for x in args[1:]:
            out = out.multiply_elementwise(x)
        return out
    if isinstance(e, sp.MatrixExpr):
        return sp.Matrix(e.xreplace(mats).doit())
    return e  # a scalar


_MISSING = object()


class Family:
    """A question family module, wrapped with the generic operations every family shares."""

    def __init__(self, module: ModuleType | Any):
        self.module = module
        self.type_id: str = module.TYPE_ID
        self.summary: str = module.SUMMARY
        self.params: tuple[Param, ...] = tuple(module.PARAMS)
        self.parts: tuple[PartSpec, ...] = tuple(module.PARTS)
        self.options: tuple[Param, ...] = tuple(getattr(module, "OPTIONS", ()))
        self.mistakes: tuple[Mistake, ...] = tuple(module.MISTAKES)
        self.Params = module.Params
        self._recent: OrderedDict[tuple[str, Any], Any] = OrderedDict()

    def __repr__(self) -> str:
        return f"<Family {self.type_id}>"

    def parse(self, raw: Mapping[str, Any]) -> Any:
        """Raw values (JSON, TOML, ``--set``) -> validated ``Params``."""
        return self.Params(**parse_fields(self.params, raw))

    def _remembered(self, what: str, params: Any, compute: Callable[[], Any]) -> Any:
        """``compute()``, kept for the last few params: ``draw`` solves a variant and works out its
        mistakes to check them, and the exam then needs both again (fixed questions: for every
        student). Params are frozen; results are never mutated."""
        try:
            key = (what, params)
            hit = self._recent.get(key, _MISSING)
        except TypeError:  # params holding something unhashable
            return compute()
        if hit is _MISSING:
            hit = self._recent[key] = compute()
            if len(self._recent) > 64:
                self._recent.popitem(last=False)
        return hit

    def solve(self, params: Any) -> Answer:
        return self._remembered("solve", params, lambda: self.module.solve(params))

    def statement(self, params: Any) -> tuple[Block, ...]:
        return tuple(self.module.statement(params))

    def follow_on(self, params: Any, given: Mapping[str, Any]) -> dict[str, Any]:
        fn = getattr(self.module, "follow_on", None)
        return dict(fn(params, given)) if fn else {}

    def definitions(self, params: Any) -> dict[str, str]:
        """Names the key's expressions use and what they stand for (``{"A": "sigma(W*X + b*1_m^T)"}``),
        in the grader's expression syntax; empty for most families."""
        fn = getattr(self.module, "definitions", None)
        return dict(fn(params)) if fn else {}

    def mistake_answers(self, params: Any, answer: Answer | None = None) -> tuple[tuple[Mistake, dict[str, Any]], ...]:
        """Each applicable mistake with the parts it changes (empty results are skipped)."""
        return self._remembered("mistakes", params, lambda: self._mistake_answers(params))

    def _mistake_answers(self, params: Any) -> tuple[tuple[Mistake, dict[str, Any]], ...]:
        out = []
        for m in self.mistakes:
            try:
                wrong = dict(m.apply(params))
            except (ArithmeticError, ValueError, NnexamError, ZeroDivisionError):
                continue
            if wrong:
                out.append((m, wrong))
        return tuple(out)

    def distinguishable(
        self, params: Any, answer: Answer, tolerance: Tolerance = DEFAULT, part_tolerance: Mapping[str, Tolerance] | None = None
    ) -> str | None:
        """None when every applicable mistake changes some part, and every part it changes is
        changed by more than the grader forgives (the part's tolerance): a student making the
        mistake is never graded correct on any part. Else ``"mistake-id"`` (it changes nothing)
        or ``"mistake-id (part)"`` (that part's wrong value is graded as right)."""
        right = {p.name: p for p in answer.parts}
        tols = part_tolerance or {}
        for m, wrong in self.mistake_answers(params, answer):
            changed = [k for k, v in wrong.items() if k in right and not same(v, right[k].exact)]
            if not changed:
                return m.id
            for k in changed:
                if graded_equal(wrong[k], right[k].exact, right[k].kind, tols.get(k, tolerance)):
                    return f"{m.id} ({k})"
        return None

    def draw(
        self,
        rng: random.Random,
        options: Mapping[str, Any] | None = None,
        fixed: Mapping[str, Any] | None = None,
        tries: int = 500,
        *,
        tolerance: Tolerance = DEFAULT,
        part_tolerance: Mapping[str, Tolerance] | None = None,
    ) -> Any:
        """A variant from the generator, with ``fixed`` params imposed, that solves and for which every
        known mistake gives an answer the grader tells from the right one under the question's
        tolerance (``part_tolerance`` by part name, else ``tolerance``). Raises ParamError naming the
        constraint that failed."""
        opts = parse_fields(self.options, options or {})
        fixed_values = parse_fields([p for p in self.params if p.name in (fixed or {})], fixed or {})
        last = "no attempt"
        for _ in range(tries):
            params = self.module.sample(rng, **opts)
            try:
                if fixed_values:
                    params = dataclasses.replace(params, **fixed_values)
                answer = self.solve(params)
            except ParamError as err:
                last = str(err)
                continue
            bad = self.distinguishable(params, answer, tolerance, part_tolerance)
            if bad is None:
                return params
            last = f"the mistake '{bad}' gives an answer graded as right under the question's tolerance"
        raise ParamError(
            "options",
            f"ranges that can produce a valid {self.type_id} variant; after {tries} draws the last failure was: {last}",
        )
