"""Judge nnexam's analyser on one corpus case against the cached truth: agree / refused / disagree.

- ``agree``: total, trainable and non-trainable counts equal the framework's, and every per-layer row
  the analyser gives under a name the framework also uses has the framework's parameter count and
  (Keras) output shape; when the analyser lists as many Keras layers as the model has, their names
  are the framework's.
- ``refused``: the analyser raised a user error (``NnexamError``: ``ParamError`` and its kin). For an
  ``expect="refuse"`` case this is the right answer. ``names_line`` says whether the message names
  the place (``line N``), as every refusal must.
- ``disagree``: anything else — a different count, shape or name, an answer to a case that cannot be
  analysed without running code, or a crash (any other exception).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from . import Case

LINE = re.compile(r"\bline \d+")


@dataclass(frozen=True)
class Outcome:
    kind: str  # "agree" | "refused" | "disagree"
    detail: str = ""
    names_line: bool = True


def judge(case: Case, truth: dict[str, Any] | None) -> Outcome:
    """Run the analyser on ``case`` and compare with ``truth`` (None for ``expect="refuse"`` cases)."""
    from nnexam.questions.errors import NnexamError
    from nnexam.questions.model_analyser import analyse

    shape = list(case.input_shape) if case.input_shape is not None else None
    try:
        spec = analyse(case.source, shape, dict(case.bindings))
    except NnexamError as err:
        message = str(err)
        return Outcome("refused", message, names_line=bool(LINE.search(message)))
    except Exception as err:  # noqa: BLE001  (a crash is a finding, reported with the case)
        return Outcome("disagree", f"crash {type(err).__name__}: {err}")
    if case.expect == "refuse":
        return Outcome("disagree", f"answered total={spec.total:,} but the case cannot be analysed without running code")
    if truth is None:
        raise LookupError(f"no truth for corpus case {case.id!r}: run python -m tests.model_corpus.truth --write")
    got = (spec.total, spec.trainable, spec.non_trainable)
    want = (truth["total"], truth["trainable"], truth["non_trainable"])
    if got != want:
        return Outcome("disagree", f"total/trainable/non_trainable {got} != framework {want}")
    problem = _rows(case, spec, truth["layers"])
    return Outcome("disagree", problem) if problem else Outcome("agree")


def _rows(case: Case, spec: Any, rows: list[dict[str, Any]]) -> str:
    by_name = {row["name"]: row for row in rows}
    for layer in spec.layers:
        row = by_name.get(layer.name)
        if row is None or row.get("shared"):
            continue
        if row.get("params") is not None and layer.params != row["params"]:
            return f"layer {layer.name!r}: {layer.params:,} params != framework {row['params']:,}"
        want = row.get("output_shape")
        if case.framework == "keras" and _flat(want) and tuple(layer.output_shape) != tuple(want):
            return f"layer {layer.name!r}: output shape {tuple(layer.output_shape)} != framework {tuple(want)}"
    listed = [layer for layer in spec.layers if layer.kind != "InputLayer"]
    if case.framework == "keras" and len(listed) == len(rows):
        mine, theirs = sorted(layer.name for layer in listed), sorted(row["name"] for row in rows)
        if mine != theirs:
            return f"layer names {mine} != framework {theirs}"
    return ""


def _flat(shape: Any) -> bool:
    return isinstance(shape, list) and all(d is None or isinstance(d, int) for d in shape)
