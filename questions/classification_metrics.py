"""Accuracy, precision, recall and F1 from a confusion matrix or from labels, exactly as
scikit-learn's ``accuracy_score`` and ``precision_recall_fscore_support`` compute them.

Rows of the confusion matrix are true classes, columns predicted classes (scikit-learn's
``confusion_matrix``); its classes are 0..C-1. With ``y_true``/``y_pred`` the classes are the sorted
labels that occur in either, as scikit-learn takes them. Per class: precision = TP / (TP + FP),
recall = TP / (TP + FN), F1 = 2 TP / (2 TP + FP + FN) (the harmonic mean of the two). ``macro``
averages the per-class values (F1 included: the mean of the F1s, not the F1 of the means),
``weighted`` weighs them by support (true samples), ``micro`` pools the counts (for single-label
classification all three equal the accuracy), ``binary`` reports the ``positive`` class alone.
A ratio 0/0 takes the value ``zero_division`` (0 by default: what scikit-learn's default "warn"
returns, with a warning).
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from nnexam.questions import doc
from nnexam.questions.doc import op, para, var
from nnexam.questions.errors import ParamError
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Choice, Integer, ListOf, Matrix, Param, PartSpec

TYPE_ID = "classification-metrics"
SUMMARY = "Accuracy, precision, recall and F1 from a confusion matrix or labels (binary, macro, micro, weighted)"

AVERAGES = ("binary", "macro", "micro", "weighted")
MAX_COUNT = 10**9
MAX_LABEL = 10**6

PARAMS = (
    Param("confusion", Matrix(), default=None, help="confusion matrix: rows true class, columns predicted (classes 0..C-1)"),
    Param("y_true", ListOf(Integer(min=-MAX_LABEL, max=MAX_LABEL), max_len=4096), default=None, help="true labels (with y_pred)"),
    Param("y_pred", ListOf(Integer(min=-MAX_LABEL, max=MAX_LABEL), max_len=4096), default=None, help="predicted labels"),
    Param("average", Choice(*AVERAGES), default=None,
          help="binary, macro, micro or weighted; null: binary for two classes, else macro"),
    Param("positive", Integer(min=-MAX_LABEL, max=MAX_LABEL), default=1, help="the positive class for 'binary' (scikit-learn's pos_label)"),
    Param("zero_division", Integer(min=0, max=1), default=0, help="value of a 0/0 ratio (scikit-learn's zero_division; its default warns and gives 0)"),
)
PARTS = (
    PartSpec("accuracy", "number", "correct predictions / samples"),
    PartSpec("precision", "number", "TP / (TP + FP), averaged as asked"),
    PartSpec("recall", "number", "TP / (TP + FN), averaged as asked"),
    PartSpec("f1", "number", "2 TP / (2 TP + FP + FN), averaged as asked"),
)
OPTIONS = (
    Param("classes_min", Integer(min=2, max=10), default=2, help="fewest classes"),
    Param("classes_max", Integer(min=2, max=10), default=3, help="most classes"),
    Param("count_min", Integer(min=0, max=10**6), default=0, help="smallest confusion-matrix entry off the diagonal"),
    Param("count_max", Integer(min=1, max=10**6), default=12, help="largest confusion-matrix entry"),
    Param("averages", ListOf(Choice(*AVERAGES)), default=AVERAGES, help="averages drawn ('binary' only for two classes)"),
    Param("form", Choice("confusion", "labels", "either"), default="confusion",
          help="give a confusion matrix, label lists (at most 30 samples), or either"),
)


def _check_average(average: str, classes: Sequence[int], positive: int) -> None:
    if average == "binary":
        if len(classes) > 2:
            raise ParamError("average", f"macro, micro or weighted: 'binary' needs two classes, these data have {len(classes)} "
                             f"({', '.join(map(str, classes))})", average)
        if len(classes) == 2 and positive not in classes:
            raise ParamError("positive", f"one of the classes {list(classes)} (the positive class for 'binary')", positive)


@dataclass(frozen=True)
class Params:
    confusion: tuple[tuple[Any, ...], ...] | None = None
    y_true: tuple[int, ...] | None = None
    y_pred: tuple[int, ...] | None = None
    average: str | None = None
    positive: int = 1
    zero_division: int = 0

    def __post_init__(self) -> None:
        labels = self.y_true is not None or self.y_pred is not None
        if labels and self.confusion is not None:
            raise ParamError("confusion", "either a confusion matrix or y_true and y_pred, not both")
        if labels:
            if self.y_true is None or self.y_pred is None or len(self.y_true) != len(self.y_pred):
                raise ParamError("y_pred", "y_true and y_pred of the same length, one label per sample",
                                 f"{len(self.y_true or ())} and {len(self.y_pred or ())} labels")
            object.__setattr__(self, "y_true", tuple(self.y_true))
            object.__setattr__(self, "y_pred", tuple(self.y_pred))
        elif self.confusion is None:
            raise ParamError("confusion", "a confusion matrix, or y_true and y_pred (required)")
        else:
            rows = tuple(tuple(self.confusion))
            if len(rows) != len(rows[0]) or len(rows) < 2:
                raise ParamError("confusion", "a square matrix with a row and a column per class (at least 2)",
                                 f"{len(rows)}x{len(rows[0])}")
            for i, row in enumerate(rows, start=1):
                for j, v in enumerate(row, start=1):
                    if Fraction(v).denominator != 1 or not 0 <= v <= MAX_COUNT:
                        raise ParamError(f"confusion[{i}][{j}]", f"a count: an integer from 0 to {MAX_COUNT}", str(v))
            rows = tuple(tuple(int(v) for v in r) for r in rows)
            if not any(any(r) for r in rows):
                raise ParamError("confusion", "at least one sample (every count is 0)")
            object.__setattr__(self, "confusion", rows)
        classes = self.classes
        average = self.average
        if average is None:
            average = "binary" if len(classes) == 2 else "macro"  # scikit-learn's default is binary
            object.__setattr__(self, "average", average)
        _check_average(average, classes, self.positive)

    @property
    def classes(self) -> tuple[int, ...]:
        if self.confusion is not None:
            return tuple(range(len(self.confusion)))
        return tuple(sorted(set(self.y_true or ()) | set(self.y_pred or ())))

    @property
    def matrix(self) -> tuple[tuple[int, ...], ...]:
        """The confusion matrix (built from the labels when they are given)."""
        if self.confusion is not None:
            return self.confusion
        index = {c: i for i, c in enumerate(self.classes)}
        m = [[0] * len(index) for _ in index]
        for t, q in zip(self.y_true or (), self.y_pred or ()):
            m[index[t]][index[q]] += 1
        return tuple(tuple(r) for r in m)


@dataclass(frozen=True)
class Counts:
    """Per-class counts from the confusion matrix."""

    tp: tuple[int, ...]
    fp: tuple[int, ...]
    fn: tuple[int, ...]
    support: tuple[int, ...]
    total: int


def counts(m: Sequence[Sequence[int]]) -> Counts:
    n = len(m)
    tp = tuple(m[i][i] for i in range(n))
    col = [sum(m[r][i] for r in range(n)) for i in range(n)]
    row = [sum(m[i]) for i in range(n)]
    return Counts(tp, tuple(c - t for c, t in zip(col, tp)), tuple(r - t for r, t in zip(row, tp)), tuple(row), sum(row))


def _ratio(num: int, den: int, zero_division: int) -> Fraction:
    return Fraction(num, den) if den else Fraction(zero_division)


def per_class(c: Counts, zd: int) -> tuple[tuple[Fraction, ...], tuple[Fraction, ...], tuple[Fraction, ...]]:
    """(precision_i, recall_i, f1_i) for every class."""
    prec = tuple(_ratio(t, t + f, zd) for t, f in zip(c.tp, c.fp))
    rec = tuple(_ratio(t, t + f, zd) for t, f in zip(c.tp, c.fn))
    f1 = tuple(_ratio(2 * t, 2 * t + a + b, zd) for t, a, b in zip(c.tp, c.fp, c.fn))
    return prec, rec, f1


def _averaged(p: Params, average: str, *, positive: int | None = None, f1_of_means: bool = False) -> dict[str, Fraction]:
    """The four parts under ``average``; the keywords let a mistaken solver change one ingredient."""
    c = counts(p.matrix)
    zd = p.zero_division
    out: dict[str, Fraction] = {"accuracy": Fraction(sum(c.tp), c.total)}
    if average == "micro":
        tp, fp, fn = sum(c.tp), sum(c.fp), sum(c.fn)
        out.update(precision=_ratio(tp, tp + fp, zd), recall=_ratio(tp, tp + fn, zd), f1=_ratio(2 * tp, 2 * tp + fp + fn, zd))
        return out
    prec, rec, f1 = per_class(c, zd)
    if average == "binary":
        pos = p.positive if positive is None else positive
        i = p.classes.index(pos) if pos in p.classes else None
        if i is None:  # the positive class never occurs: scikit-learn gives 0/0 for all three
            out.update(precision=Fraction(zd), recall=Fraction(zd), f1=Fraction(zd))
        else:
            out.update(precision=prec[i], recall=rec[i], f1=f1[i])
        return out
    weights = [1] * len(c.tp) if average == "macro" else list(c.support)
    total = sum(weights)
    mean = [sum((w * v for w, v in zip(weights, vals)), Fraction(0)) / total for vals in (prec, rec, f1)]
    out.update(precision=mean[0], recall=mean[1], f1=mean[2])
    if f1_of_means:
        out["f1"] = _harmonic(mean[0], mean[1])
    return out


def _harmonic(a: Fraction, b: Fraction) -> Fraction:
    return 2 * a * b / (a + b) if a + b else Fraction(0)


# ---------------------------------------------------------------------------------------------
# Worked steps and statement
# ---------------------------------------------------------------------------------------------


def _frac(num: int, den: int, value: Fraction) -> doc.F:
    """``3/(3 + 1) = 3/4`` for the steps ("0/0 -> 0" when undefined)."""
    n = doc.num
    if den == 0:
        return doc.F(r"\frac{0}{0} \rightarrow " + n(value).latex, "0/0 arrow.r " + n(value).typst, f"0/0 → {n(value).plain}")
    if den == 1:
        return n(value)
    written = doc.F(rf"\frac{{{num}}}{{{den}}}", f"{num}/{den}", f"{num}/{den}")
    return written if math.gcd(num, den) == 1 else doc.eq(written, n(value))


def _name(p: Params, i: int) -> str:
    return f"class {p.classes[i]}"


def solve(p: Params) -> Answer:
    c = counts(p.matrix)
    zd = p.zero_division
    prec, rec, f1 = per_class(c, zd)
    parts = _averaged(p, p.average)
    n = doc.num
    steps: list[doc.Block] = []
    if p.confusion is None:
        steps.append(para("Confusion matrix from the labels (rows: true class, columns: predicted; classes "
                          + ", ".join(map(str, p.classes)) + "):"))
        steps.append(_confusion_table(p))
    steps.append(para("Per class: TP on the diagonal, FP = rest of its column, FN = rest of its row, support = its row sum; "
                      "precision = TP/(TP + FP), recall = TP/(TP + FN), F1 = 2TP/(2TP + FP + FN)"
                      + (f" (0/0 counts as {zd})." if any(t + a == 0 or t + b == 0 for t, a, b in zip(c.tp, c.fp, c.fn)) else ".")))
    rows = []
    for i in range(len(c.tp)):
        rows.append((_name(p, i), str(c.tp[i]), str(c.fp[i]), str(c.fn[i]), str(c.support[i]),
                     _frac(c.tp[i], c.tp[i] + c.fp[i], prec[i]), _frac(c.tp[i], c.tp[i] + c.fn[i], rec[i]),
                     _frac(2 * c.tp[i], 2 * c.tp[i] + c.fp[i] + c.fn[i], f1[i])))
    steps.append(doc.Table(("class", "TP", "FP", "FN", "support", "precision", "recall", "F1"), tuple(rows)))
    steps.append(para("Accuracy = correct / samples: ", _frac(sum(c.tp), c.total, parts["accuracy"]), "."))
    if p.average == "binary":
        steps.append(para(f"Binary average: the positive class {p.positive} alone gives precision ", n(parts["precision"]),
                          ", recall ", n(parts["recall"]), " and F1 ", n(parts["f1"]), "."))
    elif p.average == "micro":
        tp, fp, fn = sum(c.tp), sum(c.fp), sum(c.fn)
        steps.append(para("Micro average: pool the counts over the classes (TP = ", n(tp), ", FP = ", n(fp), ", FN = ", n(fn),
                          "): precision = ", _frac(tp, tp + fp, parts["precision"]), ", recall = ",
                          _frac(tp, tp + fn, parts["recall"]), ", F1 = ", _frac(2 * tp, 2 * tp + fp + fn, parts["f1"]),
                          " (each equals the accuracy when every sample has one label)."))
    else:
        if p.average == "macro":
            how, weights = "Macro average: the plain mean over the classes", [1] * len(c.tp)
        else:
            how, weights = "Weighted average: each class weighted by its support", list(c.support)
        steps.append(para(how + " (F1 too: the mean of the per-class F1, not the F1 of the means):"))
        for label, vals, key in (("precision", prec, "precision"), ("recall", rec, "recall"), ("F1", f1, "f1")):
            if p.average == "macro":
                total = doc.frac(doc.join("+", [n(v) for v in vals]), n(len(vals)))
            else:
                total = doc.frac(doc.join("+", [n(w) + op("*") + n(v) for w, v in zip(weights, vals)]), n(sum(weights)))
            steps.append(doc.Display(doc.eq(var(label), total, n(parts[key]))))
    return Answer(parts=tuple(Part(k, parts[k], "number") for k in ("accuracy", "precision", "recall", "f1")),
                  steps=tuple(steps))


def _confusion_table(p: Params) -> doc.Table:
    head = ("true \\ predicted", *(str(k) for k in p.classes))
    return doc.Table(head, tuple((str(k), *(str(v) for v in row)) for k, row in zip(p.classes, p.matrix)))


_HOW = {
    "binary": "for the positive class {positive} (average='binary')",
    "macro": "macro-averaged over the classes (average='macro')",
    "micro": "micro-averaged (average='micro')",
    "weighted": "averaged over the classes weighted by support (average='weighted')",
}


def statement(p: Params) -> tuple[doc.Block, ...]:
    blocks: list[doc.Block] = []
    if p.confusion is not None:
        blocks.append(para(f"A classifier with {len(p.classes)} classes (0 to {len(p.classes) - 1}) gives the confusion matrix "
                           "below on a test set: rows are the true classes, columns the predicted ones."))
        blocks.append(_confusion_table(p))
    else:
        blocks.append(para(f"A classifier is evaluated on {len(p.y_true or ())} samples (in order):"))
        blocks.append(para("true labels: ", ", ".join(map(str, p.y_true or ())), "."))
        blocks.append(para("predicted labels: ", ", ".join(map(str, p.y_pred or ())), "."))
    zero = f" A ratio 0/0 counts as {p.zero_division}." if _has_zero_division(p) else ""
    blocks.append(para("Compute the accuracy, and the precision, recall and F1 score "
                       + _HOW[p.average].format(positive=p.positive) + ", exactly (fractions)." + zero))
    return tuple(blocks)


def _has_zero_division(p: Params) -> bool:
    c = counts(p.matrix)
    return any(t + a == 0 or t + b == 0 for t, a, b in zip(c.tp, c.fp, c.fn))


def _real(v: Any) -> Fraction | float | None:
    """A student's number (sympy or plain) as a Fraction when exact, a float otherwise; None if not a number."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        return None
    if isinstance(v, numbers.Rational):
        return Fraction(int(v.numerator), int(v.denominator))
    try:
        return float(v)
    except (TypeError, ValueError, OverflowError):
        return None


