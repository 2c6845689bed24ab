"""Backends vs the analyser: for classic and random models, both backends' parameter counts and output
shapes equal the ModelSpec's; a disagreement fails. Plus the registry's plugin and error behaviour."""

from __future__ import annotations

import random

import pytest
from nnexam.grader.backends import registry
from nnexam.questions.errors import UnknownNameError
from nnexam.questions.model_analyser import analyse

LENET5 = """
model = keras.Sequential([
    keras.Input(shape=(32, 32, 1)),
    layers.Conv2D(6, kernel_size=5, activation="tanh"),
    layers.AveragePooling2D(pool_size=2),
    layers.Conv2D(16, kernel_size=5, activation="tanh"),
    layers.AveragePooling2D(pool_size=2),
    layers.Flatten(),
    layers.Dense(120, activation="tanh"),
    layers.Dense(84, activation="tanh"),
    layers.Dense(10, activation="softmax"),
])
"""
MNIST_CONVNET = """
model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
"""
ADD_STYLE = """
model = Sequential()
model.add(Conv2D(16, (3, 3), padding="same", strides=2, input_shape=(30, 30, 3)))
model.add(BatchNormalization())
model.add(Activation("relu"))
model.add(MaxPooling2D((3, 3), strides=2, padding="same"))
model.add(GlobalAveragePooling2D())
model.add(Dense(10, activation="softmax"))
"""
TORCH_LENET = """
net = nn.Sequential(
    nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10),
)
"""
CLASSICS = [
    (LENET5, None, {}, 61706),
    (MNIST_CONVNET, None, {"input_shape": [28, 28, 1], "num_classes": 10}, 34826),
    (ADD_STYLE, None, {}, 682),
    ("conv3-8, maxpool, conv3-16, maxpool, FC-32, FC-10", [16, 16, 3], {}, 9946),
]


def _backends(source: str) -> list[str]:
    return ["torch"] if source == "torch" else ["torch", "keras"]


def _check(spec, name: str) -> None:
    be = registry.get(name)
    handle = be.build(spec, 0)
    assert be.count_params(handle) == (spec.total, spec.trainable, spec.non_trainable), name
    shapes = [layer.output_shape for layer in spec.layers if layer.kind != "InputLayer"]
    assert [tuple(s) for s in be.output_shapes(handle)] == [tuple(s) for s in shapes], name


@pytest.mark.torch
@pytest.mark.keras
@pytest.mark.parametrize("code,shape,bind,total", CLASSICS, ids=["lenet5", "mnist-convnet", "add-style", "vgg-notation"])
@pytest.mark.parametrize("backend", ["torch", "keras"])
def test_classics_match_the_analyser(code, shape, bind, total, backend):
    spec = analyse(code, shape, bind)
    assert spec.total == total
    _check(spec, backend)


@pytest.mark.torch
def test_torch_code_matches_the_analyser():
    spec = analyse(TORCH_LENET, [1, 28, 28])
    assert spec.source == "torch"
    assert spec.total == 61706 + 32  # LeNet-5 (61,706) plus BatchNorm2d(16)'s weight and bias
    _check(spec, "torch")


