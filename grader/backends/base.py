"""The backend interface: build an analysed model (:class:`ModelSpec`), count its parameters, report
its output shapes, and train it with a config and a seed, returning per-epoch metrics.

A backend is any object with the members of :class:`Backend`; third parties register one under the
entry-point group ``nnexam.backends.v1`` (see :mod:`nnexam.grader.backends.registry`). The config and the
history are frozen plain data so they can be hashed into cache keys and sent to worker processes.

Weights cross backends in Keras order and layout (``get_weights``/``set_weights``: per layer,
kernel ``(in, out)`` / ``(kh, kw, cin, cout)`` then bias, BatchNormalization gamma, beta, moving mean,
moving variance), so a test can start two backends from identical weights.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np
from nnexam.questions.errors import ParamError
from nnexam.questions.model_spec import ModelSpec

OPTIMIZERS = ("sgd", "adam", "rmsprop")
LOSSES = (
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "mse",
)
# Keras' defaults per optimizer (keras.optimizers.*): used when the config leaves the rate out.
DEFAULT_LR = {"sgd": 0.01, "adam": 0.001, "rmsprop": 0.001}
_LOSS_ALIASES = {
    "mean_squared_error": "mse",
    "categoricalcrossentropy": "categorical_crossentropy",
    "sparsecategoricalcrossentropy": "sparse_categorical_crossentropy",
    "binarycrossentropy": "binary_crossentropy",
    "meansquarederror": "mse",
}


@dataclass(frozen=True)
class TrainConfig:
    """How to train, with Keras' ``compile``/``fit`` defaults. ``learning_rate=None``: the optimizer's."""

    optimizer: str = "sgd"
    learning_rate: float | None = None
    momentum: float = 0.0
    nesterov: bool = False
    batch_size: int = 32
    epochs: int = 1
    loss: str = "sparse_categorical_crossentropy"
    metrics: tuple[str, ...] = ("accuracy",)
    validation_split: float = 0.0
    shuffle: bool = True
    from_logits: bool = False
    beta_1: float = 0.9
    beta_2: float = 0.999
    rho: float = 0.9
    epsilon: float = 1e-7

    def __post_init__(self) -> None:
        opt = self.optimizer.lower()
        if opt not in OPTIMIZERS:
            raise ParamError("training.optimizer", f"one of {', '.join(OPTIMIZERS)}", self.optimizer)
        object.__setattr__(self, "optimizer", opt)
        loss = _LOSS_ALIASES.get(self.loss.lower().replace(" ", ""), self.loss.lower())
        if loss not in LOSSES:
            raise ParamError("training.loss", f"one of {', '.join(LOSSES)}", self.loss)
        object.__setattr__(self, "loss", loss)
        if self.learning_rate is not None and not 0 < self.learning_rate <= 100:
            raise ParamError("training.learning_rate", "a number in (0, 100]", self.learning_rate)
        if not 1 <= self.batch_size <= 1_000_000:
            raise ParamError("training.batch_size", "an integer from 1 to 1000000", self.batch_size)
        if not 1 <= self.epochs <= 10_000:
            raise ParamError("training.epochs", "an integer from 1 to 10000", self.epochs)
        if not 0 <= self.validation_split < 1:
            raise ParamError("training.validation_split", "a number in [0, 1)", self.validation_split)
        if not 0 <= self.momentum < 1:
            raise ParamError("training.momentum", "a number in [0, 1)", self.momentum)
        object.__setattr__(self, "metrics", tuple(self.metrics))

    @property
    def lr(self) -> float:
        return self.learning_rate if self.learning_rate is not None else DEFAULT_LR[self.optimizer]

    def describe(self) -> str:
        """Short text for evidence: ``SGD lr 0.01 momentum 0.9, batch 32``."""
        name = {"sgd": "SGD", "adam": "Adam", "rmsprop": "RMSprop"}[self.optimizer]
        extra = f" momentum {self.momentum:g}" if self.momentum else ""
        extra += " nesterov" if self.nesterov else ""
        return f"{name} lr {self.lr:g}{extra}, batch {self.batch_size}"


@dataclass(frozen=True)
class History:
    """Per-epoch metrics as Keras' ``History.history`` (``loss``, ``accuracy``, ``val_*``) plus the
    test-set evaluation after the last epoch (``test``: ``{"loss", "accuracy"}``) when a test set was given."""

    epochs: tuple[Mapping[str, float], ...]
    test: Mapping[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    device: str = ""  # where it ran ("cpu", "cuda:0"); "" when the backend does not say

    def series(self, metric: str) -> list[float]:
        return [float(e[metric]) for e in self.epochs if metric in e]

    @property
    def history(self) -> dict[str, list[float]]:
        """Keras' ``History.history`` layout: metric -> one value per epoch."""
        return {k: self.series(k) for k in dict.fromkeys(k for e in self.epochs for k in e)}

    def as_dict(self) -> dict[str, Any]:
        return {"epochs": [dict(e) for e in self.epochs], "test": dict(self.test), "seconds": self.seconds,
                "device": self.device}

    @staticmethod
    def from_dict(raw: Mapping[str, Any]) -> History:
        return History(tuple(dict(e) for e in raw["epochs"]), dict(raw.get("test", {})), float(raw.get("seconds", 0)),
                       str(raw.get("device", "")))


