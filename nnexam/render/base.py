"""What every output format shares: the walk over the document model, the template environment,
and the neutral view of a variant that the templates lay out.

Each format module (typst, markdown, html, moodle) subclasses :class:`Format` with ONE escaping
function for its markup and the few hooks that write formulas, code and tables. Templates are
rendered by a strict jinja2 environment (an undefined name is an error) whose ``finalize`` runs
that escaping function on every ``{{ value }}``: only :class:`Raw` text, which a Format produced
from the document model, goes out unescaped. A template cannot forget to escape a student's name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import jinja2

from nnexam.questions import doc
from nnexam.questions.exact import exact_str
from nnexam.questions.exam import ExamSpec
from nnexam.questions.exam_variant import PartKey, QuestionVariant, Variant, formula, is_table, table


class Raw(str):
    """Markup a Format produced (formulas, escaped text): the template environment passes it through."""


class Format:
    """One output format. Subclasses set ``name``/``suffix`` and the hooks below."""

    name = ""
    suffix = ""

    def escape(self, text: str) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def inline(self, f: doc.F) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def display(self, f: doc.F) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def code(self, c: doc.Code) -> str:  # pragma: no cover - interface
        raise NotImplementedError

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:  # pragma: no cover - interface
        """Cells arrive rendered (header escaped, row cells escaped text or inline math)."""
        raise NotImplementedError

    def answer_math(self, f: doc.F) -> str:
        """An answer in a table cell: inline by default; Typst sets it display size."""
        return self.inline(f)

    def paragraph(self, text: str) -> str:
        return text

    def join_blocks(self, blocks: Sequence[str]) -> str:
        return "\n\n".join(blocks)

    # ---- generic walk -------------------------------------------------------------------------

    def pieces(self, pieces: Iterable[doc.Piece]) -> str:
        return "".join(self.escape(p) if isinstance(p, str) else self.inline(p) for p in pieces)

    def block(self, b: doc.Block) -> str:
        if isinstance(b, doc.Para):
            return self.paragraph(self.pieces(b.pieces))
        if isinstance(b, doc.Display):
            return self.display(b.formula)
        if isinstance(b, doc.Code):
            return self.code(b)
        if isinstance(b, doc.Table):
            return self.table([self.escape(h) for h in b.header], [[self.pieces([c]) for c in r] for r in b.rows])
        raise TypeError(f"not a document block: {type(b).__name__}")

    def blocks(self, blocks: Iterable[doc.Block]) -> Raw:
        return _memo(self._blocks, tuple(blocks))

    def _blocks(self, blocks: tuple[doc.Block, ...]) -> Raw:
        return Raw(self.join_blocks([self.block(b) for b in blocks]))

    def value(self, exact: Any, kind: str = "") -> Raw:
        """An exact answer: math when it is math, a table for a list of rows, else its exact text."""
        return _memo(self._value, exact, kind)

    def _value(self, exact: Any, kind: str) -> Raw:
        if _natural(exact):
            return Raw(self.escape(str(exact)))  # 59018 needs no math (and math costs Typst layout time)
        f = formula(exact, kind)
        if f is not None:
            return Raw(self.answer_math(f))
        t = table(exact)
        if t is not None:
            return Raw(self.block(t))
        return Raw(self.escape(exact_str(exact)))

    # ---- templates ----------------------------------------------------------------------------

    def filters(self) -> dict[str, Any]:
        """Format-specific template filters (e.g. Typst string literals)."""
        return {}

    def finalize(self, value: Any) -> str:
        if isinstance(value, Raw):
            return value
        if value is None:
            return ""
        return self.escape(str(value))


def _natural(exact: Any) -> bool:
    """A non-negative integer answer (a count, a size, an epoch)."""
    return (isinstance(exact, int) and not isinstance(exact, bool) or getattr(exact, "is_Integer", False)) and exact >= 0


@lru_cache(maxsize=8192)
def _cached(fn: Callable[..., Raw], *args: Any) -> Raw:
    return fn(*args)


def _memo(fn: Callable[..., Raw], *args: Any) -> Raw:
    """``fn(*args)``, remembered: the exam and the key share statements, students share fixed questions."""
    try:
        hash(args)
    except TypeError:  # a table of dicts
        return fn(*args)
    return _cached(fn, *args)


@cache
def package_templates() -> Path:
    from nnexam.templates import DIRECTORY

    return DIRECTORY


def environment(fmt: Format, override: str | Path | None = None) -> jinja2.Environment:
    """A strict environment: files in ``override`` (``--templates DIR``) replace the package's one by one."""
    loaders: list[jinja2.BaseLoader] = []
    if override is not None:
        loaders.append(jinja2.FileSystemLoader(str(override)))
    loaders.append(jinja2.FileSystemLoader(str(package_templates())))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the format's own escaping runs in finalize
        finalize=fmt.finalize,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(fmt.filters())
    env.filters["raw_file"] = lambda name: Raw(env.loader.get_source(env, name)[0])  # type: ignore[union-attr]
    return env


