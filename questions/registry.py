"""The registry of question types: built-in families plus third-party entry points.

Third parties register a module (see :mod:`nnexam.questions.family` for what it exposes) under the
entry-point group ``nnexam.question_types.v1``::

    [project.entry-points."nnexam.question_types.v1"]
    my-type = "my_package.my_family"

A plugin that fails to load is skipped with a warning; an unknown id lists the known ones.
"""

from __future__ import annotations

import importlib
import warnings
from functools import cache

from nnexam.questions.errors import UnknownNameError
from nnexam.questions.family import Family

ENTRY_POINT_GROUP = "nnexam.question_types.v1"

# type id -> module; imported only when asked for, so `nnexam --help` stays fast.
BUILTIN: dict[str, str] = {
    "dense-forward": "nnexam.questions.dense_forward",
    "softmax": "nnexam.questions.softmax",
    "cross-entropy": "nnexam.questions.cross_entropy",
    "conv2d-output": "nnexam.questions.conv2d_output",
    "conv-output-size": "nnexam.questions.conv_output_size",
    "receptive-field": "nnexam.questions.receptive_field",
    "param-count": "nnexam.questions.param_count",
    "quadratic-form": "nnexam.questions.quadratic_form",
    "gradient": "nnexam.questions.gradient",
    "training-steps": "nnexam.questions.training_steps",
    "early-stopping": "nnexam.questions.early_stopping",
    "attention": "nnexam.questions.attention",
    "rnn-forward": "nnexam.questions.rnn_forward",
    "conv-cost": "nnexam.questions.conv_cost",
    "classification-metrics": "nnexam.questions.classification_metrics",
    "optimizer-step": "nnexam.questions.optimizer_step",
    "backprop": "nnexam.questions.backprop",
    "pooling": "nnexam.questions.pooling",
    "normalization": "nnexam.questions.normalization",
    "true-false": "nnexam.questions.true_false",
    "multiple-choice": "nnexam.questions.multiple_choice",
}


@cache
def _plugins() -> dict[str, object]:
    from importlib.metadata import entry_points

    found: dict[str, object] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep
    return found


def _available_builtin() -> dict[str, str]:
    """Built-ins whose module is present (families land one at a time)."""
    import importlib.util

    return {k: v for k, v in BUILTIN.items() if importlib.util.find_spec(v) is not None}


def names() -> list[str]:
    """Every known type id, built-ins first."""
    return list(_available_builtin()) + sorted(k for k in _plugins() if k not in BUILTIN)


@cache
def get(type_id: str) -> Family:
    """The family for ``type_id``; raises UnknownNameError with the closest ids."""
    builtin = _available_builtin()
    if type_id in builtin:
        return Family(importlib.import_module(builtin[type_id]))
    ep = _plugins().get(type_id)
    if ep is not None:
        try:
            return Family(ep.load())  # type: ignore[attr-defined]
        except Exception as exc:  # a broken plugin must not take the tool down
            warnings.warn(f"question type plugin {type_id!r} failed to load: {exc}", stacklevel=2)
    raise UnknownNameError("question type", type_id, names())


def families() -> list[Family]:
    """Every family that loads (a broken plugin is skipped with a warning)."""
    out = []
    for name in names():
        try:
            out.append(get(name))
        except UnknownNameError:
            continue
    return out
