"""The analysed model: what the model analyser (``param-count``) produces and backends build from.

This is the contract between :mod:`nnexam.questions.param_count` (exact shapes and parameter counts,
pure arithmetic, as Keras' ``compute_output_shape``) and ``grader/backends`` (which build the
same model in PyTorch or Keras and really run it). Keep it plain data.

- ``source``: ``"keras"`` (Keras code), ``"torch"`` (PyTorch ``nn.Sequential`` code), ``"vgg"``
  (VGG table notation, built as the Keras equivalent: channels last, ``same`` 3x3 convolutions).
- ``LayerSpec.kind``: the framework's class name, canonical spelling (``Dense``, ``Conv2D``,
  ``MaxPooling2D``, ``BatchNormalization``, ... for Keras and VGG; ``Linear``, ``Conv2d``,
  ``MaxPool2d``, ``BatchNorm2d``, ... for torch). Aliases (``MaxPool2D``) are resolved.
- ``LayerSpec.config``: the layer's arguments by their framework names, normalised: tuples for
  sizes (``kernel_size=(3, 3)``, ``strides=(1, 1)``), lowercase ``padding``, explicit defaults
  (``use_bias=True``, ``activation="linear"``), so a backend needs no defaults of its own.
  ``trainable=False`` appears only for frozen layers; a wrapped layer (``Bidirectional``,
  ``TimeDistributed``) is ``config["layer"] = {"class_name": "LSTM", "config": {...}}``; VGG's
  ``LRN`` kind has no Keras class (torch: ``nn.LocalResponseNorm``).
- Shapes exclude the batch dimension; ``None`` is an unknown (variable) size. A layer's
  ``input_shape`` / ``output_shape`` is ``None`` where the analyser does not compute it (PyTorch
  modules outside an ``nn.Sequential`` chain, a layer of a subclassed model never called), and
  so is the model's ``input_shape`` when nothing fixes it (PyTorch counts need none).
- ``chain``: True when the layers, in order, are the whole computation (a Sequential model, a
  functional chain): a backend may rebuild the model from them. False for graphs with branches,
  nested models, subclassed models and PyTorch module trees: only the counts and shapes hold.
- Rows are ``model.summary()``'s: a functional model lists its ``InputLayer`` s; a nested model
  is one row (kind ``Sequential`` / ``Functional`` / its class) holding its layers' counts.
  ``totals`` (trainable, non-trainable) counts each weight once even when a row repeats it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LayerSpec:
    kind: str
    name: str
    config: Mapping[str, Any]
    input_shape: tuple[int | None, ...] | None
    output_shape: tuple[int | None, ...] | None
    params: int
    trainable: int
    non_trainable: int = 0
    line: int | None = None  # where the layer is written in the source, when known
    formula: str = ""  # the parameter arithmetic written out, e.g. "(3*3*1 + 1)*32 = 320"


@dataclass(frozen=True)
class ModelSpec:
    source: str
    input_shape: tuple[int | None, ...] | None
    layers: tuple[LayerSpec, ...]
    data_format: str = "channels_last"
    name: str = "sequential"
    notes: tuple[str, ...] = field(default=())
    chain: bool = True
    totals: tuple[int, int] | None = None  # (trainable, non-trainable) when rows alone would not say

    @property
    def output_shape(self) -> tuple[int | None, ...] | None:
        return self.layers[-1].output_shape if self.layers else self.input_shape

    @property
    def total(self) -> int:
        return self.trainable + self.non_trainable

    @property
    def trainable(self) -> int:
        return self.totals[0] if self.totals is not None else sum(layer.trainable for layer in self.layers)

    @property
    def non_trainable(self) -> int:
        return self.totals[1] if self.totals is not None else sum(layer.non_trainable for layer in self.layers)
