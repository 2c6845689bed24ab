"""Early stopping exactly as Keras 3's ``keras.callbacks.EarlyStopping`` decides it, on a given
sequence of per-epoch monitored values (no training): where it stops, the best epoch, how many
epochs run and whose weights the model ends with.

Keras' rule, epoch by epoch (0-based ``epoch`` inside Keras, 1-based everywhere in this family):

- epochs before ``start_from_epoch`` are not monitored at all;
- ``wait += 1``; an *improvement* is ``value < best - min_delta`` (mode min) or
  ``value > best + min_delta`` (mode max), strictly; the first monitored value always improves;
- on an improvement ``best`` and ``best_epoch`` are updated and ``wait`` is reset to 0 only when the
  value also improves on ``baseline`` (if one is set); nothing else happens that epoch;
- otherwise, when ``wait >= patience``, training stops after this epoch;
- Keras 3 restores the best epoch's weights at the end of training when ``restore_best_weights``,
  even when training never stopped early (Keras 2 restored only on a stop).

Comparisons are exact here; Keras compares float32 tensors, which agrees with the exact rule for
values written with a few decimals except at float rounding ties an exam never relies on.
"""

from __future__ import annotations

import numbers
import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from nnexam.questions import doc
from nnexam.questions.doc import Code, para
from nnexam.questions.errors import ParamError
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import MAX_ITEMS, Boolean, Choice, Integer, Number, Param, PartSpec, Text, Vector

TYPE_ID = "early-stopping"
SUMMARY = "Where Keras' EarlyStopping stops, the best epoch and the epochs run (patience, min_delta, baseline, ...)"

PARAMS = (
    Param("monitor", Vector(max_len=MAX_ITEMS), help="the monitored value after each epoch, e.g. val_loss"),
    Param("patience", Integer(min=0, max=MAX_ITEMS), default=0, help="epochs without improvement before stopping"),
    Param("min_delta", Number(), default=Fraction(0), help="an improvement must be strictly more than this (Keras takes |min_delta|)"),
    Param("mode", Choice("min", "max", "auto"), default="auto", help="min, max, or auto (inferred from monitor_name)"),
    Param("restore_best_weights", Boolean(), default=False, help="restore the best epoch's weights at the end of training"),
    Param("baseline", Number(), default=None, help="wait is reset only by values that also beat the baseline"),
    Param("start_from_epoch", Integer(min=0, max=MAX_ITEMS), default=0, help="warm-up epochs that are not monitored"),
    Param("monitor_name", Text(max_len=64), default="val_loss", help="name of the monitored quantity (for mode auto and the text)"),
)
PARTS = (
    PartSpec("stopped_epoch", "integer", "1-based epoch after which training stops early; 0 when it runs every epoch"),
    PartSpec("best_epoch", "integer", "1-based epoch with the best monitored value"),
    PartSpec("epochs_run", "integer", "epochs actually trained"),
    PartSpec("weights_from_epoch", "integer", "1-based epoch whose weights the model has after fit()"),
)
OPTIONS = (
    Param("epochs_min", Integer(min=2, max=MAX_ITEMS), default=8, help="shortest monitor sequence drawn"),
    Param("epochs_max", Integer(min=2, max=MAX_ITEMS), default=12, help="longest monitor sequence drawn"),
    Param("patience_min", Integer(min=0, max=50), default=1, help="smallest patience drawn"),
    Param("patience_max", Integer(min=0, max=50), default=3, help="largest patience drawn"),
    Param("mode", Choice("min", "max"), default=None, help="min (val_loss) or max (val_accuracy); default: drawn, mostly min"),
    Param("decimals", Integer(min=1, max=4), default=2, help="decimals of the monitored values"),
    Param("use_min_delta", Boolean(), default=None, help="draw a min_delta > 0 (default: half the time)"),
    Param("use_baseline", Boolean(), default=None, help="draw a baseline (default: a quarter of the time)"),
    Param("use_start_from_epoch", Boolean(), default=None, help="draw start_from_epoch > 0 (default: a quarter of the time)"),
    Param("restore_best_weights", Boolean(), default=None, help="fixed restore_best_weights (default: drawn)"),
    Param("stops", Boolean(), default=None, help="whether training stops early (default: either)"),
)

_MAX_NAMES = ("accuracy", "acc", "auc", "precision", "recall", "f1_score", "fbeta_score", "r2_score", "iou")
_MIN_NAMES = ("loss", "crossentropy", "error", "mse", "mae", "mape", "msle", "rmse", "hinge", "divergence", "poisson")


