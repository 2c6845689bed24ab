"""Numbers stated in a report's prose: parameter totals ("in total 8,210 trainable parameters",
"Total params: 4410"), arithmetic ("(3*3*1+1)*32 = 320", "(784 + 1) × 128 = 100,480"), accuracies
("a validation accuracy of 97.0%"), the training-set size ("60,000 training images") and which
data set is used. Arithmetic (``+ - * / x × ·``, brackets, integers) is evaluated exactly by
:mod:`nnexam.questions.safe_expr`, never by ``eval``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from nnexam.questions.safe_expr import ExprSyntaxError, parse_expression

NUM = r"\d{1,3}(?:[,\u2009 ]\d{3})+|\d+"
TOTAL = re.compile(
    rf"(?:(?P<pre>total|trainable|non-trainable|untrainable)\s+(?:number\s+of\s+)?(?:params|parameters|weights)\s*"
    rf"(?:is|are|=|:|of)?\s*(?P<n1>{NUM})\b)"
    rf"|(?:(?P<n2>{NUM})\s+(?P<kind>trainable\s+|non-trainable\s+)?(?:params|parameters|weights)\b)",
    re.IGNORECASE)
MODEL_WORDS = re.compile(r"\b(total|model|network|net|overall|altogether|in all|whole)\b", re.IGNORECASE)
ARITH = re.compile(rf"(?P<lhs>[\d(][\d\s+\-*/x×·().,]*[\d)])\s*=\s*(?P<rhs>{NUM})(?![\d,]|\.\d)")
ACC = re.compile(
    r"(?P<which>validation|val|test|training|train)?[\s_-]*(?:accuracy|acc)\b[^\d%\n]{0,25}?"
    r"(?P<v>\d+(?:\.\d+)?)(?!\s*(?:epoch|\d))\s*(?P<pct>%)?"
    r"|(?P<v2>0?\.\d+|\d+(?:\.\d+)?(?=\s*%))\s*(?P<pct2>%)?\s*(?:\w+\s+){0,2}?"
    r"(?P<which2>validation|val|test|training|train)?\s*accuracy",
    re.IGNORECASE)
SIZE = re.compile(rf"(?P<n>{NUM})\s+(?:training|train)\s+(?:images|samples|examples|rows|instances)"
                  rf"|(?:training|train)\s+set\s+(?:of|with|has|contains)\s+(?P<n2>{NUM})", re.IGNORECASE)
DATASETS = (("fashion-mnist", re.compile(r"fashion[\s_-]?mnist", re.I)), ("mnist", re.compile(r"\bmnist\b", re.I)),
            ("cifar10", re.compile(r"cifar[\s_-]?10\b", re.I)), ("digits", re.compile(r"load_digits|\bdigits\s+data", re.I)))
KNOWN_TRAIN_SIZES = {"fashion-mnist": 60000, "mnist": 60000, "cifar10": 50000, "digits": 1437}
MAX_EXPR = 80


@dataclass(frozen=True)
class Stated:
    kind: str  # total / trainable / non_trainable
    value: int
    line: int
    text: str


@dataclass(frozen=True)
class Arithmetic:
    expr: str
    value: Fraction | None  # None: not evaluable
    claimed: int
    line: int


@dataclass(frozen=True)
class Accuracy:
    which: str  # val / test / train / unspecified
    value: float  # fraction
    line: int
    text: str
    decimals: int = 2  # decimal places of the fraction as written ("87.0%" -> 3, "0.87" -> 2)

    @property
    def rounding(self) -> float:
        """Half a unit in the last place written: how far the true value may be from the stated one."""
        return 0.5 * 10.0 ** -self.decimals + 1e-9


def _int(text: str) -> int:
    return int(re.sub(r"[,\u2009 ]", "", text))


def totals(lines: tuple[str, ...], skip: set[int]) -> list[Stated]:
    out = []
    for i, line in enumerate(lines, start=1):
        if i in skip:
            continue
        for m in TOTAL.finditer(line):
            if m.group("n1"):
                pre = m.group("pre").lower()
                kind = {"total": "total", "trainable": "trainable"}.get(pre, "non_trainable")
                value = m.group("n1")
                before = line[: m.start()].lower()
                if kind == "total" and re.search(r"non-?\s*$", before):
                    kind = "non_trainable"
            else:
                k = (m.group("kind") or "").strip().lower()
                kind = {"trainable": "trainable", "non-trainable": "non_trainable"}.get(k, "total")
                value = m.group("n2")
            n = _int(value)
            if re.search(r"=\s*$", line[: m.start()]):
                continue  # the result of an arithmetic statement, checked as arithmetic
            if m.group("n2") and kind == "total" and not MODEL_WORDS.search(line):
                continue  # "320 parameters" of one layer, not a model total
            out.append(Stated(kind, n, i, m.group(0).strip()))
    return out


def evaluate(expr: str) -> Fraction | None:
    """Exact value of an arithmetic expression of integers (``(3*3*1 + 1) x 32``), or None when it
    is not one. Parsed by the project's safe expression parser, never eval."""
    text = re.sub(r"(?<=[\d)])\s*[x×·]\s*(?=[\d(])", "*", expr).replace(",", "")
    if len(text) > MAX_EXPR or not re.fullmatch(r"[\d\s+\-*/().]+", text) or "**" in text:
        return None
    try:
        value = parse_expression(text)
    except ExprSyntaxError:
        return None
    return Fraction(int(value.p), int(value.q)) if value.is_Rational else None


def arithmetic(lines: tuple[str, ...], skip: set[int]) -> list[Arithmetic]:
    """``expression = number`` statements with at least one operator."""
    out = []
    for i, line in enumerate(lines, start=1):
        if i in skip:
            continue
        for m in ARITH.finditer(line):
            lhs = m.group("lhs").strip()
            if not re.search(r"[\d)]\s*[+\-*/x×·]\s*[\d(]", lhs) or re.search(r"\d\.\d", lhs):
                continue
            out.append(Arithmetic(lhs, evaluate(lhs), _int(m.group("rhs")), i))
    return out


def accuracies(lines: tuple[str, ...], skip: set[int]) -> list[Accuracy]:
    out = []
    for i, line in enumerate(lines, start=1):
        if i in skip:
            continue
        for m in ACC.finditer(line):
            raw = m.group("v") or m.group("v2")
            pct = bool(m.group("pct") or m.group("pct2"))
            which = (m.group("which") or m.group("which2") or "").lower()
            value = float(raw)
            decimals = len(raw.partition(".")[2])
            if pct or value > 1:
                value /= 100
                decimals += 2
            if not 0 <= value <= 1:
                continue
            which = {"validation": "val", "training": "train"}.get(which, which) or "unspecified"
            out.append(Accuracy(which, value, i, m.group(0).strip(), decimals))
    return out


def dataset(text: str) -> str | None:
    for name, pattern in DATASETS:
        if pattern.search(text):
            return name
    return None


def train_size(lines: tuple[str, ...]) -> tuple[int, int] | None:
    """(size, line) of a stated training-set size."""
    for i, line in enumerate(lines, start=1):
        m = SIZE.search(line)
        if m:
            return _int(m.group("n") or m.group("n2")), i
    return None
