"""Student answers (text or YAML/JSON values) -> exact values the comparators understand. Never eval.

A value is a sympy number/expression (scalars), a tuple (vectors, shapes; nested for matrices and
lists of shapes), ``None`` inside a shape (``(None, 7, 7, 32)``), a :class:`Formula` (expression
parts, read again by the comparator with the key's matrix shapes), a ``str`` (choices, text) or a
list of dicts (tables). What cannot be read is an :class:`Unreadable` value with the reason, and
an empty answer is :data:`MISSING` — parsing never raises to the caller.

Readings that depend on the part (decided by ``kind`` and the key's value ``expected``):

- ``97%`` is 0.97 when the key's value lies in [-1, 1] (a fraction, an accuracy), else 97;
- ``1,204,352`` and ``48 330`` are one number for integer/number parts, a list elsewhere;
- ``7x7`` / ``(7, 7)`` / ``(None, 7, 7, 32)`` are shapes; ``[[12 -7] [3 40]]`` (NumPy's print),
  ``[1, 2; 3, 4]``, ``1 2 3``, LaTeX ``bmatrix``/``pmatrix``/``array`` are vectors or matrices.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from typing import Any

import sympy as sp
from nnexam.questions.errors import InputError
from nnexam.questions.exact import exact_n
from nnexam.questions.functions import NAMES as FUNCTION_NAMES
from nnexam.questions.safe_expr import (
    CONSTANTS,
    GREEK,
    MAX_LITERAL,
    MAX_SCI_EXPONENT,
    ExprSyntaxError,
    Node,
    build,
    magnitude,
    parse_tree,
    tree_names,
)
from nnexam.questions.yaml_load import StrictLoader as NoAliasLoader  # noqa: F401 - the one YAML loader
from nnexam.questions.yaml_load import load_yaml as load_strict_yaml

MAX_ANSWER = 20_000  # characters of one answer
MAX_ELEMENTS = 4096  # numbers in one vector/matrix answer
MAX_NESTING = 4  # [[[[...]]]]
SCALAR_KINDS = ("integer", "number")


@dataclass(frozen=True)
class Unreadable:
    """An answer that could not be read, with what went wrong (shown to the student)."""

    reason: str


@dataclass(frozen=True)
class Formula:
    """An expression answer with the tree its reader parsed (parsed once: the comparator evaluates
    the tree with the key's matrix shapes). Equal when the texts are."""

    text: str
    tree: Node | None = field(default=None, compare=False, repr=False)


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


class ReadError(Exception):
    """Why a text cannot be read (caught at the boundary and turned into a value or a problem)."""


def load_yaml(text: str, what: str) -> Any:
    """YAML text -> plain values (nnexam.questions.yaml_load: no aliases, tags or YAML 1.1 magic);
    raises ReadError with the line on errors."""
    try:
        return load_strict_yaml(text, "", what.removeprefix("the "))
    except InputError as err:
        message = str(err).split(": ", 1)[-1]
        raise ReadError(message + (f" (line {err.line})" if err.line is not None else "")) from None


@dataclass(frozen=True)
class Reading:
    """An answer read: its value (the last member of a chain such as ``50000/64 = 782``), the
    earlier members that could be read (the student's working, checked against the value by the
    judge), and whether the student marked the value as approximate (``23.6M``, ``≈ 0.30``)."""

    value: Any
    working: tuple[tuple[str, Any], ...] = ()
    approximate: bool = False


def parse_answer(raw: Any, kind: str, *, expected: Any = None) -> Any:
    """``raw`` (text, number, list, bool, None) read for a part of ``kind``; never raises."""
    return read_answer(raw, kind, expected=expected).value


def read_answer(raw: Any, kind: str, *, expected: Any = None) -> Reading:
    """``raw`` read for a part of ``kind`` with the working around it; never raises."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return Reading(MISSING)
    fraction_hint = _is_fraction(expected)
    try:
        if isinstance(raw, str):
            if len(raw) > MAX_ANSWER:
                raise ReadError(f"the answer is longer than {MAX_ANSWER} characters")
            return (_read_text if len(raw) <= MAX_CACHED else _read_text_once)(raw, kind, fraction_hint)
        return Reading(_from_native(raw, kind, fraction_hint))
    except ReadError as bad:
        return Reading(Unreadable(str(bad)))
    except ExprSyntaxError as err:
        return Reading(Unreadable(str(err)))
    except RecursionError:
        return Reading(Unreadable("the answer is nested too deeply"))
    except (ValueError, OverflowError, ArithmeticError) as err:  # a last guard: judging is total
        return Reading(Unreadable(f"the answer cannot be evaluated: {str(err)[:80]}"))


def _is_fraction(expected: Any) -> bool:
    """True when the key's value is a number in [-1, 1] (so 97% means 0.97)."""
    if expected is None:
        return True
    if not isinstance(expected, sp.Basic) or not expected.is_number:
        return False
    return bool(_magnitude(expected) <= 1)


@lru_cache(maxsize=16384)
def _magnitude(x: sp.Basic) -> float:
    try:
        return abs(complex(exact_n(x, 15)))
    except (TypeError, ValueError):
        return math.inf


# ---------------------------------------------------------------------------------------------
# native values (YAML / JSON)

def _from_native(raw: Any, kind: str, fraction_hint: bool) -> Any:
    if kind == "table":
        if isinstance(raw, Sequence) and not isinstance(raw, str) and all(isinstance(r, Mapping) for r in raw):
            return [dict(r) for r in raw]
        raise ReadError("a table is answered as a list of rows, each a mapping such as {name: conv1, params: 896}")
    if kind in ("choice", "text"):
        if isinstance(raw, bool):
            return "true" if raw else "false"
        if isinstance(raw, int | float):
            return str(raw)
        raise ReadError(f"expected one {'choice' if kind == 'choice' else 'text'}, got a {type(raw).__name__}")
    if kind == "expression" and not isinstance(raw, Sequence):
        return _read_text(str(raw), kind, fraction_hint).value
    count = [0]
    return _native(raw, kind, fraction_hint, 0, count)


def _native(raw: Any, kind: str, fraction_hint: bool, depth: int, count: list[int]) -> Any:
    if isinstance(raw, bool):
        raise ReadError(f"expected a number, got {str(raw).lower()}")
    if isinstance(raw, int):
        return _bounded(sp.Integer(raw))
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ReadError(f"expected a finite number, got {raw}")
        f = Fraction(repr(raw))
        return _bounded(sp.Rational(f.numerator, f.denominator))
    if isinstance(raw, str):
        return _scalar(raw, kind, fraction_hint) if depth == 0 else _element(raw, kind)
    if raw is None and depth > 0 and kind == "shape":
        return None
    if isinstance(raw, Sequence):
        if depth >= MAX_NESTING:
            raise ReadError(f"lists nested more than {MAX_NESTING} deep")
        count[0] += len(raw)
        if count[0] > MAX_ELEMENTS:
            raise ReadError(f"more than {MAX_ELEMENTS} numbers")
        return tuple(_native(x, kind, fraction_hint, depth + 1, count) for x in raw)
    raise ReadError(f"expected a number or a list, got a {type(raw).__name__}")


# ---------------------------------------------------------------------------------------------
# text

_DELIMS = re.compile(r"^\s*(?:\$\$?|\\\(|\\\[)(.*?)(?:\$\$?|\\\)|\\\])\s*$", re.S)
_APPROX = re.compile(r"^\s*(?:≈|~|∼|≃|=|\\approx|\\sim|\\simeq|approx\.?|about|approximately|roughly|ca\.)\s*")
_TRUNCATED = re.compile(r"(?<=\d)\s*(?:\.\.\.|…|\\ldots|\\dots|\\cdots)\s*$")
_PERCENT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?:%|\\%|percent)$")
_THOUSANDS = re.compile(r"^([+-]?)([1-9]\d{0,2}(?:([,\u00a0\u2009\u202f' _])\d{3})(?:\3\d{3})*)(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?$")
_FRACTION = re.compile(r"^([+-]?\d{1,300})\s*/\s*(\d{1,300})$")
_MAGNITUDE = re.compile(r"^([+-]?(?:\d{1,15}(?:\.\d{0,15})?|\.\d{1,15}))\s*(k|K|M|B|G|thousand|million|billion)$")
_SUFFIX = {"k": 10**3, "K": 10**3, "thousand": 10**3, "M": 10**6, "million": 10**6, "B": 10**9, "G": 10**9, "billion": 10**9}
_SHAPE_X = re.compile(r"^\d+(?:\s*[x×X*]\s*\d+)+$")
_WRAPPER = re.compile(r"^(?:np\.|numpy\.|torch\.)?(?:array|tensor|Matrix|matrix)\s*\((.*)\)$", re.S)
_KWARGS = re.compile(r"\s*,\s*[A-Za-z_]+\s*=")  # dtype=..., grad_fn=..., device=... after the data
_CHOICE = re.compile(r"^\(?\s*([A-Za-z])\s*[).:]?$")
_TRUE = {"true", "t", "yes", "y", "1", "vrai", "wahr", "correct"}
_FALSE = {"false", "f", "no", "n", "0", "faux", "falsch", "incorrect"}
_BECAUSE = {"because", "since", "as", "-", "—", "–", "(see", "since:"}

