"""Each Keras semantic the torch backend reproduces, tested against the keras backend itself: both start
from identical weights (copied from Keras), train on the same data without shuffling, and must agree on
the weights and every logged metric to 1e-5 (float32)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from nnexam.grader.backends import registry
from nnexam.grader.backends.base import Data, TrainConfig
from nnexam.questions.model_analyser import analyse
from nnexam.questions.training_steps import train_rows

pytestmark = [pytest.mark.torch, pytest.mark.keras, pytest.mark.filterwarnings("ignore::DeprecationWarning")]


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models: one thread each, so two pytest workers do not oversubscribe two cores."""
    import torch

    torch.set_num_threads(1)

MLP = "model = keras.Sequential([layers.Dense(12, activation='tanh'), layers.Dense(10, activation='softmax')])"
CNN = """model = keras.Sequential([
    layers.Conv2D(4, 3, strides=2, padding='same', activation='relu'),  # asymmetric 'same' padding
    layers.BatchNormalization(),
    layers.MaxPooling2D(3, strides=2, padding='same'),
    layers.Conv2D(3, 2, padding='valid', dilation_rate=1),
    layers.AveragePooling2D(2, padding='same'),
    layers.Flatten(),
    layers.Dense(10, activation='softmax'),
])"""
BINARY = "model = keras.Sequential([layers.Dense(6, activation='relu'), layers.Dense(1, activation='sigmoid')])"
LOGITS = "model = keras.Sequential([layers.Dense(8, activation='relu'), layers.Dense(10)])"
DROPOUT = "model = keras.Sequential([layers.Dense(16, activation='relu'), layers.Dropout(0.5), layers.Dense(10, activation='softmax')])"


def digits(n_train: int = 240, binary: bool = False) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits

    d = load_digits()
    x, y = (d.images / 16.0).astype(np.float32), d.target.astype(np.int64)
    if binary:
        y = (y >= 5).astype(np.int64)
    return x[: n_train + 60], y[: n_train + 60]


def twin(code: str, shape: list[int], cfg: TrainConfig, binary: bool = False, n_train: int = 240):
    """Train the same model (same initial weights) in both backends; return (keras, torch) results."""
    spec = analyse(code, shape)
    x, y = digits(n_train, binary)
    data = Data(x[:n_train].reshape(-1, *shape), y[:n_train], x[n_train:].reshape(-1, *shape), y[n_train:], 10)
    K, T = registry.get("keras"), registry.get("torch")
    kh, th = K.build(spec, 1), T.build(spec, 2)
    T.set_weights(th, K.get_weights(kh))
    hk, ht = K.fit(kh, data, cfg, 0), T.fit(th, data, cfg, 0)
    return (hk, K.get_weights(kh)), (ht, T.get_weights(th))


def assert_same(a, b, tol: float = 1e-5) -> None:
    (hk, wk), (ht, wt) = a, b
    for x, y in zip(wk, wt):
        np.testing.assert_allclose(x, y, atol=tol, rtol=0)
    assert len(hk.epochs) == len(ht.epochs)
    for ek, et in zip(hk.epochs, ht.epochs):
        assert set(ek) == set(et)
        for k in ek:
            assert et[k] == pytest.approx(ek[k], abs=tol), k
    for k in hk.test:
        assert ht.test[k] == pytest.approx(hk.test[k], abs=tol), k


