"""Moodle XML: a category per exam question holding one question per variant (student).

Numeric answers become ``numerical`` questions with Moodle's absolute tolerance (the key's
relative/absolute/significant-figure tolerance turned into one number); vectors, matrices and
shapes give one numerical question per entry; choices become ``multichoice`` or ``truefalse``.
Parts Moodle cannot grade (expressions, tables) are listed in the category's info instead.

``escape`` is the one escaping function for XML; question text is HTML (from :mod:`html`)
escaped once more as XML text, which is what Moodle's importer reads back.
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import sympy as sp

from nnexam.questions import doc
from nnexam.questions.exact import exact_str, json_value
from nnexam.questions.exam_variant import PartKey, Variant
from nnexam.render import html
from nnexam.render.base import Format, points

_XML = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;", 0xFFFE: None, 0xFFFF: None,
     **{c: None for c in (*range(0, 9), 11, 12, *range(14, 32))}}
)


def escape(text: str) -> str:
    """XML 1.0 character data or attribute value (characters XML cannot hold are dropped)."""
    return text.translate(_XML)


class Moodle(Format):
    """Blocks as the HTML Moodle shows (MathJax reads the ``\\( \\)`` formulas); template values XML-escaped."""

    name = "moodle"
    suffix = ".xml"

    def escape(self, text: str) -> str:
        return escape(text)


FORMAT = Moodle()


def tolerance(p: PartKey, value: float) -> float:
    """Moodle's one absolute tolerance for ``value`` under the part's tolerance."""
    return p.kind.width(p.tolerance, value)


def _entries(exact: Any) -> list[tuple[str, Any]] | None:
    """(label, scalar) for each number in a scalar, vector, matrix or shape; None when not numeric."""
    if isinstance(exact, sp.MatrixBase):
        exact = exact.tolist()
    if isinstance(exact, int | Fraction | sp.Basic) and not isinstance(exact, bool):
        return [("", exact)] if isinstance(json_value(exact), int | float) else None
    if isinstance(exact, Sequence) and not isinstance(exact, str) and exact:
        out: list[tuple[str, Any]] = []
        for i, item in enumerate(exact, 1):
            inner = _entries(item)
            if inner is None:
                return None
            out.extend((f"[{i}]{label}", v) for label, v in inner)
        return out
    return None


def questions(v: Variant) -> list[dict[str, Any]]:
    """The Moodle questions of one variant, as plain data for ``moodle.xml.j2``."""
    fmt = html.FORMAT
    out = []
    who = v.student.id if v.student.id != "*" else "all"
    for q in v.questions:
        statement = fmt.blocks(q.statement)
        for p in q.parts:
            base = {"qid": q.spec.id, "student": who}
            prompt = f'<p><b>{html.escape(p.id)}</b>: {fmt.pieces(doc.hint(p.help or p.part).pieces)}</p>'
            if p.choices:
                out.append(_choice(base, p, statement + prompt))
                continue
            entries = _entries(p.exact)
            if entries is None:
                out.append({**base, "type": "skip", "name": f"{p.id} {who}", "note": f"{p.id} ({p.kind}) cannot be a Moodle numerical question; grade it with nnexam grade"})
                continue
            share = p.points / len(entries)
            for label, value in entries:
                number = float(json_value(value))
                where = f"<p>Give entry {html.escape(label)} (1-based).</p>" if label else ""
                out.append({
                    **base,
                    "type": "numerical",
                    "name": f"{p.id}{label} {who}",
                    "text": statement + prompt + where,
                    "grade": points(share),
                    "answer": str(int(number)) if number.is_integer() and abs(number) < 2**53 else repr(number),
                    "tolerance": f"{tolerance(p, number):.6g}",
                    "feedback": f"Exact answer: {exact_str(value)}",
                })
    return out


def _choice(base: dict[str, Any], p: PartKey, text: str) -> dict[str, Any]:
    right = exact_str(p.exact)
    if tuple(p.choices or ()) == ("true", "false"):
        return {**base, "type": "truefalse", "name": f"{p.id} {base['student']}", "text": text, "grade": points(p.points),
                "answers": [("true", right == "true"), ("false", right == "false")]}
    return {**base, "type": "multichoice", "name": f"{p.id} {base['student']}", "text": text, "grade": points(p.points),
            "answers": [(c, c == right) for c in p.choices or ()]}
