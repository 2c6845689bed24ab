"""A tiny document model for question statements and worked steps, in three notations.

Families build statements and steps from :class:`Para`, :class:`Display`, :class:`Code` and
:class:`Table` blocks whose math pieces are :class:`F` formulas, each held in LaTeX (Markdown,
HTML, Moodle), Typst (PDF) and plain text (terminal). Families never write markup by hand:
they use the builders below, so every format stays in step and student text is escaped by
the renderers, not here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Union

from nnexam.questions.exact import is_number, is_sympy, is_sympy_matrix, norm, number_str


@dataclass(frozen=True)
class F:
    """A formula: the same math in LaTeX, Typst and plain text."""

    latex: str
    typst: str
    plain: str

    def __add__(self, other: F | str) -> F:
        o = other if isinstance(other, F) else op(other)
        return F(self.latex + o.latex, self.typst + o.typst, self.plain + o.plain)

    def __radd__(self, other: str) -> F:
        return op(other) + self


Piece = Union[str, F]  # noqa: UP007 - a str is plain text


@dataclass(frozen=True)
class Para:
    """A paragraph: text and inline formulas."""

    pieces: tuple[Piece, ...]


@dataclass(frozen=True)
class Display:
    """A displayed (block) formula."""

    formula: F


@dataclass(frozen=True)
class Code:
    text: str
    lang: str = "python"


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[Piece, ...], ...]


Block = Union[Para, Display, Code, Table]  # noqa: UP007


def para(*pieces: Piece) -> Para:
    return Para(tuple(pieces))


# ---------------------------------------------------------------------------------------------
# Builders
# ---------------------------------------------------------------------------------------------

_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "sigma": "σ", "phi": "φ", "nabla": "∇", "partial": "∂",
}  # fmt: skip

_OPS = {
    "=": ("=", "=", "="),
    "+": ("+", "+", "+"),
    "-": ("-", "-", "-"),
    "*": (r"\cdot", "dot", "·"),
    "x": (r"\times", "times", "×"),
    ",": (",", ",", ","),
    "~": (r"\approx", "approx", "≈"),
    "->": (r"\rightarrow", "arrow.r", "→"),
    "<=": (r"\le", "<=", "≤"),
    ">=": (r"\ge", ">=", "≥"),
    "<": ("<", "<", "<"),
    ">": (">", ">", ">"),
    "(": (r"\left(", "(", "("),
    ")": (r"\right)", ")", ")"),
}


def op(symbol: str) -> F:
    """An operator or punctuation, spaced: ``op("=")``, ``op("*")`` (a centred dot)."""
    if symbol in _OPS:
        latex, typst, plain = _OPS[symbol]
        if symbol in "()":
            return F(latex, typst, plain)
        return F(f" {latex} ", f" {typst} ", f" {plain} ")
    return F(symbol, symbol, symbol)


def text(s: str) -> F:
    """Upright words inside a formula (``"relu"``, ``"where"``)."""
    esc_latex = s.replace("\\", r"\textbackslash{}").replace("{", r"\{").replace("}", r"\}").replace("_", r"\_")
    esc_typst = s.replace("\\", "\\\\").replace('"', '\\"')
    return F(r"\text{" + esc_latex + "}", f'"{esc_typst}"', s)


def var(name: str, sub: Any = None, sup: Any = None) -> F:
    """A variable: ``var("z", 1)`` is z₁, ``var("W", sup="(2)")``, ``var("sigma")`` is σ."""
    base_latex = "\\" + name if name in _GREEK else (name if len(name) == 1 else r"\mathrm{" + name + "}")
    base_typst = name if (name in _GREEK or len(name) == 1) else f'"{name}"'
    base_plain = _GREEK.get(name, name)
    latex, typst, plain = base_latex, base_typst, base_plain
    if sub is not None:
        s = str(sub)
        latex += "_{" + _words_latex(s) + "}"
        typst += f"_({_words_typst(s)})" if len(s) > 1 else f"_{s}"
        plain += s if len(s) == 1 or s.isdigit() else f"_{s}"
    if sup is not None:
        s = str(sup)
        latex += "^{" + _words_latex(s) + "}"
        typst += f"^({_words_typst(s)})" if len(s) > 1 else f"^{s}"
        plain += f"^{s}"
    return F(latex, typst, plain)


_WORD = re.compile(r"[A-Za-z]{2,}")


def _words_typst(s: str) -> str:
    """Words in a sub/superscript (``pred``, ``out``) as upright text: Typst math would read them as variables."""
    return _WORD.sub(lambda m: m.group(0) if m.group(0) in _GREEK else f'"{m.group(0)}"', s)


def _words_latex(s: str) -> str:
    return _WORD.sub(lambda m: "\\" + m.group(0) if m.group(0) in _GREEK else r"\mathrm{" + m.group(0) + "}", s)


def num(x: Any, paren_negative: bool = False) -> F:
    """An exact number: 3, -1/2 (a fraction in LaTeX/Typst), with parentheses when negative if asked."""
    return expr(x, paren_negative=paren_negative)


def expr(e: Any, paren_negative: bool = False) -> F:
    """Any sympy expression or exact number (``int``, ``Fraction``: printed as sympy prints the same
    Integer/Rational, without importing sympy)."""
    if is_number(e):
        latex, typst, plain = _number_notations(e)
        neg, compound = e < 0, False
    else:
        import sympy as sp

        if not isinstance(e, sp.Basic):
            e = sp.sympify(e)  # only ever called on trusted, already-exact values
        latex, typst, plain = _notations(e)
        neg = e.is_number and e.is_real and e.is_negative
        compound = isinstance(e, sp.Add)
    if (paren_negative and neg) or (paren_negative and compound):
        return F(r"\left(" + latex + r"\right)", f"({typst})", f"({plain})")
    return F(latex, typst, plain)


def _number_notations(x: int | Fraction) -> tuple[str, str, str]:
    """An int or Fraction in the three notations, exactly as sympy's printers write the same number."""
    x = norm(x)
    if isinstance(x, int):
        return str(x), str(x), str(x)
    p, q = abs(x.numerator), x.denominator
    sign = "-" if x < 0 else ""
    return f"{sign and '- '}\\frac{{{p}}}{{{q}}}", f"{sign}{p}/{q}", f"{sign}{p}/{q}"