# Characters students paste: minus signs, fullwidth digits, spaces of every width, zero-width marks.
_UNICODE = str.maketrans({
    "\u2212": "-", "\u2013": "-", "\u2012": "-", "\ufe63": "-", "\uff0d": "-", "\u00a0": " ", "\u2007": " ",
    "\u2002": " ", "\u2003": " ", "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2008": " ", "\u200a": " ",
    "\u3000": " ", "\u200b": None, "\u200c": None, "\u200d": None, "\ufeff": None, "\u2060": None,
    "\u00b7": "·", "\u22c5": "·", "\u2026": "...",
    **{0xFF10 + i: str(i) for i in range(10)}, "\uff0e": ".", "\uff0c": ",", "\uff08": "(", "\uff09": ")",
    "\uff3b": "[", "\uff3d": "]", "\uff1d": "=", "\uff0b": "+", "\uff0f": "/",
})
_LATEX_SPACE = re.compile(r"(?<!\\)\\[,;:! ]|\\q?quad\b|\\thinspace\b|\\medspace\b")
_LATEX_THOUSANDS = re.compile(r"(?<=\d)(?:\{,\}|\\[,;!]|~)(?=\d{3}(?!\d))")
_LATEX_WORDS = re.compile(r"\\(?:text|textrm|mathrm|textit|mbox)\s*\{([^{}\\]{0,60})\}")
_LATEX_SIZED = re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|big|Big)\s*(?=[()\[\]|.])|\\(?:displaystyle|textstyle)\b")


