"""Models written in prose as numbered or bulleted lists of Keras layers:

    1. Conv2D(16, 3) 2. MaxPooling2D() 3. Flatten() 4. Dense(num classes, activation='softmax')

(one item a line or all on one line, as PDF extraction leaves them). The items become a
``Sequential([...])`` model for the model analyser; free names written with spaces (``num
classes``) become identifiers (``num_classes``) to be bound with ``--bind``. The input shape
comes from ``--bind input_shape=...``, from the text ("28x28x1 images"), or from the data set.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from nnexam.grader.audit.code import FoundModel, Snippet
from nnexam.grader.audit.document import Document
from nnexam.grader.audit.summary import KNOWN_KINDS
from nnexam.questions.errors import NnexamError

ITEM = re.compile(r"(?:^|(?<=\s))(?:\d{1,2}[.)]|[-*•])\s+(?P<cls>[A-Z][A-Za-z0-9]{1,40})\(")
SHAPE_TEXT = re.compile(r"\b(\d{1,4})\s*[x×]\s*(\d{1,4})\s*[x×]\s*(\d{1,4})\b")
DATASET_SHAPES = {"mnist": (28, 28, 1), "fashion-mnist": (28, 28, 1), "cifar10": (32, 32, 3)}
MAX_ITEMS = 200
LAYER_NAMES = frozenset(KNOWN_KINDS) | {"Input", "MaxPool2D", "AvgPool2D", "MaxPool1D", "AvgPool1D", "Conv2DTranspose",
                                        "SeparableConv2D", "DepthwiseConv2D", "ZeroPadding2D", "UpSampling2D", "Rescaling"}
MAX_ITEM_CHARS = 300


def _call(text: str, start: int) -> str | None:
    """``Name(...)`` from ``start`` to its closing bracket (bounded), or None."""
    depth = 0
    for j in range(start, min(len(text), start + MAX_ITEM_CHARS)):
        if text[j] == "(":
            depth += 1
        elif text[j] == ")":
            depth -= 1
            if depth == 0:
                return text[start: j + 1]
    return None


def _identifiers(call: str) -> str:
    """``Dense(num classes, ...)`` -> ``Dense(num_classes, ...)`` (two bare words outside quotes)."""
    parts = re.split(r"('[^']*'|\"[^\"]*\")", call)
    return "".join(p if i % 2 else re.sub(r"\b([a-z]+) (?=[a-z]+\b(?!\s*=))", r"\1_", p) for i, p in enumerate(parts))


def models(doc: Document, bindings: Mapping[str, Any], dataset: str | None) -> list[FoundModel]:
    """Each run of at least two list items that are Keras layer calls, analysed."""
    from nnexam.questions.model_analyser import analyse

    items: list[tuple[int, str]] = []  # (line, call)
    for p in doc.paragraphs:
        for m in ITEM.finditer(p.text):
            call = _call(p.text, m.start("cls"))
            if call is not None and len(items) < MAX_ITEMS:
                items.append((p.line_at(m.start("cls")), _identifiers(call)))
    groups: list[list[tuple[int, str]]] = []
    for line, call in items:
        if groups and line - groups[-1][-1][0] <= 2:
            groups[-1].append((line, call))
        else:
            groups.append([(line, call)])
    out = []
    for g in groups:
        if len(g) < 2 or not all(re.match(r"[A-Za-z0-9]+", c).group(0) in LAYER_NAMES for _, c in g):  # type: ignore[union-attr]
            continue  # a list of optimizers, callbacks...: not a model
        source = "model = Sequential([\n" + "".join(f"    {c},\n" for _, c in g) + "])"
        shape = _input_shape(doc, g[0][0], bindings, dataset)
        snip = Snippet(g[0][0], source, g[-1][0] - g[0][0] + 1)
        try:
            spec = analyse(source, shape, bindings)
        except NnexamError as err:
            out.append(FoundModel(snip, None, f"the layer list could not be analysed: {err}"))
            continue
        except (RecursionError, MemoryError, ValueError, SyntaxError) as err:
            out.append(FoundModel(snip, None, f"the layer list could not be read ({type(err).__name__})"))
            continue
        if spec.layers:
            out.append(FoundModel(snip, spec))
    return out


def _input_shape(doc: Document, line: int, bindings: Mapping[str, Any], dataset: str | None) -> tuple[int, ...] | None:
    bound = bindings.get("input_shape")
    if isinstance(bound, list | tuple):
        return tuple(bound)
    near = [p for p in doc.paragraphs if line - 6 <= p.first <= line]
    for p in reversed(near):
        m = SHAPE_TEXT.search(p.text)
        if m:
            return tuple(int(g) for g in m.groups())
    return DATASET_SHAPES.get(dataset or "")
