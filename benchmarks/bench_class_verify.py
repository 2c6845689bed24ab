"""Verifying a class: (1) seed-batched training vs sequential seeds vs one run, for the MLP of
bench_backends.py and a small convnet (Fashion-MNIST shapes; random data when the dataset is not
installed: the time does not depend on the values); (2) a class of claims files with a few distinct
models through the ``local`` executor and through ``ray`` (a local Ray cluster on this machine),
each from an empty cache, plus Ray's start-up. Prints medians.

    .venv/bin/python benchmarks/bench_class_verify.py [--rows 5000] [--repeats 7] [--files 50] [--models 10]
                                                      [--class-repeats 3] [--skip-ray] [--threads 1]
                                                      [--only seeds|class|all] [--device cpu|cuda|auto]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
from nnexam.grader import datasets  # noqa: E402
from nnexam.grader.backends import registry  # noqa: E402
from nnexam.grader.backends.base import Data, TrainConfig  # noqa: E402
from nnexam.questions.model_analyser import analyse  # noqa: E402
from nnexam.questions.model_spec import ModelSpec  # noqa: E402

MODELS = {
    "MLP 784-32-10": "model = keras.Sequential([keras.Input((784,)), layers.Dense(32, activation='sigmoid'), "
                     "layers.Dense(10, activation='softmax')])",
    "convnet conv8-pool-dense": "model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(8, 3, activation='relu'), "
                                "layers.MaxPooling2D(2), layers.Flatten(), layers.Dense(10, activation='softmax')])",
}
CONFIG = TrainConfig(optimizer="sgd", learning_rate=0.01, batch_size=32, epochs=1)


def load(rows: int) -> tuple[np.ndarray, np.ndarray, str]:
    try:
        ds = datasets.load(datasets.DataRef("fashion-mnist", subset=rows))
        return ds.x_train.reshape(len(ds.x_train), -1), ds.y_train, "fashion-mnist"
    except Exception:  # noqa: BLE001 - random data of the same shape
        rng = np.random.default_rng(0)
        return rng.random((rows, 784), dtype=np.float32), rng.integers(0, 10, rows), "random data"


def hand_written(label: str, x: np.ndarray, y: np.ndarray, seed: int, device: str = "cpu") -> None:
    """The loop a PyTorch user writes for the same model and epoch (logits + ``cross_entropy``, ``x[idx]``
    per step): the yardstick that shows nnexam's one run is not a slow baseline."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(seed)
    if label.startswith("MLP"):
        net = nn.Sequential(nn.Linear(784, 32), nn.Sigmoid(), nn.Linear(32, 10))
        xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).reshape(len(x), 784)
    else:
        net = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8 * 13 * 13, 10))
        xt = torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)).reshape(len(x), 1, 28, 28)
    yt = torch.from_numpy(np.asarray(y)).long()
    net, xt, yt = net.to(device), xt.to(device), yt.to(device)
    opt = torch.optim.SGD(net.parameters(), lr=CONFIG.lr)
    order = torch.randperm(len(xt), generator=torch.Generator().manual_seed(seed)).to(device)
    total = 0.0
    for i in range(0, len(xt), CONFIG.batch_size):
        idx = order[i : i + CONFIG.batch_size]
        loss = F.cross_entropy(net(xt[idx]), yt[idx])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        total += loss.item()


def seed_batching(rows: int, repeats: int, device: str) -> None:
    from nnexam.grader.backends.torch_backend import resolve_device

    be = registry.get("torch")
    device = str(resolve_device(device))
    x, y, name = load(rows)
    print(f"seed batching: {rows} rows of {name} x 1 epoch, batch 32, SGD, on {device}; median of {repeats} "
          "(wall s / CPU s of this process)")
    for label, code in MODELS.items():
        one_model(be, label, analyse(code), x, y, repeats, device)