def _cells(rows: Any, order: str | None) -> list[list[tuple[str, str, str]]]:
    """Each entry of a matrix (a list of rows, a flat list as a column, or a sympy Matrix) in the
    three notations; sympy is used only when an entry is not a plain number."""
    if not is_sympy_matrix(rows) and not is_sympy(rows):
        grid = [list(r) if isinstance(r, Sequence) and not isinstance(r, str) else [r] for r in rows]
        if grid and all(is_number(x) for r in grid for x in r) and len({len(r) for r in grid}) == 1:
            return [[_number_notations(x) for x in r] for r in grid]
    import sympy as sp

    return [[_notations(x, order) for x in row] for row in sp.Matrix(rows).tolist()]


def mat(rows: Any, order: str | None = None) -> F:
    """A matrix (list of rows) or sympy Matrix, with square brackets. ``order="none"`` prints sums
    in sympy's internal order: several times faster for long exact entries (sums of exp terms)."""
    cells = _cells(rows, order)
    latex = r"\begin{bmatrix}" + r" \\ ".join(" & ".join(c[0] for c in row) for row in cells) + r"\end{bmatrix}"
    typst = 'mat(delim: "[", ' + "; ".join(", ".join(c[1] for c in row) for row in cells) + ")"
    plain = "[" + ", ".join("[" + ", ".join(c[2] for c in row) + "]" for row in cells) + "]"
    return F(latex, typst, plain)


@lru_cache(maxsize=16384)
def _notations(x: Any, order: str | None = None) -> tuple[str, str, str]:
    """A sympy expression in the three notations (cached: keys and steps print the same values again
    and again, and sympy's printers are slow)."""
    import sympy as sp
    from nnexam.questions.doc_sympy import PlainPrinter, TypstPrinter

    if order is None:
        return sp.latex(x, ln_notation=True), TypstPrinter().doprint(x), plain_str(x)
    settings = {"order": order}
    latex = sp.latex(x, ln_notation=True, **settings)
    return latex, TypstPrinter(settings).doprint(x), PlainPrinter(settings).doprint(x).replace("**", "^")


def vec(values: Sequence[Any]) -> F:
    """A column vector."""
    return mat([[v] for v in values])


def call(fname: str, *args: F) -> F:
    """``call("relu", num(-1))`` -> relu(−1); σ for ``"sigma"``."""
    head = var(fname) if fname in _GREEK else text(fname) if fname not in ("exp", "ln", "log", "tanh", "max", "min") else F("\\" + fname, fname, fname)
    inner = join(", ", args)
    return head + F(r"\left(", "(", "(") + inner + F(r"\right)", ")", ")")