def infer_mode(name: str) -> str | None:
    """'min' or 'max' from a metric name as Keras' mode='auto' does (loss-like down, accuracy-like up)."""
    base = name.strip().lower().removeprefix("val_")
    if any(base == n or base.endswith(n) for n in _MIN_NAMES):
        return "min"
    if any(base == n or base.endswith(n) for n in _MAX_NAMES):
        return "max"
    return None


@dataclass(frozen=True)
class Params:
    monitor: tuple[Fraction, ...]
    patience: int = 0
    min_delta: Fraction = Fraction(0)
    mode: str = "auto"
    restore_best_weights: bool = False
    baseline: Fraction | None = None
    start_from_epoch: int = 0
    monitor_name: str = "val_loss"

    def __post_init__(self) -> None:
        if self.mode == "auto" and infer_mode(self.monitor_name) is None:
            raise ParamError(
                "mode",
                f"'min' or 'max': the direction of monitor_name '{self.monitor_name}' cannot be inferred",
                self.mode,
            )
        if self.start_from_epoch >= len(self.monitor):
            raise ParamError(
                "start_from_epoch",
                f"fewer than the {len(self.monitor)} epochs of monitor (otherwise nothing is monitored)",
                self.start_from_epoch,
            )

    @property
    def direction(self) -> str:
        """'min' or 'max' (mode auto resolved from monitor_name)."""
        return self.mode if self.mode != "auto" else infer_mode(self.monitor_name) or "min"


@dataclass(frozen=True)
class Row:
    """One epoch of the trace; ``status`` is a key of ``_NOTE``."""

    epoch: int  # 0-based, as inside Keras
    value: Fraction
    status: str
    best: Fraction | None
    best_epoch: int
    wait: int


@dataclass(frozen=True)
class Run:
    stopped: int  # Keras' stopped_epoch attribute: 0-based epoch of the stop, 0 when not stopped
    best_epoch: int  # 0-based
    rows: tuple[Row, ...]

    @property
    def epochs_run(self) -> int:
        return self.rows[-1].epoch + 1


def simulate(
    p: Params,
    *,
    strict: bool = True,
    reset_wait: bool = True,
    extra_patience: int = 0,
    ignore_min_delta: bool = False,
    ignore_start: bool = False,
    ignore_baseline: bool = False,
) -> Run:
    """Keras 3's EarlyStopping on ``p.monitor``; the keyword switches give the known mistakes' variants."""
    md = Fraction(0) if ignore_min_delta else abs(p.min_delta)
    sign = 1 if p.direction == "min" else -1  # compare sign * value: smaller is better
    start = 0 if ignore_start else p.start_from_epoch
    baseline = None if ignore_baseline else p.baseline

    def better(cur: Fraction, ref: Fraction | None) -> bool:
        if ref is None:
            return True
        lhs, rhs = sign * cur, sign * ref - md
        return bool(lhs < rhs) if strict else bool(lhs <= rhs)

    wait, best, best_epoch, rows = 0, None, 0, []
    for epoch, cur in enumerate(p.monitor):
        if epoch < start:
            rows.append(Row(epoch, cur, "warmup", best, best_epoch, wait))
            continue
        wait += 1
        if better(cur, best):
            status = "first" if best is None else "improved"
            best, best_epoch = cur, epoch
            if not reset_wait:
                wait -= 1  # the mistake: only epochs without improvement count, never reset
            elif baseline is None or better(cur, baseline):
                wait = 0
            else:
                status += "-below-baseline"
            rows.append(Row(epoch, cur, status, best, best_epoch, wait))
            continue
        if wait >= p.patience + extra_patience and epoch > 0:
            rows.append(Row(epoch, cur, "stop", best, best_epoch, wait))
            return Run(epoch, best_epoch, tuple(rows))
        rows.append(Row(epoch, cur, "no", best, best_epoch, wait))
    return Run(0, best_epoch, tuple(rows))


def _parts(p: Params, run: Run) -> dict[str, int]:
    stopped = run.stopped + 1 if run.stopped else 0
    weights = run.best_epoch + 1 if p.restore_best_weights else run.epochs_run
    return {
        "stopped_epoch": stopped,
        "best_epoch": run.best_epoch + 1,
        "epochs_run": run.epochs_run,
        "weights_from_epoch": weights,
    }