CASES = [
    # id, code, shape, config kwargs, binary
    ("sgd-default", MLP, [64], {}, False),
    ("sgd-momentum", MLP, [64], {"momentum": 0.9}, False),
    ("sgd-nesterov", MLP, [64], {"momentum": 0.9, "nesterov": True, "learning_rate": 0.05}, False),
    ("adam", MLP, [64], {"optimizer": "adam"}, False),
    ("rmsprop", MLP, [64], {"optimizer": "rmsprop"}, False),
    ("rmsprop-momentum", MLP, [64], {"optimizer": "rmsprop", "momentum": 0.5}, False),
    ("categorical-ce", MLP, [64], {"loss": "categorical_crossentropy", "learning_rate": 0.1}, False),
    ("binary-ce", BINARY, [64], {"loss": "binary_crossentropy", "learning_rate": 0.1}, True),
    ("mse", MLP, [64], {"loss": "mse", "learning_rate": 0.5}, False),
    ("from-logits", LOGITS, [64], {"from_logits": True, "optimizer": "adam"}, False),
    ("partial-last-batch", MLP, [64], {"batch_size": 7, "learning_rate": 0.1}, False),  # 240 = 34*7 + 2
    ("validation-split", MLP, [64], {"validation_split": 0.15, "learning_rate": 0.1}, False),
    ("cnn-batchnorm-same-padding", CNN, [8, 8, 1], {"optimizer": "adam", "validation_split": 0.2}, False),
]


