"""PyTorch notebook idioms around a model that must not change (or must change) its count:
``.to(device)``, ``.eval()``, ``print(model)``, a module listed twice in a Sequential, ``requires_grad_``
inline, ``Embedding.from_pretrained``, ``nn.Sequential(*list(model.children())[:-1])``, ``named_children``."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def T(id: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"torch-idiom-{id}", framework="torch", source=dedent(source), pattern=pattern, **kw)


CASES: list[Case] = [
    T("to-device", """
        import torch
        import torch.nn as nn

        device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(784, 128)
                self.fc2 = nn.Linear(128, 10)

        model = Net().to(device)
        print(model)
    """, "notebook-idiom"),
    T("eval-train-calls", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(20, 10), nn.BatchNorm1d(10), nn.ReLU(), nn.Linear(10, 2))
        model.eval()
        model.train()
    """, "notebook-idiom"),
    T("seed-and-print", """
        import torch
        from torch import nn
        torch.manual_seed(42)
        model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 26 * 26, 10))
        print(model)
        total = sum(p.numel() for p in model.parameters())
        print(f"Total parameters: {total}")
    """, "notebook-idiom"),
    T("same-module-twice", """
        import torch.nn as nn
        block = nn.Linear(8, 8)
        act = nn.ReLU()
        model = nn.Sequential(block, act, block, act, nn.Linear(8, 1))
    """, "shared-layer"),
    T("requires-grad-inline", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(10, 10).requires_grad_(False), nn.ReLU(), nn.Linear(10, 3))
    """, "freeze-after"),
    T("embedding-from-pretrained", """
        import torch
        import torch.nn as nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.embedding = nn.Embedding.from_pretrained(torch.zeros(1000, 50))
                self.fc = nn.Linear(50, 4)

        model = Classifier()
    """, "freeze-after"),
    T("embedding-from-pretrained-unfrozen", """
        import torch
        import torch.nn as nn
        model = nn.Sequential(nn.Embedding.from_pretrained(torch.zeros(200, 16), freeze=False), nn.Flatten(), nn.Linear(16 * 5, 2))
    """, "freeze-after"),
    T("children-slice-backbone", """
        import torch.nn as nn
        from torchvision import models

        resnet = models.resnet18(pretrained=True)
        backbone = nn.Sequential(*list(resnet.children())[:-1])
        model = nn.Sequential(backbone, nn.Flatten(), nn.Linear(512, 7))
    """, "torchvision-transfer", truth="published"),
    T("named-children-freeze", """
        import torch.nn as nn
        from torchvision import models

        model = models.resnet34(weights=None)
        for name, child in model.named_children():
            if name not in ["layer4", "fc"]:
                for param in child.parameters():
                    param.requires_grad = False
    """, "torchvision-transfer", truth="published"),
    T("batchnorm-no-running-stats", """
        import torch.nn as nn
        model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8, track_running_stats=False), nn.ReLU())
    """, "layer-semantics"),
    T("conv-padding-mode-bias", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Conv2d(in_channels=4, out_channels=12, kernel_size=(3, 5), stride=(1, 2), padding=(1, 2), padding_mode="circular"),
            nn.Conv2d(12, 12, kernel_size=1, groups=3, bias=False),
        )
    """, "layer-semantics"),
    T("double-and-half", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(6, 6), nn.Tanh(), nn.Linear(6, 1)).double()
    """, "notebook-idiom"),
    T("module-super-kwargs-and-apply", """
        import torch.nn as nn

        def init_weights(m):
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                m.bias.data.fill_(0.01)

        net = nn.Sequential(nn.Linear(2, 2), nn.Linear(2, 2))
        net.apply(init_weights)
    """, "notebook-idiom"),
    T("model-list-of-sequentials-in-module", """
        import torch
        import torch.nn as nn

        class CRNN(nn.Module):
            def __init__(self, n_classes=37):
                super().__init__()
                self.cnn = nn.Sequential(
                    nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d((2, 1)),
                )
                self.rnn = nn.LSTM(64 * 8, 128, num_layers=2, bidirectional=True, batch_first=True)
                self.fc = nn.Linear(256, n_classes)

        model = CRNN()
    """, "module"),
    T("transformer-encoder-enable-nested", """
        import torch.nn as nn
        layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, batch_first=True, activation="gelu")
        model = nn.TransformerEncoder(layer, num_layers=3, norm=nn.LayerNorm(32), enable_nested_tensor=False)
    """, "bare-transformer"),
]

CASES += [
    T("plain-list-not-registered", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = [nn.Linear(16, 16) for _ in range(3)]  # a plain list: torch does not see these
                self.out = nn.Linear(16, 2)

        model = Net()
    """, "module-list"),
    T("plain-dict-not-registered", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.heads = {"a": nn.Linear(8, 1), "b": nn.Linear(8, 2)}
                self.body = nn.Linear(4, 8)

        model = Net()
    """, "module-dict"),
    T("attribute-reassigned", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self, pretrained_head=False):
                super().__init__()
                self.fc = nn.Linear(100, 1000)
                self.fc = nn.Linear(100, 10)

        model = Net()
    """, "module"),
    T("layer-made-in-forward", """
        import torch
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(10, 20)

            def forward(self, x):
                fc2 = nn.Linear(20, 5)
                return fc2(torch.relu(self.fc1(x)))

        model = Net()
    """, "module"),
    T("sequential-extend", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(3, 9))
        model.extend([nn.ReLU(), nn.Linear(9, 9), nn.ReLU()])
        model.append(nn.Linear(9, 1))
    """, "add-module"),
    T("register-parameter-frozen", """
        import torch
        import torch.nn as nn

        class Scaler(nn.Module):
            def __init__(self, n=6):
                super().__init__()
                self.register_parameter("alpha", nn.Parameter(torch.ones(n)))
                self.beta = nn.Parameter(torch.zeros(n), requires_grad=False)
                self.fc = nn.Linear(n, n)

        model = Scaler()
    """, "freeze-after"),
    T("data-parallel", """
        import torch
        import torch.nn as nn
        net = nn.Sequential(nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 4))
        model = nn.DataParallel(net)
    """, "notebook-idiom"),
]

CASES += [
    T("sequential-slice", """
        import torch.nn as nn
        full = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 20), nn.ReLU(), nn.Linear(20, 3))
        model = full[:-1]
    """, "setitem"),
    T("classifier-slice-vgg", """
        import torch.nn as nn
        from torchvision import models
        model = models.vgg16(pretrained=True)
        model.classifier = model.classifier[:-1]
    """, "torchvision-transfer", truth="published"),
    T("features-truncated-vgg", """
        from torchvision import models
        vgg = models.vgg16(weights="IMAGENET1K_V1")
        model = vgg.features[:23]
    """, "torchvision-transfer", truth="published"),
    T("enumerate-freeze", """
        import torch.nn as nn
        model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 28 * 28, 5))
        for i, layer in enumerate(model):
            if i < 2:
                for p in layer.parameters():
                    p.requires_grad = False
    """, "freeze-after"),
    T("add-module-fstring-loop", """
        import torch.nn as nn
        model = nn.Sequential()
        sizes = [12, 24, 12]
        for i in range(len(sizes) - 1):
            model.add_module(f"fc{i}", nn.Linear(sizes[i], sizes[i + 1]))
            model.add_module(f"act{i}", nn.ReLU())
    """, "add-module"),
    T("block-kwargs-unpack", """
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self, cin, cout, kernel=3, norm=True):
                super().__init__()
                self.conv = nn.Conv2d(cin, cout, kernel, padding=kernel // 2, bias=not norm)
                self.norm = nn.BatchNorm2d(cout) if norm else nn.Identity()

        cfg = {"cin": 3, "cout": 16, "kernel": 5}
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.b1 = Block(**cfg)
                self.b2 = Block(16, 16, norm=False)
                self.head = nn.Linear(16, 2)

        model = Net()
    """, "module"),
]

# Inheritance, conditional heads, static helpers.
CASES += [
    T("module-inheritance-adds", """
        import torch.nn as nn

        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Sequential(nn.Linear(10, 32), nn.ReLU())

        class WithHead(Base):
            def __init__(self, n_out=3):
                super().__init__()
                self.head = nn.Linear(32, n_out)

        model = WithHead()
    """, "module"),
    T("module-inheritance-replaces", """
        import torch.nn as nn

        class Base(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(8, 8)
                self.fc = nn.Linear(8, 100)

        class Small(Base):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(8, 2)

        model = Small()
    """, "module"),
    T("conditional-head-default-arg", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self, hidden=24, num_classes=2):
                super().__init__()
                self.body = nn.Linear(12, hidden)
                if num_classes > 2:
                    self.out = nn.Linear(hidden, num_classes)
                else:
                    self.out = nn.Linear(hidden, 1)

        model = Net(num_classes=2)
    """, "module"),
    T("staticmethod-builder", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.stage1 = self._stage(3, 16)
                self.stage2 = self._stage(16, 32)

            @staticmethod
            def _stage(cin, cout):
                return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU())

        model = Net()
    """, "module"),
    T("ordereddict-comprehension", """
        from collections import OrderedDict
        import torch.nn as nn
        sizes = [6, 12, 12, 1]
        model = nn.Sequential(OrderedDict(
            (f"fc{i}", nn.Linear(a, b)) for i, (a, b) in enumerate(zip(sizes, sizes[1:]))
        ))
    """, "sequential-ordereddict"),
    T("modulelist-extend-plus-equals", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(4, 4)])
                self.layers.extend([nn.Linear(4, 4), nn.Linear(4, 4)])
                self.layers += [nn.Linear(4, 2)]

        model = Net()
    """, "module-list"),
    T("apply-init-in-init", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = nn.Linear(30, 15)
                self.fc2 = nn.Linear(15, 1)
                self.apply(self._init)

            def _init(self, m):
                if isinstance(m, nn.Linear):
                    nn.init.zeros_(m.bias)

        model = Net()
    """, "module"),
]

# requires_grad: module-wide switches, no_grad (which does not freeze), names.
CASES += [
    T("requires-grad-module-then-head", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(10, 20), nn.ReLU(), nn.Linear(20, 20))
                self.fc = nn.Linear(20, 3)

        model = Net()
        model.requires_grad_(False)
        model.fc.requires_grad_(True)
    """, "freeze-after"),
    T("requires-grad-underscore-loop", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(5, 5), nn.Linear(5, 5), nn.Linear(5, 1))
        for p in model.parameters():
            p.requires_grad_(False)
        model[2].weight.requires_grad_(True)
    """, "freeze-after"),
    T("no-grad-does-not-freeze", """
        import torch
        import torch.nn as nn
        with torch.no_grad():
            model = nn.Sequential(nn.Linear(8, 4), nn.ReLU(), nn.Linear(4, 1))
            model[0].weight.fill_(0.0)
    """, "freeze-after"),
    T("freeze-bias-by-name", """
        import torch.nn as nn
        model = nn.Sequential(nn.Conv2d(3, 6, 3), nn.BatchNorm2d(6), nn.Flatten(), nn.Linear(6 * 6 * 6, 4))
        for name, param in model.named_parameters():
            if "bias" in name:
                param.requires_grad = False
    """, "freeze-after"),
    T("resnet18-freeze-all-but-fc", """
        import torch.nn as nn
        import torchvision.models as models
        model = models.resnet18(pretrained=True)
        model.fc = nn.Linear(model.fc.in_features, 4)
        for name, p in model.named_parameters():
            if not name.startswith("fc"):
                p.requires_grad = False
    """, "torchvision-transfer", truth="published"),
]

# Copies versus the same object repeated: deepcopy clones are distinct parameters, `[m] * n` is one module.
CASES += [
    T("clones-deepcopy", """
        import copy
        import torch.nn as nn

        def clones(module, N):
            return nn.ModuleList([copy.deepcopy(module) for _ in range(N)])

        class Encoder(nn.Module):
            def __init__(self, layer, N):
                super().__init__()
                self.layers = clones(layer, N)
                self.norm = nn.LayerNorm(32)

        model = Encoder(nn.Linear(32, 32), 4)
    """, "module-list"),
    T("same-module-repeated-list", """
        import torch.nn as nn
        block = nn.Sequential(nn.Linear(16, 16), nn.ReLU())
        model = nn.Sequential(*([block] * 3), nn.Linear(16, 1))
    """, "shared-layer"),
    T("modulelist-same-instance", """
        import torch.nn as nn

        class Recurrent(nn.Module):
            def __init__(self, steps=5):
                super().__init__()
                cell = nn.Linear(10, 10)
                self.steps = nn.ModuleList([cell for _ in range(steps)])
                self.out = nn.Linear(10, 2)

        model = Recurrent()
    """, "shared-layer"),
]