def follow_on(p: Params, given: Mapping[str, Any]) -> dict[str, Any]:
    """F1 from the student's own precision and recall where F1 is their harmonic mean (binary, micro)."""
    if p.average not in ("binary", "micro"):
        return {}
    prec, rec = _real(given.get("precision")), _real(given.get("recall"))
    if prec is None or rec is None or prec + rec == 0:
        return {}
    return {"f1": 2 * prec * rec / (prec + rec)}


# ---------------------------------------------------------------------------------------------
# Mistakes
# ---------------------------------------------------------------------------------------------


def _changed(p: Params, wrong: dict[str, Fraction]) -> dict[str, Fraction]:
    """The parts a mistake changes (all of them when it changes none: draws reject the variant)."""
    right = _averaged(p, p.average)
    diff = {k: v for k, v in wrong.items() if right[k] != v}
    return diff or wrong


def _swapped(p: Params) -> dict[str, Fraction]:
    if p.average == "micro":
        return {}
    right = _averaged(p, p.average)
    return {"precision": right["recall"], "recall": right["precision"]}


def _other_average(p: Params, when: tuple[str, ...], used: str) -> dict[str, Fraction]:
    if p.average not in when:
        return {}
    wrong = _averaged(p, used)
    wrong.pop("accuracy")
    return _changed(p, wrong)


