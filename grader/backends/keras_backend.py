"""The ``keras`` backend: Keras 3 itself (on ``KERAS_BACKEND=torch``), the reference the torch backend
is tested against. Builds Keras and VGG specs layer by layer from their normalised arguments
(``keras.layers.<kind>(**config)``), compiles with the config's optimizer and loss, and runs
``fit``/``evaluate``. PyTorch specs are not translated: use the torch backend for those.

keras is imported inside the functions only (after setting ``KERAS_BACKEND``), so listing backends
never loads it.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import time
from typing import Any

import numpy as np
from nnexam.grader.backends.base import Data, History, Progress, TrainConfig, targets
from nnexam.questions.errors import NnexamError
from nnexam.questions.model_spec import ModelSpec


def _keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    return keras


class KerasBackend:
    name = "keras"

    def available(self) -> bool:
        return importlib.util.find_spec("keras") is not None and importlib.util.find_spec("torch") is not None

    def version(self) -> str:
        keras = _keras()
        return f"keras-{keras.__version__}-{keras.backend.backend()}"

    def build(self, spec: ModelSpec, seed: int) -> Any:
        keras = _keras()
        if spec.source == "torch":
            raise NnexamError("the keras backend builds Keras models; this model is PyTorch code: use --backend torch")
        if not spec.chain:
            raise NnexamError(f"the keras backend rebuilds a model from its chain of layers; {spec.name} has branches, nested or shared parts")
        keras.utils.set_random_seed(seed)
        layers = [keras.Input(shape=tuple(spec.input_shape))]
        for layer in spec.layers:
            if layer.kind == "InputLayer":
                continue
            cls = getattr(keras.layers, layer.kind, None)
            if cls is None:
                raise NnexamError(f"layer {layer.name!r}: keras.layers has no {layer.kind!r}")
            accepted = inspect.signature(cls).parameters
            kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in layer.config.items() if k in accepted}
            try:
                layers.append(cls(**kwargs, name=layer.name))
            except (TypeError, ValueError) as err:
                raise NnexamError(f"layer {layer.name!r}: keras.layers.{layer.kind}({kwargs}) failed: {err}") from err
        return keras.Sequential(layers, name=spec.name)

    def count_params(self, handle: Any) -> tuple[int, int, int]:
        trainable = sum(int(np.prod(w.shape)) for w in handle.trainable_weights)
        frozen = sum(int(np.prod(w.shape)) for w in handle.non_trainable_weights)
        return trainable + frozen, trainable, frozen

    def output_shapes(self, handle: Any) -> list[tuple[int | None, ...]]:
        return [tuple(layer.output.shape[1:]) for layer in handle.layers]

    def get_weights(self, handle: Any) -> list[np.ndarray]:
        return [np.asarray(w) for w in handle.get_weights()]

    def set_weights(self, handle: Any, weights: list[np.ndarray]) -> None:
        handle.set_weights(weights)

    def fit(self, handle: Any, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None) -> History:
        keras = _keras()
        keras.utils.set_random_seed(seed)
        outputs = int(np.prod([d for d in handle.output_shape[1:] if d is not None]))
        opt = {
            "sgd": lambda: keras.optimizers.SGD(config.lr, momentum=config.momentum, nesterov=config.nesterov),
            "adam": lambda: keras.optimizers.Adam(config.lr, beta_1=config.beta_1, beta_2=config.beta_2, epsilon=config.epsilon),
            "rmsprop": lambda: keras.optimizers.RMSprop(config.lr, rho=config.rho, momentum=config.momentum, epsilon=config.epsilon),
        }[config.optimizer]()
        loss = {
            "categorical_crossentropy": lambda: keras.losses.CategoricalCrossentropy(from_logits=config.from_logits),
            "sparse_categorical_crossentropy": lambda: keras.losses.SparseCategoricalCrossentropy(from_logits=config.from_logits),
            "binary_crossentropy": lambda: keras.losses.BinaryCrossentropy(from_logits=config.from_logits),
            "mse": lambda: keras.losses.MeanSquaredError(),
        }[config.loss]()
        handle.compile(optimizer=opt, loss=loss, metrics=list(config.metrics))
        shape = (-1, *handle.input_shape[1:])
        x = np.asarray(data.x_train, dtype=np.float32).reshape(shape)
        callbacks = []
        if progress is not None:
            callbacks.append(keras.callbacks.LambdaCallback(
                on_epoch_end=lambda e, logs: progress(e + 1, config.epochs, {k: float(v) for k, v in logs.items()})))
        start = time.perf_counter()
        hist = handle.fit(x, targets(data.y_train, config.loss, outputs), batch_size=config.batch_size,
                          epochs=config.epochs, validation_split=config.validation_split,
                          shuffle=config.shuffle, verbose=0, callbacks=callbacks)
        epochs = tuple({k: float(v[i]) for k, v in hist.history.items()} for i in range(config.epochs))
        test: dict[str, float] = {}
        if data.x_test is not None and data.y_test is not None and len(data.x_test):
            xt = np.asarray(data.x_test, dtype=np.float32).reshape(shape)
            res = handle.evaluate(xt, targets(data.y_test, config.loss, outputs), batch_size=config.batch_size,
                                  verbose=0, return_dict=True)
            test = {k: float(v) for k, v in res.items()}
        return History(epochs, test, time.perf_counter() - start)

    def train(self, spec: ModelSpec, data: Data, config: TrainConfig, seed: int, progress: Progress | None = None) -> History:
        return self.fit(self.build(spec, seed), data, config, seed, progress)