@pytest.mark.parametrize("code,shape,kw,binary", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_same_weights_same_training(code, shape, kw, binary):
    cfg = TrainConfig(epochs=2, shuffle=False, **kw)
    keras_res, torch_res = twin(code, shape, cfg, binary)
    assert_same(keras_res, torch_res)


@pytest.mark.parametrize("optimizer,kw", [("adam", {"epsilon": 1.0}), ("rmsprop", {"epsilon": 0.1})], ids=["adam-eps", "rmsprop-eps"])
def test_epsilon_placement_is_keras_not_pytorch(optimizer, kw):
    """With a large epsilon Keras' and PyTorch's formulas differ visibly; the backend follows Keras."""
    import torch
    from nnexam.grader.backends import torch_train

    cfg = TrainConfig(optimizer=optimizer, epochs=1, shuffle=False, learning_rate=0.01, **kw)
    keras_res, torch_res = twin(MLP, [64], cfg)
    assert_same(keras_res, torch_res)
    native = torch.optim.Adam if optimizer == "adam" else torch.optim.RMSprop
    assert torch_train.optimizer([torch.nn.Parameter(torch.zeros(1))], cfg).__class__ is not native


def test_validation_split_takes_the_last_rows_before_shuffling():
    """Keras' own split function and ours agree; with shuffling on and a vanishing rate the validation
    metrics (computed on the last rows) still agree between backends."""
    from keras.src.trainers.data_adapters.array_slicing import train_validation_split

    for n, split in [(100, 0.2), (1437, 0.1), (7, 0.3), (60000, 0.15)]:
        x = np.arange(n)
        (tr,), (va,) = train_validation_split((x,), validation_split=split)
        cut = train_rows(n, split)
        assert (np.asarray(tr) == x[:cut]).all() and (np.asarray(va) == x[cut:]).all()
    cfg = TrainConfig(epochs=2, shuffle=True, learning_rate=1e-9, validation_split=0.25)
    (hk, _), (ht, _) = twin(MLP, [64], cfg)
    for ek, et in zip(hk.epochs, ht.epochs):
        assert et["val_loss"] == pytest.approx(ek["val_loss"], abs=1e-5)
        assert et["val_accuracy"] == pytest.approx(ek["val_accuracy"], abs=1e-6)
        assert et["accuracy"] == pytest.approx(ek["accuracy"], abs=1e-6)  # mean over all rows, any order


def test_shuffling_reorders_every_epoch():
    """shuffle=True changes the result (both backends); the same seed reproduces it exactly."""
    spec = analyse(MLP, [64])
    x, y = digits()
    data = Data(x[:240].reshape(-1, 64), y[:240])
    T = registry.get("torch")
    base = TrainConfig(epochs=2, learning_rate=0.1)
    a = T.train(spec, data, base, seed=3)
    b = T.train(spec, data, base, seed=3)
    c = T.train(spec, data, TrainConfig(epochs=2, learning_rate=0.1, shuffle=False), seed=3)
    assert a.epochs == b.epochs
    assert a.epochs[1]["loss"] != c.epochs[1]["loss"]


def test_dropout_is_off_for_validation_and_test():
    cfg = TrainConfig(epochs=1, learning_rate=1e-9, shuffle=False, validation_split=0.25)
    (hk, _), (ht, _) = twin(DROPOUT, [64], cfg)
    assert ht.epochs[0]["val_loss"] == pytest.approx(hk.epochs[0]["val_loss"], abs=1e-5)
    assert ht.test["loss"] == pytest.approx(hk.test["loss"], abs=1e-5)


@pytest.mark.parametrize("code,shape", [(MLP, [64]), (CNN, [8, 8, 1])], ids=["dense", "conv"])
def test_initial_weights_follow_keras_initialisers(code, shape):
    """glorot-uniform kernels (limit sqrt(6 / (fan_in + fan_out)), conv fans include the kernel area),
    zero biases, BatchNormalization gamma 1, beta 0, moving mean 0, moving variance 1."""
    spec = analyse(code, shape)
    for name in ("torch", "keras"):
        be = registry.get(name)
        ws = be.get_weights(be.build(spec, 0))
        i = 0
        for layer in spec.layers:
            if layer.kind in ("Dense", "Conv2D"):
                kernel = ws[i]
                fan_in, fan_out = int(np.prod(kernel.shape[:-1])), int(np.prod(kernel.shape[:-2])) * kernel.shape[-1]
                limit = math.sqrt(6 / (fan_in + fan_out))
                assert np.abs(kernel).max() <= limit + 1e-7, (name, layer.name)
                assert np.abs(kernel).max() > 0.7 * limit, (name, layer.name)
                assert not ws[i + 1].any(), (name, layer.name)
                i += 2
            elif layer.kind == "BatchNormalization":
                g, b, mm, mv = ws[i : i + 4]
                assert (g == 1).all() and (b == 0).all() and (mm == 0).all() and (mv == 1).all()
                i += 4
        assert i == len(ws)


def test_embedding_initialiser_and_layout():
    spec = analyse("model = keras.Sequential([layers.Embedding(50, 4), layers.GlobalAveragePooling1D(), layers.Dense(2)])", [7])
    T, K = registry.get("torch"), registry.get("keras")
    th, kh = T.build(spec, 0), K.build(spec, 0)
    table = T.get_weights(th)[0]
    assert table.shape == (50, 4) and np.abs(table).max() <= 0.05
    assert T.output_shapes(th) == K.output_shapes(kh) == [(7, 4), (4,), (2,)]
    T.set_weights(th, K.get_weights(kh))
    import keras
    import torch

    ids = np.random.default_rng(0).integers(0, 50, size=(3, 7))
    want = keras.ops.convert_to_numpy(kh(ids))
    got = th(torch.from_numpy(ids)).detach().numpy()
    np.testing.assert_allclose(got, want, atol=1e-6)


@pytest.mark.parametrize("saturated", [True, False], ids=["clipped-rows", "no-clipping"])
@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "categorical_crossentropy"])
def test_fused_softmax_loss_equals_keras_formula(loss, saturated):
    """The softmax-head shortcut: same value and same gradient as clip(p / sum p) -> log, clipped rows included."""
    import torch
    from nnexam.grader.backends import torch_train

    g = torch.Generator().manual_seed(0)
    z = (torch.randn(64, 10, generator=g, dtype=torch.float64) * 4)
    if saturated:
        z[:4, 0] = 60.0  # saturated rows: the target's probability is clipped to 1 - 1e-7 ...
    y = torch.randint(0, 10, (64,), generator=g)
    y[:2] = 0
    y[2:4] = 3  # ... or to 1e-7
    t = y if loss.startswith("sparse") else torch.nn.functional.one_hot(y, 10).double()
    z1, z2 = z.clone().requires_grad_(), z.clone().requires_grad_()
    ref = torch_train.loss_fn(loss, False)(torch.softmax(z1, dim=1), t)
    fused = torch_train.fused_loss_fn(loss)(z2, t)
    ref.backward()
    fused.backward()
    assert fused.item() == pytest.approx(ref.item(), abs=1e-6)
    np.testing.assert_allclose(z2.grad.numpy(), z1.grad.numpy(), atol=1e-7)