_SUPERSCRIPTS = re.compile("[⁻⁺]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+")
_SUPER = str.maketrans("⁻⁺⁰¹²³⁴⁵⁶⁷⁸⁹", "-+0123456789")


def _normalise(text: str) -> str:
    """One spelling of what students paste: ASCII minus and digits, plain spaces, LaTeX spacing,
    sizing (``\\left(``) and ``\\text{..}`` words removed, ``{,}`` thousands separators dropped."""
    text = text.translate(_UNICODE)
    if _SUPERSCRIPTS.search(text):  # 10⁻³ -> 10^(-3)
        text = _SUPERSCRIPTS.sub(lambda m: "^(" + m.group(0).translate(_SUPER) + ")", text)
    if "\\" in text or "{" in text or "~" in text:
        text = _LATEX_THOUSANDS.sub("", text)
        text = _LATEX_WORDS.sub(lambda m: f" {m.group(1)} ", text)
        text = _LATEX_SPACE.sub(" ", text)
        text = _LATEX_SIZED.sub("", text)
        text = text.replace("\\right.", "").replace("\\left.", "")
        text = text.replace("\\dfrac", "\\frac").replace("\\tfrac", "\\frac")
    return text


def _clean(text: str) -> str:
    text = text.strip()
    m = _DELIMS.match(text)
    if m:
        text = m.group(1).strip()
    text = _APPROX.sub("", text)
    return text.strip().rstrip(";.,").strip() if not _TRUNCATED.search(text) else text.strip()


# The members of a chain ``label = working = value``: split at top-level =, ≈ (and their LaTeX).
_CHAIN_SEP = re.compile(r":=|==|=|≈|≃|≅|\\approx\b|\\simeq\b|\\equiv\b|\\cong\b")
MAX_MEMBERS = 12
_DECIMAL_NOTE = re.compile(r"^(.*[\d)}])\s+\(\s*([+-]?(?:\d+\.\d*|\.\d+)(?:[eE][+-]?\d{1,3})?)\s*\)$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d{1,15},(?:\d{1,2}|\d{4,15})$")
_BY = re.compile(r"(?<=\d)\s+by\s+(?=\d)")
_MAY_CHAIN = re.compile(r"[=≈≃≅]|\\(?:approx|simeq|equiv|cong)")


