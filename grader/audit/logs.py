"""Keras training logs in reports, old and new style, possibly broken across lines:

    Epoch 3/10
    938/938 [==============================] - 4s 4ms/step - loss: 0.31 - accuracy: 0.89 - val_loss: ...
    1875/1875 ━━━━━━━━━━━━━━━━━━━━ 12s 6ms/step - accuracy: 0.8812 - loss: 0.3301 - val_accuracy: ...

Everything between one ``Epoch N/M`` marker and the next is read as one text (PDF extraction breaks
the long progress line anywhere); the steps are the last ``k/k`` counter, the metrics every
``name: value`` pair.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

EPOCH = re.compile(r"^\s*Epoch\s+(?P<n>\d+)\s*/\s*(?P<of>\d+)\s*$")
STEPS = re.compile(r"(?<![\d.])(?P<a>\d+)\s*/\s*(?P<b>\d+)(?=\s*(?:\[|━|-|\s|$))")
METRIC = re.compile(r"\b(?P<name>(?:val_)?(?:loss|accuracy|acc|sparse_categorical_accuracy|categorical_accuracy|binary_accuracy|mae|mse))"
                    r"\s*:\s*(?P<v>\d+(?:\.\d+)?(?:e[-+]?\d+)?)", re.IGNORECASE)
MAX_EPOCH_LINES = 12
PER_SAMPLE = re.compile(r"\d(?:us|µs|ms|s)/sample\b")


@dataclass(frozen=True)
class Epoch:
    n: int
    of: int
    line: int
    steps: int | None
    metrics: dict[str, float] = field(default_factory=dict)
    end: int = 0  # last line of this epoch's text
    counts_samples: bool = False  # TF 1.x / Keras < 2.3 on arrays: "54000/54000 ... 185us/sample" counts rows


@dataclass(frozen=True)
class Log:
    line: int
    epochs: tuple[Epoch, ...]

    def where(self, epoch: Epoch | None = None) -> str:
        return f"training log (line {self.line})" if epoch is None else f"training log, epoch {epoch.n} (line {epoch.line})"

    def at(self, n: int) -> Epoch | None:
        """Epoch ``n`` (1-based, as printed)."""
        return next((e for e in self.epochs if e.n == n), None)

    def series(self, metric: str) -> list[float]:
        return [e.metrics[metric] for e in self.epochs if metric in e.metrics]


def _canonical(name: str) -> str:
    name = name.lower()
    for long in ("sparse_categorical_accuracy", "categorical_accuracy", "binary_accuracy", "acc"):
        if name.endswith(long):
            return name[: -len(long)] + "accuracy"
    return name


def _resumes(lines: tuple[str, ...], start: int, end: int) -> bool:
    """Does the epoch's text go on after a blank line (a page break: page number, running header)?"""
    for k in range(start, min(end, start + 4)):
        text = lines[k].strip()
        if STEPS.search(text) and ("/step" in text or "[" in text or "━" in text) or (METRIC.search(text) and " - " in text):
            return True  # log text; a sentence such as "Training accuracy: 16.8% (epoch 5)." is not
        if text.endswith((".", ":")) or EPOCH.match(text):
            return False
    return False


COUNTER = re.compile(r"^\s*(?P<a>\d+)\s*/\s*(?P<b>\d+)\b")


def _after_last_epoch(lines: tuple[str, ...], start: int, end: int) -> int:
    """Where the last epoch's text ends: ``model.evaluate`` printed right after ``fit``
    ("313/313 ... - accuracy: 0.9012") starts a progress line of another length once the epoch's
    own line is complete; it is not part of the epoch."""
    total = None
    for j in range(start, end):
        m = COUNTER.match(lines[j])
        if m is None:
            continue
        a, b = int(m.group("a")), int(m.group("b"))
        if total is not None and b != total:
            return j
        if a == b:
            total = b
    return end


def find_logs(lines: tuple[str, ...]) -> list[Log]:
    """Each run of consecutive ``Epoch N/M`` blocks is one log."""
    marks = [(i, EPOCH.match(line)) for i, line in enumerate(lines)]
    marks = [(i, m) for i, m in marks if m]
    logs: list[list[Epoch]] = []
    for k, (i, m) in enumerate(marks):
        end = marks[k + 1][0] if k + 1 < len(marks) else len(lines)
        end = min(end, i + 1 + MAX_EPOCH_LINES)
        for j in range(i + 1, end):  # the text ends at a fence, or a blank line after which no log text follows
            if lines[j].lstrip().startswith(("```", "~~~", "\\end")):
                end = j
                break
            if not lines[j].strip() and not _resumes(lines, j + 1, end):
                end = j
                break
        end = _after_last_epoch(lines, i + 1, end) if k + 1 == len(marks) or marks[k + 1][0] >= end else end
        body = " ".join(lines[i + 1 : end])
        steps = [(int(s.group("a")), int(s.group("b"))) for s in STEPS.finditer(body)]
        done = [a for a, b in steps if a == b]
        metrics: dict[str, float] = {}
        for mm in METRIC.finditer(body):
            metrics[_canonical(mm.group("name"))] = float(mm.group("v"))
        ep = Epoch(int(m.group("n")), int(m.group("of")), i + 1, done[-1] if done else None, metrics, end,
                   bool(PER_SAMPLE.search(body)))
        if logs and logs[-1][-1].of == ep.of and ep.n == logs[-1][-1].n + 1:
            logs[-1].append(ep)
        else:
            logs.append([ep])
    return [Log(eps[0].line, tuple(eps)) for eps in logs]
