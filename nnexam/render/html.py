"""HTML: a self-contained page per exam and key, math typeset by MathJax.

``escape`` is the one escaping function (``&``, ``<``, ``>``, quotes). MathJax is told to look
only inside the formulas this module writes (class ``nn-math``), so a ``\\(x\\)`` typed in a
name stays text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from nnexam.questions import doc
from nnexam.render.base import Format

_CONTROL = str.maketrans({c: None for c in (*range(0, 9), 11, 12, *range(14, 32), 127)})


def escape(text: str) -> str:
    """Text that HTML prints exactly as written (control characters dropped)."""
    return html.escape(text.translate(_CONTROL), quote=True)


class Html(Format):
    name = "html"
    suffix = ".html"

    def escape(self, text: str) -> str:
        return escape(text)

    def inline(self, f: doc.F) -> str:
        body = f.latex.strip()
        return f'<span class="nn-math">\\({escape(body)}\\)</span>' if body else ""

    def display(self, f: doc.F) -> str:
        return f'<div class="nn-math nn-display">\\[{escape(f.latex.strip())}\\]</div>'

    def code(self, c: doc.Code) -> str:
        return f'<pre class="nn-code"><code class="language-{escape(c.lang)}">{escape(c.text.rstrip())}</code></pre>'

    def paragraph(self, text: str) -> str:
        return f"<p>{text}</p>"

    def join_blocks(self, blocks: Sequence[str]) -> str:
        return "\n".join(blocks)

    def table(self, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
        head = "".join(f"<th>{h}</th>" for h in header)
        body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
        return f'<table class="nn-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


FORMAT = Html()