def chain_members(text: str) -> list[str]:
    """``W_out = H_out = 13`` -> ['W_out', 'H_out', '13']: splits outside brackets only, so
    ``max(a=1)`` or a YAML mapping stay whole. Linear: one pass over the text."""
    if not _MAY_CHAIN.search(text):  # the common case: no separator at all
        return [text.strip()] if text.strip() else []
    out: list[str] = []
    depth, start, i, n = 0, 0, 0, len(text)
    while i < n:
        c = text[i]
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif depth == 0 and c in "=:≈≃≅\\":
            m = _CHAIN_SEP.match(text, i)
            if m:
                out.append(text[start:i])
                start = i = m.end()
                if len(out) > MAX_MEMBERS:
                    raise ReadError(f"a chain of more than {MAX_MEMBERS} members joined by '='")
                continue
        i += 1
    out.append(text[start:])
    return [m.strip() for m in out if m.strip()]


def _approx_before_last(text: str) -> bool:
    """The last '=' of a chain is an approximation sign (≈, \\approx): the value is rounded."""
    last = max((m for m in _CHAIN_SEP.finditer(text)), key=lambda m: m.start(), default=None)
    return last is not None and last.group(0) in ("≈", "≃", "≅", "\\approx", "\\simeq", "\\cong")


MAX_CACHED = 2000  # characters: longer answers are read each time (the cache stays small)


@lru_cache(maxsize=65536)  # a class writes the same right answers again and again; Readings are immutable
def _read_text(raw: str, kind: str, fraction_hint: bool) -> Reading:
    return _read_text_once(raw, kind, fraction_hint)


def _read_text_once(raw: str, kind: str, fraction_hint: bool) -> Reading:
    text = _normalise(raw)
    if kind == "choice":
        return Reading(_choice_text(_clean(text)))
    if kind in ("text", "table"):
        return Reading(_from_text(text, kind, fraction_hint))
    members = chain_members(text)
    if not members:
        raise ReadError("the answer is empty")
    value, approximate = _member(members[-1], kind, fraction_hint)
    approximate = approximate or _approx_before_last(text)
    working: list[tuple[str, Any]] = []
    if kind != "expression":  # a label (dL/dW, grad_W) reads as an expression: not working to check
        for m in members[:-1]:
            try:
                working.append((m, _member(m, kind, fraction_hint)[0]))
            except (ReadError, ExprSyntaxError, ValueError, ArithmeticError):
                continue  # a label (b, W_out, Total params): nothing to check
    return Reading(value, tuple(working), approximate)


def _member(text: str, kind: str, fraction_hint: bool) -> tuple[Any, bool]:
    """One member of a chain as a value, and whether it was marked approximate."""
    approximate = bool(_APPROX.match(text) and not text.lstrip().startswith("=")) or bool(_TRUNCATED.search(text))
    text = _clean(text)
    if not text:
        raise ReadError("the answer is empty")
    if kind in SCALAR_KINDS:
        m = _DECIMAL_NOTE.match(text)  # "1/2 (0.5)": a value and its decimal, not a product
        if m:
            return _member(m.group(2), kind, fraction_hint)[0], True
        if _DECIMAL_COMMA.match(text):  # 0,5 (a decimal comma: never 3 digits after it)
            text = text.replace(",", ".")
    elif kind == "shape":
        text = _BY.sub(" x ", text)
    try:
        value, suffixed = _member_value(text, kind, fraction_hint)
    except (ReadError, ExprSyntaxError) as first:
        bare = _strip_words(text) if kind != "expression" else text
        if bare == text or not bare:
            raise first from None
        try:
            value, suffixed = _member_value(_clean(bare), kind, fraction_hint)
        except (ReadError, ExprSyntaxError):
            raise first from None
    return value, approximate or suffixed


