"""A differential corpus of model sources for the model analyser (issue 11's Proof).

Each corpus module (``keras_sequential``, ``torch_module``, ``generated`` ...) exposes
``CASES: list[Case]``: model code written the way course notebooks, tutorials and the Keras/PyTorch
docs write it. ``truth.py`` runs each source with the real framework (``KERAS_BACKEND=torch``) and
caches the counts in ``truth.json``; ``tests/test_model_corpus.py`` compares nnexam's analyser with
that cache, and a slow test recomputes the cache live so it cannot drift. ``report.py`` prints the
agree / refused / disagree table per pattern without pytest.

Cases with ``expect="refuse"`` cannot be analysed without running code (sizes read from a file,
``input()``, ``while`` loops over data ...): the analyser must refuse them, naming a line. Cases with
``truth="published"`` (torchvision models by name: no torchvision build matches the pinned torch)
take their counts from the table torchvision publishes, ``truth.PUBLISHED``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any, Literal

MODULES = (
    "keras_sequential",
    "keras_functional",
    "keras_subclass",
    "keras_helpers_mutations",
    "keras_transfer",
    "keras_semantics",
    "torch_sequential",
    "torch_module",
    "torch_bare",
    "torch_mutations",
    "torch_idioms",
    "torchvision_named",
    "refuse",
    "generated",
)


@dataclass(frozen=True)
class Case:
    """One model source and what the analyser gets to know about it.

    ``input_shape`` excludes the batch (channels last for Keras, channels first for torch);
    ``bindings`` fill names the code leaves free (``num_classes``); ``pattern`` names the class of
    code the case stands for, so the report can say which classes the analyser reads.
    """

    id: str
    framework: Literal["keras", "torch"]
    source: str
    pattern: str
    input_shape: tuple[int, ...] | None = None
    bindings: dict[str, Any] = field(default_factory=dict)
    expect: Literal["analyse", "refuse"] = "analyse"
    truth: Literal["live", "published"] = "live"
    data: dict[str, tuple[int, ...]] = field(default_factory=dict)  # arrays a notebook loaded (truth only)


def all_cases() -> list[Case]:
    """Every case of every corpus module, ids checked unique."""
    cases: list[Case] = []
    for name in MODULES:
        cases.extend(importlib.import_module(f"{__name__}.{name}").CASES)
    seen: set[str] = set()
    for case in cases:
        if case.id in seen:
            raise ValueError(f"corpus case id {case.id!r} is used twice: ids must be unique")
        if case.framework not in ("keras", "torch"):
            raise ValueError(f"corpus case {case.id!r}: framework {case.framework!r}, expected 'keras' or 'torch'")
        seen.add(case.id)
    return cases


def dedent(text: str) -> str:
    """Sources are written indented inside the corpus modules; the analyser gets them flush left."""
    import textwrap

    return textwrap.dedent(text).strip("\n") + "\n"
