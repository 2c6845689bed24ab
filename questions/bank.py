"""Question bank files: true/false and multiple-choice items an instructor writes by hand.

A bank is TOML (``[[items]]``) or YAML (a list, or ``items:`` holding one), each item::

    id = "relu-dead"              # unique in the file
    statement = "..."             # plain text, printed as typed (escaped, never interpreted)
    key = true                    # true-false: a boolean
    # multiple-choice: choices and the key as a label ("B"), a 1-based index or the choice text
    choices = ["...", "...", "..."]
    explanation = "..."           # optional: shown in the key and in feedback

Items with ``choices`` are multiple-choice, the others true-false. The families
(:mod:`nnexam.questions.true_false`, :mod:`nnexam.questions.multiple_choice`) copy the item's text into their
params, so a key.json never depends on the bank file being around.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from nnexam.questions.errors import InputError, ParamError
from nnexam.questions.files import load_toml, read_text
from nnexam.questions.params import Converter

LABELS = string.ascii_uppercase[:8]  # at most 8 choices: A..H
MAX_BANK_BYTES = 2_000_000
MAX_TEXT = 4000


@dataclass(frozen=True)
class Item:
    id: str
    statement: str
    key: bool | int  # true-false: the truth value; multiple-choice: 0-based index of the right choice
    choices: tuple[str, ...] = ()
    explanation: str = ""

    @property
    def type_id(self) -> str:
        return "multiple-choice" if self.choices else "true-false"


class FilePath(Converter):
    """A file path option; an exam spec resolves it relative to the exam file's folder."""

    expected = "a file path (relative to the exam file)"

    def __call__(self, raw: Any, name: str) -> str:
        if not isinstance(raw, str) or not raw.strip() or len(raw) > 1000 or "\0" in raw:
            raise self.fail(name, raw)
        return raw


def key_index(raw: Any, choices: tuple[str, ...], where: str) -> int:
    """A key given as a label ("B"), a 1-based index (2) or the choice's text -> 0-based index."""
    n = len(choices)
    if isinstance(raw, int) and not isinstance(raw, bool) and 1 <= raw <= n:
        return raw - 1
    if isinstance(raw, str):
        label = raw.strip().upper()
        if len(label) == 1 and label in LABELS[:n]:
            return LABELS.index(label)
        if raw in choices:
            return choices.index(raw)
    raise ParamError(where, f"a label {LABELS[0]}-{LABELS[n - 1]}, an index 1-{n} or one of the choices' text", raw)


def _text(raw: Any, where: str, *, required: bool = True) -> str:
    if raw is None and not required:
        return ""
    if not isinstance(raw, str) or (required and not raw.strip()) or len(raw) > MAX_TEXT:
        raise ParamError(where, f"text of 1 to {MAX_TEXT} characters", raw)
    return raw.strip()


def _item(raw: Any, n: int) -> Item:
    where = f"items[{n}]"
    if not isinstance(raw, dict):
        raise ParamError(where, "a table with id, statement, key (and choices for multiple choice)", raw)
    unknown = set(raw) - {"id", "type", "statement", "choices", "key", "explanation"}
    if unknown:
        raise ParamError(f"{where}.{sorted(unknown)[0]}", "one of id, type, statement, choices, key, explanation", raw)
    item_id = _text(raw.get("id"), f"{where}.id")
    where = f"item {item_id!r}"
    statement = _text(raw.get("statement"), f"{where}: statement")
    explanation = _text(raw.get("explanation"), f"{where}: explanation", required=False)
    choices_raw = raw.get("choices")
    kind = raw.get("type", "multiple-choice" if choices_raw is not None else "true-false")
    if kind not in ("true-false", "multiple-choice"):
        raise ParamError(f"{where}: type", "'true-false' or 'multiple-choice'", kind)
    if kind == "true-false":
        if not isinstance(raw.get("key"), bool):
            raise ParamError(f"{where}: key", "true or false", raw.get("key"))
        return Item(item_id, statement, raw["key"], (), explanation)
    if not isinstance(choices_raw, list) or not 2 <= len(choices_raw) <= len(LABELS):
        raise ParamError(f"{where}: choices", f"a list of 2 to {len(LABELS)} choices", choices_raw)
    choices = tuple(_text(c, f"{where}: choices[{i + 1}]") for i, c in enumerate(choices_raw))
    if len(set(choices)) != len(choices):
        raise ParamError(f"{where}: choices", "distinct choices", choices_raw)
    return Item(item_id, statement, key_index(raw.get("key"), choices, f"{where}: key"), choices, explanation)


def parse_bank(data: Any) -> tuple[Item, ...]:
    """Parsed TOML/YAML data -> items; ParamError names the item and field."""
    if isinstance(data, dict):
        data = data.get("items")
    if not isinstance(data, list) or not data:
        raise ParamError("items", "a non-empty list of items (TOML [[items]] or a YAML list)", data)
    items = tuple(_item(raw, i + 1) for i, raw in enumerate(data))
    seen: set[str] = set()
    for it in items:
        if it.id in seen:
            raise ParamError(f"item {it.id!r}", "ids unique in the bank (this id appears twice)")
        seen.add(it.id)
    return items


@lru_cache(maxsize=32)
def load(path: str) -> tuple[Item, ...]:
    """Read a bank file (``.toml``, ``.yaml``/``.yml``); InputError names the file. Cached: every
    student's variant draws from the same file."""
    p = Path(path)
    text = read_text(p, "question bank", MAX_BANK_BYTES)
    if p.suffix.lower() in (".yaml", ".yml"):
        # imported only for YAML banks: every exam would otherwise pay for yaml
        from nnexam.questions.yaml_load import load_yaml

        data = load_yaml(text, str(p), "question bank")
    else:
        data = load_toml(text, str(p), "question bank")
    try:
        return parse_bank(data)
    except ParamError as err:
        raise InputError(str(p), str(err)) from None


def pick(items: tuple[Item, ...], type_id: str, item: str | None, rng: Any, path: str) -> Item:
    """The item with id ``item``, or one drawn at random among the bank's items of ``type_id``."""
    fitting = [it for it in items if it.type_id == type_id]
    if item is not None:
        found = [it for it in fitting if it.id == item]
        if not found:
            from nnexam.questions.errors import UnknownNameError

            raise UnknownNameError(f"{type_id} item in {path}", item, [it.id for it in fitting])
        return found[0]
    if not fitting:
        raise ParamError("bank", f"a bank with at least one {type_id} item", path)
    return rng.choice(fitting)