def _member_value(text: str, kind: str, fraction_hint: bool) -> tuple[Any, bool]:
    if kind == "expression":
        text = _expression_text(text)
        tree = parse_tree(text)  # ExprSyntaxError (with a caret) when unreadable
        words = [n for n in tree_names(tree) if len(n) >= 3 and n.isalpha() and n not in _KNOWN_WORDS]
        if len(words) >= 2:
            raise ReadError(f"words, not an expression ({', '.join(sorted(words)[:3])})")
        return Formula(text, tree), False
    if kind == "shape" and text.lower() in ("?", "none", "null", "batch"):
        raise ReadError(f"no size in {text!r}")
    if kind in SCALAR_KINDS:
        m = _MAGNITUDE.match(text)
        if m:
            return _number(m.group(1)) * _SUFFIX[m.group(2)], True
        return _scalar(text, kind, fraction_hint), False
    return _array(text, kind), False


def _from_text(raw: str, kind: str, fraction_hint: bool) -> Any:
    text = _clean(raw)
    if not text:
        raise ReadError("the answer is empty")
    if kind == "text":
        return " ".join(text.split())
    return _from_native(load_yaml(text, "the answer"), kind, fraction_hint)


_NOT_AN_ANSWER = frozenset(
    "see page pages notes paper working work know idea unsure guess sheet attached below above not maybe".split()
)
_HEDGES = _NOT_AN_ANSWER | {"or", "either", "unless"}
_KNOWN_WORDS = frozenset(GREEK) | {"yhat", "Yhat", "pred", "true"}

# Words around a value: "782 steps", "Output is (13,13)", "Total params: 34,826 (136.04 KB)".
_TOKEN = re.compile(r"\S+")
_WORDY = re.compile(r"[A-Za-z][A-Za-z'’\-]*[:,.]?|[:,]")
_NOTE = re.compile(r"\(([^()]{0,80})\)\s*$")
_WORD = re.compile(r"[A-Za-z]{2,}")


def _is_word(tok: str) -> bool:
    if not _WORDY.fullmatch(tok):
        return False
    core = tok.rstrip(":,.")
    return core == "" or (len(core) >= 2 and core not in FUNCTION_NAMES and core not in CONSTANTS) or tok.endswith(":")


def _strip_words(text: str) -> str:
    """The value without words before it and words/units (or a note in parentheses) after it."""
    note = _NOTE.search(text)
    words = _WORD.findall(note.group(1)) if note and note.start() > 0 else []
    if any(w not in FUNCTION_NAMES for w in words):
        if {w.lower() for w in words} & _HEDGES:  # "3 (or 4)": two answers, not a note
            return text
        text = text[:note.start()].rstrip()
    toks = list(_TOKEN.finditer(text))
    lo, hi = 0, len(toks)
    while lo < hi and _is_word(toks[lo].group(0)):
        lo += 1
    while hi > lo and _is_word(toks[hi - 1].group(0)):
        hi -= 1
    stripped = {t.group(0).lower().strip(":,.") for t in toks[:lo] + toks[hi:]}
    if lo >= hi or stripped & _HEDGES:  # "see page 2 of my notes" is no answer of 2
        return text
    return text[toks[lo].start():toks[hi - 1].end()]


# Expressions: NumPy's @, hats, a sum over the samples written out.
_HAT = re.compile(r"\\(?:hat|widehat)\s*\{?\s*([A-Za-z])\s*\}?|([A-Za-z])\u0302|ŷ")
_SUM = re.compile(r"(?:\\sum|∑|\bsum)\s*(?:_\s*\{\s*([ijkn])\s*(?:=\s*[01]\s*)?\}|_\s*([ijkn]))"
                  r"(?:\s*\^\s*(?:\{\s*[A-Za-z0-9]{1,3}\s*\}|[A-Za-z0-9]))?")
_INDEX = {c: re.compile(rf"(?<=[A-Za-z])(?:_\{{\s*{c}\s*\}}|_{c}(?![A-Za-z0-9])|\^\{{\s*\(\s*{c}\s*\)\s*\}}|\^\(\s*{c}\s*\))")
          for c in "ijkn"}


def _expression_text(text: str) -> str:
    text = text.replace("@", "*")
    if "hat" in text or "\u0302" in text or "ŷ" in text:
        text = _HAT.sub(lambda m: (m.group(1) or m.group(2) or "y") + "hat", text)
    m = _SUM.search(text)
    if m:
        body = _INDEX[m.group(1) or m.group(2)].sub("", text[m.end():])
        summed = body if re.search(r"\^\s*\{?\s*(?:T|\\top)|ᵀ|'|\.T\b", body) else f"sum({body})"
        text = text[:m.start()] + " " + summed  # (a_i - y_i) x_i^T summed over i is (A - Y) X^T
    return text


