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


def test_device_moves_under_a_runtime_condition_change_nothing():
    code = (
        "import torch, torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))\n"
        "if torch.cuda.is_available():\n    model = model.cuda()\nmodel = model.to('cpu').eval()\n"
    )
    assert analyse(code).total == 19
    with pytest.raises(ParamError, match=r"line 3: the condition"):
        analyse(code.replace("model = model.cuda()", "model = nn.Sequential(nn.Linear(4, 5))"))


def test_a_training_loop_over_data_is_skipped_but_a_list_it_fills_becomes_unknown():
    code = (
        "import torch, torch.nn as nn\nmodel = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))\nlosses = []\n"
        "for epoch in range(3):\n    for x, y in loader:\n        loss = ((model(x) - y) ** 2).mean()\n        loss.backward()\n"
        "        losses.append(loss.item())\n"
    )
    assert analyse(code).total == 19
    hidden = (
        "import torch.nn as nn\nlayers = []\nblock = nn.Linear(3, 3)\ndef fill():\n    for n in sizes_from_file():\n"
        "        layers.append(block)\nfill()\nmodel = nn.Sequential(*layers)\n"
    )
    with pytest.raises(ParamError, match=r"line 8: \*layers"):
        analyse(hidden)


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


# PyTorch code in course-notebook styles: nn.Module subclasses, containers, bare modules, changes after
# construction. The model is the variable ``model`` / ``m`` / ``net`` / ... : the last module the code
# assigns that no other module holds; an uncalled class is instantiated as Class().
MODULE_CASES = {
"module-basic": """
import torch
import torch.nn as nn
import torch.nn.functional as F
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)
    def forward(self, x):
        x = F.relu(self.conv1(x))
        x = torch.flatten(x, 1)
        return self.fc2(x)
model = Net()
""",
"resnet-basic": """
import torch.nn as nn
class BasicBlock(nn.Module):
    expansion = 1
    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()
        if stride != 1 or in_planes != self.expansion*planes:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, self.expansion*planes, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(self.expansion*planes))
class ResNet(nn.Module):
    def __init__(self, block, num_blocks, num_classes=10):
        super(ResNet, self).__init__()
        self.in_planes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.layer1 = self._make_layer(block, 64, num_blocks[0], stride=1)
        self.layer2 = self._make_layer(block, 128, num_blocks[1], stride=2)
        self.layer3 = self._make_layer(block, 256, num_blocks[2], stride=2)
        self.layer4 = self._make_layer(block, 512, num_blocks[3], stride=2)
        self.linear = nn.Linear(512*block.expansion, num_classes)
    def _make_layer(self, block, planes, num_blocks, stride):
        strides = [stride] + [1]*(num_blocks-1)
        layers = []
        for stride in strides:
            layers.append(block(self.in_planes, planes, stride))
            self.in_planes = planes * block.expansion
        return nn.Sequential(*layers)
def ResNet18():
    return ResNet(BasicBlock, [2, 2, 2, 2])
net = ResNet18()
""",
"modulelist-dict-loop": """
import torch
import torch.nn as nn
class MLP(nn.Module):
    def __init__(self, sizes=(784, 256, 128, 10)):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
        self.heads = nn.ModuleDict({"a": nn.Linear(10, 2), "b": nn.Linear(10, 3)})
        self.norms = nn.ModuleList()
        for s in sizes[1:-1]:
            self.norms.append(nn.LayerNorm(s))
        self.scale = nn.Parameter(torch.ones(10))
model = MLP()
for p in model.layers[0].parameters():
    p.requires_grad = False
model.heads["b"].bias.requires_grad = False
""",
"bare-lstm": "import torch.nn as nn\nmodel = nn.LSTM(10, 20, num_layers=2, bidirectional=True)",
"bare-gru-proj": "import torch.nn as nn\nrnn = nn.GRU(input_size=8, hidden_size=16, num_layers=3, batch_first=True, bias=False)",
"lstm-proj": "import torch.nn as nn\nrnn = nn.LSTM(8, 16, num_layers=2, proj_size=4, bidirectional=True)",
"transformer-enc": """
import torch.nn as nn
encoder_layer = nn.TransformerEncoderLayer(d_model=64, nhead=8, dim_feedforward=128)
model = nn.TransformerEncoder(encoder_layer, num_layers=3)
""",
"transformer": "import torch.nn as nn\nm = nn.Transformer(d_model=64, nhead=4, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=128)",
"mha-kdim": "import torch.nn as nn\nm = nn.MultiheadAttention(32, 4, kdim=16, vdim=8, add_bias_kv=True)",
"mha": "import torch.nn as nn\nm = nn.MultiheadAttention(32, 4, bias=False)",
"shared": """
import torch.nn as nn
class Tied(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(100, 16)
        self.enc = nn.Linear(16, 16)
        self.dec = self.enc
        self.seq = nn.Sequential(self.enc, nn.ReLU(), self.enc)
m = Tied()
""",
"setitem-addmodule-freeze": """
import torch.nn as nn
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
model[2] = nn.Linear(8, 2)
model.add_module("out", nn.Linear(2, 1))
for p in model[0].parameters():
    p.requires_grad = False
""",
"requires-grad-": """
import torch.nn as nn
class Net(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.backbone = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(16, n)
        self.backbone.requires_grad_(False)
m = Net(5)
""",
"misc-modules": """
import torch.nn as nn
m = nn.Sequential(nn.ConvTranspose2d(16, 8, 3, stride=2, output_padding=1), nn.GroupNorm(4, 8), nn.ReLU6(), nn.Upsample(scale_factor=2),
                  nn.InstanceNorm2d(8, affine=True), nn.PReLU(8), nn.Conv2d(8, 4, 3, groups=4), nn.Hardswish())
""",
"nested-seq-names": """
import torch.nn as nn
features = nn.Sequential(nn.Conv2d(3, 64, 11, 4, 2), nn.ReLU(inplace=True), nn.MaxPool2d(3, 2))
class AlexNetish(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = features
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(nn.Dropout(), nn.Linear(64 * 6 * 6, 4096), nn.ReLU(inplace=True), nn.Linear(4096, num_classes))
    def forward(self, x):
        x = self.features(x)
        if self.training:
            x = x * 2
        return self.classifier(torch.flatten(self.avgpool(x), 1))
model = AlexNetish()
""",
"del-and-insert": """
import torch.nn as nn
m = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5), nn.Linear(5, 6))
del m[1]
m.insert(1, nn.Tanh())
m.append(nn.Linear(6, 2))
m.extend([nn.ReLU(), nn.Linear(2, 1)])
""",
"sequential-slice": """
import torch.nn as nn
base = nn.Sequential(nn.Linear(3, 4), nn.ReLU(), nn.Linear(4, 5), nn.Linear(5, 6))
m = nn.Sequential(*list(base.children())[:-1], nn.Linear(5, 2))
""",
"register-param": """
import torch, torch.nn as nn
class P(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_parameter("w", nn.Parameter(torch.randn(3, 4)))
        self.register_buffer("b", torch.zeros(4))
        self.frozen = nn.Parameter(torch.zeros(5), requires_grad=False)
        self.lin = nn.Bilinear(3, 4, 2)
m = P()
""",
"dec-layer": "import torch.nn as nn\nm = nn.TransformerDecoderLayer(d_model=32, nhead=4, dim_feedforward=64, norm_first=True)",
"cells": "import torch.nn as nn\nclass C(nn.Module):\n    def __init__(self):\n        super().__init__()\n        self.a = nn.LSTMCell(4, 8)\n        self.b = nn.GRUCell(8, 3, bias=False)\n        self.c = nn.RNNCell(3, 2, nonlinearity='relu')\nm = C()",
"embbag": "import torch.nn as nn\nm = nn.Sequential(nn.EmbeddingBag(100, 8, mode='mean'), nn.LayerNorm([8], elementwise_affine=True, bias=False))",
"uncalled-class": """
import torch.nn as nn
class Net(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.fc1 = nn.Linear(10, hidden)
        self.fc2 = nn.Linear(hidden, 2)
criterion = nn.CrossEntropyLoss()
""",
}


