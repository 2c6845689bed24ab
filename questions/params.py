"""Parameter specifications and converters shared by every question family.

A family declares ``PARAMS = (Param("kernel", Matrix(), help=...), ...)``; :meth:`nnexam.questions.family.Family.parse`
turns raw values (JSON, TOML, ``--set`` strings) into its frozen ``Params`` and names the
parameter and what was expected when a value cannot be used. Sizes are bounded because
exam specs and ``--set`` values may come from anywhere.
"""

from __future__ import annotations

import json
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.exact import to_exact
from nnexam.questions.grading import AnswerKind

MAX_DIM = 64  # rows/columns of any matrix or vector parameter
MAX_ITEMS = 512  # entries of any list parameter

class _Required:
    """Marks a parameter without a default."""

    def __repr__(self) -> str:
        return "REQUIRED"


REQUIRED: Any = _Required()


class Converter:
    """Turns a raw value into a typed one; ``expected`` is the phrase used in errors and in ``nnexam list``."""

    expected = "a value"

    def __call__(self, raw: Any, name: str) -> Any:  # pragma: no cover - interface
        raise NotImplementedError

    def fail(self, name: str, raw: Any, expected: str | None = None) -> ParamError:
        return ParamError(name, expected or self.expected, raw)


def _maybe_json(raw: Any) -> Any:
    """``--set`` values arrive as text: decode JSON lists/objects written inline."""
    if isinstance(raw, str) and raw.strip()[:1] in "[{":
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):  # not JSON, or past Python's digit/depth limits: text
            return raw
    return raw


class Integer(Converter):
    def __init__(self, min: int | None = None, max: int | None = None):
        self.min, self.max = min, max
        lo = "" if min is None else f" >= {min}"
        hi = "" if max is None else f" <= {max}"
        self.expected = "an integer" + (lo + (" and" if lo and hi else "") + hi if (lo or hi) else "")

    def __call__(self, raw: Any, name: str) -> int:
        value: Any = raw
        if isinstance(raw, str):
            try:
                value = int(raw.strip())
            except ValueError:
                raise self.fail(name, raw) from None
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            value = int(value)  # also a sympy Integer
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(name, raw)
        if (self.min is not None and value < self.min) or (self.max is not None and value > self.max):
            raise self.fail(name, raw)
        return value


class Number(Converter):
    expected = "a number (integer, decimal or fraction like 3/4)"

    def __call__(self, raw: Any, name: str) -> Fraction:
        try:
            return to_exact(raw)
        except (ValueError, TypeError):
            raise self.fail(name, raw) from None


class Vector(Converter):
    def __init__(self, min_len: int = 1, max_len: int = MAX_DIM):
        self.min_len, self.max_len = min_len, max_len
        self.expected = f"a list of {min_len} to {max_len} numbers, e.g. [1, -2, 0.5]"

    def __call__(self, raw: Any, name: str) -> tuple[Fraction, ...]:
        raw = _maybe_json(raw)
        if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
            raise self.fail(name, raw)
        if not self.min_len <= len(raw) <= self.max_len:
            raise self.fail(name, raw)
        return tuple(Number()(x, f"{name}[{i + 1}]") for i, x in enumerate(raw))


class Matrix(Converter):
    """A list of equal-length rows. ``allow_vector`` accepts a flat list as a single row."""

    def __init__(self, allow_vector: bool = False, max_dim: int = MAX_DIM):
        self.allow_vector, self.max_dim = allow_vector, max_dim
        self.expected = "a matrix: a list of equal-length rows of numbers, e.g. [[1, 0], [-2, 3]]"

    def __call__(self, raw: Any, name: str) -> tuple[tuple[Fraction, ...], ...]:
        raw = _maybe_json(raw)
        if isinstance(raw, str | bytes) or not isinstance(raw, Sequence) or not raw:
            raise self.fail(name, raw)
        if all(not isinstance(r, Sequence) or isinstance(r, str) for r in raw):
            if not self.allow_vector:
                raise self.fail(name, raw)
            raw = [raw]
        if len(raw) > self.max_dim:
            raise self.fail(name, raw, f"at most {self.max_dim} rows")
        rows = []
        for i, row in enumerate(raw):
            if isinstance(row, str | bytes) or not isinstance(row, Sequence) or not row:
                raise self.fail(f"{name}[{i + 1}]", row, "a row: a non-empty list of numbers")
            if len(row) > self.max_dim:
                raise self.fail(f"{name}[{i + 1}]", row, f"at most {self.max_dim} columns")
            rows.append(tuple(Number()(x, f"{name}[{i + 1}][{j + 1}]") for j, x in enumerate(row)))
        if len({len(r) for r in rows}) != 1:
            lengths = [len(r) for r in rows]
            raise ParamError(name, "rows of equal length", f"row lengths {lengths}")
        return tuple(rows)


