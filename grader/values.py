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
from nnexam.questions.safe_expr import (
    CONSTANTS,
    MAX_SCI_EXPONENT,
    ExprSyntaxError,
    Node,
    build,
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


def parse_answer(raw: Any, kind: str, *, expected: Any = None) -> Any:
    """``raw`` (text, number, list, bool, None) read for a part of ``kind``; never raises."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return MISSING
    fraction_hint = _is_fraction(expected)
    try:
        if isinstance(raw, str):
            if len(raw) > MAX_ANSWER:
                raise ReadError(f"the answer is longer than {MAX_ANSWER} characters")
            return _from_text(raw, kind, fraction_hint)
        return _from_native(raw, kind, fraction_hint)
    except ReadError as bad:
        return Unreadable(str(bad))
    except ExprSyntaxError as err:
        return Unreadable(str(err))
    except RecursionError:
        return Unreadable("the answer is nested too deeply")


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
        return abs(complex(sp.N(x, 15)))
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
        return _from_text(str(raw), kind, fraction_hint)
    count = [0]
    return _native(raw, kind, fraction_hint, 0, count)


def _native(raw: Any, kind: str, fraction_hint: bool, depth: int, count: list[int]) -> Any:
    if isinstance(raw, bool):
        raise ReadError(f"expected a number, got {str(raw).lower()}")
    if isinstance(raw, int):
        return sp.Integer(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw):
            raise ReadError(f"expected a finite number, got {raw}")
        f = Fraction(repr(raw))
        return sp.Rational(f.numerator, f.denominator)
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
_APPROX = re.compile(r"^\s*(?:≈|~|=|\\approx|approx\.?|about)\s*")
_PERCENT = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?:%|\\%|percent)$")
_THOUSANDS = re.compile(r"^([+-]?)([1-9]\d{0,2}(?:([,\u00a0\u2009\u202f' _])\d{3})(?:\3\d{3})*)(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d{1,4})?$")
_FRACTION = re.compile(r"^([+-]?\d{1,300})\s*/\s*(\d{1,300})$")
_SHAPE_X = re.compile(r"^\d+(?:\s*[x×X*]\s*\d+)+$")
_WRAPPER = re.compile(r"^(?:np\.|numpy\.|torch\.)?(?:array|tensor|Matrix|matrix)\s*\((.*)\)$", re.S)
_CHOICE = re.compile(r"^\(?\s*([A-Za-z])\s*[).:]?$")
_TRUE = {"true", "t", "yes", "y", "1", "vrai", "wahr", "correct"}
_FALSE = {"false", "f", "no", "n", "0", "faux", "falsch", "incorrect"}


def _clean(text: str) -> str:
    text = text.strip()
    m = _DELIMS.match(text)
    if m:
        text = m.group(1).strip()
    text = _APPROX.sub("", text)
    return text.strip().rstrip(";").strip()


def _from_text(raw: str, kind: str, fraction_hint: bool) -> Any:
    text = _clean(raw)
    if not text:
        raise ReadError("the answer is empty")
    if kind == "choice":
        return _choice(text)
    if kind == "text":
        return " ".join(text.split())
    if kind == "table":
        return _from_native(load_yaml(text, "the answer"), kind, fraction_hint)
    if kind == "expression":
        return Formula(text, parse_tree(text))  # ExprSyntaxError (with a caret) when unreadable
    if kind in SCALAR_KINDS:
        return _scalar(text, kind, fraction_hint)
    return _array(text, kind)


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
    _, _, exp = text.lower().partition("e")
    if exp and abs(int(exp)) > MAX_SCI_EXPONENT:
        raise ReadError(f"the exponent of 10 is larger than {MAX_SCI_EXPONENT}")
    f = Fraction(text)
    return sp.Rational(f.numerator, f.denominator)


@lru_cache(maxsize=65536)
def _element(text: str, kind: str) -> Any:
    """One entry: a plain number fast, else an expression through the safe parser."""
    text = text.strip()
    if _PLAIN.match(text):
        return _number(text)
    m = _FRACTION.match(text)
    if m:
        if int(m.group(2)) == 0:
            raise ReadError(f"division by zero in {text!r}")
        return sp.Rational(int(m.group(1)), int(m.group(2)))
    if kind == "shape" and text.lower() in ("none", "null", "?", "batch"):
        return None
    tree = parse_tree(text)
    names = tree_names(tree) - CONSTANTS
    if names:
        raise ReadError(f"expected a number, got an expression in {', '.join(sorted(names)[:3])}: {text[:60]!r}")
    return build(tree, text)


# ---------------------------------------------------------------------------------------------
# vectors, matrices, shapes

_LATEX_ENV = re.compile(
    r"^(?:\\left\s*[\[(.]\s*)?\\begin\{([pbBvV]?matrix|array)\}(?:\{[^{}]*\})?(.*?)\\end\{\1\}(?:\s*\\right\s*[\])\.])?$", re.S
)


def _array(text: str, kind: str) -> Any:
    m = _WRAPPER.match(text)
    if m:
        text = re.sub(r",\s*dtype\s*=\s*[\w.]+\s*$", "", m.group(1).strip())
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
