"""Differential test: random PyTorch ``nn.Sequential`` code, analysed from its text, against the real
modules (parameter counts per module, output shapes of a forward pass)."""

from __future__ import annotations

import random
from typing import Any

import pytest
from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser import analyse

Blueprint = list[tuple[str, tuple[Any, ...], dict[str, Any]]]


def random_torch_model(rng: random.Random) -> tuple[tuple[int, ...], Blueprint]:
    image = rng.random() < 0.75
    shape = [rng.randint(1, 4), rng.randint(5, 16), rng.randint(5, 16)] if image else [rng.randint(2, 30)]
    start = tuple(shape)
    bp: Blueprint = []
    for _ in range(rng.randint(1, 6)):
        if len(shape) == 3:
            c, h, w = shape
            pick = rng.choice(["conv", "conv", "pool", "avg", "bn", "act", "adaptive", "drop"])
            if pick == "conv":
                k, st, pad = rng.choice([1, 2, 3, 5]), rng.choice([1, 1, 2]), rng.choice([0, 0, 1, 2, "same"])
                d = rng.choice([1, 1, 2])
                if pad == "same":
                    st = 1
                p = 0 if pad == "same" else pad
                span = d * (k - 1) + 1
                if span > min(h, w) + 2 * p:
                    continue
                g = rng.choice([g for g in (1, 1, 2) if c % g == 0])
                out = g * rng.randint(1, 4)
                kw: dict[str, Any] = {"stride": st, "padding": pad, "dilation": d, "groups": g, "bias": rng.random() < 0.8}
                bp.append(("Conv2d", (c, out, k), kw))
                if pad == "same":
                    shape = [out, h, w]
                else:
                    shape = [out, (h + 2 * p - span) // st + 1, (w + 2 * p - span) // st + 1]
            elif pick in ("pool", "avg"):
                k = rng.choice([2, 3])
                if k > min(h, w):
                    continue
                kw = {"stride": rng.choice([None, 1, 2]), "padding": rng.choice([0, 1]), "ceil_mode": rng.random() < 0.3}
                bp.append(("MaxPool2d" if pick == "pool" else "AvgPool2d", (k,), kw))
                shape = None  # type: ignore[assignment]  # read back from the analyser below
            elif pick == "bn":
                bp.append(("BatchNorm2d", (c,), {"affine": rng.random() < 0.8}))
            elif pick == "act":
                bp.append(rng.choice([("ReLU", (), {}), ("Tanh", (), {}), ("LeakyReLU", (0.1,), {}), ("Sigmoid", (), {})]))
            elif pick == "adaptive":
                bp.append(("AdaptiveAvgPool2d", ((2, 2),), {}))
                shape = [c, 2, 2]
            else:
                bp.append(("Dropout", (0.3,), {}))
            if shape is None:  # pooling: let the analyser say, the test checks it against torch
                shape = list(analyse(write_torch(start, bp), input_shape=list(start)).output_shape)
            if shape[1] < 1 or shape[2] < 1:
                bp.pop()
                break
        else:
            pick = rng.choice(["linear", "linear", "bn", "act", "drop"])
            if pick == "linear":
                out = rng.randint(1, 20)
                bp.append(("Linear", (shape[0], out), {"bias": rng.random() < 0.8}))
                shape = [out]
            elif pick == "bn":
                bp.append(("BatchNorm1d", (shape[0],), {}))
            elif pick == "act":
                bp.append(rng.choice([("ReLU", (), {}), ("Softmax", (), {"dim": 1}), ("GELU", (), {})]))
            else:
                bp.append(("Dropout", (), {"p": 0.2}))
    if len(shape) == 3:
        bp.append(("Flatten", (), {}))
        shape = [shape[0] * shape[1] * shape[2]]
    bp.append(("Linear", (shape[0], rng.randint(1, 10)), {}))
    return start, bp


def write_torch(shape: tuple[int, ...], bp: Blueprint) -> str:
    calls = [f"nn.{k}(" + ", ".join([repr(a) for a in args] + [f"{n}={v!r}" for n, v in kw.items()]) + ")" for k, args, kw in bp]
    return "import torch\nfrom torch import nn\n\nmodel = nn.Sequential(\n" + "".join(f"    {c},\n" for c in calls) + ")\n"


@pytest.mark.torch
def test_random_torch_models_match_pytorch():
    import torch
    from torch import nn

    for seed in range(60):
        rng = random.Random(seed)
        start, bp = random_torch_model(rng)
        code = write_torch(start, bp)
        spec = analyse(code, input_shape=list(start))
        modules = [getattr(nn, k)(*a, **kw) for k, a, kw in bp]
        x = torch.zeros((2, *start))
        assert len(spec.layers) == len(modules), code
        for i, (mine, mod) in enumerate(zip(spec.layers, modules)):
            mod.eval()
            x = mod(x)
            assert mine.name == str(i)
            assert mine.output_shape == tuple(x.shape[1:]), (seed, code, i)
            assert mine.params == sum(p.numel() for p in mod.parameters()), (seed, code, i)
        rebuilt = [getattr(nn, layer.kind)(**layer.config) for layer in spec.layers]  # config alone rebuilds each module
        assert [sum(p.numel() for p in m.parameters()) for m in rebuilt] == [layer.params for layer in spec.layers]


TORCH_CNN = """
import torch.nn as nn
net = nn.Sequential(
    nn.Conv2d(1, 32, kernel_size=3), nn.ReLU(),
    nn.MaxPool2d(2),
    nn.BatchNorm2d(32),
    nn.Flatten(),
    nn.Linear(32 * 13 * 13, 10),
)
"""


def test_torch_cnn_counts():
    spec = analyse(TORCH_CNN, input_shape=[1, 28, 28])
    assert [(x.name, x.kind, x.output_shape, x.params) for x in spec.layers] == [
        ("0", "Conv2d", (32, 26, 26), 320),
        ("1", "ReLU", (32, 26, 26), 0),
        ("2", "MaxPool2d", (32, 13, 13), 0),
        ("3", "BatchNorm2d", (32, 13, 13), 64),
        ("4", "Flatten", (5408,), 0),
        ("5", "Linear", (10,), 54090),
    ]
    assert spec.source == "torch" and spec.data_format == "channels_first" and spec.non_trainable == 0


def test_torch_input_from_first_linear():
    spec = analyse("from torch import nn\nm = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Dropout(0.2), nn.Linear(128, 10))")
    assert spec.input_shape == (784,) and spec.total == 785 * 128 + 129 * 10


@pytest.mark.parametrize(
    "code,shape,match",
    [
        (TORCH_CNN.replace("32 * 13 * 13", "32 * 12 * 12"), [1, 28, 28], r"layer 6 \(5, line 8\): in_features=4608 but the input has 5408 features"),
        (TORCH_CNN, [3, 28, 28], r"layer 1 \(0, line 4\): in_channels=1 but the input has 3 channels"),
        ("from torch import nn\nm = nn.Sequential(nn.LazyLinear(10))", None, r"lazy modules"),
        ("import torch\nx = torch.zeros(3)", None, r"no nn.Sequential model found"),
        ("from torch import nn\nm = nn.Sequential(nn.Linear(4, 2), nn.Bogus())", None, r"unknown layer 'Bogus'"),
        ("from torch import nn\nm = nn.Sequential(nn.Conv2d(1, 2, 5))", [1, 3, 3], r"larger than its padded input"),
    ],
    ids=["in-features", "in-channels", "lazy", "not-a-model", "unknown-module", "kernel-too-big"],
)
def test_torch_bad_input(code, shape, match):
    with pytest.raises(ParamError, match=match):
        analyse(code, input_shape=shape)


def test_counts_need_no_input_shape():
    spec = analyse(TORCH_CNN)
    assert spec.total == 320 + 64 + 54090 and spec.input_shape is None
    assert [x.name for x in spec.layers] == ["0", "1", "2", "3", "4", "5"] and spec.layers[0].output_shape is None


def test_module_subclass_with_two_sequentials_counts_both():
    code = """
from collections import OrderedDict
import torch.nn as nn
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([("conv1", nn.Conv2d(3, 8, 3, padding=1)), ("relu1", nn.ReLU())]))
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(8 * 32 * 32, 10))
"""
    spec = analyse(code, input_shape=[3, 32, 32])
    assert [x.name for x in spec.layers] == ["features.conv1", "features.relu1", "head.0", "head.1"]
    assert spec.total == 224 + 8 * 32 * 32 * 10 + 10 and not spec.chain
    spec = analyse("import torch.nn as nn\nlayers = [nn.Linear(3, 2)]\nm = nn.Sequential(*layers)")
    assert spec.total == 8
