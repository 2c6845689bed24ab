"""The functions an answer or a key may name, in one table: name -> exact function (sympy),
numeric function (float64/numpy), number of arguments.

The safe parser (:mod:`nnexam.questions.safe_expr`) knows a word is a function from this table,
its exact builder takes the sympy function from it, the grader's equivalence engine
(:mod:`nnexam.grader.equivalence`) the numeric one, and the activations (:mod:`nnexam.questions.activations`)
the exact sigmoid and tanh. A function added here is read, built, evaluated and compared alike.
sympy and numpy are imported when a function is first called, so importing the table is free.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True)
class Function:
    exact: Callable[..., Any]  # sympy values -> exact sympy value
    numeric: Callable[..., Any]  # floats or 2-D float64 arrays -> float64 value
    arity: tuple[int, int]  # fewest and most arguments
    elementwise: bool = True  # keeps its argument's shape (applied entry by entry)
    spelled: bool = True  # a word the tokenizer reads (root comes from \sqrt[n]{} notation only)


@cache
def _sp() -> Any:
    import sympy

    return sympy


@cache
def _np() -> Any:
    import numpy

    return numpy


def _one(exact: str, numeric: str) -> Function:
    return Function(lambda x: getattr(_sp(), exact)(x), lambda x: getattr(_np(), numeric)(x), (1, 1))


def _sigmoid_exact(x: Any) -> Any:
    sp = _sp()
    return sp.Integer(1) / (1 + sp.exp(-x))


def _log_numeric(x: Any, base: Any = None) -> Any:
    np = _np()
    return np.log(x) / (np.log(base) if base is not None else 1.0)


def _sum_numeric(x: Any) -> Any:
    """Of a matrix: over the samples (the columns), as ``(A - Y) 1_m``."""
    return x.sum(axis=1, keepdims=True) if isinstance(x, _np().ndarray) else x


def _softmax_numeric(x: Any) -> Any:
    """Of a matrix: column by column (one column per sample); of one number: 1."""
    np = _np()
    if not isinstance(x, np.ndarray):
        return 1.0
    e = np.exp(x - x.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def _hadamard_numeric(*args: Any) -> Any:
    out = args[0]
    for a in args[1:]:
        out = out * a
    return out


MAX_ARGS = 8  # arguments of max/min (sympy's Max of many symbols is slow)

TABLE: dict[str, Function] = {
    "exp": _one("exp", "exp"),
    "ln": _one("log", "log"),
    "log10": Function(lambda x: _sp().log(x, 10), lambda x: _np().log10(x), (1, 1)),
    "log2": Function(lambda x: _sp().log(x, 2), lambda x: _np().log2(x), (1, 1)),
    "log": Function(lambda x, base=None: _sp().log(x) if base is None else _sp().log(x, base), _log_numeric, (1, 2), False),
    "sqrt": _one("sqrt", "sqrt"),
    "root": Function(lambda x, n: _sp().root(x, n), lambda x, n: float(x) ** (1.0 / float(n)), (2, 2), False, False),
    "tanh": _one("tanh", "tanh"),
    "sinh": _one("sinh", "sinh"),
    "cosh": _one("cosh", "cosh"),
    "sin": _one("sin", "sin"),
    "cos": _one("cos", "cos"),
    "tan": _one("tan", "tan"),
    "abs": _one("Abs", "abs"),
    "sigmoid": Function(_sigmoid_exact, lambda x: 1 / (1 + _np().exp(-x)), (1, 1)),
    "relu": Function(lambda x: _sp().Max(0, x), lambda x: _np().maximum(0, x), (1, 1)),
    "max": Function(lambda *a: _sp().Max(*a), lambda *a: max(a), (1, MAX_ARGS), False),
    "min": Function(lambda *a: _sp().Min(*a), lambda *a: min(a), (1, MAX_ARGS), False),
    "sum": Function(lambda x: x, _sum_numeric, (1, 1), False),
    "softmax": Function(lambda x: _sp().Integer(1), _softmax_numeric, (1, 1)),
    # how sympy prints ⊙ in keys, so a word the tokenizer reads
    "HadamardProduct": Function(lambda *a: _sp().hadamard_product(*a), _hadamard_numeric, (2, MAX_ARGS)),
}

# Other spellings: sympy prints Max/Min/Abs in keys; sigma and ReLU as course notes write them.
ALIASES: dict[str, str] = {"sigma": "sigmoid", "ReLU": "relu", "Max": "max", "Min": "min", "Abs": "abs"}

# Words the tokenizer reads as function names.
NAMES: frozenset[str] = frozenset(n for n, f in TABLE.items() if f.spelled) | ALIASES.keys()


def canonical(name: str) -> str:
    return ALIASES.get(name, name)


def get(name: str) -> Function:
    """The function ``name`` (an alias allowed); KeyError for a word that is not one."""
    return TABLE[canonical(name)]
