"""The one safe expression parser of nnexam: text (plain, unicode or LaTeX) -> sympy, never eval.

Student answers and key strings are read by a hand-written tokenizer and a recursive-descent
parser into a small tree (tuples), which is then built into sympy through its constructors only
(no ``sympify``/``parse_expr``/``eval`` on text). Sizes are bounded before anything is evaluated:
text length, token count, nesting depth, literal length, exponents (``9**9**9`` is refused, not
computed) and the magnitude of exact numbers.

Grammar (loosest binding first)::

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/" | implicit) unary)*      # 2x, 3(x+1), x y, W^T \\delta
    unary   := ("-" | "+") unary | power
    power   := postfix ("^" unary)?                       # right associative: 2^3^2 = 2^9
    postfix := primary ("^T" | ".T" | "'" | "ᵀ")*
    primary := number | name | function | "(" expr ")" | "[" expr "]" | "{" expr "}"
             | \\frac{expr}{expr} | \\sqrt[n]{expr}

Names: ``x``, ``x1`` and ``x_1``/``x_{1}`` are the same symbol ``x_1``; Greek names and letters
(``\\delta``, ``δ``, ``delta``); ``e`` and ``pi`` are constants; ``\\mathrm{..}``/``\\mathbf{..}``
wrap a name. Functions: exp, ln, log (natural; ``log10``, ``log2``, ``log_b``, ``log(x, b)``),
sqrt, tanh, sinh, cosh, sin, cos, tan, sigma/sigmoid/σ, relu, max, min, abs. A name listed in
``matrix_symbols`` becomes a ``MatrixSymbol`` (products are matrix products, ``^T`` transposes);
a transpose of a scalar is the scalar.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp
from nnexam.questions import functions
from nnexam.questions.errors import NnexamError

MAX_LEN = 2000
MAX_TOKENS = 1000
MAX_DEPTH = 50
MAX_LITERAL = 300  # characters of one number
MAX_SCI_EXPONENT = 400  # 1e400 at most
MAX_INT_POWER = 1000  # |n| of an integer power of a number
MAX_SYMBOLIC_POWER = 64  # |n| of a power of an expression with symbols (simplify must stay fast)
MAX_DIGITS = 4000  # decimal digits of any exact number built (Python prints up to 4300)
MAX_FUNC_ARG = 10**6  # |x| of a number given to exp, sin, tanh...


class ExprSyntaxError(NnexamError, ValueError):
    """Text that is not a readable expression; ``offset`` is where reading stopped."""

    def __init__(self, reason: str, text: str, offset: int):
        self.reason, self.text, self.offset = reason, text, offset
        super().__init__(f"{reason} (at character {offset + 1})\n{caret(text, offset)}")


def caret(text: str, offset: int, width: int = 60) -> str:
    """Two lines: a window of ``text`` around ``offset`` and a caret under it."""
    lo = max(0, offset - width // 2)
    hi = min(len(text), lo + width)
    window = text[lo:hi].replace("\n", " ").replace("\t", " ")
    pre = "..." if lo > 0 else ""
    post = "..." if hi < len(text) else ""
    return f"  {pre}{window}{post}\n  {' ' * (len(pre) + offset - lo)}^"


# ---------------------------------------------------------------------------------------------
# tokens

@dataclass(frozen=True)
class Tok:
    kind: str  # num, name, func, op, T (transpose), frac, end
    value: Any
    pos: int


GREEK = (
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "rho tau upsilon phi varphi chi psi omega Gamma Delta Theta Lambda Xi Phi Psi Omega"
).split()
_UNICODE_GREEK = dict(
    zip("αβγδεζηθικλμνξρτυφχψωΓΔΘΛΞΦΨΩϵϕ", (
        "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi rho tau upsilon phi chi psi "
        "omega Gamma Delta Theta Lambda Xi Phi Psi Omega epsilon phi"
    ).split())
)
FUNCS = functions.NAMES  # words read as function names: the one table's
_CONSTS = {"e": sp.E, "E": sp.E, "pi": sp.pi}  # E and Max/Min/Abs: how sympy prints them in keys
CONSTANTS = frozenset(_CONSTS)
_OPS = {"+": "+", "-": "-", "*": "*", "/": "/", "^": "^", "(": "(", ")": ")", "[": "(", "]": ")",
        "{": "{", "}": "}", ",": ",", "−": "-", "–": "-", "·": "*", "×": "*", "⋅": "*", "∗": "*",
        "÷": "/", "⊙": "⊙", "∘": "⊙"}
_SUPERSCRIPT = {"²": 2, "³": 3}
_SPACES = {",", ";", "!", ":", " ", "quad", "qquad", "left", "right", "big", "Big", "bigl", "bigr", "Bigl",
           "Bigr", "displaystyle"}
_WRAPPERS = {"mathrm", "mathbf", "mathit", "mathsf", "mathbb", "text", "textrm", "operatorname", "boldsymbol", "bm"}
_DIGITS = "0123456789"
_NUM_RE = re.compile(r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_TRANSPOSE_RE = re.compile(
    r"\^\s*(?:T(?![A-Za-z0-9_])|\{\s*T\s*\}|\\top\b|\\intercal\b|\{\s*\\(?:top|intercal)\s*\}"
    r"|\{\s*\\math(?:rm|sf)\{T\}\s*\})"
)
_WORD_RE = re.compile(r"[A-Za-z]+")


def _word_token(word: str, pos: int) -> Tok:
    if word in FUNCS:
        return Tok("func", word, pos)
    return Tok("name", word, pos)


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    i, n = 0, len(text)

    def push(tok: Tok) -> None:
        toks.append(tok)
        if len(toks) > MAX_TOKENS:
            raise ExprSyntaxError(f"too long: more than {MAX_TOKENS} symbols", text, tok.pos)

    while i < n:
        c = text[i]
        if c.isspace() or c == "~":
            i += 1
            continue
        if c in _DIGITS or (c == "." and i + 1 < n and text[i + 1] in _DIGITS):
            m = _NUM_RE.match(text, i)
            lit = m.group(0) if m else c
            if len(lit) > MAX_LITERAL:
                raise ExprSyntaxError(f"number longer than {MAX_LITERAL} characters", text, i)
            if lit == "1" and text[i + 1:i + 2] == "_":  # 1_m: a vector of ones
                sub = _subscript(text, i + 1)
                if sub is not None:
                    push(Tok("name", f"1_{sub[0]}", i))
                    i = sub[1]
                    continue
            push(Tok("num", lit, i))
            i += len(lit)
            continue
        if c.isascii() and c.isalpha():
            m = _WORD_RE.match(text, i)
            word = m.group(0) if m else c
            j = i + len(word)
            digits = re.match(r"[0-9]+", text[j:j + 20])
            if digits and word + digits.group(0) in FUNCS:
                word, j = word + digits.group(0), j + len(digits.group(0))
            elif digits and word not in FUNCS:
                word, j = f"{word}_{digits.group(0)}", j + len(digits.group(0))
            sub = _subscript(text, j)
            if sub is not None:
                sub_text, j = sub
                if word == "log":
                    push(Tok("func", ("log", sub_text), i))
                    i = j
                    continue
                word = f"{word}_{sub_text}"
            push(_word_token(word, i) if "_" not in word else Tok("name", word, i))
            i = j
            continue
        if c == "\\":
            i = _command(text, i, push)
            continue
        if c == "^":
            m = _TRANSPOSE_RE.match(text, i)
            if m:
                push(Tok("T", None, i))
                i = m.end()
                continue
            push(Tok("op", "^", i))
            i += 1
            continue
        if c == "*" and text.startswith("**", i):
            push(Tok("op", "^", i))
            i += 2
            continue
        if c == "." and text.startswith(".T", i) and not (i + 2 < n and (text[i + 2].isalnum() or text[i + 2] == "_")):
            push(Tok("T", None, i))
            i += 2
            continue
        if c in "'ᵀ⊤":
            push(Tok("T", None, i))
            i += 1
            continue
        if c in _SUPERSCRIPT:
            push(Tok("op", "^", i))
            push(Tok("num", str(_SUPERSCRIPT[c]), i))
            i += 1
            continue
        if c in _OPS:
            push(Tok("op", _OPS[c], i))
            i += 1
            continue
        if c == "√":
            push(Tok("func", "sqrt", i))
            i += 1
            continue
        if c == "π":
            push(Tok("name", "pi", i))
            i += 1
            continue
        if c == "σ":
            push(Tok("func", "sigma", i))
            i += 1
            continue
        if c in _UNICODE_GREEK:
            push(Tok("name", _UNICODE_GREEK[c], i))
            i += 1
            continue
        raise ExprSyntaxError(f"unexpected character {c!r}", text, i)
    toks.append(Tok("end", None, n))
    return toks


def _subscript(text: str, j: int) -> tuple[str, int] | None:
    """``_1``, ``_{12}``, ``_{ij}`` after a name -> (content, end) or None."""
    if j >= len(text) or text[j] != "_":
        return None
    m = re.compile(r"_(?:\{\s*([A-Za-z0-9]{1,12})\s*\}|([A-Za-z0-9]))").match(text, j)
    if not m:
        raise ExprSyntaxError("a subscript such as x_1 or x_{12}", text, j)
    return (m.group(1) or m.group(2)), m.end()


def _command(text: str, i: int, push: Any) -> int:
    """A LaTeX command at ``text[i] == '\\'``; pushes its tokens and returns the next index."""
    m = re.compile(r"\\([A-Za-z]+|.)").match(text, i)
    if not m:
        raise ExprSyntaxError("a LaTeX command after the backslash", text, i)
    name, j = m.group(1), m.end()
    if name in _SPACES:
        if name in ("left", "right", "big", "Big", "bigl", "bigr", "Bigl", "Bigr") and text[j:j + 1] in (".", "|"):
            if text[j] == "|":
                raise ExprSyntaxError("absolute value bars: write abs(x)", text, j)
            j += 1
        return j
    if name in ("{", "}"):
        push(Tok("op", "(" if name == "{" else ")", i))
        return j
    if name in ("cdot", "times", "ast"):
        push(Tok("op", "*", i))
        return j
    if name in ("odot", "circ"):  # element-wise (Hadamard) product
        push(Tok("op", "⊙", i))
        return j
    if name == "div":
        push(Tok("op", "/", i))
        return j
    if name in ("frac", "dfrac", "tfrac"):
        push(Tok("frac", None, i))
        return j
    if name in _WRAPPERS:
        w = re.compile(r"\s*\{\s*(\\?[A-Za-z]+|1)\s*\}").match(text, j)
        if not w:
            raise ExprSyntaxError(f"\\{name}{{NAME}} around a single name", text, j)
        inner = w.group(1).lstrip("\\")
        end = w.end()
        sub = _subscript(text, end)
        if sub is not None:
            push(Tok("name", f"{inner}_{sub[0]}", i))
            return sub[1]
        push(_word_token(inner, i) if inner not in GREEK else Tok("name", inner, i))
        return end
    if name in ("pi",):
        push(Tok("name", "pi", i))
        return j
    if name == "log":
        sub = _subscript(text, j)
        if sub is not None:
            push(Tok("func", ("log", sub[0]), i))
            return sub[1]
        push(Tok("func", "log", i))
        return j
    if name in FUNCS:
        push(Tok("func", name, i))
        return j
    if name in GREEK:
        sub = _subscript(text, j)
        if sub is not None:
            push(Tok("name", f"{name}_{sub[0]}", i))
            return sub[1]
        push(Tok("name", name, i))
        return j
    raise ExprSyntaxError(f"unsupported LaTeX command \\{name}", text, i)


# ---------------------------------------------------------------------------------------------
# tree: ("num", lit) ("name", s) ("neg", a) ("add"|"sub"|"mul"|"div"|"pow", a, b) ("T", a)
#       ("call", f, [args]) ; every node ends with its position: node[-1]

Node = tuple


class _Parser:
    def __init__(self, text: str, toks: list[Tok]):
        self.text, self.toks, self.i, self.depth = text, toks, 0, 0

    @property
    def tok(self) -> Tok:
        return self.toks[self.i]

    def fail(self, reason: str, tok: Tok | None = None) -> ExprSyntaxError:
        return ExprSyntaxError(reason, self.text, (tok or self.tok).pos)

    def take(self, kind: str, value: Any = None) -> Tok | None:
        t = self.tok
        if t.kind == kind and (value is None or t.value == value):
            self.i += 1
            return t
        return None

    def expect(self, value: str, what: str) -> Tok:
        t = self.take("op", value)
        if t is None:
            got = "the end" if self.tok.kind == "end" else repr(self.text[self.tok.pos:self.tok.pos + 10])
            raise self.fail(f"expected {what}, found {got}")
        return t

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise self.fail(f"nested more than {MAX_DEPTH} levels deep")

    def parse(self) -> Node:
        if self.tok.kind == "end":
            raise self.fail("empty expression")
        node = self.expr()
        if self.tok.kind != "end":
            raise self.fail("unexpected " + repr(self.text[self.tok.pos:self.tok.pos + 10]))
        return node

    def expr(self) -> Node:
        node = self.term()
        while True:
            t = self.take("op", "+") or self.take("op", "-")
            if t is None:
                return node
            node = ("add" if t.value == "+" else "sub", node, self.term(), t.pos)

    def _starts_primary(self) -> bool:
        t = self.tok
        return t.kind in ("num", "name", "func", "frac") or (t.kind == "op" and t.value in ("(", "{"))

    def term(self) -> Node:
        node = self.unary()
        while True:
            t = self.take("op", "*") or self.take("op", "/") or self.take("op", "⊙")
            if t is not None:
                node = ({"*": "mul", "/": "div", "⊙": "had"}[t.value], node, self.unary(), t.pos)
            elif self._starts_primary():
                t = self.tok
                if t.kind == "num" and _ends_with_number(node):
                    raise self.fail("two numbers in a row: write an operator between them")
                node = ("mul", node, self.power(), t.pos)
            else:
                return node

    def unary(self) -> Node:
        t = self.take("op", "-") or self.take("op", "+")
        if t is None:
            return self.power()
        self.enter()
        inner = self.unary()
        self.depth -= 1
        return ("neg", inner, t.pos) if t.value == "-" else inner

    def power(self) -> Node:
        base = self.postfix()
        t = self.take("op", "^")
        if t is None:
            return base
        self.enter()
        exponent = self.unary()
        self.depth -= 1
        node: Node = ("pow", base, exponent, t.pos)
        while (t2 := self.take("T")) is not None:
            node = ("T", node, t2.pos)
        return node

    def postfix(self) -> Node:
        node = self.primary()
        while (t := self.take("T")) is not None:
            node = ("T", node, t.pos)
        return node

    def group(self, close: str) -> Node:
        self.enter()
        node = self.expr()
        self.expect(close, f"'{')' if close == ')' else '}'}'")
        self.depth -= 1
        return node

    def primary(self) -> Node:
        t = self.tok
        if t.kind == "num":
            self.i += 1
            return ("num", t.value, t.pos)
        if t.kind == "name":
            self.i += 1
            return ("name", t.value, t.pos)
        if t.kind == "op" and t.value == "(":
            self.i += 1
            return self.group(")")
        if t.kind == "op" and t.value == "{":
            self.i += 1
            return self.group("}")
        if t.kind == "frac":
            self.i += 1
            nxt = self.tok
            if nxt.kind == "num" and len(nxt.value) == 2 and nxt.value.isdigit():  # \frac12
                self.i += 1
                return ("div", ("num", nxt.value[0], nxt.pos), ("num", nxt.value[1], nxt.pos), t.pos)
            self.expect("{", "'{' after \\frac")
            num = self.group("}")
            self.expect("{", "a second '{...}' after \\frac{...}")
            den = self.group("}")
            return ("div", num, den, t.pos)
        if t.kind == "func":
            self.i += 1
            return self.call(t)
        if t.kind == "end":
            raise self.fail("the expression ends too early")
        raise self.fail("unexpected " + repr(self.text[t.pos:t.pos + 10]))

    def call(self, t: Tok) -> Node:
        name = t.value
        if name == "sigma" and not self._starts_primary():
            return ("name", "sigma", t.pos)  # a bare σ is a symbol
        power = None
        if name == "sqrt" and self.take("op", "("):  # \sqrt[n]{x} arrives as sqrt ( n ) { x }
            if self.tok.kind == "num" and self.toks[self.i + 1].kind == "op" and self.toks[self.i + 1].value == ")" \
                    and self.toks[self.i + 2].kind == "op" and self.toks[self.i + 2].value == "{":
                index = self.tok
                self.i += 2
                self.take("op", "{")
                return ("call", "root", [self.group("}"), ("num", index.value, index.pos)], t.pos)
            self.i -= 1
        if self.tok.kind == "op" and self.tok.value == "^":  # \sin^2 x = (sin x)^2
            self.i += 1
            self.enter()
            power = self.postfix()
            self.depth -= 1
        self.enter()
        if self.take("op", "("):
            args = [self.expr()]
            while self.take("op", ","):
                args.append(self.expr())
            self.expect(")", "')' closing the arguments")
        elif self.take("op", "{"):
            args = [self.group("}")]
            self.depth += 1
        else:
            if not self._starts_primary() and not (self.tok.kind == "op" and self.tok.value in "+-"):
                raise self.fail(f"an argument after {name if isinstance(name, str) else 'log'}")
            args = [self.unary() if self.tok.kind == "op" else self.power()]
        self.depth -= 1
        node: Node = ("call", name, args, t.pos)
        return ("pow", node, power, t.pos) if power is not None else node


def _ends_with_number(node: Node) -> bool:
    """True when the rightmost factor of ``node`` is a plain number (2 3 is not 6)."""
    while node[0] in ("mul",):
        node = node[2]
    return node[0] == "num"


def parse_tree(text: str, *, max_len: int = MAX_LEN) -> Node:
    """The syntax tree of ``text``; raises ExprSyntaxError. Use :func:`parse_expression` for sympy."""
    if not isinstance(text, str):
        raise ExprSyntaxError(f"expected text, got {type(text).__name__}", "", 0)
    if len(text) > max_len:
        raise ExprSyntaxError(f"longer than {max_len} characters", text[:80], 79)
    return _Parser(text, tokenize(text)).parse()


def tree_names(node: Node) -> set[str]:
    """Names (symbols) used in a tree."""
    if node[0] == "name":
        return {node[1]}
    out: set[str] = set()
    for child in node[1:-1]:
        if isinstance(child, tuple):
            out |= tree_names(child)
        elif isinstance(child, list):
            for c in child:
                out |= tree_names(c)
    return out


def transposed_names(node: Node) -> set[str]:
    """Names that appear under a transpose (they must be matrices)."""
    if node[0] == "T":
        return tree_names(node[1])
    out: set[str] = set()
    for child in node[1:-1]:
        for c in (child if isinstance(child, list) else [child]):
            if isinstance(c, tuple):
                out |= transposed_names(c)
    return out


# ---------------------------------------------------------------------------------------------
# building sympy, with size checks before each evaluation

_CHAIN = {"add": ("add", "sub"), "sub": ("add", "sub"), "mul": ("mul", "div", "had"), "div": ("mul", "div", "had"),
          "had": ("mul", "div", "had")}


def _digits(x: sp.Expr) -> float:
    """Decimal digits of an exact rational's numerator/denominator (0 for other values)."""
    if isinstance(x, sp.Rational):
        return max(abs(int(x.p)).bit_length(), int(x.q).bit_length()) * 0.30103
    return 0.0


