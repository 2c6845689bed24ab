"""Timing of the model analyser / param-count family.

    .venv/bin/python benchmarks/bench_param_count.py [--n 10000] [--repeat 7]

Prints the median of several runs for: VGG-16 from Keras code and from VGG notation (analyse,
uncached), large models (ResNet-152 written out as Keras functional code, Keras' ResNet152,
DenseNet201 and EfficientNetB7 by name, torchvision's resnet152, an nn.Module ResNet-152 written out): ``solve()``
of the param-count family, uncached, against the target of 100 ms; solve() of one drawn exam
model, and analysing N random drawn models (per model).
"""

from __future__ import annotations

import argparse
import os
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


def resnet152_functional_code() -> str:
    """ResNet-152 as a student writes it with the functional API: a helper per bottleneck block."""
    lines = [
        "import keras", "from keras import layers", "",
        "def bottleneck(x, filters, stride=1, project=False):",
        "    shortcut = x",
        "    if project:",
        "        shortcut = layers.Conv2D(4 * filters, 1, strides=stride)(x)",
        "        shortcut = layers.BatchNormalization()(shortcut)",
        "    x = layers.Conv2D(filters, 1, strides=stride)(x)",
        "    x = layers.BatchNormalization()(x)",
        "    x = layers.Activation('relu')(x)",
        "    x = layers.Conv2D(filters, 3, padding='same')(x)",
        "    x = layers.BatchNormalization()(x)",
        "    x = layers.Activation('relu')(x)",
        "    x = layers.Conv2D(4 * filters, 1)(x)",
        "    x = layers.BatchNormalization()(x)",
        "    return layers.Activation('relu')(layers.Add()([shortcut, x]))", "",
        "inputs = keras.Input((224, 224, 3))",
        "x = layers.ZeroPadding2D(3)(inputs)",
        "x = layers.Conv2D(64, 7, strides=2)(x)",
        "x = layers.BatchNormalization()(x)",
        "x = layers.Activation('relu')(x)",
        "x = layers.ZeroPadding2D(1)(x)",
        "x = layers.MaxPooling2D(3, strides=2)(x)",
        "for filters, blocks, stride in [(64, 3, 1), (128, 8, 2), (256, 36, 2), (512, 3, 2)]:",
        "    x = bottleneck(x, filters, stride, project=True)",
        "    for _ in range(blocks - 1):",
        "        x = bottleneck(x, filters)",
        "x = layers.GlobalAveragePooling2D()(x)",
        "outputs = layers.Dense(1000, activation='softmax')(x)",
        "model = keras.Model(inputs, outputs)",
    ]  # fmt: skip
    return "\n".join(lines)


LARGE = {
    "ResNet-152, Keras functional code": (resnet152_functional_code, 60419944),
    "keras.applications.ResNet152": (lambda: "import keras\nmodel = keras.applications.ResNet152(weights=None)", 60419944),
    "keras.applications.DenseNet201": (lambda: "import keras\nmodel = keras.applications.DenseNet201(weights=None)", 20242984),
    "keras.applications.EfficientNetB7": (lambda: "import keras\nmodel = keras.applications.EfficientNetB7(weights=None)", 66658687),
    "torchvision.models.resnet152": (lambda: "import torchvision\nmodel = torchvision.models.resnet152()", 60192808),
}


def median_ms(fn, repeat: int, inner: int = 1, clock=time.perf_counter) -> float:
    """Median milliseconds per call; ``clock=time.process_time`` counts this process's CPU only
    (what a shared, loaded host cannot inflate)."""
    times = []
    for _ in range(repeat):
        t = clock()
        for _ in range(inner):
            fn()
        times.append((clock() - t) / inner * 1000)
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
    for label, (make, total) in LARGE.items():
        params = param_count.Params(model=make())
        assert param_count.solve(params).parts[0].exact == total  # noqa: S101 - a benchmark sanity check

        def solve_uncached(p=params) -> None:
            param_count._analysed.cache_clear()
            param_count.solve(p)

        wall = median_ms(solve_uncached, max(5, args.repeat))
        cpu = median_ms(solve_uncached, max(5, args.repeat), clock=time.process_time)
        print(f"{label} solve (uncached): {wall:.1f} ms median wall, {cpu:.1f} ms CPU (target < 100 ms)")
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
    print(f"load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")


if __name__ == "__main__":
    main()