def _f1_mean(p: Params) -> dict[str, Fraction]:
    if p.average == "micro":
        return {}
    right = _averaged(p, p.average)
    return {"f1": (right["precision"] + right["recall"]) / 2}


def _f1_of_means(p: Params) -> dict[str, Fraction]:
    if p.average not in ("macro", "weighted"):
        return {}
    return {"f1": _averaged(p, p.average, f1_of_means=True)["f1"]}


def _wrong_positive(p: Params) -> dict[str, Fraction]:
    if p.average != "binary" or len(p.classes) != 2:
        return {}
    other = next(k for k in p.classes if k != p.positive)
    wrong = _averaged(p, "binary", positive=other)
    wrong.pop("accuracy")
    return _changed(p, wrong)


def _accuracy_as_precision(p: Params) -> dict[str, Fraction]:
    """Accuracy computed as TP/(TP + FP) of the positive class (binary): the diagonal over one column."""
    if p.average != "binary":
        return {}
    return {"accuracy": _averaged(p, "binary")["precision"]}


MISTAKES = (
    Mistake("precision-recall-swapped", "precision divides TP by everything predicted positive (TP + FP, a column); "
            "recall by everything truly positive (TP + FN, a row).", _swapped),
    Mistake("micro-instead-of-macro", "macro averages the per-class values; pooling the counts first is the micro average.",
            lambda p: _other_average(p, ("macro",), "micro")),
    Mistake("macro-instead-of-micro", "micro pools TP, FP and FN over the classes before dividing; the mean of the "
            "per-class values is the macro average.", lambda p: _other_average(p, ("micro",), "macro")),
    Mistake("macro-instead-of-weighted", "the weighted average weighs each class by its support (true samples), "
            "not equally.", lambda p: _other_average(p, ("weighted",), "macro")),
    Mistake("weighted-instead-of-macro", "the macro average weighs every class equally, whatever its support.",
            lambda p: _other_average(p, ("macro",), "weighted")),
    Mistake("micro-instead-of-weighted", "the weighted average is the support-weighted mean of the per-class values, "
            "not the pooled (micro) counts.", lambda p: _other_average(p, ("weighted",), "micro")),
    Mistake("averaged-binary", "average='binary' reports the positive class alone, not the mean over both classes.",
            lambda p: _other_average(p, ("binary",), "macro")),
    Mistake("f1-arithmetic-mean", "F1 is the harmonic mean 2PR/(P + R), not the arithmetic mean (P + R)/2.", _f1_mean),
    Mistake("f1-of-averages", "the averaged F1 is the mean of the per-class F1 scores, not the F1 of the averaged "
            "precision and recall.", _f1_of_means),
    Mistake("wrong-positive-class", "the positive class is the one named in the question (scikit-learn's pos_label).",
            _wrong_positive),
    Mistake("accuracy-one-column", "accuracy counts every correct prediction (the whole diagonal) over all samples.",
            _accuracy_as_precision),
)


