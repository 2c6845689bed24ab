"""sympy -> plain text and Typst printers for :mod:`nnexam.questions.doc` (LaTeX is sympy's own).

A separate module so that :mod:`nnexam.questions.doc` imports sympy only when a formula holds a
sympy expression: plain ``int``/``Fraction`` values are printed there without it.
"""

from __future__ import annotations

from typing import Any

import sympy as sp
from nnexam.questions.doc import _GREEK
from nnexam.questions.exact import fast_matmul_precedence
from sympy.printing.str import StrPrinter

fast_matmul_precedence()


class PlainPrinter(StrPrinter):
    """Terminal text: ``ln`` for the natural log, ``x^2``, ``Xᵀ``."""

    def _print_log(self, expr: Any) -> str:
        return f"ln({self._print(expr.args[0])})" if len(expr.args) == 1 else StrPrinter._print_log(self, expr)

    def _print_Transpose(self, expr: Any) -> str:
        inner = self._print(expr.arg)
        return f"{inner}ᵀ" if isinstance(expr.arg, sp.MatrixSymbol) else f"({inner})ᵀ"

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Infinity(self, expr: Any) -> str:
        return "inf"

    def _print_NegativeInfinity(self, expr: Any) -> str:
        return "-inf"

    def _print_MatrixBase(self, expr: Any) -> str:
        return "[" + ", ".join("[" + ", ".join(self._print(x) for x in expr.row(i)) + "]" for i in range(expr.rows)) + "]"

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase


def plain_str(e: Any) -> str:
    """Readable exact text: ``1/(1 + exp(-13))``, ``x^2``, ``ln(5)``."""
    return PlainPrinter().doprint(e).replace("**", "^")


class TypstPrinter(StrPrinter):
    """sympy -> Typst math. Multi-letter names are quoted (Typst would read them as variables)."""

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        name = expr.name
        base, _, sub = name.partition("_")
        b = base if (len(base) == 1 or base in _GREEK) else f'"{base}"'
        return f"{b}_({sub})" if sub else b

    _print_MatrixSymbol = _print_Symbol

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.q == 1:
            return str(expr.p)
        sign = "-" if expr.p < 0 else ""
        return f"{sign}{abs(expr.p)}/{expr.q}"

    def _print_Integer(self, expr: sp.Integer) -> str:
        return str(expr.p)

    def _print_Float(self, expr: sp.Float) -> str:
        return StrPrinter._print_Float(self, expr)

    def _print_Exp1(self, expr: Any) -> str:
        return "e"

    def _print_Pi(self, expr: Any) -> str:
        return "pi"

    def _print_Infinity(self, expr: Any) -> str:
        return "infinity"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        base, e = expr.as_base_exp()
        if e == sp.S.Half:
            return f"sqrt({self._print(base)})"
        if e.is_Rational and e.is_negative:
            inv = sp.Pow(base, -e, evaluate=False) if e != -1 else base
            return f"1/({self._print(inv)})"
        b = self._print(base)
        if not (base.is_Symbol or base.is_Integer and base >= 0 or isinstance(base, sp.Function)):
            b = f"({b})"
        ex = self._print(e)
        return f"{b}^{ex}" if (e.is_Integer and e >= 0) or e.is_Symbol and len(ex) == 1 else f"{b}^({ex})"

    def _print_exp(self, expr: Any) -> str:
        return f"e^({self._print(expr.args[0])})"

    def _print_log(self, expr: Any) -> str:
        if len(expr.args) == 2:
            return f"log_({self._print(expr.args[1])})({self._print(expr.args[0])})"
        return f"ln({self._print(expr.args[0])})"

    def _print_Mul(self, expr: sp.Mul) -> str:
        num_, den = sp.fraction(expr, exact=True)
        if den != 1:
            sign = ""
            if num_.could_extract_minus_sign():
                sign, num_ = "-", -num_
            return f"{sign}({self._print(num_)})/({self._print(den)})"
        args = expr.as_ordered_factors()
        sign = ""
        if args and args[0] == -1:
            sign, args = "-", args[1:]
        parts = []
        for a in args:
            s = self._print(a)
            if isinstance(a, sp.Add) or (a.is_number and a.is_negative and parts):
                s = f"({s})"
            parts.append(s)
        return sign + " dot ".join(parts)

    def _print_MatMul(self, expr: Any) -> str:
        coeff, factors = expr.as_coeff_matrices()
        if coeff != 1:
            head = "-" if coeff == -1 else self._print(coeff) + " "
            return head + self._print_MatMul(sp.MatMul(*factors))
        return " ".join(f"({self._print(a)})" if isinstance(a, sp.MatAdd) else self._print(a) for a in expr.args)

    def _print_Transpose(self, expr: Any) -> str:
        inner = self._print(expr.arg)
        return f"({inner})^T" if not isinstance(expr.arg, sp.MatrixSymbol) else f"{inner}^T"

    def _print_HadamardProduct(self, expr: Any) -> str:
        return " dot.o ".join(f"({self._print(a)})" for a in expr.args)

    def _print_Function(self, expr: Any) -> str:
        name = expr.func.__name__
        known = {"tanh", "sin", "cos", "max", "min", "exp", "ln"}
        head = name if name in known else ("sigma" if name == "sigmoid" else f'op("{name}")')
        return f"{head}({', '.join(self._print(a) for a in expr.args)})"

    def _print_tanh(self, expr: Any) -> str:
        return f"tanh({self._print(expr.args[0])})"

    def _print_Max(self, expr: Any) -> str:
        return f"max({', '.join(self._print(a) for a in expr.args)})"

    def _print_MatrixBase(self, expr: Any) -> str:
        rows = "; ".join(", ".join(self._print(x) for x in expr.row(i)) for i in range(expr.rows))
        return f'mat(delim: "[", {rows})'

    _print_ImmutableDenseMatrix = _print_MatrixBase
    _print_MutableDenseMatrix = _print_MatrixBase
