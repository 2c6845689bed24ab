"""``nnexam audit --train``: each experiment of a report (every ``fit`` and its log) trained with its
own settings, when it gives a full setup.

A full setup is model code, a data set the verifier has (digits, mnist, fashion-mnist), the
optimizer and loss (``compile``) and the number of epochs (``fit``, or the log's ``Epoch N/M``). The
report's final logged metrics and its stated test accuracy become training claims, judged like a
claims file's (:func:`nnexam.grader.claims.verify`: several seeds, cached, band +- margin).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from nnexam.grader import claims, datasets
from nnexam.grader.audit.code import FoundModel, Setup
from nnexam.grader.audit.logs import Log
from nnexam.grader.audit.prose import Accuracy
from nnexam.grader.backends.base import TrainConfig
from nnexam.questions.errors import NnexamError

LOADABLE = ("digits", "mnist", "fashion-mnist")


def _config(setup: Setup, log: Log | None, linear_output: bool) -> TrainConfig:
    epochs = setup.epochs or (log.epochs[-1].of if log else None)
    from_logits = setup.from_logits if setup.from_logits is not None else (linear_output or None)
    kw = {k: v for k, v in {
        "optimizer": setup.optimizer, "learning_rate": setup.learning_rate, "momentum": setup.momentum,
        "nesterov": setup.nesterov, "loss": setup.loss, "from_logits": from_logits,
        "batch_size": setup.batch_size, "epochs": epochs, "validation_split": setup.validation_split,
    }.items() if v is not None}
    return TrainConfig(**kw)


@dataclass(frozen=True)
class Experiment:
    """One run of a report: its model, its fit/compile settings, its log and the accuracies stated about it."""

    model: FoundModel | None
    setup: Setup
    log: Log | None
    accuracies: tuple[Accuracy, ...] = ()

    def where(self) -> str:
        if self.log is not None:
            return self.log.where()
        return self.model.where() if self.model is not None else "report"


def check(experiments: Sequence[Experiment], dataset: str | None, *, backend: str | None, seeds: int,
          data_dir: str | None, show_progress: bool, max_train_minutes: float | None = None) -> list[claims.Verdict]:
    """Each experiment trained with its own settings (identical trainings run once: the cache)."""
    out: list[claims.Verdict] = []
    for exp in experiments:
        out += _one(exp, dataset, backend=backend, seeds=seeds, data_dir=data_dir, show_progress=show_progress,
                    max_train_minutes=max_train_minutes)
    return out


def _one(exp: Experiment, dataset: str | None, *, backend: str | None, seeds: int, data_dir: str | None,
         show_progress: bool, max_train_minutes: float | None = None) -> list[claims.Verdict]:
    model, setup, log = exp.model, exp.setup, exp.log
    missing = [what for what, ok in (
        ("model code", model is not None and model.spec is not None),
        ("a data set the verifier has (digits, mnist, fashion-mnist)", dataset in LOADABLE),
        ("the optimizer (compile)", setup.optimizer is not None), ("the loss (compile)", setup.loss is not None),
        ("the number of epochs (fit or a training log)", setup.epochs is not None or log is not None)) if not ok]
    if missing:
        return [claims.Verdict("training", exp.where(), None, None, "unverifiable",
                               "--train needs a full training setup; missing: " + ", ".join(missing))]
    assert model is not None and model.spec is not None and dataset is not None  # noqa: S101 - checked above
    items: list[claims.Claim] = []
    if log is not None:
        last = log.epochs[-1]
        for metric in ("accuracy", "val_accuracy", "loss", "val_loss"):
            if metric in last.metrics:
                items.append(claims.Claim(metric, last.metrics[metric], log.where(last), epoch=last.n))
    items += [claims.Claim("test_accuracy", a.value, f"line {a.line}: \"{a.text}\"") for a in exp.accuracies if a.which == "test"]
    if not items:
        return [claims.Verdict("training", exp.where(), None, None, "unverifiable", "no logged or stated accuracy to reproduce")]
    try:
        config = _config(setup, log, claims.linear_output(model.spec))
        ref = datasets.DataRef(dataset, data_dir=data_dir)
        datasets.for_model(datasets.load(ref), model.spec.input_shape)
        cf = claims.ClaimsFile("report", model.spec, ref, config, tuple(items))
        verdicts, _ = claims.verify(cf, backend=backend, seeds=seeds, show_progress=show_progress,
                                    max_train_minutes=max_train_minutes)
    except NnexamError as err:
        return [claims.Verdict("training", model.where(), None, None, "unverifiable", f"cannot train the report's setup: {err}")]
    return [replace(v, what=f"trained {v.what}") for v in verdicts]