def _torch_root(code: str):
    import textwrap

    from torch import nn

    ns: dict = {}
    exec(textwrap.dedent(code), ns)  # noqa: S102 - the test's own code, to get PyTorch's counts
    mods = [v for k, v in ns.items() if isinstance(v, nn.Module) and not isinstance(v, nn.modules.loss._Loss)]
    inner = {id(c) for v in mods for c in v.modules() if c is not v}
    roots = [v for v in mods if id(v) not in inner]
    if not roots:
        roots = [ns["Net"]()]
    return roots[-1]


@pytest.mark.torch
@pytest.mark.parametrize("case", list(MODULE_CASES), ids=list(MODULE_CASES))
def test_module_code_matches_pytorch(case):
    import textwrap

    code = textwrap.dedent(MODULE_CASES[case])
    root = _torch_root(code)
    spec = analyse(code)
    assert (spec.total, spec.trainable) == (sum(p.numel() for p in root.parameters()),
                                            sum(p.numel() for p in root.parameters() if p.requires_grad))
    named = dict(root.named_modules())
    for row in spec.layers:  # each row is a module path with that module's own parameters
        assert row.name in named or row.name == type(root).__name__, row.name
        own = sum(p.numel() for p in (named.get(row.name, root)).parameters(recurse=False)) if row.name in named else None
        if own is not None and not list(named[row.name].children()):
            assert row.params == sum(p.numel() for p in named[row.name].parameters()), row.name


@pytest.mark.parametrize(
    "code,match",
    [
        ("import torch.nn as nn\nm = nn.Sequential()\nfor n in sizes_from_file():\n    m.append(nn.Linear(n, n))", r"line 3: the loop over"),
        ("import torch.nn as nn\nm = nn.Sequential(nn.Linear(3, 3))\nif x.mean() > 0:\n    m.append(nn.Linear(3, 3))", r"line 3: the condition"),
        ("import torch.nn as nn\nm = nn.Sequential(*[nn.Linear(4, 4) for _ in range(10**9)])", r"100,000"),
        ("import torch.nn as nn\nm = nn.Sequential(nn.Linear(3, 3))\nm[0].in_features = 5", r"line 3"),
        ("import torch, torch.nn as nn\nclass P(nn.Module):\n    def __init__(self, w):\n        super().__init__()\n        self.w = nn.Parameter(w)\np = P(torch.load('w.pt'))", r"line 5"),
    ],
    ids=["unknown-loop", "runtime-condition", "huge-comprehension", "attribute-change", "unknown-parameter"],
)  # fmt: skip
def test_torch_code_it_cannot_follow_is_refused_with_its_line(code, match):
    with pytest.raises(ParamError, match=match):
        analyse(code)
