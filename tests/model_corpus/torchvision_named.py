"""torchvision models by name, as transfer-learning notebooks use them: ``models.resnet18(pretrained=True)``,
a replaced head, a frozen backbone. Truth: ``tv_arch`` (torchvision's architectures, checked against the
parameter counts torchvision publishes), so these cases carry ``truth="published"``."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def T(id: str, source: str, pattern: str = "torchvision", **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"torch-tv-{id}", framework="torch", source=dedent(source), pattern=pattern, truth="published", **kw)


_STYLES = (
    "import torchvision.models as models\n\nmodel = models.{name}({args})\n",
    "from torchvision import models\n\nmodel = models.{name}({args})\n",
    "from torchvision.models import {name}\n\nmodel = {name}({args})\n",
    "import torchvision\n\nmodel = torchvision.models.{name}({args})\n",
)

NAMED = [
    ("resnet18", "pretrained=True"), ("resnet34", "weights=None"), ("resnet50", 'weights="IMAGENET1K_V2"'),
    ("resnet101", ""), ("resnet152", "weights=None"),
    ("vgg11", "pretrained=True"), ("vgg11_bn", ""), ("vgg13", "weights=None"), ("vgg13_bn", ""),
    ("vgg16", "pretrained=True"), ("vgg16_bn", 'weights="DEFAULT"'), ("vgg19", ""), ("vgg19_bn", "weights=None"),
    ("alexnet", "pretrained=True"), ("mobilenet_v2", "weights=None"), ("densenet121", "pretrained=True"),
    ("resnet18", "num_classes=10"), ("vgg11", "num_classes=2"),
]  # fmt: skip

CASES: list[Case] = []
_seen: dict[str, int] = {}
for i, (name, args) in enumerate(NAMED):
    n = _seen[name] = _seen.get(name, 0) + 1
    CASES.append(T(f"{name}-{n}", _STYLES[i % len(_STYLES)].format(name=name, args=args)))

CASES += [
    T("resnet18-finetune-tutorial", """
        import torch.nn as nn
        from torchvision import models

        model_ft = models.resnet18(weights='IMAGENET1K_V1')
        num_ftrs = model_ft.fc.in_features
        model_ft.fc = nn.Linear(num_ftrs, 2)
    """, "torchvision-transfer"),
    T("resnet18-fixed-feature-extractor", """
        import torch.nn as nn
        import torchvision

        model_conv = torchvision.models.resnet18(weights='IMAGENET1K_V1')
        for param in model_conv.parameters():
            param.requires_grad = False
        num_ftrs = model_conv.fc.in_features
        model_conv.fc = nn.Linear(num_ftrs, 2)
    """, "torchvision-transfer"),
    T("vgg16-replace-classifier-6", """
        import torch.nn as nn
        from torchvision import models

        model = models.vgg16(pretrained=True)
        for param in model.features.parameters():
            param.requires_grad = False
        model.classifier[6] = nn.Linear(4096, 10)
    """, "torchvision-transfer"),
    T("alexnet-replace-head", """
        import torch.nn as nn
        import torchvision.models as models

        model = models.alexnet(pretrained=True)
        model.classifier[6] = nn.Linear(model.classifier[6].in_features, 5)
    """, "torchvision-transfer"),
    T("mobilenet-v2-new-classifier", """
        import torch.nn as nn
        from torchvision import models

        model = models.mobilenet_v2(weights="IMAGENET1K_V1")
        for p in model.features.parameters():
            p.requires_grad = False
        model.classifier = nn.Sequential(nn.Dropout(0.2), nn.Linear(1280, 3))
    """, "torchvision-transfer"),
    T("densenet121-chexnet", """
        import torch.nn as nn
        import torchvision

        model = torchvision.models.densenet121(pretrained=True)
        num_ftrs = model.classifier.in_features
        model.classifier = nn.Sequential(nn.Linear(num_ftrs, 14), nn.Sigmoid())
    """, "torchvision-transfer"),
    T("resnet50-wrapped-module", """
        import torch.nn as nn
        from torchvision import models

        class Classifier(nn.Module):
            def __init__(self, n_classes=37):
                super().__init__()
                self.backbone = models.resnet50(pretrained=True)
                self.backbone.fc = nn.Identity()
                self.head = nn.Sequential(nn.Linear(2048, 512), nn.ReLU(), nn.Dropout(0.3), nn.Linear(512, n_classes))

        model = Classifier()
    """, "torchvision-transfer"),
    T("resnet34-freeze-but-layer4", """
        import torch.nn as nn
        from torchvision.models import resnet34

        model = resnet34(pretrained=True)
        for name, param in model.named_parameters():
            if not name.startswith("layer4") and not name.startswith("fc"):
                param.requires_grad = False
        model.fc = nn.Linear(512, 100)
    """, "torchvision-transfer"),
]