def random_keras_model(rng: random.Random) -> tuple[str, list[int]]:
    """Keras code for a random small convnet or MLP, with its input shape."""
    h = rng.randint(8, 20)
    c = rng.choice([1, 3])
    lines = []
    size = h
    for _ in range(rng.randint(0, 3)):
        k = rng.choice([1, 2, 3, 5])
        s = rng.choice([1, 1, 2, 3])
        pad = rng.choice(["valid", "same"])
        d = 1 if s > 1 or rng.random() < 0.7 else 2
        span = d * (k - 1) + 1
        if pad == "valid" and size < span:
            continue
        size = -(-size // s) if pad == "same" else (size - span) // s + 1
        act = rng.choice(["relu", "tanh", "sigmoid", "linear"])
        lines.append(f"layers.Conv2D({rng.randint(1, 8)}, {k}, strides={s}, padding='{pad}', dilation_rate={d}, "
                     f"activation='{act}', use_bias={rng.random() < 0.8})")
        if rng.random() < 0.3:
            lines.append("layers.BatchNormalization()")
        if size >= 2 and rng.random() < 0.4:
            p = rng.choice(["valid", "same"])
            lines.append(f"layers.MaxPooling2D(2, padding='{p}')" if rng.random() < 0.5 else f"layers.AveragePooling2D(2, padding='{p}')")
            size = -(-size // 2) if p == "same" else size // 2
    lines.append("layers.GlobalAveragePooling2D()" if rng.random() < 0.3 and lines else "layers.Flatten()")
    for _ in range(rng.randint(0, 2)):
        lines.append(f"layers.Dense({rng.randint(1, 20)}, activation='relu', use_bias={rng.random() < 0.8})")
        if rng.random() < 0.3:
            lines.append("layers.Dropout(0.25)")
    lines.append(f"layers.Dense({rng.randint(2, 10)}, activation='softmax')")
    code = "model = keras.Sequential([\n    " + ",\n    ".join(lines) + "\n])"
    return code, [h, h, c]


@pytest.mark.torch
@pytest.mark.keras
@pytest.mark.parametrize("seed", range(12))
def test_random_models_match_the_analyser(seed):
    code, shape = random_keras_model(random.Random(seed))
    spec = analyse(code, shape)
    for name in ("torch", "keras"):
        _check(spec, name)


@pytest.mark.torch
@pytest.mark.keras
def test_registry_default_and_unknown():
    assert registry.get().name == "torch"
    with pytest.raises(UnknownNameError, match="Known: torch, keras"):
        registry.get("jax")


@pytest.mark.torch
@pytest.mark.keras
def test_broken_plugin_is_skipped_with_a_warning(monkeypatch):
    import importlib.metadata

    class EP:
        name, value = "broken", "nowhere:Backend"

        def load(self):
            raise ImportError("no module named nowhere")

    class Good:
        name = "fake"

        def load(self):
            from nnexam.grader.backends.torch_backend import TorchBackend

            class Fake(TorchBackend):
                name = "fake"

            return Fake

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [EP(), Good()])
    registry._all.cache_clear()
    try:
        with pytest.warns(UserWarning, match="'broken'.*skipped"):
            names = registry.installed()
        assert names == ["torch", "keras", "fake"]
        assert registry.get("fake").name == "fake"
    finally:
        registry._all.cache_clear()


def test_listing_backends_imports_neither_framework():
    import subprocess
    import sys

    code = "import sys; from nnexam.grader.backends import registry; registry.installed(); print('torch' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def random_torch_model(rng: random.Random) -> tuple[str, list[int]]:
    """PyTorch nn.Sequential code for a random small convnet (channels first), with its input shape."""
    c, h = rng.choice([1, 3]), rng.randint(10, 24)
    channels, mods, size = c, [], h
    for _ in range(rng.randint(1, 3)):
        out, k, s, p = rng.randint(2, 8), rng.choice([1, 3, 5]), rng.choice([1, 2]), rng.choice([0, 1, 2])
        if size + 2 * p < k:
            continue
        mods.append(f"nn.Conv2d({c}, {out}, {k}, stride={s}, padding={p}, bias={rng.random() < 0.8})")
        size, c = (size + 2 * p - k) // s + 1, out
        if rng.random() < 0.4:
            mods.append(f"nn.BatchNorm2d({c})")
        mods.append(rng.choice(["nn.ReLU()", "nn.Tanh()", "nn.Sigmoid()"]))
        if size >= 2 and rng.random() < 0.5:
            mods.append("nn.MaxPool2d(2)")
            size //= 2
    mods += ["nn.Flatten()", f"nn.Linear({c * size * size}, {rng.randint(2, 10)})"]
    return "net = nn.Sequential(\n    " + ",\n    ".join(mods) + "\n)", [channels, h, h]


@pytest.mark.torch
@pytest.mark.parametrize("seed", range(8))
def test_random_torch_models_match_the_analyser(seed):
    code, shape = random_torch_model(random.Random(seed))
    spec = analyse(code, shape)
    assert spec.source == "torch"
    _check(spec, "torch")
