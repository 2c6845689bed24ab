"""Multiple choice from a question bank: the item's text is copied into the params (so a key
never depends on the bank file) with its choices shuffled per variant."""

from __future__ import annotations

import random
from dataclasses import dataclass

from nnexam.questions import bank, doc
from nnexam.questions.doc import para
from nnexam.questions.errors import ParamError
from nnexam.questions.family import Answer, Part
from nnexam.questions.params import Boolean, ListOf, Param, PartSpec, Text

TYPE_ID = "multiple-choice"
SUMMARY = "One right choice among 2 to 8, from a question bank file (choices shuffled per variant)"

PARAMS = (
    Param("statement", Text(bank.MAX_TEXT), help="the question, plain text"),
    Param("choices", ListOf(Text(bank.MAX_TEXT), min_len=2, max_len=len(bank.LABELS)), help="the choices, in the order shown"),
    Param("key", Text(8), help="label of the right choice (A, B, ...)"),
    Param("explanation", Text(bank.MAX_TEXT), default="", help="why, shown in the key"),
    Param("item", Text(200), default="", help="the bank item's id"),
)
PARTS = (PartSpec("answer", "choice", "the label of the right choice (A, B, ...)"),)
OPTIONS = (
    Param("bank", bank.FilePath(), default=None, help="question bank file (TOML or YAML)"),
    Param("item", Text(200), default=None, help="the item's id (default: drawn from the bank)"),
    Param("shuffle", Boolean(), default=True, help="shuffle the choices per variant"),
)
MISTAKES = ()


@dataclass(frozen=True)
class Params:
    statement: str
    choices: tuple[str, ...]
    key: str
    explanation: str = ""
    item: str = ""

    def __post_init__(self) -> None:
        if len(set(self.choices)) != len(self.choices):
            raise ParamError("choices", "distinct choices", self.choices)
        labels = bank.LABELS[: len(self.choices)]
        if self.key.strip().upper() not in labels:
            raise ParamError("key", f"one of the labels {', '.join(labels)}", self.key)
        object.__setattr__(self, "key", self.key.strip().upper())


def solve(p: Params) -> Answer:
    k = bank.LABELS.index(p.key)
    steps = [para(f"The right choice is ({p.key}): ", p.choices[k])]
    if p.explanation:
        steps.append(para(p.explanation))
    return Answer(parts=(Part("answer", p.key, "choice"),), steps=tuple(steps))


def statement(p: Params) -> tuple[doc.Block, ...]:
    return (para(p.statement), *(para(f"({label})  ", c) for label, c in zip(bank.LABELS, p.choices)))


def choices(p: Params) -> tuple[str, ...]:
    """The labels a student picks from, in the order shown."""
    return tuple(bank.LABELS[: len(p.choices)])


def sample(rng: random.Random, *, bank: str | None = None, item: str | None = None, shuffle: bool = True) -> Params:
    return from_item(_pick(rng, bank, item), rng, shuffle)


def _pick(rng: random.Random, path: str | None, item: str | None) -> bank.Item:
    if path is None:
        raise ParamError("bank", "a question bank file in the question's options (options.bank)")
    return bank.pick(bank.load(path), TYPE_ID, item, rng, path)


def from_item(it: bank.Item, rng: random.Random, shuffle: bool = True) -> Params:
    """The item as params, with its choices in a per-variant order when ``shuffle``."""
    order = list(range(len(it.choices)))
    if shuffle:
        rng.shuffle(order)
    choices = tuple(it.choices[i] for i in order)
    key = bank.LABELS[order.index(int(it.key))]
    return Params(statement=it.statement, choices=choices, key=key, explanation=it.explanation, item=it.id)