class _Builder:
    def __init__(self, text: str, symbols: Mapping[str, sp.Expr]):
        self.text, self.symbols = text, symbols

    def fail(self, reason: str, node: Node) -> ExprSyntaxError:
        return ExprSyntaxError(reason, self.text, node[-1])

    def number(self, lit: str, node: Node) -> sp.Rational:
        mantissa, _, exp = lit.lower().partition("e")
        if exp and abs(int(exp)) > MAX_SCI_EXPONENT:
            raise self.fail(f"exponent of 10 larger than {MAX_SCI_EXPONENT}", node)
        f = Fraction(lit)
        return sp.Rational(f.numerator, f.denominator)

    def check(self, value: Any, node: Node) -> Any:
        if _digits(value) > MAX_DIGITS:
            raise self.fail(f"a number with more than {MAX_DIGITS} digits", node)
        return value

    def build(self, node: Node) -> Any:
        kind = node[0]
        if kind == "num":
            return self.number(node[1], node)
        if kind == "name":
            name = node[1]
            if name in self.symbols:
                return self.symbols[name]
            if name in _CONSTS:
                return _CONSTS[name]
            return sp.Symbol(name)
        if kind == "neg":
            return -self.build(node[1])
        if kind == "T":
            inner = self.build(node[1])
            return inner.T if isinstance(inner, sp.MatrixExpr) else inner
        if kind == "call":
            return self.call(node)
        if kind == "pow":
            return self.binary(node, self.build(node[1]), self.build(node[2]))
        # a chain a + b - c ... is left-nested: walk its spine iteratively (no deep recursion)
        spine = []
        while node[0] in _CHAIN[kind]:
            spine.append(node)
            node = node[1]
        value = self.build(node)
        for link in reversed(spine):
            value = self.binary(link, value, self.build(link[2]))
        return value

    def binary(self, node: Node, a: Any, b: Any) -> Any:
        kind = node[0]
        try:
            if kind == "add":
                return self.check(a + b, node)
            if kind == "sub":
                return self.check(a - b, node)
            if kind == "mul":
                return self.check(a * b, node)
            if kind == "had":
                both = isinstance(a, sp.MatrixExpr) and isinstance(b, sp.MatrixExpr)
                return sp.hadamard_product(a, b) if both else self.check(a * b, node)
            if kind == "div":
                if isinstance(b, sp.MatrixExpr):
                    raise self.fail("division by a matrix", node)
                if b == 0:
                    raise self.fail("division by zero", node)
                return self.check(a / b, node)
            return self.power(a, b, node)
        except (sp.matrices.exceptions.ShapeError, TypeError, ValueError) as exc:
            if isinstance(exc, ExprSyntaxError):
                raise
            raise self.fail(f"the shapes do not fit: {exc}", node) from None

    def power(self, base: Any, exponent: Any, node: Node) -> Any:
        if isinstance(exponent, sp.MatrixExpr):
            raise self.fail("a matrix exponent", node)
        if exponent.is_Number:
            big = abs(exponent)
            if base.is_Number:
                if big > MAX_INT_POWER:
                    raise self.fail(f"a power larger than {MAX_INT_POWER}", node)
                if _digits(base) * float(big) > MAX_DIGITS:
                    raise self.fail(f"a power with more than {MAX_DIGITS} digits", node)
                if not exponent.is_Integer and _digits(base) > MAX_LITERAL:
                    raise self.fail("a root of a very large number", node)
                if base == 0 and exponent.is_negative:
                    raise self.fail("division by zero", node)
            elif big > MAX_SYMBOLIC_POWER and base is not sp.E:
                raise self.fail(f"a power of an expression larger than {MAX_SYMBOLIC_POWER}", node)
            elif base is sp.E and big > MAX_INT_POWER:
                raise self.fail(f"a power larger than {MAX_INT_POWER}", node)
        elif base.is_Number and abs(base) > MAX_FUNC_ARG or (isinstance(exponent, sp.Expr) and _huge(exponent)):
            raise self.fail("a power too large to compare", node)
        if isinstance(base, sp.MatrixExpr):
            if not (exponent.is_Integer and exponent > 0):
                raise self.fail("a matrix raised to something else than a positive integer", node)
            return sp.MatPow(base, exponent)
        return sp.Pow(base, exponent)

    def call(self, node: Node) -> Any:
        name, args = node[1], [self.build(a) for a in node[2]]
        if name == "HadamardProduct":
            try:
                return sp.hadamard_product(*args) if all(isinstance(a, sp.MatrixExpr) for a in args) else sp.Mul(*args)
            except (sp.matrices.exceptions.ShapeError, TypeError, ValueError) as exc:
                raise self.fail(f"the shapes do not fit: {exc}", node) from None
        if any(isinstance(a, sp.MatrixExpr) for a in args):
            raise self.fail(f"{name if isinstance(name, str) else 'log'} of a matrix", node)
        if isinstance(name, tuple):  # log_b
            base = self.build(("num", name[1], node[-1])) if name[1].isdigit() else self.build(("name", name[1], node[-1]))
            return self.log(args, node, base)
        name = functions.canonical(name)
        fn = functions.TABLE[name]
        if name in ("max", "min"):
            if len(args) > functions.MAX_ARGS:
                raise self.fail(f"{name} of more than {functions.MAX_ARGS} values", node)
            return fn.exact(*args)
        if name == "log":
            return self.log(args, node, None)
        if name == "root":
            index = args[1]
            if not (index.is_Integer and 2 <= index <= 100):
                raise self.fail("a root index from 2 to 100", node)
            return self.power(args[0], 1 / index, node)
        if len(args) != 1:
            raise self.fail(f"{name} takes one argument, got {len(args)}", node)
        (x,) = args
        if name == "sqrt":  # x^(1/2), with the power's own bounds: sqrt(6187510) is as cheap as 6187510^(1/2)
            return self.power(x, sp.Rational(1, 2), node)
        if x.is_Number and abs(x) > MAX_FUNC_ARG:
            raise self.fail(f"the argument of {name} is larger than {MAX_FUNC_ARG}", node)
        if name in ("exp",) and _huge(x):
            raise self.fail("the argument of exp is too large", node)
        if name in _GROWING and x.is_number and not magnitude(node[2][0]) <= MAX_FUNC_ARG:
            # exp(exp(exp(exp(3)))), sin(exp(exp(13))): cheap to write, endless to evaluate exactly
            raise self.fail(f"the argument of {name} is larger than {MAX_FUNC_ARG} (or cannot be bounded)", node)
        return fn.exact(x)

    def log(self, args: list[Any], node: Node, base: Any) -> Any:
        if base is None and len(args) == 2:
            args, base = args[:1], args[1]
        if len(args) != 1:
            raise self.fail("log takes one argument (and optionally a base)", node)
        if args[0] == 0 or base == 0 or base == 1:
            raise self.fail("log of zero or to base 0/1", node)
        return functions.TABLE["log"].exact(args[0], base)


