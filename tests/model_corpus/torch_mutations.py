"""PyTorch models changed after construction: ``requires_grad = False`` loops, ``model[2] = nn.Linear(...)``,
``add_module``, replaced heads, ``del``, ``append``."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def T(id: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"torch-mut-{id}", framework="torch", source=dedent(source), pattern=pattern, **kw)


CASES: list[Case] = [
    T("freeze-first-layer-params", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 2))
        for p in model[0].parameters():
            p.requires_grad = False
    """, "freeze-after"),
    T("freeze-all-then-new-head", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(100, 50), nn.ReLU(), nn.Linear(50, 10))
        for param in model.parameters():
            param.requires_grad = False
        model[2] = nn.Linear(50, 3)
    """, "freeze-after"),
    T("setitem-replace", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8))
        model[2] = nn.Linear(8, 2)
    """, "setitem"),
    T("setitem-negative-index", """
        from torch import nn
        model = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 26 * 26, 10))
        model[-1] = nn.Linear(8 * 26 * 26, 5)
    """, "setitem"),
    T("add-module-out", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(16, 8), nn.ReLU())
        model.add_module("out", nn.Linear(8, 2))
    """, "add-module"),
    T("add-module-after-freeze", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(16, 8), nn.Tanh())
        for p in model.parameters():
            p.requires_grad = False
        model.add_module("head", nn.Linear(8, 3))
    """, "add-module"),
    T("requires-grad-underscore", """
        import torch.nn as nn
        model = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.Flatten(),
                              nn.Linear(16 * 30 * 30, 10))
        model[0].requires_grad_(False)
    """, "freeze-after"),
    T("freeze-bias-only", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(10, 10), nn.Linear(10, 1))
        model[0].bias.requires_grad = False
    """, "freeze-after"),
    T("freeze-named-parameters", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(6, 12), nn.ReLU(), nn.Linear(12, 12), nn.ReLU(), nn.Linear(12, 1))
        for name, param in model.named_parameters():
            if name.startswith("0."):
                param.requires_grad = False
    """, "freeze-after"),
    T("module-freeze-features", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(3, 16, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1))
                self.fc = nn.Linear(16, 4)

        model = Net()
        for p in model.features.parameters():
            p.requires_grad = False
    """, "freeze-after"),
    T("module-replace-fc", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(20, 64), nn.ReLU())
                self.fc = nn.Linear(64, 1000)

        model = Net()
        model.fc = nn.Linear(64, 10)
    """, "setitem"),
    T("module-replace-fc-in-features", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(20, 64)
                self.fc = nn.Linear(64, 1000)

        model = Net()
        num_ftrs = model.fc.in_features
        model.fc = nn.Linear(num_ftrs, 2)
    """, "setitem"),
    T("module-classifier-index", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(2))
                self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(32, 64), nn.ReLU(), nn.Linear(64, 100))

        model = Net()
        model.classifier[3] = nn.Linear(64, 7)
        for param in model.features.parameters():
            param.requires_grad = False
    """, "setitem"),
    T("append-then-freeze", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(3, 6))
        model.append(nn.ReLU())
        model.append(nn.Linear(6, 1))
        model[0].weight.requires_grad = False
    """, "freeze-after"),
    T("del-layer", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
        del model[4]
        model.append(nn.Linear(8, 4))
    """, "setitem"),
    T("freeze-modulelist-slice", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(16, 16) for _ in range(4)])
                self.head = nn.Linear(16, 2)

        model = Net()
        for layer in model.layers[:2]:
            for p in layer.parameters():
                p.requires_grad = False
    """, "freeze-after"),
]

CASES += [
    T("freeze-then-unfreeze-last", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 2))
        for p in model.parameters():
            p.requires_grad = False
        for p in model[-1].parameters():
            p.requires_grad = True
    """, "freeze-after"),
    T("setitem-orderdict-name", """
        from collections import OrderedDict
        import torch.nn as nn
        model = nn.Sequential(OrderedDict([("fc1", nn.Linear(10, 20)), ("act", nn.ReLU()), ("fc2", nn.Linear(20, 5))]))
        model.fc2 = nn.Linear(20, 2)
    """, "setitem"),
    T("add-module-module-class", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Linear(12, 12)

        model = Net()
        model.add_module("head", nn.Linear(12, 4))
        model.add_module("extra", nn.BatchNorm1d(4))
    """, "add-module"),
    T("insert-sequential", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(6, 6), nn.Linear(6, 1))
        model.insert(1, nn.ReLU())
        model.insert(1, nn.Linear(6, 6))
    """, "add-module"),
]
