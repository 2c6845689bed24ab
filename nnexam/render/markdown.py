"""Markdown (CommonMark with ``$``/``$$`` math, as GitHub, pandoc and most LMS editors read it).

``escape`` is the one escaping function: a backslash before every ASCII punctuation character,
which CommonMark always reads as that literal character, so ``*bold*``, ``<x>`` or ``$x$`` in a
name print as typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nnexam.questions import doc
from nnexam.render.base import Format

# CommonMark reads a backslash before any ASCII punctuation as that character; these are the ones
# that can start markup somewhere (emphasis, code, links, HTML, lists, headings, tables, math).
# "(" is left alone: a backslash before it opens a formula for MathJax, and a link needs "]" first, which is escaped.
_ESCAPES = str.maketrans(
    {**{ord(c): "\\" + c for c in "\\`*_{}[]<>)#+-.!|$~&=^"}, **{c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}}
)


def escape(text: str) -> str:
    """Text that Markdown prints exactly as written (control characters dropped)."""
    return text.translate(_ESCAPES)


class Markdown(Format):
    name = "markdown"
    suffix = ".md"

    def escape(self, text: str) -> str:
        return escape(text)

    def inline(self, f: doc.F) -> str:
        body = f.latex.strip()
        return f"${body}$" if body else ""

    def display(self, f: doc.F) -> str:
        return f"$$\n{f.latex.strip()}\n$$"

    def code(self, c: doc.Code) -> str:
        longest = max((len(run) for run in re.findall(r"`+", c.text)), default=0)
        fence = "`" * max(3, longest + 1)
        lang = re.sub(r"[^A-Za-z0-9_+-]", "", c.lang)
        return f"{fence}{lang}\n{c.text.rstrip()}\n{fence}"

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
        def line(cells: Sequence[str]) -> str:
            return "| " + " | ".join(" ".join(c.split()) for c in cells) + " |"

        return "\n".join([line(header), "|" + "---|" * len(header), *(line(r) for r in rows)])


FORMAT = Markdown()