_GROWING = frozenset({"exp", "sinh", "cosh", "sin", "cos", "tan", "tanh", "sigmoid"})  # need a bounded argument
_FLOAT_FUNCS: dict[str, Any] = {
    "exp": math.exp, "ln": math.log, "log10": math.log10, "log2": math.log2, "sqrt": math.sqrt, "tanh": math.tanh,
    "sinh": math.sinh, "cosh": math.cosh, "sin": math.sin, "cos": math.cos, "tan": math.tan, "abs": abs,
    "sigmoid": lambda x: 1 / (1 + math.exp(-x)) if x > -700 else 0.0, "relu": lambda x: max(0.0, x),
}


def magnitude(node: Node) -> float:
    """|value| of a tree of numbers in floats: inf when it overflows (or cannot be estimated),
    nan when it holds symbols. Linear in the tree; used to bound arguments before sympy sees them."""
    try:
        return abs(_approx(node))
    except (OverflowError, ValueError, ZeroDivisionError, TypeError, RecursionError):
        return math.inf


def _approx(node: Node) -> float:
    kind = node[0]
    if kind == "num":
        return float(node[1])
    if kind == "name":
        return {"e": math.e, "E": math.e, "pi": math.pi}.get(node[1], math.nan)
    if kind == "neg":
        return -_approx(node[1])
    if kind == "T":
        return _approx(node[1])
    if kind == "call":
        args = [_approx(a) for a in node[2]]
        name = node[1]
        if isinstance(name, tuple):
            return math.log(args[0]) if args[0] > 0 else math.nan
        name = functions.canonical(name)
        if name in ("max", "min"):
            return max(args) if name == "max" else min(args)
        if name == "log":
            return math.log(args[0]) / (math.log(args[1]) if len(args) > 1 else 1.0)
        if name == "root":
            return abs(args[0]) ** (1.0 / args[1])
        fn = _FLOAT_FUNCS.get(name)
        return fn(args[0]) if fn is not None and len(args) == 1 else math.nan
    a, b = _approx(node[1]), _approx(node[2])
    if kind == "add":
        return a + b
    if kind == "sub":
        return a - b
    if kind in ("mul", "had"):
        return a * b
    if kind == "div":
        return a / b
    r = abs(a) ** b  # pow: the size is what matters
    return r if not isinstance(r, complex) else abs(r)


