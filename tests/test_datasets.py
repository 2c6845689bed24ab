"""Datasets: digits (bundled), real Fashion-MNIST IDX files, mnist.npz / IDX, .npz and .csv; scaling,
subsets, reshaping to the model's input, and clear messages (never a download) when files are missing."""

from __future__ import annotations

import gzip
import socket

import numpy as np
import pytest
from nnexam.grader import datasets
from nnexam.grader.datasets import DataRef
from nnexam.questions.errors import InputError, ParamError


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    def refuse(*a, **k):
        raise AssertionError("datasets must never open a network connection")

    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)


@pytest.mark.sklearn
def test_digits_split_and_scaling():
    ds = datasets.load(DataRef("digits"))
    assert ds.x_train.shape == (1437, 8, 8) and ds.x_test.shape == (360, 8, 8)
    assert ds.x_train.dtype == np.float32 and ds.x_train.min() == 0 and ds.x_train.max() == 1.0
    assert ds.num_classes == 10 and set(np.unique(ds.y_train)) == set(range(10))


@pytest.mark.sklearn
def test_subset_keeps_the_first_rows_and_changes_the_fingerprint():
    full, sub = datasets.load(DataRef("digits")), datasets.load(DataRef("digits", subset=100))
    assert (sub.x_train == full.x_train[:100]).all() and len(sub.x_test) == 360
    assert sub.fingerprint != full.fingerprint


@pytest.mark.sklearn
@pytest.mark.parametrize("shape,want", [((64,), (1437, 64)), ((8, 8, 1), (1437, 8, 8, 1)), ((8, 8), (1437, 8, 8))],
                         ids=["flat", "channels-last", "plain"])
def test_for_model_reshapes_to_the_input(shape, want):
    data = datasets.for_model(datasets.load(DataRef("digits")), shape)
    assert data.x_train.shape == want and data.x_test.shape[1:] == want[1:]


@pytest.mark.sklearn
def test_for_model_rejects_a_size_mismatch():
    with pytest.raises(ParamError, match=r"input_shape.*64 values per sample"):
        datasets.for_model(datasets.load(DataRef("digits")), (28, 28, 1))


needs_fashion = pytest.mark.skipif(not (datasets.FASHION_DIR / "train-labels-idx1-ubyte.gz").is_file(),
                                   reason="Debian's dataset-fashion-mnist is not installed")


@needs_fashion
def test_real_fashion_mnist():
    ds = datasets.load(DataRef("fashion-mnist", subset=5000))
    assert ds.x_train.shape == (5000, 28, 28) and ds.x_test.shape == (10000, 28, 28)
    assert ds.x_train.max() == 1.0 and ds.x_train.min() == 0.0
    assert list(ds.y_train[:10]) == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]  # the published first labels
    assert np.bincount(ds.y_test).tolist() == [1000] * 10


@needs_fashion
@pytest.mark.torch
def test_fashion_mnist_subset_trains(tmp_path):
    """A subset of real Fashion-MNIST through the torch backend: an MLP gets well above chance in one epoch."""
    from nnexam.grader.backends import registry
    from nnexam.grader.backends.base import TrainConfig
    from nnexam.questions.model_analyser import analyse

    spec = analyse("model = keras.Sequential([keras.Input((784,)), layers.Dense(32, activation='relu'), layers.Dense(10, activation='softmax')])")
    data = datasets.for_model(datasets.load(DataRef("fashion-mnist", subset=3000)), spec.input_shape)
    hist = registry.get("torch").train(spec, data, TrainConfig(optimizer="adam", epochs=2), seed=0)
    assert hist.epochs[-1]["accuracy"] > 0.7 and hist.test["accuracy"] > 0.65


def _idx(path, array: np.ndarray) -> None:
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_idx_files_in_a_data_dir(tmp_path):
    rng = np.random.default_rng(0)
    _idx(tmp_path / "train-images-idx3-ubyte.gz", rng.integers(0, 256, (20, 28, 28)))
    _idx(tmp_path / "train-labels-idx1-ubyte.gz", np.arange(20) % 10)
    _idx(tmp_path / "t10k-images-idx3-ubyte.gz", rng.integers(0, 256, (5, 28, 28)))
    _idx(tmp_path / "t10k-labels-idx1-ubyte.gz", np.arange(5))
    ds = datasets.load(DataRef("mnist", data_dir=str(tmp_path)))
    assert ds.x_train.shape == (20, 28, 28) and ds.x_train.max() <= 1.0 and ds.y_test.tolist() == [0, 1, 2, 3, 4]


def test_missing_mnist_says_which_files_to_put_where(tmp_path):
    with pytest.raises(InputError) as err:
        datasets.load(DataRef("mnist", data_dir=str(tmp_path / "nowhere")))
    msg = str(err.value)
    assert "train-images-idx3-ubyte.gz" in msg and "--data-dir" in msg and "no download" in msg


def test_mnist_npz_in_the_keras_cache(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".keras" / "datasets").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    x = np.zeros((3, 28, 28), np.uint8)
    x[0, 0, 0] = 255
    np.savez(home / ".keras" / "datasets" / "mnist.npz", x_train=x, y_train=np.array([1, 2, 3]), x_test=x, y_test=np.array([0, 0, 9]))
    datasets._load_full.cache_clear()
    ds = datasets.load(DataRef("mnist"))
    assert ds.x_train[0, 0, 0] == 1.0 and ds.num_classes == 10


def test_npz_and_csv_files(tmp_path):
    np.savez(tmp_path / "d.npz", x_train=np.ones((4, 3), np.float32) * 7, y_train=np.array([0, 1, 0, 1]))
    ds = datasets.load(DataRef(str(tmp_path / "d.npz")))
    assert ds.x_train.max() == 7 and ds.x_test is None  # floats are used as given
    (tmp_path / "d.csv").write_text("a,b,label\n1,2,0\n3,4,1\n5,6,2\n")
    ds = datasets.load(DataRef(str(tmp_path / "d.csv")))
    assert ds.x_train.tolist() == [[1, 2], [3, 4], [5, 6]] and ds.y_train.tolist() == [0, 1, 2]
    (tmp_path / "bad.csv").write_text("a,label\n1,0\nx,1\n")
    with pytest.raises(InputError, match=r"bad.csv:3: expected numbers"):
        datasets.load(DataRef(str(tmp_path / "bad.csv")))
    np.savez(tmp_path / "nolabels.npz", x_train=np.ones((2, 2)))
    with pytest.raises(InputError, match="missing"):
        datasets.load(DataRef(str(tmp_path / "nolabels.npz")))


@pytest.mark.parametrize("raw,err", [("imagenet", "dataset"), ({"name": "digits", "subset": "many"}, "subset"),
                                     ({"name": "digits", "colour": 1}, "colour"), (3, "dataset")],
                         ids=["unknown-name", "bad-subset", "unknown-key", "not-a-name"])
def test_parse_ref_validates(raw, err):
    with pytest.raises(ParamError, match=err):
        datasets.parse_ref(raw)