def _choice_text(text: str) -> str:
    """``B``, ``(b)``, ``Answer: B``, ``B) ReLU``, ``The answer is true``, ``True, because ...``."""
    try:
        return _choice(text)
    except ReadError as first:
        toks = text.split()[:12]
        for i, tok in enumerate(toks):
            core = tok.strip(" .,;:!")
            # the choice ends the answer or its clause: "True, because ...", "B) ReLU" (not "no idea")
            ends = i == len(toks) - 1 or tok[-1] in ".,;:!)" or toks[i + 1].lower() in _BECAUSE
            if ends and (core.lower() in _TRUE | _FALSE or _CHOICE.match(core) or _CHOICE.match(tok)):
                return _choice(core if core.lower() in _TRUE | _FALSE else tok.rstrip(",;"))
            if not _is_word(tok):
                break
        raise first from None


def _choice(text: str) -> str:
    m = _CHOICE.match(text)
    if m:  # one letter is a label: F is choice F, never "false" (compare maps T/F/Y/N for true/false parts)
        return m.group(1).upper()
    low = text.lower().strip(" .!")
    if low in _TRUE:
        return "true"
    if low in _FALSE:
        return "false"
    raise ReadError(f"expected one choice (a letter such as B, or true/false), got {text[:40]!r}")


_INFINITE = {f"{sign}{word}" for sign in ("", "+", "-", "\u2212") for word in ("inf", "infinity", "∞", "\\infty")}


@lru_cache(maxsize=65536)
def _scalar(text: str, kind: str, fraction_hint: bool) -> Any:
    """One number (thousands separators and percentages allowed) or a numeric expression."""
    text = _clean(text)
    m = _PERCENT.match(text)
    if m:
        value = _number(m.group(1))
        return value / 100 if fraction_hint else value
    m = _THOUSANDS.match(text)
    if m:
        return _number(m.group(1) + m.group(2).replace(m.group(3), "") + (m.group(4) or ""))
    return _element(text, kind)


def _number(text: str) -> sp.Rational:
    if len(text) > MAX_LITERAL:
        raise ReadError(f"a number longer than {MAX_LITERAL} characters ({len(text)}): too many digits to compare")
    _, _, exp = text.lower().partition("e")
    if exp and abs(int(exp)) > MAX_SCI_EXPONENT:
        raise ReadError(f"the exponent of 10 is larger than {MAX_SCI_EXPONENT}")
    f = Fraction(text)
    return _bounded(sp.Rational(f.numerator, f.denominator))


MAX_MAGNITUDE_BITS = 996  # |x| < 2^996 ~ 10^300: a float can still hold it (and the tolerance)


def _bounded(x: sp.Rational) -> sp.Rational:
    """An exact number a float comparison can hold; 1e309 or 10^400 is refused with the reason."""
    if abs(int(x.p)).bit_length() - int(x.q).bit_length() > MAX_MAGNITUDE_BITS:
        raise ReadError("a number larger than 10^300: too large to compare (write it as a decimal with an exponent)")
    return x


@lru_cache(maxsize=65536)
def _element(text: str, kind: str) -> Any:
    """One entry: a plain number fast, else an expression through the safe parser."""
    text = _TRUNCATED.sub("", text.strip())  # 0.6931...: the digits written
    if _PLAIN.match(text):
        return _number(text)
    m = _FRACTION.match(text)
    if m:
        if int(m.group(2)) == 0:
            raise ReadError(f"division by zero in {text!r}")
        return sp.Rational(int(m.group(1)), int(m.group(2)))
    if kind == "shape" and text.lower() in ("none", "null", "?", "batch"):
        return None
    if kind != "shape" and text.replace(" ", "").lower() in _INFINITE:  # a masked attention score
        return -sp.oo if text.strip().startswith(("-", "\u2212")) else sp.oo
    tree = parse_tree(text)
    names = tree_names(tree) - CONSTANTS
    if names:
        raise ReadError(f"expected a number, got an expression in {', '.join(sorted(names)[:3])}: {text[:60]!r}")
    if not magnitude(tree) < 1e300:  # bounded before sympy evaluates anything
        raise ReadError(f"{text[:40]!r} is larger than 10^300 (or cannot be bounded): too large to compare")
    value = build(tree, text)
    return _bounded(value) if isinstance(value, sp.Rational) else value


