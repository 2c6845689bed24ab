"""PyTorch ``nn.Sequential`` models as tutorials and course notebooks write them: positional layers,
``OrderedDict`` names, ``nn.Sequential(*layers)``, nested Sequentials, the common module kinds."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def T(id: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802  (reads like a table row)
    return Case(id=f"torch-seq-{id}", framework="torch", source=dedent(source), pattern=pattern, **kw)


IMPORTS = {
    "nn": "import torch\nimport torch.nn as nn\n",
    "from": "import torch\nfrom torch import nn\n",
    "full": "import torch\n",
}


def _q(style: str, name: str) -> str:
    return f"torch.nn.{name}" if style == "full" else f"nn.{name}"


CASES: list[Case] = []

for style, head in IMPORTS.items():
    for hidden in ((512, 256), (128,), (300, 100)):
        L = _q(style, "Linear")
        R = _q(style, "ReLU")
        body, n = [], 784
        for h in hidden:
            body += [f"    {L}({n}, {h}),", f"    {R}(),"]
            n = h
        body.append(f"    {L}({n}, 10),")
        CASES.append(T(f"mlp-{style}-{'-'.join(map(str, hidden))}",
                       head + f"\nmodel = {_q(style, 'Sequential')}(\n    {_q(style, 'Flatten')}(),\n"
                       + "\n".join(body) + "\n)\n", "sequential-list", input_shape=(1, 28, 28)))  # fmt: skip

CASES += [
    T("lenet", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),
            nn.AvgPool2d(kernel_size=2, stride=2),
            nn.Flatten(),
            nn.Linear(16 * 5 * 5, 120), nn.Sigmoid(),
            nn.Linear(120, 84), nn.Sigmoid(),
            nn.Linear(84, 10))
    """, "sequential-list", input_shape=(1, 28, 28)),
    T("ordered-dict", """
        from collections import OrderedDict
        import torch.nn as nn
        model = nn.Sequential(OrderedDict([
            ('conv1', nn.Conv2d(1, 20, 5)),
            ('relu1', nn.ReLU()),
            ('conv2', nn.Conv2d(20, 64, 5)),
            ('relu2', nn.ReLU())
        ]))
    """, "sequential-ordereddict", input_shape=(1, 32, 32)),
    T("ordered-dict-mlp", """
        import torch
        from torch import nn
        from collections import OrderedDict
        model = nn.Sequential(OrderedDict([
            ("fc1", nn.Linear(4, 32)),
            ("act1", nn.Tanh()),
            ("fc2", nn.Linear(32, 32)),
            ("act2", nn.Tanh()),
            ("out", nn.Linear(32, 3)),
        ]))
    """, "sequential-ordereddict"),
    T("star-layers", """
        import torch.nn as nn
        layers = []
        in_f = 20
        for out_f in [64, 64, 32]:
            layers.append(nn.Linear(in_f, out_f))
            layers.append(nn.ReLU())
            in_f = out_f
        layers.append(nn.Linear(in_f, 1))
        model = nn.Sequential(*layers)
    """, "star-layers"),
    T("star-layers-comprehension", """
        from torch import nn
        sizes = [10, 50, 50, 2]
        model = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])
    """, "star-layers"),
    T("star-layers-extend", """
        import torch.nn as nn
        def conv_bn(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]
        layers = conv_bn(3, 32) + conv_bn(32, 64)
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10)]
        model = nn.Sequential(*layers)
    """, "star-layers"),
    T("nested-sequential", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2)),
            nn.Sequential(nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2)),
            nn.Flatten(),
            nn.Linear(32 * 8 * 8, 10),
        )
    """, "nested-sequential", input_shape=(3, 32, 32)),
    T("nested-sequential-def", """
        import torch
        from torch import nn

        def block(cin, cout):
            return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))

        model = nn.Sequential(block(1, 8), block(8, 16), nn.Flatten(), nn.Linear(16 * 7 * 7, 10))
    """, "nested-sequential", input_shape=(1, 28, 28)),
    T("cifar-cnn", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Conv2d(3, 32, kernel_size=3, padding=1),
            nn.ReLU(),
            nn.Conv2d(32, 64, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(64, 128, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.Conv2d(128, 128, kernel_size=3, stride=1, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2, 2),
            nn.Flatten(),
            nn.Linear(128 * 8 * 8, 1024),
            nn.ReLU(),
            nn.Linear(1024, 512),
            nn.ReLU(),
            nn.Linear(512, 10))
    """, "sequential-list", input_shape=(3, 32, 32)),
    T("layernorm-gelu", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Linear(64, 256), nn.LayerNorm(256), nn.GELU(),
            nn.Linear(256, 64), nn.LayerNorm(64, elementwise_affine=False), nn.SiLU(),
            nn.Linear(64, 8))
    """, "layer-norm"),
    T("groupnorm", """
        from torch import nn
        model = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.GroupNorm(8, 32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, padding=1), nn.GroupNorm(num_groups=4, num_channels=64, affine=False),
            nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(64, 5))
    """, "group-norm", input_shape=(3, 16, 16)),
    T("instancenorm", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Conv2d(3, 16, 7, padding=3), nn.InstanceNorm2d(16, affine=True), nn.ReLU(True),
            nn.Conv2d(16, 16, 3, padding=1), nn.InstanceNorm2d(16), nn.ReLU(True))
    """, "sequential-list", input_shape=(3, 64, 64)),
    T("convtranspose-decoder", """
        import torch.nn as nn
        decoder = nn.Sequential(
            nn.ConvTranspose2d(64, 32, kernel_size=4, stride=2, padding=1),
            nn.BatchNorm2d(32), nn.ReLU(True),
            nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1),
            nn.ReLU(True),
            nn.ConvTranspose2d(16, 1, 3, stride=1, padding=1, bias=False),
            nn.Sigmoid())
    """, "conv-transpose", input_shape=(64, 7, 7)),
    T("dcgan-generator", """
        import torch.nn as nn
        nz, ngf, nc = 100, 64, 3
        model = nn.Sequential(
            nn.ConvTranspose2d(nz, ngf * 8, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ngf * 8),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 8, ngf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 4),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 4, ngf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf * 2),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ngf),
            nn.ReLU(True),
            nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
            nn.Tanh()
        )
    """, "conv-transpose", input_shape=(100, 1, 1)),
    T("dcgan-discriminator", """
        import torch.nn as nn
        ndf, nc = 64, 3
        model = nn.Sequential(
            nn.Conv2d(nc, ndf, 4, 2, 1, bias=False),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf, ndf * 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 2),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 2, ndf * 4, 4, 2, 1, bias=False),
            nn.BatchNorm2d(ndf * 4),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(ndf * 4, 1, 4, 1, 0, bias=False),
            nn.Sigmoid()
        )
    """, "sequential-list", input_shape=(3, 32, 32)),
    T("upsample-relu6", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU6(),
            nn.Upsample(scale_factor=2, mode="nearest"),
            nn.Conv2d(8, 8, 3, padding=1), nn.Hardswish(),
            nn.Upsample(size=(40, 40), mode="bilinear", align_corners=False),
            nn.Conv2d(8, 1, 1))
    """, "upsample", input_shape=(3, 10, 10)),
    T("conv1d-audio", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Conv1d(1, 16, kernel_size=80, stride=16), nn.BatchNorm1d(16), nn.ReLU(), nn.MaxPool1d(4),
            nn.Conv1d(16, 32, 3), nn.BatchNorm1d(32), nn.ReLU(), nn.MaxPool1d(4),
            nn.AdaptiveAvgPool1d(1), nn.Flatten(), nn.Linear(32, 35))
    """, "sequential-list", input_shape=(1, 8000)),
    T("conv3d", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Conv3d(1, 8, kernel_size=3, padding=1), nn.ReLU(), nn.MaxPool3d(2),
            nn.Conv3d(8, 16, 3), nn.AdaptiveAvgPool3d(1), nn.Flatten(), nn.Linear(16, 2))
    """, "sequential-list", input_shape=(1, 16, 16, 16)),
    T("embedding-bag", """
        import torch.nn as nn
        model = nn.Sequential(nn.Embedding(1000, 64, padding_idx=0), nn.Flatten(), nn.Linear(64 * 12, 4))
    """, "sequential-list"),
    T("dropout-variants", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Linear(100, 50), nn.PReLU(), nn.AlphaDropout(0.1),
            nn.Linear(50, 50), nn.PReLU(num_parameters=50), nn.Dropout(0.5),
            nn.Linear(50, 2), nn.LogSoftmax(dim=1))
    """, "sequential-list"),
    T("bias-false-bn1d", """
        from torch import nn
        model = nn.Sequential(
            nn.Linear(30, 60, bias=False), nn.BatchNorm1d(60), nn.ReLU(),
            nn.Linear(60, 60, bias=False), nn.BatchNorm1d(60, affine=False), nn.ReLU(),
            nn.Linear(60, 1))
    """, "sequential-list"),
    T("groups-dilation", """
        import torch.nn as nn
        model = nn.Sequential(
            nn.Conv2d(32, 32, 3, padding=1, groups=32, bias=False),
            nn.Conv2d(32, 64, 1),
            nn.Conv2d(64, 64, 3, padding=2, dilation=2, groups=4),
            nn.PixelShuffle(2),
            nn.Conv2d(16, 3, 3, padding="same", padding_mode="reflect"))
    """, "sequential-list", input_shape=(32, 20, 20)),
    T("bilinear-identity", """
        import torch.nn as nn
        model = nn.Sequential(nn.Identity(), nn.Linear(10, 10), nn.Softplus(), nn.Unflatten(1, (2, 5)),
                              nn.Flatten(), nn.Linear(10, 1))
    """, "sequential-list"),
    T("lazy-dims-from-vars", """
        import torch
        import torch.nn as nn
        input_size = 28 * 28
        hidden_sizes = [128, 64]
        output_size = 10
        model = nn.Sequential(nn.Linear(input_size, hidden_sizes[0]),
                              nn.ReLU(),
                              nn.Linear(hidden_sizes[0], hidden_sizes[1]),
                              nn.ReLU(),
                              nn.Linear(hidden_sizes[1], output_size),
                              nn.LogSoftmax(dim=1))
    """, "sequential-list"),
    T("bindings-num-classes", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(in_features, 64), nn.ReLU(), nn.Linear(64, num_classes))
    """, "bindings", bindings={"in_features": 20, "num_classes": 5}),
    T("sequential-add-module", """
        import torch.nn as nn
        model = nn.Sequential()
        model.add_module("conv", nn.Conv2d(1, 4, 3))
        model.add_module("relu", nn.ReLU())
        model.add_module("flat", nn.Flatten())
        model.add_module("fc", nn.Linear(4 * 26 * 26, 10))
    """, "add-module", input_shape=(1, 28, 28)),
    T("sequential-append", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(8, 16), nn.ReLU())
        model.append(nn.Linear(16, 4))
        model.append(nn.Softmax(dim=-1))
    """, "add-module"),
    T("def-returns-sequential", """
        import torch.nn as nn

        def make_mlp(in_dim, hidden, out_dim, depth=2):
            layers = [nn.Linear(in_dim, hidden), nn.ReLU()]
            for _ in range(depth - 1):
                layers += [nn.Linear(hidden, hidden), nn.ReLU()]
            layers.append(nn.Linear(hidden, out_dim))
            return nn.Sequential(*layers)

        model = make_mlp(16, 64, 4, depth=3)
    """, "def-returns-model"),
]

# A family of conv stacks with varied channels and kernel sizes (the common CNN homework).
for i, (c1, c2, k, classes) in enumerate([(16, 32, 3, 10), (32, 64, 5, 10), (8, 16, 3, 2), (64, 128, 3, 100), (6, 16, 5, 10)]):
    pad = k // 2
    CASES.append(T(f"cnn-variant-{i}", f"""
        import torch
        import torch.nn as nn
        model = nn.Sequential(
            nn.Conv2d(3, {c1}, kernel_size={k}, padding={pad}),
            nn.BatchNorm2d({c1}),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d({c1}, {c2}, kernel_size={k}, padding={pad}),
            nn.BatchNorm2d({c2}),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Flatten(),
            nn.Linear({c2} * 8 * 8, {classes}),
        )
    """, "sequential-list", input_shape=(3, 32, 32)))
