"""VGG table notation (Simonyan & Zisserman, 2015), built as its Keras equivalent.

``conv3-64`` is a 3x3 convolution with 64 filters, stride 1, ``same`` padding, then ReLU;
``maxpool`` is 2x2 with stride 2; ``FC-4096`` a Dense layer (ReLU, except the last, which feeds
the ``soft-max``); ``LRN`` local response normalisation (no parameters). A Flatten is inserted
before the first FC. The default input is the paper's 224x224 RGB image; a token such as
``input (32 x 32 RGB image)`` sets another. ``VGG-16`` (or ``VGG11``, ``VGG-19``, configuration
letters ``A``-``E`` as ``VGG-D``) stands for the paper's whole configuration.
"""

from __future__ import annotations

import re

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.build import RawLayer
from nnexam.questions.model_analyser.layers import Kind, Out, Shape

INPUT_SHAPE = (224, 224, 3)

_TOKEN = (
    r"conv(?P<k>\d+)-(?P<f>\d+)(?:\s*[x×]\s*(?P<rep>\d+))?|max-?\s?pool(?:ing)?|fc-(?P<units>\d+)|lrn|soft-?max"
    r"|input\s*(?:\((?P<inp>[^)]*)\))?|vgg-?(?P<cfg>\d+|[a-e])(?P<lrn>-lrn)?"
)
_SEP = r"[\s,;|]*"
_ALL = re.compile(rf"{_SEP}(?:(?:{_TOKEN}){_SEP})+", re.IGNORECASE)
_ONE = re.compile(_TOKEN, re.IGNORECASE)

_FC = "FC-4096, FC-4096, FC-1000, soft-max"
CONFIGS = {
    "a": "conv3-64, maxpool, conv3-128, maxpool, conv3-256 x2, maxpool, conv3-512 x2, maxpool, conv3-512 x2, maxpool",
    "a-lrn": "conv3-64, LRN, maxpool, conv3-128, maxpool, conv3-256 x2, maxpool, conv3-512 x2, maxpool, conv3-512 x2, maxpool",
    "b": "conv3-64 x2, maxpool, conv3-128 x2, maxpool, conv3-256 x2, maxpool, conv3-512 x2, maxpool, conv3-512 x2, maxpool",
    "c": "conv3-64 x2, maxpool, conv3-128 x2, maxpool, conv3-256 x2, conv1-256, maxpool, conv3-512 x2, conv1-512, maxpool, "
    "conv3-512 x2, conv1-512, maxpool",
    "d": "conv3-64 x2, maxpool, conv3-128 x2, maxpool, conv3-256 x3, maxpool, conv3-512 x3, maxpool, conv3-512 x3, maxpool",
    "e": "conv3-64 x2, maxpool, conv3-128 x2, maxpool, conv3-256 x4, maxpool, conv3-512 x4, maxpool, conv3-512 x4, maxpool",
}
_DEPTH = {"11": "a", "13": "b", "16": "d", "19": "e"}


def _lrn(s: Shape, c: dict) -> Out:
    return Out(s, 0, 0, "no weights = 0")


# LRN has no Keras layer: backends map it to their own (torch.nn.LocalResponseNorm).
KINDS = {"LRN": Kind("LRN", (), {}, {}, _lrn, (3,), "(height, width, channels)")}


def looks_like(text: str) -> bool:
    return len(text) < 20_000 and _ALL.fullmatch(text) is not None and re.search(r"conv\d|fc-|vgg", text, re.I) is not None


def _expand(text: str) -> str:
    """Whole configurations (``VGG-16``) replaced by their layers."""

    def sub(m: re.Match[str]) -> str:
        if not m.group("cfg"):
            return m.group(0)
        cfg = _DEPTH.get(m.group("cfg"), m.group("cfg").lower()) + ("-lrn" if m.group("lrn") else "")
        if cfg not in CONFIGS:
            raise ParamError("model", "a VGG configuration: VGG-11, VGG-11-LRN, VGG-13, VGG-16, VGG-19 or VGG-A..E", m.group(0))
        return f"{CONFIGS[cfg]}, {_FC}"

    return _ONE.sub(sub, text)


def read(text: str) -> tuple[list[RawLayer], tuple[str, ...]]:
    """Keras layers for the notation (an ``input (...)`` token becomes an ``Input`` shape note)."""
    if not looks_like(text):
        raise ParamError("model", "VGG notation such as 'conv3-64, conv3-64, maxpool, ..., FC-4096, FC-1000'", text)
    tokens = [m for m in _ONE.finditer(_expand(text))]
    raw: list[RawLayer] = []
    notes = ["VGG notation: convolutions are 3x3 (or as written) with stride 1 and 'same' padding, then ReLU"]
    flat = False
    for m in tokens:
        word = m.group(0).lower()
        if m.group("f"):
            k, f = int(m.group("k")), int(m.group("f"))
            raw += [RawLayer("Conv2D", (f, k), {"padding": "same", "activation": "relu"})] * int(m.group("rep") or 1)
        elif word.startswith("max"):
            raw.append(RawLayer("MaxPooling2D", ((2, 2), (2, 2))))
        elif word == "lrn":
            raw.append(RawLayer("LRN"))
            notes.append("LRN (local response normalisation) has no parameters and keeps the shape")
        elif m.group("units"):
            if not flat:
                raw.append(RawLayer("Flatten"))
                flat = True
            raw.append(RawLayer("Dense", (int(m.group("units")), "relu")))
        elif word.startswith("soft"):
            if raw and raw[-1].kind == "Dense":
                raw[-1] = RawLayer("Dense", (raw[-1].args[0], "softmax"))
            else:
                raw.append(RawLayer("Activation", ("softmax",)))
    if raw and raw[-1].kind == "Dense" and raw[-1].args[1] == "relu":
        raw[-1] = RawLayer("Dense", (raw[-1].args[0], "linear"))
    return raw, tuple(notes)


def input_shape(text: str) -> tuple[int, int, int] | None:
    """The shape an ``input (H x W RGB image)`` token states, if any."""
    for m in _ONE.finditer(text):
        if m.group(0).lower().startswith("input") and m.group("inp"):
            sizes = re.findall(r"\d+", m.group("inp"))
            channels = 1 if re.search(r"gr[ae]y|mono", m.group("inp"), re.I) else 3
            if len(sizes) >= 2:
                return int(sizes[0]), int(sizes[1]), channels
    return None