# ---------------------------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------------------------


def sample(
    rng: random.Random,
    *,
    classes_min: int = 2,
    classes_max: int = 3,
    count_min: int = 0,
    count_max: int = 12,
    averages: Sequence[str] = AVERAGES,
    form: str = "confusion",
) -> Params:
    """Counts where no ratio is 0/0 (every class is predicted and occurs); labels only for small totals."""
    if classes_min > classes_max or count_min > count_max:
        raise ParamError("options", "classes_min <= classes_max and count_min <= count_max",
                         (classes_min, classes_max, count_min, count_max))
    last: Any = None
    for _ in range(200):
        n = rng.randint(classes_min, classes_max)
        labels = form == "labels" or (form == "either" and rng.random() < 0.5)
        top = min(count_max, max(count_min, 1, 30 // (n * n))) if labels else count_max
        allowed = [a for a in averages if a != "binary" or n == 2]
        if not allowed:
            last = f"{n} classes and only 'binary' averages"
            continue
        m = [[rng.randint(max(count_min, 1) if i == j else count_min, max(top, 1)) for j in range(n)] for i in range(n)]
        c = counts(m)
        if any(t + f == 0 for t, f in zip(c.tp, c.fp)) or any(s == 0 for s in c.support):
            last = m
            continue
        binary = "binary" in allowed and rng.random() < 0.5  # the classic 2x2 question, half of the two-class draws
        average = "binary" if binary else rng.choice([a for a in allowed if a != "binary"] or allowed)
        if labels and c.total <= 30:
            y_true = [i for i in range(n) for j in range(n) for _ in range(m[i][j])]
            y_pred = [j for i in range(n) for j in range(n) for _ in range(m[i][j])]
            order = list(range(len(y_true)))
            rng.shuffle(order)
            return Params(y_true=tuple(y_true[k] for k in order), y_pred=tuple(y_pred[k] for k in order), average=average)
        if labels:
            last = f"{c.total} samples: too many to list as labels"
            continue
        return Params(confusion=tuple(tuple(r) for r in m), average=average)
    raise ParamError("options", "count ranges that give every class a prediction (or at most 30 samples for labels)", last)