def decimal_text(x: Fraction | None) -> str:
    """0.43 rather than 43/100 when the value has a finite decimal expansion (monitored values do)."""
    if x is None:
        return "-"
    x = Fraction(x)
    q, twos, fives = x.denominator, 0, 0
    while q % 2 == 0:
        q, twos = q // 2, twos + 1
    while q % 5 == 0:
        q, fives = q // 5, fives + 1
    if q != 1:
        return doc.plain_str(x)
    k = max(twos, fives)
    scaled = abs(int(x * 10**k))
    digits = str(scaled).rjust(k + 1, "0")
    body = digits if k == 0 else digits[:-k] + "." + digits[-k:]
    return ("-" if x < 0 else "") + body


_NOTE = {
    "warmup": "warm-up (epoch <= start_from_epoch): not monitored",
    "first": "first monitored value: best",
    "improved": "improvement: new best, wait reset",
    "first-below-baseline": "first monitored value: best, but not beyond the baseline: wait not reset",
    "improved-below-baseline": "improvement: new best, but not beyond the baseline: wait not reset",
    "no": "no improvement",
    "stop": "no improvement",
}


def solve(p: Params) -> Answer:
    run = simulate(p)
    parts = _parts(p, run)
    name, md = p.monitor_name, abs(p.min_delta)
    less = p.direction == "min"
    rule = f"{name} < best - min_delta" if less else f"{name} > best + min_delta"
    steps: list[doc.Block] = [
        para(
            f"An epoch improves when {rule} (strictly; min_delta = {decimal_text(md)}). ",
            "Each monitored epoch adds 1 to wait; an improvement resets wait to 0",
            f" only if the value also beats the baseline {decimal_text(p.baseline)}." if p.baseline is not None else ".",
            f" Training stops after the first epoch without improvement where wait >= patience = {p.patience}.",
        ),
    ]
    if p.start_from_epoch:
        steps.append(para(f"start_from_epoch = {p.start_from_epoch}: epochs 1 to {p.start_from_epoch} are not monitored."))
    table_rows = []
    for r in run.rows:
        note = _NOTE[r.status]
        if r.status in ("no", "stop") and r.best is not None:
            target = r.best - md if less else r.best + md
            note += f" (needs {'<' if less else '>'} {decimal_text(target)})"
        if r.status == "stop":
            note += f"; wait {r.wait} >= patience {p.patience}: stop"
        best = "-" if r.best is None else f"{decimal_text(r.best)} (epoch {r.best_epoch + 1})"
        wait = "-" if r.status == "warmup" else str(r.wait)
        table_rows.append((str(r.epoch + 1), decimal_text(r.value), best, wait, note))
    steps.append(doc.Table(("epoch", name, "best so far", "wait", "note"), tuple(table_rows)))
    if run.stopped:
        steps.append(para(f"Training stops after epoch {run.stopped + 1} (Keras prints 'Epoch {run.stopped + 1}: early stopping'); "
                          f"{run.epochs_run} epochs ran."))
    else:
        steps.append(para(f"wait never reaches patience at an epoch without improvement: all {run.epochs_run} epochs run "
                          "and stopped_epoch is 0 (Keras' value when training is not stopped early)."))
    steps.append(para(f"Best epoch: {run.best_epoch + 1} ({name} = {decimal_text(p.monitor[run.best_epoch])})."))
    if p.restore_best_weights:
        steps.append(para(f"restore_best_weights: Keras 3 restores the weights of epoch {run.best_epoch + 1} at the end of "
                          "training, whether or not it stopped early."))
    else:
        steps.append(para(f"restore_best_weights is false: the model keeps the weights of the last epoch run, {run.epochs_run}."))
    return Answer(parts=tuple(Part(k, v, "integer") for k, v in parts.items()), steps=tuple(steps))


def _callback_code(p: Params) -> str:
    args = [f'monitor="{p.monitor_name}"', f"patience={p.patience}"]
    if p.min_delta:
        args.append(f"min_delta={decimal_text(p.min_delta)}")
    args.append(f'mode="{p.mode}"')
    if p.baseline is not None:
        args.append(f"baseline={decimal_text(p.baseline)}")
    if p.restore_best_weights:
        args.append("restore_best_weights=True")
    if p.start_from_epoch:
        args.append(f"start_from_epoch={p.start_from_epoch}")
    return "keras.callbacks.EarlyStopping(" + ", ".join(args) + ")"


