"""Numbers stated in a report's prose, read from paragraphs (lines joined, so a sentence broken by
PDF extraction is still one sentence; each claim is cited at the line of its number):

- parameter totals ("in total 8,210 trainable parameters") and per-layer counts ("the second conv
  layer has ... : 4,640 parameters");
- arithmetic as written: a chain ``a = b = c`` or ``x + y + z = w`` is read whole (a hand-written
  scanner, linear in the line, never a backtracking regex), each side evaluated exactly by
  :mod:`nnexam.questions.safe_expr` (never ``eval``);
- accuracies ("reaches 96.4% training accuracy after 8 epochs"), the training-set size and the
  data set.

Every pattern here runs in time linear in the text: numbers are matched only where a number starts
(``(?<![\\d.,])``), words only at word starts, and no two unbounded repetitions can share text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from nnexam.grader.audit.document import Paragraph
from nnexam.questions.safe_expr import ExprSyntaxError, parse_expression

NUM = r"(?<![\d.,])(?:\d{1,3}(?:[,\u2009]\d{3})+|\d+)(?![\d]|[.,]\d)"
TOTAL = re.compile(
    rf"\b(?:(?P<pre>total|trainable|non-trainable|untrainable)\s+(?:number\s+of\s+)?(?:params|parameters|weights)\s*"
    rf"(?:is|are|=|:|of)?\s*(?P<n1>{NUM}))"
    rf"|(?P<n2>{NUM})\s+(?P<kind>trainable\s+|non-trainable\s+)?(?:params|parameters|weights)\b",
    re.IGNORECASE)
MODEL_WORDS = re.compile(r"\b(total|model|network|net|overall|altogether|in all|whole)\b", re.IGNORECASE)
LAYER_REF = re.compile(
    r"\b(?:(?P<ord>first|second|third|fourth|fifth|last|final|\d(?:st|nd|rd|th))\s+"
    r"(?P<type>conv(?:olutional|olution|2d)?|dense|fully[- ]connected|hidden)|(?P<out>output))\s+layer\b", re.IGNORECASE)
LAYER_COUNT = re.compile(rf"(?<![x×*])(?<![x×*] )(?P<n>{NUM})\s+(?:trainable\s+)?(?:parameters|params|weights)\b", re.IGNORECASE)
ACC = re.compile(
    r"(?:\b(?P<which>validation|val|test|training|train)[\s_-]{0,3})?(?:\b|(?<=_))(?:accuracy|acc)\b[^\d%\n|]{0,25}?"
    r"(?:\b(?:after|in|at)\s(?:epoch\s)?\d{1,4}(?:\sepochs?)?\b[^\d%\n]{0,12}?)?"
    r"(?<![\d.])(?P<v>\d{1,3}(?:\.\d{1,8})?)(?![\d.]*\s*(?:epoch|\d))\s?(?P<pct>%)?"
    r"|(?<![\d.])(?P<v2>0?\.\d{1,8}|\d{1,3}(?:\.\d{1,8})?(?=\s?%))\s?(?P<pct2>%)?\s?(?:(?!(?:and|or|while|but|whereas|than|vs|the)\b)[A-Za-z]+\s){0,2}?"
    r"(?P<which2>validation|val|test|training|train)?\s?accuracy",
    re.IGNORECASE)
CHANGE = re.compile(r"\b(?:by|improv\w*|increas\w*|decreas\w*|drop\w*|rose|fell|gain\w*|los[st]|differ\w*|gap|"
                    r"shr[iu]nk|chang\w*|boost\w*|more|less|higher|lower|difference)\b", re.IGNORECASE)
CHANGE_AFTER = re.compile(r"\s?(?:percentage points|points|pp\b|p\.p\.|higher|lower|more|less|better|worse)", re.IGNORECASE)
AFTER_EPOCHS = re.compile(r"\b(?:after|in|at)\s(?:epoch\s(?P<a>\d{1,4})|(?P<b>\d{1,4})\sepochs?)\b", re.IGNORECASE)
LR_REF = re.compile(r"\b(?:lr|learning[ _]rate|η)\s?(?:=|of|:)?\s?(?P<v>\d{1,3}(?:\.\d{1,8})?(?:e-?\d{1,2})?)(?![\d.])",
                    re.IGNORECASE)
SIZE = re.compile(rf"(?P<n>{NUM})\s+(?:training|train)\s+(?:images|samples|examples|rows|instances)"
                  rf"|\b(?:training|train)\s+set\s+(?:of|with|has|contains|is)\s+(?P<n2>{NUM})", re.IGNORECASE)
DATASETS = (("fashion-mnist", re.compile(r"fashion[\s_-]?mnist", re.I)), ("mnist", re.compile(r"\bmnist\b", re.I)),
            ("cifar10", re.compile(r"\bcifar[\s_-]?10\b", re.I)), ("digits", re.compile(r"load_digits|\bdigits\s+data", re.I)))
KNOWN_TRAIN_SIZES = {"fashion-mnist": 60000, "mnist": 60000, "cifar10": 50000, "digits": 1437}
MAX_EXPR = 200  # characters of one side of an equation
MAX_SIDES = 8
MAX_CLAIMS = 500  # of one kind in one report: more is not a report a student wrote


@dataclass(frozen=True)
class Stated:
    kind: str  # total / trainable / non_trainable
    value: int
    line: int
    text: str
    sentence: str = ""  # the sentence it is in (explicit references: "the model in part 1")


@dataclass(frozen=True)
class LayerCount:
    """ "the second conv layer has ... 4,640 parameters": ordinal 2, kind Conv."""

    ordinal: int  # 1-based; -1 = last
    kind: str  # Conv / Dense
    value: int
    line: int
    text: str
    sentence: str = ""


@dataclass(frozen=True)
class Side:
    text: str
    value: Fraction | float | None  # exact for integers and decimals; float when a function is involved
    decimals: int | None  # digits after the point when the side is a plain decimal number
    line: int


@dataclass(frozen=True)
class Chain:
    """``a = b = c`` as written; ``sides`` in order (at least two, one with an operator)."""

    sides: tuple[Side, ...]

    @property
    def line(self) -> int:
        return self.sides[-1].line

    @property
    def expr(self) -> str:
        return " = ".join(s.text for s in self.sides[:-1])


@dataclass(frozen=True)
class Accuracy:
    which: str  # val / test / train / unspecified
    value: float  # fraction
    line: int
    text: str
    decimals: int = 2  # decimal places of the fraction as written ("87.0%" -> 3, "0.87" -> 2)
    epoch: int | None = None  # "after 8 epochs"
    sentence: str = ""

    @property
    def rounding(self) -> float:
        """Half a unit in the last place written: how far the true value may be from the stated one."""
        return 0.5 * 10.0 ** -self.decimals + 1e-9


def _int(text: str) -> int:
    return int(re.sub(r"[,\u2009 ]", "", text))


def totals(paragraphs: Iterable[Paragraph]) -> list[Stated]:
    out, seen = [], 0
    for p in paragraphs:
        for m in TOTAL.finditer(p.text):
            seen += 1
            if len(out) >= MAX_CLAIMS or seen > 4 * MAX_CLAIMS:
                return out
            if m.group("n1"):
                pre = m.group("pre").lower()
                kind = {"total": "total", "trainable": "trainable"}.get(pre, "non_trainable")
                value = m.group("n1")
                if kind == "total" and re.search(r"non-?\s*$", p.text[max(0, m.start() - 5): m.start()].lower()):
                    kind = "non_trainable"
                at = m.start("n1")
            else:
                k = (m.group("kind") or "").strip().lower()
                kind = {"trainable": "trainable", "non-trainable": "non_trainable"}.get(k, "total")
                value = m.group("n2")
                at = m.start("n2")
            if re.search(r"=\s*$", p.text[max(0, at - 4): at]):
                continue  # the result of an arithmetic statement, checked as arithmetic
            sentence = _sentence(p.text, at)
            cue = _total_cue(p.text, at, m.end())
            if m.group("n2") and not cue and (LAYER_REF.search(sentence) or PART_WORDS.search(_clause(p.text, at))
                                              or (kind == "total" and not MODEL_WORDS.search(sentence))):
                continue  # one layer's, filter's or unit's count (see layer_counts), not a model total
            out.append(Stated(kind, _int(value), p.line_at(at), m.group(0).strip(), _sentence(p.text, at)))
    return out


PART_WORDS = re.compile(r"\b(?:each|per|every|one|a single|single)\s(?:\w+\s)?(?:filter|unit|neuron|kernel|channel|layer|"
                        r"node|head|cell)s?\b", re.IGNORECASE)
CLAUSE_STOPS = (", ", "; ", ": ", " so ", " and ")


TOTAL_BEFORE = re.compile(r"\b(?:total|in all|altogether|overall|whole|entire)\b", re.IGNORECASE)
TOTAL_AFTER = re.compile(r"^\s?(?:in total|in all|altogether|overall)\b", re.IGNORECASE)


def _total_cue(text: str, start: int, end: int) -> bool:
    """ "in total 1,300 ...", "1,300 trainable params in total": the number is a model total."""
    return bool(TOTAL_BEFORE.search(text[max(0, start - 25): start]) or TOTAL_AFTER.search(text[end: end + 20]))


def _clause(text: str, at: int) -> str:
    """The clause around offset ``at`` (between commas, semicolons, 'so', 'and'; bounded)."""
    lo = max([text.rfind(s, max(0, at - 200), at) + len(s) for s in CLAUSE_STOPS if text.rfind(s, max(0, at - 200), at) != -1]
             + [max(0, at - 200)])
    his = [k for k in (text.find(s, at, at + 200) for s in CLAUSE_STOPS + (". ",)) if k != -1]
    return text[lo: min(his) if his else at + 200]


def _sentence(text: str, at: int) -> str:
    """The sentence around offset ``at`` (bounded: 400 characters either side), with a NUL where
    ``at`` is, so that a reference is taken from before the claim first ("in part 2 it reaches ...")."""
    lo = max(text.rfind(". ", max(0, at - 400), at), text.rfind("? ", max(0, at - 400), at), max(0, at - 400))
    hi = text.find(". ", at, at + 400)
    after = text[at: hi if hi != -1 else at + 400]
    for stop in (" and ", "; ", " while ", " but ", " whereas ", ", "):  # a reference after the claim: same clause only
        k = after.find(stop)
        after = after[:k] if k != -1 else after
    lo_clause = max(text.rfind(stop, lo, at) + len(stop) if text.rfind(stop, lo, at) != -1 else lo
                    for stop in (", and ", "; ", ", while ", ", but ", ", whereas "))
    return text[lo_clause:at] + "\0" + after


ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1, "final": -1}


def layer_counts(paragraphs: Iterable[Paragraph]) -> list[LayerCount]:
    """Per-layer counts in a sentence that names the layer ("the last conv layer ... 36,864 parameters")."""
    out = []
    for p in paragraphs:
        for m in LAYER_REF.finditer(p.text):
            if len(out) >= MAX_CLAIMS:
                return out
            end = m.end() + 300  # the clause that names the layer: up to the next sentence, clause or layer
            for stop in (". ", "; ", ", and ", ", while ", ", but "):
                k = p.text.find(stop, m.end(), end)
                end = k if k != -1 else end
            nxt = LAYER_REF.search(p.text, m.end(), end)
            end = nxt.start() if nxt else end
            found = [c for c in LAYER_COUNT.finditer(p.text, m.end(), end)
                     if not _total_cue(p.text, c.start(), c.end()) and not PART_WORDS.search(_clause(p.text, c.start()))]
            if not found:
                continue
            n = found[-1]
            if m.group("out"):
                ordinal, kind = -1, "Dense"
            else:
                word = m.group("ord").lower()
                ordinal = ORDINALS.get(word) or int(re.match(r"\d+", word).group(0))  # type: ignore[union-attr]
                kind = "Conv" if m.group("type").lower().startswith("conv") else "Dense"
            out.append(LayerCount(ordinal, kind, _int(n.group("n")), p.line_at(n.start("n")), p.text[m.start(): n.end()],
                                  _sentence(p.text, m.start())))
    return out


# ---- arithmetic as written ----

OPS = set("+-*/×·^")
RUN_CHARS = set("0123456789.,()+-*/×·^= x%")


def _runs(text: str) -> Iterable[tuple[int, int]]:
    """(start, end) of each maximal stretch of arithmetic characters: one pass over the text."""
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if not (c.isdigit() or c == "(") or (i > 0 and (text[i - 1].isalnum() or text[i - 1] in "_.")):
            i += 1
            continue
        j = i
        while j < n:
            c = text[j]
            if c == ",":  # a thousands separator only between digits: "1,600"; ", " ends the run
                if not (j + 3 < n + 1 and text[j - 1: j].isdigit() and text[j + 1: j + 4].isdigit()
                        and not text[j + 4: j + 5].isdigit()):
                    break
            elif c == "x":  # times between numbers, not a letter of a word
                if text[j - 1: j].isalpha() or text[j + 1: j + 2].isalpha():
                    break
            elif c not in RUN_CHARS:
                break
            j += 1
        yield i, j
        i = max(j, i + 1)


def _side(text: str) -> tuple[Fraction | None, int | None]:
    """Exact value of one side, and its decimals when it is a plain decimal number."""
    t = text.strip().replace("%", "").strip()  # percentages as written: "57.17% - 50.71% = 6.46%"
    if re.fullmatch(r"-?\d{1,3}(?:,\d{3})+|-?\d+", t):
        return Fraction(_int(t)), None
    if re.fullmatch(r"-?\d+\.\d+", t):
        return Fraction(t), len(t.partition(".")[2])
    expr = re.sub(r"(?<=\d),(?=\d{3})", "", t)
    expr = re.sub(r"[x×·]", "*", expr)
    if len(expr) > MAX_EXPR or "**" in expr or "^" in expr and re.search(r"\^\s*\d{3}", expr):
        return None, None
    try:
        value = parse_expression(expr)
    except ExprSyntaxError:
        return None, None
    if not value.is_Rational:
        return None, None
    return Fraction(int(value.p), int(value.q)), None


def chains(paragraphs: Iterable[Paragraph]) -> list[Chain]:
    """Equations written in the prose, whole: ``3 + 12 + 4 = 19``, ``(3*3*1 + 1)*16 = 160 = 10 * 16``."""
    out = []
    for p in paragraphs:
        for start, end in _runs(p.text):
            if len(out) >= MAX_CLAIMS:
                return out
            run = p.text[start:end]
            if "=" not in run:
                continue
            run = run.rstrip(" .,=+-*/x")
            pieces, pos = [], start
            for piece in run.split("="):
                lead = len(piece) - len(piece.lstrip())
                text, at = piece.strip(), pos + lead
                while text.startswith("(") and text.count("(") > text.count(")"):  # "(57.17% - 50.71% = 6.46%)"
                    text, at = text[1:].lstrip(), at + 1
                while text.endswith(")") and text.count(")") > text.count("("):
                    text = text[:-1].rstrip()
                pieces.append((text, at))
                pos += len(piece) + 1
            if p.text[max(0, start - 3): start].rstrip()[-1:] in ("+", "-", "*", "/", "^", "×", "·"):
                pieces = pieces[1:]  # "(n + 2p - k)/s + 1 = (28 + 2 - 3)/1 + 1 = 28": the "1" ends a formula
            if len(pieces) < 2 or len(pieces) > MAX_SIDES or any(not t for t, _ in pieces):
                continue
            if not any(re.search(r"[\d)%]\s*[-+*/×·x^]\s*[\d(]", t) for t, _ in pieces):
                continue  # no operation: "lr = 0.01", not arithmetic
            sides = []
            for t, at in pieces:
                value, decimals = _side(t)
                sides.append(Side(t, value, decimals, p.line_at(at)))
            if any(s.value is None for s in sides):
                continue
            out.append(Chain(tuple(sides)))
    return out


def accuracies(paragraphs: Iterable[Paragraph]) -> list[Accuracy]:
    out = []
    for p in paragraphs:
        for m in ACC.finditer(p.text):
            if len(out) >= MAX_CLAIMS:
                return out
            raw = m.group("v") or m.group("v2")
            at = m.start("v") if m.group("v") else m.start("v2")
            if p.text[max(0, at - 1): at] in ("-", "−") or CHANGE.search(m.group(0)) or CHANGE_AFTER.match(p.text, m.end()):
                continue  # a change ("improved by 6.46 points", "from -8.9%"), not an accuracy
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
            sentence_end = p.text.find(". ", m.end(), m.end() + 80)
            tail = p.text[m.end(): sentence_end if sentence_end != -1 else m.end() + 80][:80]
            ep = AFTER_EPOCHS.search(m.group(0)) or AFTER_EPOCHS.search(tail) or AFTER_EPOCHS.search(
                p.text[max(0, m.start() - 40): m.start()])
            epoch = int(ep.group("a") or ep.group("b")) if ep else None
            out.append(Accuracy(which, value, p.line_at(at), m.group(0).strip(), decimals, epoch, _sentence(p.text, at)))
    return out


def dataset(text: str) -> str | None:
    for name, pattern in DATASETS:
        if pattern.search(text):
            return name
    return None


def train_sizes(paragraphs: Iterable[Paragraph]) -> list[tuple[int, int]]:
    """(size, line) of each stated training-set size, in order."""
    out = []
    for p in paragraphs:
        for m in SIZE.finditer(p.text):
            group = "n" if m.group("n") else "n2"
            out.append((_int(m.group(group)), p.line_at(m.start(group))))
    return out