@dataclass(frozen=True)
class Data:
    """Arrays ready for training: ``x`` shaped ``(N,) + model input``, ``y`` integer class ids
    (or floats for regression). The test split is optional."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    num_classes: int = 0


# progress(epoch, epochs, logs) is called after each epoch.
Progress = Callable[[int, int, Mapping[str, float]], None]


@runtime_checkable
class Backend(Protocol):
    """What every backend has. Optional, found with ``getattr``: ``train_seeds(spec, data, config, seeds,
    progress)`` (several seeds of one configuration at once, each History equal to ``train``'s),
    ``batch_blocker(spec, device)`` (why ``train_seeds`` would fall back to one seed after another
    there, for ``--verbose``; ``device`` is ``--device`` or None), and ``devices`` (the ``--device``
    values it takes; such a backend accepts ``device=`` in ``train``, ``fit`` and ``train_seeds``)."""

    name: str

    def available(self) -> bool: ...

    def version(self) -> str: ...

    def build(self, spec: ModelSpec, seed: int) -> Any: ...

    def count_params(self, handle: Any) -> tuple[int, int, int]: ...

    def output_shapes(self, handle: Any) -> list[tuple[int | None, ...]]: ...

    def get_weights(self, handle: Any) -> list[np.ndarray]: ...

    def set_weights(self, handle: Any, weights: list[np.ndarray]) -> None: ...

    def fit(self, handle: Any, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None) -> History: ...

    def train(self, spec: ModelSpec, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None) -> History: ...


def targets(y: np.ndarray, loss: str, outputs: int) -> np.ndarray:
    """Targets as the loss wants them: one-hot for categorical CE (as ``to_categorical``), else as given."""
    if loss == "categorical_crossentropy" and y.ndim == 1:
        return np.eye(outputs, dtype=np.float32)[y.astype(np.int64)]
    if loss in ("binary_crossentropy", "mse") and y.ndim == 1:
        return y.astype(np.float32).reshape(-1, 1) if outputs == 1 else np.eye(outputs, dtype=np.float32)[y.astype(np.int64)]
    return y


def accuracy_kind(loss: str, outputs: int) -> str:
    """Which accuracy Keras' ``metrics=["accuracy"]`` resolves to for this loss and output width."""
    if loss == "binary_crossentropy" or outputs == 1:
        return "binary"
    return "sparse" if loss == "sparse_categorical_crossentropy" else "categorical"
