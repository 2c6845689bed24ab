"""True or false from a question bank: the item's text is copied into the params (so a key never
depends on the bank file)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from nnexam.questions import bank, doc
from nnexam.questions.doc import para
from nnexam.questions.errors import ParamError
from nnexam.questions.family import Answer, Mistake, Part
from nnexam.questions.params import Boolean, Param, PartSpec, Text

TYPE_ID = "true-false"
SUMMARY = "A statement to mark true or false, from a question bank file"

PARAMS = (
    Param("statement", Text(bank.MAX_TEXT), help="the statement, plain text"),
    Param("key", Boolean(), help="whether the statement is true"),
    Param("explanation", Text(bank.MAX_TEXT), default="", help="why, shown in the key"),
    Param("item", Text(200), default="", help="the bank item's id"),
)
PARTS = (PartSpec("answer", "choice", "true or false"),)
OPTIONS = (
    Param("bank", bank.FilePath(), default=None, help="question bank file (TOML or YAML)"),
    Param("item", Text(200), default=None, help="the item's id (default: drawn from the bank)"),
)
CHOICES = ("true", "false")


@dataclass(frozen=True)
class Params:
    statement: str
    key: bool
    explanation: str = ""
    item: str = ""


def _label(value: bool) -> str:
    return "true" if value else "false"


def solve(p: Params) -> Answer:
    steps = [para(f"The statement is {_label(p.key)}.")]
    if p.explanation:
        steps.append(para(p.explanation))
    return Answer(parts=(Part("answer", _label(p.key), "choice"),), steps=tuple(steps))


def statement(p: Params) -> tuple[doc.Block, ...]:
    return (para("True or false? ", p.statement),)


MISTAKES = (
    Mistake(
        "opposite",
        "the statement is the other way round; read the explanation in the answer key.",
        lambda p: {"answer": _label(not p.key)},
    ),
)


def choices(p: Params) -> tuple[str, ...]:
    """The answers a student picks from, in the order shown."""
    return CHOICES


def sample(rng: random.Random, *, bank: str | None = None, item: str | None = None) -> Params:
    it = _pick(rng, bank, item)
    return Params(statement=it.statement, key=bool(it.key), explanation=it.explanation, item=it.id)


def _pick(rng: random.Random, path: str | None, item: str | None) -> bank.Item:
    if path is None:
        raise ParamError("bank", "a question bank file in the question's options (options.bank)")
    return bank.pick(bank.load(path), TYPE_ID, item, rng, path)
