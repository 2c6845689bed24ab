"""Typst: the exam and key source that the ``typst`` package turns into PDF (no TeX install).

``escape`` is the one escaping function for Typst markup: every ASCII symbol that markup could
read as syntax (``#`` code, ``$`` math, ``*``/``_`` emphasis, ``<``/``@`` labels, ``/`` comments,
quotes, list and heading markers...) gets a backslash, so a name such as ``#read("/etc/passwd")``
prints as typed. Code and values handed to Typst functions go in as string literals
(:func:`string`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from nnexam.questions import doc
from nnexam.render.base import Format, Raw

_SPECIAL = '\\#$*_`<>@[]~/"\'=-+.:{}()!?%&^|,;'
# control characters dropped (Typst has no use for them), tabs and newlines kept
_CONTROL = {c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 127)}
_MARKUP = str.maketrans({**{ord(c): "\\" + c for c in _SPECIAL}, **_CONTROL})
_STRING = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", **_CONTROL})


def escape(text: str) -> str:
    """Text that Typst markup prints exactly as written."""
    return text.translate(_MARKUP)


def string(text: str) -> str:
    """A Typst string literal (code mode) holding ``text`` verbatim."""
    return '"' + text.translate(_STRING) + '"'


class Typst(Format):
    name = "typst"
    suffix = ".typ"

    def escape(self, text: str) -> str:
        return escape(text)

    def inline(self, f: doc.F) -> str:
        body = f.typst.strip()
        return f"${body}$" if body else ""

    def answer_math(self, f: doc.F) -> str:
        body = f.typst.strip()
        return f"$display({body})$" if body else ""

    def display(self, f: doc.F) -> str:
        return f"$ {f.typst.strip()} $"

    def code(self, c: doc.Code) -> str:
        # no ``lang``: syntax colouring is of little use on a printed page and costs ~9 % of a
        # student's Typst time (the highlighter runs its regexes over every line)
        return f"#raw(block: true, {string(c.text)})"

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
        head = ", ".join(f"[*{h}*]" for h in header)
        body = ",\n  ".join(", ".join(f"[{c}]" for c in r) for r in rows)
        return f"#nn-table(columns: {len(header)}, grid.header({head}),\n  {body})"

    def filters(self) -> dict[str, object]:
        return {"str": lambda text: Raw(string(str(text)))}


FORMAT = Typst()


def compile_pdf(source: str, root: Path | None = None) -> bytes:
    """PDF bytes from Typst source. Embedded fonts only (system fonts vary between machines, and
    the same input must give the same bytes); ``root`` is where images such as a logo are found."""
    from nnexam.render.base import package_templates

    return _compiler().compile(input=source.encode("utf-8"), format="pdf", root=str(root or package_templates()))


_LOCAL = threading.local()


def _compiler() -> Any:
    """This thread's Typst compiler. Kept, not made per document: a new one searches and loads the
    fonts again (~29M instructions, 5 % of a student's exam and key). One per thread, since a
    compiler compiles one document at a time."""
    compiler = getattr(_LOCAL, "compiler", None)
    if compiler is None:
        import typst

        compiler = _LOCAL.compiler = typst.Compiler(ignore_system_fonts=True)
    return compiler