def _huge(x: sp.Expr) -> bool:
    """An exact number whose float value is out of reach of a comparison (|x| > 10^6)."""
    if x.is_Number:
        return bool(abs(x) > MAX_FUNC_ARG)
    return False


def parse_expression(
    text: str,
    *,
    symbols: Iterable[str] | None = None,
    matrix_symbols: Mapping[str, tuple[int, int]] | None = None,
    max_len: int = MAX_LEN,
) -> sp.Expr:
    """``text`` as a sympy expression; raises ExprSyntaxError (with ``offset``) when unreadable.

    ``symbols`` are created up front (names are symbols anyway); ``matrix_symbols`` maps names
    to (rows, cols) and makes them ``MatrixSymbol`` s, so ``W^T \\delta`` is a matrix product.
    """
    return build(parse_tree(text, max_len=max_len), text, symbols=symbols, matrix_symbols=matrix_symbols)


def build(
    tree: Node,
    text: str,
    *,
    symbols: Iterable[str] | None = None,
    matrix_symbols: Mapping[str, tuple[int, int]] | None = None,
) -> sp.Expr:
    """The sympy value of a tree from :func:`parse_tree` (``text`` is for error messages)."""
    env: dict[str, Any] = {s: sp.Symbol(s) for s in (symbols or ())}
    for name, (r, c) in (matrix_symbols or {}).items():
        env[name] = sp.MatrixSymbol(name, r, c)
    try:
        return _Builder(text, env).build(tree)
    except RecursionError:  # pragma: no cover - depth is bounded above
        raise ExprSyntaxError("nested too deeply", text, 0) from None
    except (ZeroDivisionError, OverflowError, ArithmeticError) as exc:
        raise ExprSyntaxError(f"cannot be evaluated: {exc}", text, 0) from None