def one_model(be: Any, label: str, spec: ModelSpec, x: np.ndarray, y: np.ndarray, repeats: int, device: str) -> None:
    """One model's line: the hand-written loop, one run, 3 seeds one after another and 3 seeds batched."""
    data = Data(x.reshape((len(x), *spec.input_shape)), y)
    be.train(spec, data, CONFIG, 99, device=device)  # warm-up
    be.train_seeds(spec, data, CONFIG, [97, 98], device=device)
    hand_written(label, x, y, 99, device)
    runs: dict[str, Callable[[list[int]], object]] = {
        "hand-written loop, 1 seed": lambda seeds: hand_written(label, x, y, seeds[0], device),
        "1 run": lambda seeds: be.train(spec, data, CONFIG, seeds[0], device=device),
        "3 seeds sequential": lambda seeds: [be.train(spec, data, CONFIG, s, device=device) for s in seeds],
        "3 seeds batched": lambda seeds: be.train_seeds(spec, data, CONFIG, seeds, device=device),
    }
    wall: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for r in range(repeats):  # interleaved: load changes hit every variant
        for key, run in runs.items():
            t, c = time.perf_counter(), time.process_time()
            run([3 * r, 3 * r + 1, 3 * r + 2])
            wall[key].append(time.perf_counter() - t)
            cpu[key].append(time.process_time() - c)
    w = {k: statistics.median(v) for k, v in wall.items()}
    c = {k: statistics.median(v) for k, v in cpu.items()}
    print(f"  {label}: " + ", ".join(f"{k} {w[k]:.3f} / {c[k]:.3f}" for k in runs))
    print(f"    batched / 1 run = {w['3 seeds batched'] / w['1 run']:.2f} wall, "
          f"{c['3 seeds batched'] / c['1 run']:.2f} CPU (target <= 1.5); "
          f"sequential / batched = {w['3 seeds sequential'] / w['3 seeds batched']:.2f} wall; "
          f"1 run / hand-written loop = {w['1 run'] / w['hand-written loop, 1 seed']:.2f} wall")


def write_class(folder: Path, files: int, models: int) -> list[Path]:
    """``files`` claims files on the digits, ``models`` distinct MLPs (hidden width), layer names per student."""
    paths = []
    for s in range(files):
        width = 8 + 2 * (s % models)
        code = (f"model = keras.Sequential([keras.Input((64,)), layers.Dense({width}, activation='relu', name='h{s}'), "
                "layers.Dense(10, activation='softmax')])")
        p = folder / f"student{s:03d}.yaml"
        p.write_text(f'model: "{code}"\ndataset: digits\n'
                     "training: {optimizer: sgd, learning_rate: 0.05, batch_size: 32, epochs: 2, validation_split: 0.2}\n"
                     f"claims:\n  - {{what: val_accuracy, value: {0.80 + 0.002 * s}}}\n  - {{what: total_params, value: 1}}\n")
        paths.append(p)
    return paths


def one_class(paths: list[Path], executor: str, workers: int | None = None) -> tuple[float, str]:
    from nnexam.grader import class_verify

    with tempfile.TemporaryDirectory() as cache:
        os.environ["NNEXAM_CACHE"] = cache
        t = time.perf_counter()
        results, summary = class_verify.verify_class(paths, seeds=3, executor=executor, workers=workers)
        wall = time.perf_counter() - t
    bad = [r.error for r in results if r.error]
    if bad:
        raise SystemExit(f"{executor}: {bad[0]}")
    return wall, summary.describe()


def a_class(files: int, models: int, repeats: int, skip_ray: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        paths = write_class(Path(folder), files, models)
        print(f"a class: {files} claims files, {models} distinct models (digits MLPs, 2 epochs, 3 seeds), "
              f"empty cache each time; median of {repeats}")
        local = [one_class(paths, "local") for _ in range(repeats)]
        print(f"  local (small batch: in this process): {statistics.median(w for w, _ in local):.2f} s  ({local[0][1]})")
        cores = os.cpu_count() or 1
        pool = [one_class(paths, "local", workers=cores) for _ in range(repeats)]
        print(f"  local, {cores} worker processes (spawned per batch): {statistics.median(w for w, _ in pool):.2f} s")
        if skip_ray:
            return
        import ray

        t = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False)
        start = time.perf_counter() - t
        first = one_class(paths, "ray")  # workers start and import torch on the first tasks
        warm = [one_class(paths, "ray") for _ in range(repeats)]
        ray.shutdown()
        med_local, med_warm = statistics.median(w for w, _ in local), statistics.median(w for w, _ in warm)
        print(f"  ray ({os.cpu_count()} CPUs): start {start:.2f} s, first batch {first[0]:.2f} s (workers start), "
              f"then {med_warm:.2f} s; overhead vs local: {med_warm - med_local:+.2f} s warm, "
              f"{start + first[0] - med_local:+.2f} s with start-up")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--files", type=int, default=50)
    ap.add_argument("--models", type=int, default=10)
    ap.add_argument("--class-repeats", type=int, default=3)
    ap.add_argument("--skip-ray", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--only", choices=("seeds", "class", "all"), default="all")
    ap.add_argument("--device", default="cpu", help="cpu, cuda or auto: where the seed-batching runs train")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    if args.only in ("seeds", "all"):
        seed_batching(args.rows, args.repeats, args.device)
    if args.only in ("class", "all"):
        a_class(args.files, args.models, args.class_repeats, args.skip_ray)


if __name__ == "__main__":
    main()
