"""Reading model code safely: parse with ``ast`` (never execute) and evaluate only literals.

:func:`parse` is how the model interpreter reads code; :class:`Evaluator` (used by the report
auditor for the settings next to a model) turns an expression into a plain value: constants,
tuples/lists, integer arithmetic, names defined by simple assignments in the code or given in
``bindings``; a name defined nowhere becomes :class:`Free`, anything else (calls, attributes,
subscripts) :class:`Opaque` with its source text.
"""

from __future__ import annotations

import ast
import operator
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.values import Free, Opaque

MAX_CODE = 200_000  # characters of code read
MAX_INT = 10**12
MAX_ITEMS = 64

_BINOPS: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.Mod: operator.mod,
}


def parse(code: str) -> ast.Module:
    """The module's AST, or a ParamError naming the line that does not parse."""
    if not isinstance(code, str):
        raise ParamError("model", "model code as text", type(code).__name__)
    if len(code) > MAX_CODE:
        raise ParamError("model", f"code of at most {MAX_CODE} characters", f"{len(code)} characters")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SyntaxWarning)  # e.g. "invalid escape sequence" in a student's string
            return ast.parse(code)
    except SyntaxError as err:
        raise ParamError("model", f"Python code that parses (line {err.lineno}: {err.msg})", (err.text or "").strip()) from None
    except (RecursionError, MemoryError, ValueError):
        raise ParamError("model", "Python code of reasonable nesting depth", "code too deeply nested") from None


def dotted(node: ast.AST) -> str | None:
    """``tf.keras.layers.Dense`` for an attribute chain of names, else None."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}


def _source(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 80 else text[:77] + "..."


class Evaluator:
    """Literal values of argument expressions, with names from the code's assignments and bindings."""

    def __init__(self, env: Mapping[str, Any]):
        self.env = dict(env)

    def __call__(self, node: ast.AST) -> Any:
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > MAX_INT:
                return Opaque(_source(node))
            return v if isinstance(v, str | int | float | bool) or v is None else Opaque(_source(node))
        if isinstance(node, ast.Tuple | ast.List):
            if len(node.elts) > MAX_ITEMS or any(isinstance(e, ast.Starred) for e in node.elts):
                return Opaque(_source(node))
            return tuple(self(e) for e in node.elts)
        if isinstance(node, ast.Name):
            return self.env[node.id] if node.id in self.env else Free(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            v = self(node.operand)
            if isinstance(v, int | float) and not isinstance(v, bool):
                return -v if isinstance(node.op, ast.USub) else v
            return v if isinstance(v, Free) else Opaque(_source(node))
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            return self._binop(node)
        if isinstance(node, ast.Attribute):
            return Opaque(dotted(node) or _source(node))
        if isinstance(node, ast.Compare | ast.BoolOp) or isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            return self._logic(node)
        return Opaque(_source(node))

    def _logic(self, node: ast.expr) -> Any:
        """``i < 2``, ``a and b``, ``not x`` on literal values (conditions of ``if`` blocks)."""
        if isinstance(node, ast.UnaryOp):
            v = self(node.operand)
            return not v if is_literal(v) else Opaque(_source(node))
        if isinstance(node, ast.BoolOp):
            values = [self(v) for v in node.values]
            if not all(is_literal(v) for v in values):
                return Opaque(_source(node))
            return all(values) if isinstance(node.op, ast.And) else any(values)
        if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:  # type: ignore[union-attr]
            return Opaque(_source(node))
        a, b = self(node.left), self(node.comparators[0])  # type: ignore[union-attr]
        if not (is_literal(a) and is_literal(b)):
            return Opaque(_source(node))
        try:
            return _COMPARE[type(node.ops[0])](a, b)  # type: ignore[union-attr]
        except TypeError:
            return Opaque(_source(node))

    def _binop(self, node: ast.BinOp) -> Any:
        """Integer arithmetic (sizes), float arithmetic for rates and scales (``1. / 255``), tuple concatenation."""
        a, b = self(node.left), self(node.right)
        for v in (a, b):
            if isinstance(v, Free):
                return v
        nums = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (a, b))
        ints = nums and all(isinstance(v, int) for v in (a, b))
        op = node.op
        if isinstance(a, tuple) and isinstance(b, tuple) and isinstance(op, ast.Add):
            return a + b if len(a) + len(b) <= MAX_ITEMS else Opaque(_source(node))
        if isinstance(op, ast.Pow):  # 2 ** 5 filters; bounded so no huge power is ever computed
            return a**b if ints and 0 <= b <= 64 and abs(a) <= 2**20 and abs(a) ** b <= MAX_INT else Opaque(_source(node))
        whole = isinstance(op, ast.FloorDiv | ast.Mod)
        if not nums or (whole and not ints) or (isinstance(op, ast.FloorDiv | ast.Mod | ast.Div) and b == 0):
            return Opaque(_source(node))
        result = _BINOPS[type(op)](a, b)
        return result if abs(result) <= MAX_INT else Opaque(_source(node))


def is_literal(value: Any) -> bool:
    if isinstance(value, tuple):
        return all(is_literal(v) for v in value)
    return not isinstance(value, Free | Opaque)


def to_tuples(value: Any) -> Any:
    """JSON-ish values (lists) as the tuples code literals give."""
    if isinstance(value, list | tuple):
        return tuple(to_tuples(v) for v in value)
    return value