class Nested(Converter):
    """A number or lists of numbers nested at most ``max_depth`` deep, kept as nested tuples of exact
    Fractions (ragged allowed): for parameters whose shape the family interprets (a list of weight
    matrices, a label or a batch of labels). The family checks the shapes."""

    def __init__(self, max_depth: int = 3, max_items: int = 20_000):
        self.max_depth, self.max_items = max_depth, max_items
        self.expected = f"a number or nested lists of numbers (at most {max_depth} levels)"

    def __call__(self, raw: Any, name: str) -> Any:
        count = 0

        def conv(value: Any, path: str, depth: int) -> Any:
            nonlocal count
            if isinstance(value, Sequence) and not isinstance(value, str | bytes):
                if depth >= self.max_depth:
                    raise self.fail(path, value, f"a number (at most {self.max_depth} levels of lists)")
                if not value:
                    raise self.fail(path, value, "a non-empty list of numbers")
                return tuple(conv(v, f"{path}[{i + 1}]", depth + 1) for i, v in enumerate(value))
            count += 1
            if count > self.max_items:
                raise self.fail(name, f"more than {self.max_items} numbers", f"at most {self.max_items} numbers")
            return Number()(value, path)

        return conv(_maybe_json(raw), name, 0)


class Choice(Converter):
    def __init__(self, *options: str):
        self.options = options
        self.expected = "one of " + ", ".join(repr(o) for o in options)

    def __call__(self, raw: Any, name: str) -> str:
        if not isinstance(raw, str):
            raise self.fail(name, raw)
        value = raw.strip().lower()
        if value not in self.options:
            from nnexam.questions.errors import UnknownNameError

            raise UnknownNameError(f"value for parameter '{name}'", raw, self.options)
        return value


class Boolean(Converter):
    expected = "true or false"

    def __call__(self, raw: Any, name: str) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false", "yes", "no", "1", "0"):
            return raw.strip().lower() in ("true", "yes", "1")
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        raise self.fail(name, raw)


class Text(Converter):
    def __init__(self, max_len: int = 100_000):
        self.max_len = max_len
        self.expected = f"text (at most {max_len} characters)"

    def __call__(self, raw: Any, name: str) -> str:
        if not isinstance(raw, str) or len(raw) > self.max_len:
            raise self.fail(name, raw)
        return raw


class ListOf(Converter):
    def __init__(self, item: Converter, min_len: int = 1, max_len: int = MAX_ITEMS):
        self.item, self.min_len, self.max_len = item, min_len, max_len
        self.expected = f"a list of {min_len} to {max_len} items, each {item.expected}"

    def __call__(self, raw: Any, name: str) -> tuple[Any, ...]:
        raw = _maybe_json(raw)
        if isinstance(raw, str | bytes) or not isinstance(raw, Sequence):
            raise self.fail(name, raw)
        if not self.min_len <= len(raw) <= self.max_len:
            raise self.fail(name, raw)
        return tuple(self.item(x, f"{name}[{i + 1}]") for i, x in enumerate(raw))


class OneOf(Converter):
    """The first converter that accepts the value wins (e.g. an int or 'same')."""

    def __init__(self, *options: Converter):
        self.options = options
        self.expected = " or ".join(o.expected for o in options)

    def __call__(self, raw: Any, name: str) -> Any:
        for conv in self.options:
            try:
                return conv(raw, name)
            except (ParamError, KeyError, ValueError):
                continue
        raise self.fail(name, raw)


class Table(Converter):
    """A table (dict) with its own parameter specs, e.g. one layer of a conv stack."""

    def __init__(self, params: Sequence[Param], expected: str = ""):
        self.params = tuple(params)
        self.expected = expected or "a table with keys " + ", ".join(p.name for p in self.params)

    def __call__(self, raw: Any, name: str) -> dict[str, Any]:
        raw = _maybe_json(raw)
        if not isinstance(raw, Mapping):
            raise self.fail(name, raw)
        return parse_fields(self.params, raw, prefix=f"{name}.")


@dataclass(frozen=True)
class Param:
    """One parameter of a family: its name, converter, default (absent = required) and help."""

    name: str
    convert: Converter
    default: Any = REQUIRED
    help: str = ""

    @property
    def required(self) -> bool:
        return self.default is REQUIRED


@dataclass(frozen=True)
class PartSpec:
    """One answer part: ``kind`` (an :class:`AnswerKind`) tells the grader how to read and compare
    it; a family declaring another kind fails when it is imported."""

    name: str
    kind: AnswerKind
    help: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", AnswerKind.parse(self.kind, f"part {self.name!r} kind"))


def parse_fields(specs: Sequence[Param], raw: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Convert ``raw`` by ``specs``: unknown keys, missing required keys and bad values raise ParamError."""
    known = {p.name for p in specs}
    for key in raw:
        if key not in known:
            from nnexam.questions.errors import UnknownNameError

            raise UnknownNameError("parameter", f"{prefix}{key}", [f"{prefix}{k}" for k in known])
    out: dict[str, Any] = {}
    for p in specs:
        if p.name in raw and raw[p.name] is not None:
            out[p.name] = p.convert(raw[p.name], prefix + p.name)
        elif p.required:
            raise ParamError(prefix + p.name, p.convert.expected + " (required)")
        else:
            out[p.name] = p.default
    return out


def set_values(pairs: Sequence[str], option: str = "--set") -> dict[str, Any]:
    """``["x=[1,2]", "kind=binary"]`` from ``--set`` or ``--bind``: VALUE is JSON or, failing that
    (not JSON, too deep, an integer past Python's digit limit), the plain string, which the
    parameter's converter then accepts or refuses with its own message. The one reader of both."""
    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ParamError(option, "NAME=VALUE with NAME a Python-style name", pair)
        try:
            out[name.strip()] = json.loads(text)
        except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
            out[name.strip()] = text
    return out

