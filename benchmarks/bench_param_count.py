"""Timing of the model analyser / param-count family.

    .venv/bin/python benchmarks/bench_param_count.py [--n 10000] [--repeat 7]

Prints the median of several runs for: VGG-16 from Keras code and from VGG notation (analyse,
uncached), solve() of one drawn exam model, and analysing N random drawn models (per model).
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nnexam.questions import param_count, registry  # noqa: E402
from nnexam.questions.model_analyser import analyse  # noqa: E402

VGG16_NOTATION = (
    "conv3-64, conv3-64, maxpool, conv3-128, conv3-128, maxpool, conv3-256, conv3-256, conv3-256, maxpool, "
    "conv3-512, conv3-512, conv3-512, maxpool, conv3-512, conv3-512, conv3-512, maxpool, FC-4096, FC-4096, FC-1000, soft-max"
)


def vgg16_code() -> str:
    lines = ["model = keras.Sequential()", "model.add(keras.Input(shape=(224, 224, 3)))"]
    for filters, convs in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        lines += [f"model.add(layers.Conv2D({filters}, (3, 3), padding='same', activation='relu'))"] * convs
        lines.append("model.add(layers.MaxPooling2D((2, 2), strides=(2, 2)))")
    lines += ["model.add(layers.Flatten())"] + ["model.add(layers.Dense(4096, activation='relu'))"] * 2
    return "\n".join(lines + ["model.add(layers.Dense(1000, activation='softmax'))"])


def median_ms(fn, repeat: int, inner: int = 1) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t) / inner * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=1000, help="random models analysed per run")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    code = vgg16_code()
    assert analyse(code).total == 138357544  # noqa: S101 - a benchmark sanity check
    print(f"VGG-16 from Keras code:   {median_ms(lambda: analyse(code), args.repeat, 20):.2f} ms median")
    print(f"VGG-16 from VGG notation: {median_ms(lambda: analyse(VGG16_NOTATION), args.repeat, 20):.2f} ms median")
    fam = registry.get("param-count")
    rng = random.Random(0)
    models = [param_count.sample(rng).model for _ in range(args.n)]
    per = median_ms(lambda: [analyse(m) for m in models], max(3, args.repeat // 2)) / args.n
    print(f"random exam model analyse: {per:.3f} ms per model ({args.n} models)")
    drawn = [fam.draw(random.Random(s)) for s in range(50)]
    param_count._analysed.cache_clear()
    t = time.perf_counter()
    for p in drawn:
        param_count._analysed.cache_clear()
        param_count.solve(p)  # the module's functions: Family remembers recent params
        for m in fam.mistakes:
            m.apply(p)
    print(f"solve + all mistakes (uncached): {(time.perf_counter() - t) / len(drawn) * 1000:.2f} ms per instance")


if __name__ == "__main__":
    main()