# ---------------------------------------------------------------------------------------------
# vectors, matrices, shapes

_LATEX_ENV = re.compile(
    r"^(?:\\left\s*[\[(.]\s*|[\[(]\s*)?\\begin\{([pbBvV]?matrix|array)\}(?:\{[^{}]*\})?(.*?)\\end\{\1\}"
    r"(?:\s*\\right\s*[\])\.]|\s*[\])])?$", re.S
)


_TRANSPOSED = re.compile(r"^(.*[\])])\s*(?:\^\s*\{?\s*(?:T|\\top|\\intercal)\s*\}?|ᵀ|'|\.T)$", re.S)


def _array(text: str, kind: str) -> Any:
    m = _TRANSPOSED.match(text)
    if m:  # [1 2 3]^T: a column written as a transposed row; a matrix^T is transposed
        inner = _array(m.group(1), kind)
        rows = {len(r) if isinstance(r, tuple) else -1 for r in inner} if isinstance(inner, tuple) else {-1}
        return tuple(zip(*inner)) if -1 not in rows and len(rows) == 1 else inner
    return _array_plain(text, kind)


def _array_plain(text: str, kind: str) -> Any:
    m = _WRAPPER.match(text)
    if m:
        text = m.group(1).strip()
        end = text.rfind("]")
        if end >= 0 and _KWARGS.match(text, end + 1):  # tensor([...], grad_fn=<...>), array([...], dtype=float32)
            text = text[:end + 1]
    elif "\n" in text.strip() and not any(c in text for c in "[]\\&"):
        text = ";".join(line for line in text.strip().splitlines() if line.strip())  # a matrix printed row by row
    m = _LATEX_ENV.match(text)
    if m:
        rows = [r for r in re.split(r"\\\\", m.group(2)) if r.strip() and not r.strip().startswith("\\hline")]
        grid = tuple(tuple(_element(c, kind) for c in r.split("&")) for r in rows)
        _count(grid)
        return grid
    if _SHAPE_X.match(text):
        return tuple(_number(d) for d in re.split(r"\s*[x×X*]\s*", text))
    items, end = _level(text, 0, None, 0)
    if end != len(text):
        raise ReadError(f"unexpected {text[end:end + 10]!r} after the list")
    if len(items) == 1 and items[0][0] == "list":  # [1, 2] or [[1, 2], [3, 4]]: the outer brackets
        items = items[0][1]
    value = _finish(items, kind)
    _count(value)
    return value


def _count(value: Any) -> None:
    n = sum(_count_items(v) for v in value) if isinstance(value, tuple) else 1
    if n > MAX_ELEMENTS:
        raise ReadError(f"more than {MAX_ELEMENTS} numbers")


def _count_items(v: Any) -> int:
    return sum(_count_items(x) for x in v) if isinstance(v, tuple) else 1


# A level is a list of tokens: ("list", items) | ("text", str) | ("sep", "," or ";")
_OPEN = {"[": "]", "(": ")"}


def _level(text: str, i: int, close: str | None, depth: int) -> tuple[list[tuple[str, Any]], int]:
    """Tokens of one bracket level starting at ``i``; returns them and the index after ``close``."""
    if depth > MAX_NESTING:
        raise ReadError(f"lists nested more than {MAX_NESTING} deep")
    toks: list[tuple[str, Any]] = []
    buf: list[str] = []
    n = len(text)

    def flush() -> None:
        if "".join(buf).strip():
            toks.append(("text", "".join(buf)))
        buf.clear()

    while i < n:
        c = text[i]
        if c == close:
            flush()
            return toks, i + 1
        if c in "])" and close is None:
            raise ReadError(f"unbalanced {c!r}")
        if c in "])":
            raise ReadError(f"expected {close!r}, found {c!r}")
        if c in ",;":
            flush()
            toks.append(("sep", c))
            i += 1
            continue
        if c == "[" or (c == "(" and not "".join(buf).strip() and _is_tuple(text, i)):
            flush()
            sub, i = _level(text, i + 1, _OPEN[c], depth + 1)
            toks.append(("list", sub))
            continue
        if c in "({":  # a group inside one entry: copy it whole
            j = _matching(text, i)
            buf.append(text[i:j])
            i = j
            continue
        buf.append(c)
        i += 1
    if close is not None:
        raise ReadError(f"missing {close!r}")
    flush()
    return toks, i


