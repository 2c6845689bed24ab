"""The ``torch`` backend (default): builds the analysed model in PyTorch and trains it as Keras would.

Keras and VGG specs are rebuilt from :mod:`nnexam.grader.backends.torch_layers` with Keras' initialisers,
padding and BatchNormalization, channels-last semantics kept where they are observable; training
follows Keras' ``fit`` (:mod:`nnexam.grader.backends.torch_train`, whose docstring lists each matched
semantic). PyTorch specs (``nn.Sequential`` code) are built from ``torch.nn`` itself with PyTorch's
own initialisation, as the student ran them; their parameter counts follow PyTorch
(``parameters()``; BatchNorm running statistics are buffers, not parameters).

``device`` (``--device``): ``cpu`` (default), ``cuda`` or ``auto`` (cuda when a GPU is usable);
each History says where it ran. ``train_seeds`` trains several seeds of one configuration as one
seed-batched model (:mod:`nnexam.grader.backends.torch_batched`), each seed's result equal to its
own sequential run; models with layers it cannot batch train one seed after another
(``batch_blocker`` says why).

torch is imported inside the functions only, so listing backends never loads it.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from nnexam.grader.backends.base import Data, History, Progress, TrainConfig
from nnexam.questions.errors import NnexamError, ParamError
from nnexam.questions.model_spec import ModelSpec

DEVICES = ("cpu", "cuda", "auto")


def resolve_device(device: str | None) -> Any:
    """``--device`` -> a ``torch.device``; cuda without a usable GPU is an error saying what to do."""
    import torch

    name = (device or "cpu").strip().lower()
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name != "cpu" and not name.startswith("cuda"):
        raise ParamError("device", f"one of {', '.join(DEVICES)}", device)
    if name.startswith("cuda") and not torch.cuda.is_available():
        build = f"built with CUDA {torch.version.cuda}" if torch.version.cuda else "a CPU-only build"
        raise NnexamError(f"--device {device}: no CUDA GPU is usable on this machine (torch {torch.__version__}, "
                          f"{build}); use --device cpu, or --device auto to take a GPU only where there is one")
    return torch.device(name)


class TorchBackend:
    name = "torch"
    devices = DEVICES

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

    def fit(self, handle: Any, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None,
            device: str | None = None) -> History:
        from nnexam.grader.backends import torch_train

        return torch_train.fit(handle, data, config, seed, handle.outputs, handle.to_internal, progress,
                               resolve_device(device))

    def train(self, spec: ModelSpec, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None,
              device: str | None = None) -> History:
        dev = resolve_device(device)  # before building: a clear error, not a half-trained run
        return self.fit(self.build(spec, seed), data, config, seed, progress, str(dev))

    def batch_blocker(self, spec: ModelSpec, device: str | None = None) -> str | None:
        """Why this model's seeds cannot train as one seed-batched model on ``device`` (None: they can)."""
        from nnexam.grader.backends.torch_batched import blocker

        try:
            dev = resolve_device(device)
        except NnexamError:  # training says what is wrong with the device
            return None
        return blocker(spec, dev)

    def train_seeds(self, spec: ModelSpec, data: Data, config: TrainConfig, seeds: list[int],
                    progress: Any = None, device: str | None = None) -> list[History]:
        """Each seed's History, as ``train`` would give it, from one seed-batched model when the model
        allows (else one seed after another). ``progress(seed position, epoch, logs)``."""
        from nnexam.grader.backends import torch_batched

        dev = resolve_device(device)
        if torch_batched.blocker(spec, dev) is None and len(seeds) > 1:
            return torch_batched.fit_seeds(spec, data, config, seeds, dev, progress)
        return [self.train(spec, data, config, s, None if progress is None else
                           (lambda epoch, _n, logs, k=k: progress(k, epoch, logs)), str(dev))
                for k, s in enumerate(seeds)]


def _weights(layer: Any, keras: bool) -> list:
    if keras:
        return layer.keras_weights()
    same = lambda t: t  # noqa: E731
    return [(p, same) for p in layer.parameters(recurse=False)] + [
        (m, same) for m in layer.children() for m in m.parameters()]