def statement(p: Params) -> tuple[doc.Block, ...]:
    n = len(p.monitor)
    return (
        para(f"A Keras model is fitted for epochs={n} with the callback"),
        Code(_callback_code(p)),
        para(f"The {p.monitor_name} it reaches at the end of each epoch (if it kept training) is:"),
        doc.Table(("epoch", *[str(i + 1) for i in range(n)]), ((p.monitor_name, *[decimal_text(v) for v in p.monitor]),)),
        para(
            "Counting epochs from 1 as Keras prints them: after which epoch does training stop (0 if it runs all "
            f"{n} epochs)? Which epoch is the best? How many epochs are run? From which epoch are the weights the model "
            "has after fit() returns?"
        ),
    )


def follow_on(p: Params, given: dict[str, Any]) -> dict[str, Any]:
    """epochs_run and (without restore) weights_from_epoch from the student's own stopped_epoch / best_epoch."""
    out: dict[str, Any] = {}
    s = given.get("stopped_epoch")
    if isinstance(s, numbers.Integral) and 0 <= int(s) <= len(p.monitor):
        out["epochs_run"] = int(s) or len(p.monitor)
        if not p.restore_best_weights:
            out["weights_from_epoch"] = out["epochs_run"]
    b = given.get("best_epoch")
    if p.restore_best_weights and isinstance(b, numbers.Integral):
        out["weights_from_epoch"] = int(b)
    return out


def _variant(**switches: bool | int) -> Any:
    return lambda p: _parts(p, simulate(p, **switches))


def _zero_based(p: Params) -> dict[str, Any]:
    right = _parts(p, simulate(p))
    out = {k: right[k] - 1 for k in ("best_epoch", "weights_from_epoch")}
    if right["stopped_epoch"]:
        out["stopped_epoch"] = right["stopped_epoch"] - 1
    return out


def _restore_ignored(p: Params) -> dict[str, Any]:
    run = simulate(p)
    return {"weights_from_epoch": run.epochs_run} if p.restore_best_weights and run.stopped else {}


def _restore_only_on_stop(p: Params) -> dict[str, Any]:
    run = simulate(p)
    return {"weights_from_epoch": run.epochs_run} if p.restore_best_weights and not run.stopped else {}


MISTAKES = (
    Mistake(
        "zero-based-epochs",
        "Keras counts epochs from 1 when it prints them (Epoch 1/10): the epoch index inside the callback is 0-based.",
        _zero_based,
    ),
    Mistake(
        "min-delta-inclusive",
        "an improvement must be strictly more than min_delta: a change of exactly min_delta does not count.",
        lambda p: _variant(strict=False)(p) if p.min_delta else {},
    ),
    Mistake(
        "forgot-min-delta",
        "with min_delta a smaller change is no improvement: compare with best - min_delta (best + min_delta in mode max).",
        lambda p: _variant(ignore_min_delta=True)(p) if p.min_delta else {},
    ),
    Mistake(
        "patience-counts-from-start",
        "wait restarts at 0 after every improvement: patience counts consecutive epochs without improvement.",
        lambda p: _variant(reset_wait=False)(p) if p.patience else {},
    ),
    Mistake(
        "patience-plus-one",
        "training stops at the patience-th epoch without improvement, not one epoch later.",
        lambda p: _variant(extra_patience=1)(p) if p.patience and simulate(p).stopped else {},
    ),
    Mistake(
        "forgot-start-from-epoch",
        "the first start_from_epoch epochs are not monitored at all: they can be neither best nor count towards wait.",
        lambda p: _variant(ignore_start=True)(p) if p.start_from_epoch else {},
    ),
    Mistake(
        "forgot-baseline",
        "with a baseline, an improvement resets wait only if it also beats the baseline.",
        lambda p: _variant(ignore_baseline=True)(p) if p.baseline is not None and p.patience else {},
    ),
    Mistake(
        "restore-ignored",
        "with restore_best_weights=True the model ends with the best epoch's weights, not the last epoch's.",
        _restore_ignored,
    ),
    Mistake(
        "restore-only-on-stop",
        "Keras 3 restores the best weights at the end of training even when it did not stop early (Keras 2 did not).",
        _restore_only_on_stop,
    ),
)


def _distinct(p: Params) -> bool:
    right = _parts(p, simulate(p))
    for m in MISTAKES:
        wrong = m.apply(p)
        if wrong and all(right[k] == v for k, v in wrong.items()):
            return False
    return True