def _matching(text: str, i: int) -> int:
    """Index after the bracket matching ``text[i]``."""
    pairs = {"(": ")", "{": "}", "[": "]"}
    stack = [pairs[text[i]]]
    j = i + 1
    while j < len(text) and stack:
        c = text[j]
        if c in pairs:
            stack.append(pairs[c])
            if len(stack) > 60:
                raise ReadError("brackets nested too deeply")
        elif c in ")}]":
            if c != stack[-1]:
                raise ReadError(f"unbalanced {c!r}")
            stack.pop()
        j += 1
    if stack:
        raise ReadError(f"missing {stack[-1]!r}")
    return j


def _is_tuple(text: str, i: int) -> bool:
    """``(7, 7)`` is a tuple (a comma inside and nothing but a separator after); ``(1+2)/3`` is not."""
    j = _matching(text, i)
    inner = text[i + 1:j - 1]
    rest = text[j:].lstrip()
    return _top_level_comma(inner) and (not rest or rest[0] in ",;])")


def _top_level_comma(text: str) -> bool:
    depth = 0
    for c in text:
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            return True
    return False


def _finish(toks: list[tuple[str, Any]], kind: str) -> Any:
    """Tokens of one level -> a tuple (of tuples for ``;`` rows or nested lists)."""
    if any(t == ("sep", ";") for t in toks):
        rows = _split(toks, ";")
        return tuple(_items(r, kind) for r in rows if r)
    return _items(toks, kind)


def _split(toks: list[tuple[str, Any]], sep: str) -> list[list[tuple[str, Any]]]:
    out: list[list[tuple[str, Any]]] = [[]]
    for t in toks:
        if t == ("sep", sep):
            out.append([])
        else:
            out[-1].append(t)
    return out


def _items(toks: list[tuple[str, Any]], kind: str) -> tuple[Any, ...]:
    if any(t == ("sep", ",") for t in toks):
        parts = _split(toks, ",")
        if parts and not parts[-1]:
            parts.pop()  # a trailing comma
        out = []
        for p in parts:
            if len(p) != 1:
                raise ReadError("an empty entry between commas" if not p else "an entry mixes a list and other text")
            out.append(_entry(p[0], kind))
        return tuple(out)
    out = []
    for t in toks:
        if t[0] == "list":
            out.append(_entry(t, kind))
        else:
            out.extend(_element(w, kind) for w in _words(t[1]))
    return tuple(out)


def _entry(tok: tuple[str, Any], kind: str) -> Any:
    if tok[0] == "list":
        return _finish(tok[1], kind)
    return _element(tok[1].strip(), kind)  # between commas: one entry, spaces and all


_BINARY_END = ("+", "-", "*", "/", "^", "(", "{", "\\cdot", "\\times", "·", "×", "−")
_BINARY_START = ("*", "/", "^", ")", "}", "\\cdot", "\\times", "·", "×", "²")


def _words(text: str) -> list[str]:
    """NumPy-style entries separated by spaces (``12 -7``), keeping ``1 - 2`` and ``2 * 3`` whole."""
    words = text.split()
    out: list[str] = []
    for w in words:
        if out and (out[-1].endswith(_BINARY_END) or w.startswith(_BINARY_START) or w in ("+", "-", "−")):
            out[-1] = f"{out[-1]} {w}"
        else:
            out.append(w)
    return out


def as_value(x: Any) -> Any:
    """An exact answer from a solver (ints, Fractions, sympy, lists, matrices) in the parser's representation."""
    if isinstance(x, bool) or x is None or isinstance(x, str | Formula | Unreadable):
        return x
    if isinstance(x, int):
        return sp.Integer(x)
    if isinstance(x, Fraction):
        return sp.Rational(x.numerator, x.denominator)
    if isinstance(x, float):
        f = Fraction(repr(x)) if math.isfinite(x) else None
        return sp.Rational(f.numerator, f.denominator) if f is not None else x
    if isinstance(x, sp.MatrixBase):
        return tuple(tuple(as_value(v) for v in x.row(i)) for i in range(x.rows))
    if isinstance(x, Mapping):
        return {k: as_value(v) for k, v in x.items()}
    if isinstance(x, Sequence):
        return tuple(as_value(v) for v in x)
    return x