def frac(a: F, b: F) -> F:
    return F(r"\frac{" + a.latex + "}{" + b.latex + "}", f"({a.typst})/({b.typst})", f"({a.plain})/({b.plain})")


def ceil(a: F) -> F:
    return F(r"\left\lceil " + a.latex + r" \right\rceil", f"ceil({a.typst})", f"ceil({a.plain})")


def floor(a: F) -> F:
    return F(r"\left\lfloor " + a.latex + r" \right\rfloor", f"floor({a.typst})", f"floor({a.plain})")


def join(sep: str, items: Iterable[F]) -> F:
    items = list(items)
    if not items:
        return F("", "", "")
    out = items[0]
    for it in items[1:]:
        out = out + (op(sep) if sep.strip() in _OPS else F(sep, sep, sep)) + it
    return out


def eq(*items: F) -> F:
    """``a = b = c``."""
    return join("=", items)


def plain(blocks: Iterable[Block]) -> str:
    """Blocks as terminal text (used by ``nnexam answer``)."""
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Para):
            out.append("".join(p if isinstance(p, str) else p.plain for p in b.pieces))
        elif isinstance(b, Display):
            out.append("    " + b.formula.plain)
        elif isinstance(b, Code):
            out.append("\n".join("    " + line for line in b.text.splitlines()))
        elif isinstance(b, Table):
            cells = [list(b.header)] + [[c if isinstance(c, str) else c.plain for c in r] for r in b.rows]
            widths = [max(len(r[i]) for r in cells) for i in range(len(b.header))]
            for k, r in enumerate(cells):
                out.append("  " + "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
                if k == 0:
                    out.append("  " + "  ".join("-" * w for w in widths))
    return "\n".join(out)


def plain_str(e: Any) -> str:
    """Readable exact text: ``1/(1 + exp(-13))``, ``x^2``, ``ln(5)``."""
    if is_number(e):
        return number_str(e)
    from nnexam.questions.doc_sympy import plain_str as sympy_plain

    return sympy_plain(e)


# ---------------------------------------------------------------------------------------------
# Part hints: plain text with formulas between $...$, written in a small plain notation

_HINT_TOKEN = re.compile(
    r"\s+|\^T\b|[A-Za-z]+(?:_(?:\([^()$]{1,12}\)|[A-Za-z0-9]))?|\d+(?:\.\d+)?(?:_[A-Za-z0-9])?|[-+*/=(),^]|."
)


def _hint_token(tok: str) -> F:
    if tok.isspace():
        return F(" ", " ", " ")
    if tok == "^T":
        return F(r"^{\top}", "^T", "^T")
    if tok == "*":
        return F(r" \cdot ", " dot ", "*")
    if tok in "+-=":
        return F(f" {tok} ", f" {tok} ", f" {tok} ")
    name, _, sub = tok.partition("_")
    if name[:1].isdigit():  # 1_m: a column of ones
        base = F(r"\mathbf{1}", "bold(1)", name) if name == "1" and sub else F(name, name, name)
    elif name.isalpha():
        base = var(name) if len(name) == 1 or name in _GREEK else F(r"\operatorname{" + name + "}", f'op("{name}")', name)
    else:
        return F(tok, "\\" + tok if tok in "\\\"#$" else tok, tok)
    if not sub:
        return base
    inner = sub[1:-1] if sub.startswith("(") else sub
    typst_sub = f"({inner})"  # f_(L)(z_(L)): a bare f_L(z) would take (z) into the subscript
    return F(base.latex + "_{" + inner + "}", f"{base.typst}_{typst_sub}", f"{base.plain}_{sub}")


def hint_formula(text: str) -> F:
    """A hint's formula (``W_L a_(L-1) + b_L``, ``f_L(z_L)``, ``2 P Q^T``, ``U 1_m``) as an F."""
    out = F("", "", "")
    for m in _HINT_TOKEN.finditer(text):
        out = out + _hint_token(m.group(0))
    return F(" ".join(out.latex.split()), " ".join(out.typst.split()), " ".join(text.split()))


def hint(text: str) -> Para:
    """A part's help line: words, and formulas between ``$...$`` typeset as mathematics."""
    pieces: list[Piece] = []
    for i, chunk in enumerate(text.split("$")):
        if chunk:
            pieces.append(hint_formula(chunk) if i % 2 else chunk)
    return Para(tuple(pieces))


def hint_plain(text: str) -> str:
    """A help line as terminal text (the answer sheet's comments)."""
    return "".join(p if isinstance(p, str) else p.plain for p in hint(text).pieces)
