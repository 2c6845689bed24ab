"""The ``torch`` backend (default): builds the analysed model in PyTorch and trains it as Keras would.

Keras and VGG specs are rebuilt from :mod:`nnexam.grader.backends.torch_layers` with Keras' initialisers,
padding and BatchNormalization, channels-last semantics kept where they are observable; training
follows Keras' ``fit`` (:mod:`nnexam.grader.backends.torch_train`, whose docstring lists each matched
semantic). PyTorch specs (``nn.Sequential`` code) are built from ``torch.nn`` itself with PyTorch's
own initialisation, as the student ran them; their parameter counts follow PyTorch
(``parameters()``; BatchNorm running statistics are buffers, not parameters).

torch is imported inside the functions only, so listing backends never loads it.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from nnexam.grader.backends.base import Data, History, Progress, TrainConfig
from nnexam.questions.errors import ParamError
from nnexam.questions.model_spec import ModelSpec


class TorchBackend:
    name = "torch"

    def available(self) -> bool:
        return importlib.util.find_spec("torch") is not None

    def version(self) -> str:
        import torch

        return f"torch-{torch.__version__}"

    def build(self, spec: ModelSpec, seed: int) -> Any:
        import torch
        from nnexam.grader.backends.torch_layers import SpecModel

        torch.manual_seed(seed)
        return SpecModel(spec)

    def count_params(self, handle: Any) -> tuple[int, int, int]:
        trainable = sum(p.numel() for p in handle.parameters() if p.requires_grad)
        frozen = sum(p.numel() for p in handle.parameters() if not p.requires_grad)
        if handle.keras:
            frozen += sum(layer.non_trainable() for layer in handle.layers)
        return trainable + frozen, trainable, frozen

    def output_shapes(self, handle: Any) -> list[tuple[int | None, ...]]:
        return handle.output_shapes()

    def get_weights(self, handle: Any) -> list[np.ndarray]:
        return [to_keras(t).detach().numpy().copy() for layer in handle.layers for t, to_keras in _weights(layer, handle.keras)]

    def set_weights(self, handle: Any, weights: list[np.ndarray]) -> None:
        import torch

        pairs = [pair for layer in handle.layers for pair in _weights(layer, handle.keras)]
        if len(pairs) != len(weights):
            raise ParamError("weights", f"{len(pairs)} arrays (Keras order)", f"{len(weights)} arrays")
        with torch.no_grad():
            for (t, to_keras), w in zip(pairs, weights):
                view = to_keras(t)
                if tuple(view.shape) != tuple(w.shape):
                    raise ParamError("weights", f"shape {tuple(view.shape)}", tuple(w.shape))
                view.copy_(torch.from_numpy(np.asarray(w, dtype=np.float32)))

    def fit(self, handle: Any, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None) -> History:
        from nnexam.grader.backends import torch_train

        return torch_train.fit(handle, data, config, seed, handle.outputs, handle.to_internal, progress)

    def train(self, spec: ModelSpec, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None) -> History:
        return self.fit(self.build(spec, seed), data, config, seed, progress)


def _weights(layer: Any, keras: bool) -> list:
    if keras:
        return layer.keras_weights()
    same = lambda t: t  # noqa: E731
    return [(p, same) for p in layer.parameters(recurse=False)] + [
        (m, same) for m in layer.children() for m in m.parameters()]
