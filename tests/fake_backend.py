"""A backend that trains nothing: deterministic histories from the seed, parameter counts from the
analysed model. It lets the claims logic (bands, verdicts, the cache, the registry) be tested
without torch or keras, and counts how often it was asked to train."""

from __future__ import annotations

from typing import Any

import numpy as np
from nnexam.grader.backends.base import Data, History, Progress, TrainConfig
from nnexam.questions.model_spec import ModelSpec


class FakeBackend:
    name = "fake"

    def __init__(self, accuracy: float = 0.80, step: float = 0.05, spread: float = 0.01) -> None:
        self.accuracy, self.step, self.spread = accuracy, step, spread
        self.trained: list[int] = []  # the seeds trained, in order

    def available(self) -> bool:
        return True

    def version(self) -> str:
        return "fake-1"

    def build(self, spec: ModelSpec, seed: int) -> Any:
        return (spec, seed)

    def count_params(self, handle: Any) -> tuple[int, int, int]:
        spec = handle[0]
        return spec.total, spec.trainable, spec.non_trainable

    def output_shapes(self, handle: Any) -> list[tuple[int | None, ...]]:
        return [layer.output_shape for layer in handle[0].layers]

    def get_weights(self, handle: Any) -> list[np.ndarray]:
        return []

    def set_weights(self, handle: Any, weights: list[np.ndarray]) -> None:
        pass

    def fit(self, handle: Any, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None) -> History:
        return self.train(handle[0], data, config, seed, progress)

    def train(self, spec: ModelSpec, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None) -> History:
        """Accuracy climbs by ``step`` an epoch from ``accuracy`` - (epochs - 1) * step; seeds differ by ``spread``."""
        self.trained.append(seed)
        epochs = []
        for e in range(config.epochs):
            acc = min(1.0, self.accuracy - (config.epochs - 1 - e) * self.step + seed * self.spread)
            logs = {"loss": 1 - acc, "accuracy": acc}
            if config.validation_split:
                logs |= {"val_loss": 1.1 - acc, "val_accuracy": acc - 0.02}
            epochs.append(logs)
            if progress:
                progress(e + 1, config.epochs, logs)
        return History(tuple(epochs))
