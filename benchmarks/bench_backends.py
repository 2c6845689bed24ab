"""Seconds per epoch: the torch backend vs a hand-written PyTorch loop, and the keras backend vs plain
Keras ``fit``, on the same model and data (the slow test's Fashion-MNIST MLP: Dense(32, sigmoid) +
Dense(10, softmax), SGD lr 0.01, batch 32). Runs are interleaved (A, B, A, B, ...) so load changes on
the machine hit both sides; prints the median of each and the ratio (target: within 10 %).

    .venv/bin/python benchmarks/bench_backends.py [--rows 20000] [--repeats 5] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
from nnexam.grader import datasets  # noqa: E402
from nnexam.grader.backends import registry  # noqa: E402
from nnexam.grader.backends.base import Data, TrainConfig  # noqa: E402
from nnexam.questions.model_analyser import analyse  # noqa: E402

MODEL = "model = keras.Sequential([keras.Input((784,)), layers.Dense(32, activation='sigmoid'), layers.Dense(10, activation='softmax')])"
CONFIG = TrainConfig(optimizer="sgd", learning_rate=0.01, batch_size=32, epochs=1, loss="sparse_categorical_crossentropy")


def load(rows: int) -> tuple[np.ndarray, np.ndarray]:
    try:
        ds = datasets.load(datasets.DataRef("fashion-mnist", subset=rows))
        return ds.x_train.reshape(len(ds.x_train), -1), ds.y_train
    except Exception:  # noqa: BLE001 - fall back to random data of the same shape
        rng = np.random.default_rng(0)
        return rng.random((rows, 784), dtype=np.float32), rng.integers(0, 10, rows)


def hand_torch(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    """The loop a student writes: nn.Sequential, CrossEntropyLoss on logits, torch.optim.SGD."""
    import torch
    from torch import nn

    torch.manual_seed(seed)
    model = nn.Sequential(nn.Linear(784, 32), nn.Sigmoid(), nn.Linear(32, 10))
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    loss_fn = nn.CrossEntropyLoss()
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    start = time.perf_counter()
    perm = torch.randperm(len(xt))
    total, correct = 0.0, 0
    for i in range(0, len(xt), 32):
        idx = perm[i : i + 32]
        out = model(xt[idx])
        loss = loss_fn(out, yt[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item() * len(idx)
        correct += int((out.argmax(1) == yt[idx]).sum())
    return time.perf_counter() - start


def backend_epoch(name: str, spec, data: Data, seed: int) -> float:
    be = registry.get(name)
    handle = be.build(spec, seed)
    start = time.perf_counter()
    be.fit(handle, data, CONFIG, seed)
    return time.perf_counter() - start


def plain_keras(x: np.ndarray, y: np.ndarray, seed: int) -> float:
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    model = keras.Sequential([keras.Input((784,)), layers.Dense(32, activation="sigmoid"), layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    x, y = load(args.rows)
    spec = analyse(MODEL)
    data = Data(x, y)
    pairs = {"torch backend": [], "hand-written torch": [], "keras backend": [], "plain keras fit": []}
    backend_epoch("torch", spec, data, 99)  # warm-up (imports, first-call overheads)
    hand_torch(x, y, 99)
    backend_epoch("keras", spec, data, 99)
    plain_keras(x, y, 99)
    for r in range(args.repeats):
        pairs["torch backend"].append(backend_epoch("torch", spec, data, r))
        pairs["hand-written torch"].append(hand_torch(x, y, r))
        pairs["keras backend"].append(backend_epoch("keras", spec, data, r))
        pairs["plain keras fit"].append(plain_keras(x, y, r))
    med = {k: statistics.median(v) for k, v in pairs.items()}
    print(f"{args.rows} rows x 1 epoch, batch 32 ({-(-args.rows // 32)} steps), {args.threads} torch thread(s), "
          f"median of {args.repeats}")
    for k, v in med.items():
        print(f"  {k:<20} {v:7.3f} s/epoch   ({1000 * v / -(-args.rows // 32):.3f} ms/step)")
    print(f"  torch backend / hand-written torch = {med['torch backend'] / med['hand-written torch']:.3f}")
    print(f"  keras backend / plain keras fit    = {med['keras backend'] / med['plain keras fit']:.3f}")


if __name__ == "__main__":
    main()