def points(p: Any) -> str:
    """6, 1.5, 0.333: points as people write them."""
    from fractions import Fraction

    f = Fraction(p)
    return str(f.numerator) if f.denominator == 1 else f"{float(f):.3g}"


def plural(p: Any, word: str = "point") -> str:
    return f"{points(p)} {word}" + ("" if points(p) == "1" else "s")


def tolerance_text(p: PartKey) -> str:
    return "exact" if p.choices else p.kind.tolerance_text(p.tolerance)


def view(fmt: Format, v: Variant, key: bool) -> dict[str, Any]:
    """The variant as the templates see it: text fields plain (escaped by finalize), content Raw."""
    return {
        "key": key,
        "exam": {**exam_view(v.exam), "instructions": _instructions(fmt, v.exam.instructions)},
        "student": {"id": v.student.id, "name": v.student.name, "email": v.student.email, "file": v.student.file},
        "questions": [_question(fmt, q, key) for q in v.questions],
    }


def _instructions(fmt: Format, text: str) -> Any:
    """The exam's instructions; formulas between ``$...$`` are typeset as the part hints' are."""
    return Raw(fmt.pieces(doc.hint(text).pieces)) if text.count("$") >= 2 else text


def exam_view(e: ExamSpec) -> dict[str, Any]:
    return {
        "title": e.title,
        "course": e.course,
        "date": e.date,
        "instructions": e.instructions,
        "points": points(e.points),
        "points_text": plural(e.points),
    }


def _question(fmt: Format, q: QuestionVariant, key: bool) -> dict[str, Any]:
    return {
        "number": q.number,
        "id": q.spec.id,
        "type": q.spec.type,
        "title": q.spec.title,
        "points": points(q.spec.points),
        "points_text": plural(q.spec.points),
        "statement": fmt.blocks(q.statement),
        "steps": fmt.blocks(q.steps) if key else Raw(""),
        "parts": [_part(fmt, p, key) for p in q.parts],
        "mistakes": _mistakes(fmt, q.parts) if key else [],
    }


def _mistakes(fmt: Format, parts: Sequence[PartKey]) -> list[dict[str, Any]]:
    """Known mistakes, one entry each with every part it changes (a mistake such as forgot-bias
    runs through several parts: one explanation, not one per part)."""
    out: dict[str, dict[str, Any]] = {}
    for p in parts:
        for m in p.mistakes:
            entry = out.setdefault(m.id, {"id": m.id, "message": m.message, "answers": []})
            entry["answers"].append({"part": p.part, "answer": _short_value(fmt, m.exact, p.kind)})
    return list(out.values())


def _part(fmt: Format, p: PartKey, key: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": p.id,
        "part": p.part,
        "kind": p.kind,
        "help": Raw(fmt.pieces(doc.hint(p.help).pieces)),  # formulas in hints typeset as math
        "points": points(p.points),
        "points_text": plural(p.points),
        "choices": list(p.choices or ()),
        "big": _is_big(p.exact),
    }
    if key:
        rows = table(p.exact)
        out.update(
            answer=fmt.value(p.exact, p.kind) if rows is None else Raw(fmt.escape("the table below")),
            block=Raw(fmt.block(rows)) if rows is not None else Raw(""),
            exact=p.text,
            decimal=p.decimal,
            tolerance=tolerance_text(p),
        )
    return out


def _short_value(fmt: Format, exact: Any, kind: str) -> Raw:
    """A mistake's answer; a whole table would not fit beside its explanation."""
    return Raw(fmt.escape("a different table")) if is_table(exact) else fmt.value(exact, kind)


def _is_big(exact: Any) -> bool:
    """Answers that need a tall box (matrices, column vectors, tables)."""
    return isinstance(exact, Sequence) and not isinstance(exact, str) and len(exact) > 1 and not all(
        isinstance(x, int) for x in exact
    )


def render(env: jinja2.Environment, template: str, context: Mapping[str, Any]) -> str:
    return env.get_template(template).render(**context)