def _walk(rng: random.Random, n: int, unit: int, start_cents: tuple[int, int], calm: bool) -> list[int]:
    """A val_loss-like path in ticks of 1/unit (smaller is better): falls fast, then noisy, then drifts
    up (``calm``: keeps falling, with bumps)."""
    scale = unit // 100  # ticks per hundredth; 0 with one decimal
    if scale:
        ranges = ((-3, 8), (-3, 6), (-3, 5)) if calm else ((-3, 8), (-4, 3), (-4, 2))
    else:
        scale, ranges = 1, ((-1, 2), (-1, 2), (-1, 2)) if calm else ((-1, 2), (-1, 1), (-1, 1))
    v = rng.randint(*start_cents) * unit // 100
    out = [v]
    for t in range(1, n):
        lo, hi = ranges[0 if t < 0.4 * n else 1 if t < 0.7 * n else 2]
        v = max(1, v - rng.randint(lo, hi) * scale + rng.randint(-(scale // 2), scale // 2))
        out.append(v)
    return out


_TRIES = 300


def sample(
    rng: random.Random,
    *,
    epochs_min: int = 8,
    epochs_max: int = 12,
    patience_min: int = 1,
    patience_max: int = 3,
    mode: str | None = None,
    decimals: int = 2,
    use_min_delta: bool | None = None,
    use_baseline: bool | None = None,
    use_start_from_epoch: bool | None = None,
    restore_best_weights: bool | None = None,
    stops: bool | None = None,
) -> Params:
    """A sequence for which the drawn features matter: a min_delta tie, a baseline that changes the stop, ...

    Tries up to _TRIES candidates and returns the first for which every applicable mistake changes the
    answer (and that stops early or not, if asked); raises ParamError naming the options otherwise."""
    if epochs_min > epochs_max or patience_min > patience_max:
        raise ParamError("options", "epochs_min <= epochs_max and patience_min <= patience_max",
                         (epochs_min, epochs_max, patience_min, patience_max))
    if stops is False:  # with patience 0 or 1 any epoch without improvement stops training
        if patience_max < 2:
            raise ParamError("options.patience_max", "at least 2 when stops is false", patience_max)
        patience_min = max(patience_min, 2)
    unit = 10**decimals
    for k in range(_TRIES):
        if k % 50 == 0:  # features not fixed by the options are redrawn now and then: some mixes are hard
            direction = mode or ("min" if rng.random() < 0.75 else "max")
            with_md = rng.random() < 0.5 if use_min_delta is None else use_min_delta
            with_base = rng.random() < 0.25 if use_baseline is None else use_baseline
            with_start = rng.random() < 0.25 if use_start_from_epoch is None else use_start_from_epoch
            restore = rng.random() < 0.5 if restore_best_weights is None else restore_best_weights
        n = rng.randint(epochs_min, epochs_max)
        patience = rng.randint(patience_min, patience_max)
        g = _walk(rng, n, unit, (60, 120) if direction == "min" else (30, 50), calm=stops is False)
        start = rng.randint(1, min(3, n - 2)) if with_start and n > 2 else 0
        md = rng.choice((1, 2, 5)) * max(1, unit // 100) if with_md else 0
        if md:  # a tie at exactly best - min_delta after the first monitored epoch, before the stop
            plain = simulate(Params(tuple(Fraction(u) for u in g), patience, mode="min", start_from_epoch=start))
            t = rng.randint(start + 1, max(start + 1, plain.stopped or n - 1))
            best = min(g[start:t])
            g[t] = max(1, best - md)
        base = None
        if with_base and patience:  # with patience 0 the baseline never matters
            lo, hi = min(g[start:]), max(g[start:])
            base = rng.randint(max(1, lo - unit // 20), max(1, (lo + hi) // 2))
        to_value = (lambda u: Fraction(u, unit)) if direction == "min" else (lambda u: Fraction(unit - u, unit))
        candidate = Params(
            monitor=tuple(to_value(u) for u in g),
            patience=patience,
            min_delta=Fraction(md, unit),
            mode=direction,
            restore_best_weights=restore,
            baseline=None if base is None else to_value(base),
            start_from_epoch=start,
            monitor_name="val_loss" if direction == "min" else "val_accuracy",
        )
        if (stops is None or bool(simulate(candidate).stopped) == stops) and _distinct(candidate):
            return candidate
    raise ParamError("options", f"settings for which {_TRIES} drawn sequences include one where every mistake "
                     "changes the answer (e.g. stops=false needs a larger patience)", (patience_min, patience_max, stops))
