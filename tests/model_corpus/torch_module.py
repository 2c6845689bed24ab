"""``nn.Module`` subclasses as the PyTorch tutorials, course notebooks and torchvision write them: layers in
``__init__``, several ``nn.Sequential`` attributes, ``nn.ModuleList`` / ``nn.ModuleDict``, layers built
in loops, ``nn.Sequential(*layers)``, helper classes (ResNet ``BasicBlock``), shared modules."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def T(id: str, source: str, pattern: str = "module", **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"torch-mod-{id}", framework="torch", source=dedent(source), pattern=pattern, **kw)


CASES: list[Case] = [
    T("tutorial-net", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(3, 6, 5)
                self.pool = nn.MaxPool2d(2, 2)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.fc2 = nn.Linear(120, 84)
                self.fc3 = nn.Linear(84, 10)

            def forward(self, x):
                x = self.pool(F.relu(self.conv1(x)))
                x = self.pool(F.relu(self.conv2(x)))
                x = torch.flatten(x, 1)
                x = F.relu(self.fc1(x))
                x = F.relu(self.fc2(x))
                x = self.fc3(x)
                return x

        net = Net()
    """),
    T("quickstart-neural-network", """
        import torch
        from torch import nn

        class NeuralNetwork(nn.Module):
            def __init__(self):
                super().__init__()
                self.flatten = nn.Flatten()
                self.linear_relu_stack = nn.Sequential(
                    nn.Linear(28*28, 512),
                    nn.ReLU(),
                    nn.Linear(512, 512),
                    nn.ReLU(),
                    nn.Linear(512, 10),
                )

            def forward(self, x):
                x = self.flatten(x)
                logits = self.linear_relu_stack(x)
                return logits

        model = NeuralNetwork()
    """),
    T("mnist-example", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class Net(nn.Module):
            def __init__(self):
                super(Net, self).__init__()
                self.conv1 = nn.Conv2d(1, 32, 3, 1)
                self.conv2 = nn.Conv2d(32, 64, 3, 1)
                self.dropout1 = nn.Dropout(0.25)
                self.dropout2 = nn.Dropout(0.5)
                self.fc1 = nn.Linear(9216, 128)
                self.fc2 = nn.Linear(128, 10)

            def forward(self, x):
                x = F.relu(self.conv1(x))
                x = F.max_pool2d(F.relu(self.conv2(x)), 2)
                x = self.dropout1(x)
                x = torch.flatten(x, 1)
                x = self.dropout2(F.relu(self.fc1(x)))
                return F.log_softmax(self.fc2(x), dim=1)

        model = Net()
    """),
    T("two-sequentials", """
        import torch.nn as nn

        class CNN(nn.Module):
            def __init__(self, num_classes=10):
                super().__init__()
                self.features = nn.Sequential(
                    nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                    nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                )
                self.classifier = nn.Sequential(
                    nn.Flatten(),
                    nn.Linear(64 * 8 * 8, 256), nn.ReLU(), nn.Dropout(0.5),
                    nn.Linear(256, num_classes),
                )

            def forward(self, x):
                return self.classifier(self.features(x))

        model = CNN()
    """, "module-two-sequentials"),
    T("sequential-plus-fc", """
        import torch
        from torch import nn

        class Model(nn.Module):
            def __init__(self):
                super().__init__()
                self.features = nn.Sequential(nn.Conv2d(1, 8, 3), nn.BatchNorm2d(8), nn.ReLU(), nn.AdaptiveAvgPool2d(4))
                self.classifier = nn.Sequential(nn.Linear(8 * 16, 64), nn.ReLU())
                self.fc = nn.Linear(64, 10)

            def forward(self, x):
                x = self.features(x).flatten(1)
                return self.fc(self.classifier(x))

        model = Model()
    """, "module-two-sequentials"),
    T("alexnet-torchvision-code", """
        import torch
        import torch.nn as nn

        class AlexNet(nn.Module):
            def __init__(self, num_classes: int = 1000, dropout: float = 0.5) -> None:
                super().__init__()
                self.features = nn.Sequential(
                    nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2),
                    nn.ReLU(inplace=True),
                    nn.MaxPool2d(kernel_size=3, stride=2),
                    nn.Conv2d(64, 192, kernel_size=5, padding=2),
                    nn.ReLU(inplace=True),
                    nn.MaxPool2d(kernel_size=3, stride=2),
                    nn.Conv2d(192, 384, kernel_size=3, padding=1),
                    nn.ReLU(inplace=True),
                    nn.Conv2d(384, 256, kernel_size=3, padding=1),
                    nn.ReLU(inplace=True),
                    nn.Conv2d(256, 256, kernel_size=3, padding=1),
                    nn.ReLU(inplace=True),
                    nn.MaxPool2d(kernel_size=3, stride=2),
                )
                self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
                self.classifier = nn.Sequential(
                    nn.Dropout(p=dropout),
                    nn.Linear(256 * 6 * 6, 4096),
                    nn.ReLU(inplace=True),
                    nn.Dropout(p=dropout),
                    nn.Linear(4096, 4096),
                    nn.ReLU(inplace=True),
                    nn.Linear(4096, num_classes),
                )

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                x = self.features(x)
                x = self.avgpool(x)
                x = torch.flatten(x, 1)
                x = self.classifier(x)
                return x

        model = AlexNet()
    """, "module-two-sequentials"),
    T("vgg16-cfg-code", """
        import torch.nn as nn

        cfg = [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']

        def make_layers(cfg, batch_norm=False):
            layers = []
            in_channels = 3
            for v in cfg:
                if v == 'M':
                    layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
                else:
                    conv2d = nn.Conv2d(in_channels, v, kernel_size=3, padding=1)
                    if batch_norm:
                        layers += [conv2d, nn.BatchNorm2d(v), nn.ReLU(inplace=True)]
                    else:
                        layers += [conv2d, nn.ReLU(inplace=True)]
                    in_channels = v
            return nn.Sequential(*layers)

        class VGG(nn.Module):
            def __init__(self, features, num_classes=1000):
                super(VGG, self).__init__()
                self.features = features
                self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
                self.classifier = nn.Sequential(
                    nn.Linear(512 * 7 * 7, 4096),
                    nn.ReLU(True),
                    nn.Dropout(),
                    nn.Linear(4096, 4096),
                    nn.ReLU(True),
                    nn.Dropout(),
                    nn.Linear(4096, num_classes),
                )

        model = VGG(make_layers(cfg, batch_norm=True))
    """, "module-two-sequentials"),
    T("vgg-cifar-cfg-dict", """
        import torch.nn as nn

        cfg = {
            'VGG11': [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
            'VGG13': [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
        }

        class VGG(nn.Module):
            def __init__(self, vgg_name):
                super(VGG, self).__init__()
                self.features = self._make_layers(cfg[vgg_name])
                self.classifier = nn.Linear(512, 10)

            def forward(self, x):
                out = self.features(x)
                out = out.view(out.size(0), -1)
                return self.classifier(out)

            def _make_layers(self, cfg):
                layers = []
                in_channels = 3
                for x in cfg:
                    if x == 'M':
                        layers += [nn.MaxPool2d(kernel_size=2, stride=2)]
                    else:
                        layers += [nn.Conv2d(in_channels, x, kernel_size=3, padding=1),
                                   nn.BatchNorm2d(x),
                                   nn.ReLU(inplace=True)]
                        in_channels = x
                layers += [nn.AvgPool2d(kernel_size=1, stride=1)]
                return nn.Sequential(*layers)

        net = VGG('VGG11')
    """, "module-loop"),
    T("resnet18-cifar-basicblock", """
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class BasicBlock(nn.Module):
            expansion = 1

            def __init__(self, in_planes, planes, stride=1):
                super(BasicBlock, self).__init__()
                self.conv1 = nn.Conv2d(in_planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
                self.bn1 = nn.BatchNorm2d(planes)
                self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=1, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(planes)
                self.shortcut = nn.Sequential()
                if stride != 1 or in_planes != self.expansion*planes:
                    self.shortcut = nn.Sequential(
                        nn.Conv2d(in_planes, self.expansion*planes, kernel_size=1, stride=stride, bias=False),
                        nn.BatchNorm2d(self.expansion*planes)
                    )

            def forward(self, x):
                out = F.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                out += self.shortcut(x)
                return F.relu(out)

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

            def forward(self, x):
                out = F.relu(self.bn1(self.conv1(x)))
                out = self.layer4(self.layer3(self.layer2(self.layer1(out))))
                out = F.avg_pool2d(out, 4)
                return self.linear(out.view(out.size(0), -1))

        def ResNet18():
            return ResNet(BasicBlock, [2, 2, 2, 2])

        net = ResNet18()
    """, "resnet-block"),
    T("resnet34-cifar-basicblock", """
        import torch.nn as nn

        class BasicBlock(nn.Module):
            def __init__(self, cin, cout, stride=1):
                super().__init__()
                self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(cout)
                self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
                self.bn2 = nn.BatchNorm2d(cout)
                self.relu = nn.ReLU(inplace=True)
                self.downsample = None
                if stride != 1 or cin != cout:
                    self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

        class ResNet(nn.Module):
            def __init__(self, blocks=(3, 4, 6, 3), num_classes=100):
                super().__init__()
                self.stem = nn.Sequential(nn.Conv2d(3, 64, 3, 1, 1, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True))
                layers = []
                cin = 64
                for i, n in enumerate(blocks):
                    cout = 64 * 2 ** i
                    for j in range(n):
                        layers.append(BasicBlock(cin, cout, 2 if j == 0 and i > 0 else 1))
                        cin = cout
                self.layers = nn.Sequential(*layers)
                self.pool = nn.AdaptiveAvgPool2d(1)
                self.fc = nn.Linear(cin, num_classes)

        model = ResNet()
    """, "resnet-block"),
    T("bottleneck-small", """
        import torch.nn as nn

        class Bottleneck(nn.Module):
            expansion = 4

            def __init__(self, inplanes, planes, stride=1, downsample=None):
                super().__init__()
                self.conv1 = nn.Conv2d(inplanes, planes, kernel_size=1, bias=False)
                self.bn1 = nn.BatchNorm2d(planes)
                self.conv2 = nn.Conv2d(planes, planes, kernel_size=3, stride=stride, padding=1, bias=False)
                self.bn2 = nn.BatchNorm2d(planes)
                self.conv3 = nn.Conv2d(planes, planes * 4, kernel_size=1, bias=False)
                self.bn3 = nn.BatchNorm2d(planes * 4)
                self.relu = nn.ReLU(inplace=True)
                self.downsample = downsample

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv = nn.Conv2d(3, 64, 3, padding=1)
                down = nn.Sequential(nn.Conv2d(64, 256, 1, bias=False), nn.BatchNorm2d(256))
                self.block1 = Bottleneck(64, 64, downsample=down)
                self.block2 = Bottleneck(256, 64)
                self.fc = nn.Linear(256, 10)

        model = Net()
    """, "resnet-block"),
    T("modulelist-mlp", """
        import torch
        import torch.nn as nn

        class MLP(nn.Module):
            def __init__(self, sizes=(784, 256, 128, 10)):
                super().__init__()
                self.layers = nn.ModuleList([nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])])

            def forward(self, x):
                for layer in self.layers[:-1]:
                    x = torch.relu(layer(x))
                return self.layers[-1](x)

        model = MLP()
    """, "module-list"),
    T("modulelist-append-loop", """
        import torch.nn as nn

        class DeepNet(nn.Module):
            def __init__(self, in_dim=32, hidden=64, depth=4, out_dim=2):
                super().__init__()
                self.blocks = nn.ModuleList()
                d = in_dim
                for _ in range(depth):
                    self.blocks.append(nn.Linear(d, hidden))
                    self.blocks.append(nn.BatchNorm1d(hidden))
                    d = hidden
                self.head = nn.Linear(d, out_dim)

        model = DeepNet()
    """, "module-list"),
    T("modulelist-convs", """
        from torch import nn

        class ConvStack(nn.Module):
            def __init__(self, channels=[3, 16, 32, 64]):
                super().__init__()
                self.convs = nn.ModuleList(
                    nn.Conv2d(c_in, c_out, 3, padding=1) for c_in, c_out in zip(channels, channels[1:])
                )
                self.norms = nn.ModuleList([nn.BatchNorm2d(c) for c in channels[1:]])
                self.out = nn.Conv2d(channels[-1], 1, 1)

        model = ConvStack()
    """, "module-list"),
    T("moduledict", """
        import torch.nn as nn

        class MultiHead(nn.Module):
            def __init__(self):
                super().__init__()
                self.backbone = nn.Sequential(nn.Linear(20, 64), nn.ReLU())
                self.heads = nn.ModuleDict({
                    "age": nn.Linear(64, 1),
                    "gender": nn.Linear(64, 2),
                    "race": nn.Linear(64, 5),
                })

        model = MultiHead()
    """, "module-dict"),
    T("moduledict-activations", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.choices = nn.ModuleDict({'conv': nn.Conv2d(10, 10, 3), 'pool': nn.MaxPool2d(3)})
                self.activations = nn.ModuleDict([['lrelu', nn.LeakyReLU()], ['prelu', nn.PReLU()]])

        model = Net()
    """, "module-dict"),
    T("setattr-loop", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self, n=3):
                super().__init__()
                for i in range(n):
                    setattr(self, f"fc{i}", nn.Linear(10, 10))
                self.out = nn.Linear(10, 1)

        model = Net()
    """, "module-loop"),
    T("add-module-loop", """
        import torch.nn as nn

        class Net(nn.Module):
            def __init__(self, widths=(8, 16, 32)):
                super().__init__()
                cin = 1
                for i, w in enumerate(widths):
                    self.add_module("conv%d" % i, nn.Conv2d(cin, w, 3))
                    cin = w

        model = Net()
    """, "module-loop"),
    T("star-layers-in-init", """
        import torch
        import torch.nn as nn

        class Encoder(nn.Module):
            def __init__(self, in_ch=3, widths=(32, 64, 128)):
                super().__init__()
                layers = []
                for w in widths:
                    layers += [nn.Conv2d(in_ch, w, 3, stride=2, padding=1), nn.BatchNorm2d(w), nn.LeakyReLU(0.2)]
                    in_ch = w
                self.net = nn.Sequential(*layers)
                self.proj = nn.Linear(widths[-1], 16)

        model = Encoder()
    """, "star-layers"),
    T("shared-module", """
        import torch
        import torch.nn as nn

        class Siamese(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Sequential(nn.Linear(10, 32), nn.ReLU(), nn.Linear(32, 8))
                self.head = nn.Linear(16, 1)

            def forward(self, a, b):
                return self.head(torch.cat([self.encoder(a), self.encoder(b)], 1))

        model = Siamese()
    """, "shared-layer"),
    T("shared-module-two-attrs", """
        import torch.nn as nn

        class Tied(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(16, 16)
                self.fc_again = self.fc
                self.out = nn.Linear(16, 4)

        model = Tied()
    """, "shared-layer"),
    T("tied-weights", """
        import torch.nn as nn

        class LM(nn.Module):
            def __init__(self, vocab=1000, dim=64):
                super().__init__()
                self.embed = nn.Embedding(vocab, dim)
                self.rnn = nn.LSTM(dim, dim, batch_first=True)
                self.decoder = nn.Linear(dim, vocab)
                self.decoder.weight = self.embed.weight

        model = LM()
    """, "shared-layer"),
    T("lstm-classifier", """
        import torch
        import torch.nn as nn

        class LSTMClassifier(nn.Module):
            def __init__(self, vocab_size, embedding_dim, hidden_dim, output_dim, n_layers, bidirectional, dropout):
                super().__init__()
                self.embedding = nn.Embedding(vocab_size, embedding_dim)
                self.rnn = nn.LSTM(embedding_dim, hidden_dim, num_layers=n_layers,
                                   bidirectional=bidirectional, dropout=dropout)
                self.fc = nn.Linear(hidden_dim * 2, output_dim)
                self.dropout = nn.Dropout(dropout)

        model = LSTMClassifier(25002, 100, 256, 1, 2, True, 0.5)
    """),
    T("gru-seq2seq-encoder", """
        import torch.nn as nn

        class EncoderRNN(nn.Module):
            def __init__(self, input_size, hidden_size, dropout_p=0.1):
                super(EncoderRNN, self).__init__()
                self.hidden_size = hidden_size
                self.embedding = nn.Embedding(input_size, hidden_size)
                self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True)
                self.dropout = nn.Dropout(dropout_p)

        encoder = EncoderRNN(4345, 128)
    """),
    T("transformer-classifier", """
        import torch
        import torch.nn as nn

        class TransformerClassifier(nn.Module):
            def __init__(self, vocab=5000, d_model=128, nhead=4, layers=2, classes=4):
                super().__init__()
                self.embedding = nn.Embedding(vocab, d_model)
                self.pos = nn.Parameter(torch.zeros(1, 256, d_model))
                enc = nn.TransformerEncoderLayer(d_model=d_model, nhead=nhead, dim_feedforward=256, batch_first=True)
                self.encoder = nn.TransformerEncoder(enc, num_layers=layers)
                self.norm = nn.LayerNorm(d_model)
                self.fc = nn.Linear(d_model, classes)

        model = TransformerClassifier()
    """, "bare-transformer"),
    T("parameter-attr", """
        import torch
        import torch.nn as nn

        class Scaled(nn.Module):
            def __init__(self, dim=32):
                super().__init__()
                self.fc = nn.Linear(dim, dim)
                self.scale = nn.Parameter(torch.ones(dim))
                self.bias = nn.Parameter(torch.zeros(1))
                self.register_buffer("mask", torch.ones(dim))

        model = Scaled()
    """),
    T("unet-small", """
        import torch
        import torch.nn as nn

        def double_conv(cin, cout):
            return nn.Sequential(
                nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
                nn.Conv2d(cout, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(inplace=True),
            )

        class UNet(nn.Module):
            def __init__(self, n_channels=1, n_classes=2):
                super().__init__()
                self.inc = double_conv(n_channels, 32)
                self.down1 = nn.Sequential(nn.MaxPool2d(2), double_conv(32, 64))
                self.down2 = nn.Sequential(nn.MaxPool2d(2), double_conv(64, 128))
                self.up1 = nn.ConvTranspose2d(128, 64, kernel_size=2, stride=2)
                self.conv1 = double_conv(128, 64)
                self.up2 = nn.ConvTranspose2d(64, 32, kernel_size=2, stride=2)
                self.conv2 = double_conv(64, 32)
                self.outc = nn.Conv2d(32, n_classes, kernel_size=1)

        model = UNet()
    """, "conv-transpose"),
    T("autoencoder", """
        import torch.nn as nn

        class Autoencoder(nn.Module):
            def __init__(self):
                super(Autoencoder, self).__init__()
                self.encoder = nn.Sequential(
                    nn.Linear(28 * 28, 128), nn.ReLU(True),
                    nn.Linear(128, 64), nn.ReLU(True),
                    nn.Linear(64, 12), nn.ReLU(True),
                    nn.Linear(12, 3))
                self.decoder = nn.Sequential(
                    nn.Linear(3, 12), nn.ReLU(True),
                    nn.Linear(12, 64), nn.ReLU(True),
                    nn.Linear(64, 128), nn.ReLU(True),
                    nn.Linear(128, 28 * 28), nn.Tanh())

        model = Autoencoder()
    """, "module-two-sequentials"),
    T("vae", """
        import torch
        from torch import nn

        class VAE(nn.Module):
            def __init__(self, x_dim=784, h_dim=400, z_dim=20):
                super().__init__()
                self.fc1 = nn.Linear(x_dim, h_dim)
                self.fc21 = nn.Linear(h_dim, z_dim)
                self.fc22 = nn.Linear(h_dim, z_dim)
                self.fc3 = nn.Linear(z_dim, h_dim)
                self.fc4 = nn.Linear(h_dim, x_dim)

        model = VAE()
    """),
    T("nested-modules", """
        import torch.nn as nn

        class ConvBNReLU(nn.Sequential):
            def __init__(self, cin, cout, k=3, s=1):
                super().__init__(nn.Conv2d(cin, cout, k, s, k // 2, bias=False), nn.BatchNorm2d(cout), nn.ReLU6(inplace=True))

        class InvertedResidual(nn.Module):
            def __init__(self, cin, cout, stride, expand):
                super().__init__()
                hidden = cin * expand
                self.conv = nn.Sequential(
                    ConvBNReLU(cin, hidden, 1),
                    ConvBNReLU(hidden, hidden, 3, stride),
                    nn.Conv2d(hidden, cout, 1, bias=False),
                    nn.BatchNorm2d(cout),
                )

        class Tiny(nn.Module):
            def __init__(self):
                super().__init__()
                self.stem = ConvBNReLU(3, 16, 3, 2)
                self.blocks = nn.Sequential(InvertedResidual(16, 24, 2, 6), InvertedResidual(24, 24, 1, 6))
                self.head = nn.Linear(24, 10)

        model = Tiny()
    """, "resnet-block"),
    T("class-attr-sizes", """
        import torch.nn as nn

        class Config:
            hidden = 64
            layers = 3

        class Net(nn.Module):
            def __init__(self, cfg=Config):
                super().__init__()
                self.inp = nn.Linear(10, cfg.hidden)
                self.hidden = nn.Sequential(*[nn.Linear(cfg.hidden, cfg.hidden) for _ in range(cfg.layers)])
                self.out = nn.Linear(cfg.hidden, 1)

        model = Net()
    """, "module-loop"),
    T("lenet-no-instance", """
        import torch.nn as nn

        class LeNet5(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.fc2 = nn.Linear(120, 84)
                self.fc3 = nn.Linear(84, 10)
    """),
    T("dcgan-generator-class", """
        import torch.nn as nn

        class Generator(nn.Module):
            def __init__(self, nz=100, ngf=64, nc=1):
                super(Generator, self).__init__()
                self.main = nn.Sequential(
                    nn.ConvTranspose2d(nz, ngf * 4, 4, 1, 0, bias=False),
                    nn.BatchNorm2d(ngf * 4),
                    nn.ReLU(True),
                    nn.ConvTranspose2d(ngf * 4, ngf * 2, 3, 2, 1, bias=False),
                    nn.BatchNorm2d(ngf * 2),
                    nn.ReLU(True),
                    nn.ConvTranspose2d(ngf * 2, ngf, 4, 2, 1, bias=False),
                    nn.BatchNorm2d(ngf),
                    nn.ReLU(True),
                    nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=False),
                    nn.Tanh()
                )

        netG = Generator()
    """, "conv-transpose"),
    T("super-old-style-two-models", """
        import torch.nn as nn

        class Discriminator(nn.Module):
            def __init__(self):
                super(Discriminator, self).__init__()
                self.model = nn.Sequential(
                    nn.Linear(784, 512), nn.LeakyReLU(0.2, inplace=True),
                    nn.Linear(512, 256), nn.LeakyReLU(0.2, inplace=True),
                    nn.Linear(256, 1), nn.Sigmoid(),
                )

        class Generator(nn.Module):
            def __init__(self, latent_dim=100):
                super(Generator, self).__init__()
                def block(in_feat, out_feat, normalize=True):
                    layers = [nn.Linear(in_feat, out_feat)]
                    if normalize:
                        layers.append(nn.BatchNorm1d(out_feat, 0.8))
                    layers.append(nn.LeakyReLU(0.2, inplace=True))
                    return layers
                self.model = nn.Sequential(
                    *block(latent_dim, 128, normalize=False),
                    *block(128, 256),
                    *block(256, 512),
                    nn.Linear(512, 784),
                    nn.Tanh()
                )

        generator = Generator()
        discriminator = Discriminator()
        model = generator
    """, "star-layers"),
]

# A family of small CNN classes with varied widths (layers in __init__, forward with F ops).
for i, (c1, c2, hidden, classes) in enumerate([(16, 32, 128, 10), (8, 16, 64, 2), (32, 64, 256, 100), (6, 12, 50, 5)]):
    CASES.append(T(f"cnn-class-variant-{i}", f"""
        import torch
        import torch.nn as nn
        import torch.nn.functional as F

        class SimpleCNN(nn.Module):
            def __init__(self, num_classes={classes}):
                super().__init__()
                self.conv1 = nn.Conv2d(3, {c1}, kernel_size=3, padding=1)
                self.bn1 = nn.BatchNorm2d({c1})
                self.conv2 = nn.Conv2d({c1}, {c2}, kernel_size=3, padding=1)
                self.bn2 = nn.BatchNorm2d({c2})
                self.fc1 = nn.Linear({c2} * 8 * 8, {hidden})
                self.fc2 = nn.Linear({hidden}, num_classes)

            def forward(self, x):
                x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
                x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
                x = x.view(x.size(0), -1)
                return self.fc2(F.relu(self.fc1(x)))

        model = SimpleCNN()
    """))

CASES += [
    T("if-constant-batchnorm", """
        import torch.nn as nn

        USE_BN = False

        class Net(nn.Module):
            def __init__(self, hidden=32):
                super().__init__()
                layers = [nn.Linear(12, hidden)]
                if USE_BN:
                    layers.append(nn.BatchNorm1d(hidden))
                layers += [nn.ReLU(), nn.Linear(hidden, 3)]
                self.net = nn.Sequential(*layers)

        model = Net()
    """, "if-constant"),
    T("module-with-kwargs-instance", """
        import torch
        import torch.nn as nn

        class MLP(nn.Module):
            def __init__(self, input_dim, hidden_dim, output_dim, num_layers=2, dropout=0.1):
                super().__init__()
                dims = [input_dim] + [hidden_dim] * num_layers
                self.hidden = nn.ModuleList([nn.Linear(a, b) for a, b in zip(dims, dims[1:])])
                self.drop = nn.Dropout(dropout)
                self.out = nn.Linear(hidden_dim, output_dim)

        model = MLP(input_dim=30, hidden_dim=64, output_dim=2, num_layers=3)
    """, "module-list"),
    T("two-models-last-wins", """
        import torch.nn as nn
        encoder = nn.Sequential(nn.Linear(10, 4))
        decoder = nn.Sequential(nn.Linear(4, 10), nn.Sigmoid())
    """, "model-choice"),
]

CASES += [
    T("encoder-decoder-conv", """
        import torch.nn as nn

        class ConvAutoencoder(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Sequential(
                    nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.ReLU(),
                    nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.ReLU(),
                    nn.Conv2d(32, 64, 7),
                )
                self.decoder = nn.Sequential(
                    nn.ConvTranspose2d(64, 32, 7), nn.ReLU(),
                    nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.ReLU(),
                    nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Sigmoid(),
                )

        model = ConvAutoencoder()
    """, "module-two-sequentials"),
    T("modulelist-of-sequentials", """
        import torch.nn as nn

        class Tower(nn.Module):
            def __init__(self, n_towers=3, dim=16):
                super().__init__()
                self.towers = nn.ModuleList([
                    nn.Sequential(nn.Linear(dim, 32), nn.ReLU(), nn.Linear(32, 8)) for _ in range(n_towers)
                ])
                self.merge = nn.Linear(8 * n_towers, 1)

        model = Tower()
    """, "module-list"),
    T("moduledict-per-task-sequential", """
        import torch.nn as nn

        class MultiTask(nn.Module):
            def __init__(self, tasks={"a": 3, "b": 5}):
                super().__init__()
                self.shared = nn.Sequential(nn.Linear(40, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU())
                self.heads = nn.ModuleDict({name: nn.Linear(64, n) for name, n in tasks.items()})

        model = MultiTask()
    """, "module-dict"),
    T("rnn-module-with-fc", """
        import torch
        import torch.nn as nn

        class RNN(nn.Module):
            def __init__(self, input_size=28, hidden_size=128, num_layers=2, num_classes=10):
                super(RNN, self).__init__()
                self.hidden_size = hidden_size
                self.num_layers = num_layers
                self.lstm = nn.LSTM(input_size, hidden_size, num_layers, batch_first=True)
                self.fc = nn.Linear(hidden_size, num_classes)

            def forward(self, x):
                h0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
                c0 = torch.zeros(self.num_layers, x.size(0), self.hidden_size)
                out, _ = self.lstm(x, (h0, c0))
                return self.fc(out[:, -1, :])

        model = RNN()
    """, "module"),
    T("gru-bidirectional-module", """
        from torch import nn

        class BiGRU(nn.Module):
            def __init__(self, vocab_size=8000, embed_dim=128, hidden=64, n_classes=3):
                super().__init__()
                self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
                self.gru = nn.GRU(embed_dim, hidden, batch_first=True, bidirectional=True)
                self.dropout = nn.Dropout(0.3)
                self.fc = nn.Linear(2 * hidden, n_classes)

        model = BiGRU()
    """, "module"),
    T("mha-block-module", """
        import torch.nn as nn

        class Block(nn.Module):
            def __init__(self, d=64, heads=4):
                super().__init__()
                self.ln1 = nn.LayerNorm(d)
                self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
                self.ln2 = nn.LayerNorm(d)
                self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

        class TinyGPT(nn.Module):
            def __init__(self, vocab=100, d=64, n_layers=2, ctx=32):
                super().__init__()
                self.tok = nn.Embedding(vocab, d)
                self.pos = nn.Embedding(ctx, d)
                self.blocks = nn.Sequential(*[Block(d) for _ in range(n_layers)])
                self.ln_f = nn.LayerNorm(d)
                self.head = nn.Linear(d, vocab, bias=False)

        model = TinyGPT()
    """, "bare-attention"),
    T("tied-head-gpt", """
        import torch.nn as nn

        class LM(nn.Module):
            def __init__(self, vocab=50, d=16):
                super().__init__()
                self.tok = nn.Embedding(vocab, d)
                self.ln = nn.LayerNorm(d)
                self.head = nn.Linear(d, vocab, bias=False)
                self.head.weight = self.tok.weight

        model = LM()
    """, "shared-layer"),
    T("basicblock-downsample-resnet-tiny", """
        import torch.nn as nn

        class BasicBlock(nn.Module):
            expansion = 1

            def __init__(self, inplanes, planes, stride=1, downsample=None):
                super().__init__()
                self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(planes)
                self.relu = nn.ReLU(inplace=True)
                self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
                self.bn2 = nn.BatchNorm2d(planes)
                self.downsample = downsample

        class ResNetTiny(nn.Module):
            def __init__(self, num_classes=10):
                super().__init__()
                self.inplanes = 16
                self.conv1 = nn.Conv2d(3, 16, 3, 1, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(16)
                self.layer1 = self._make_layer(16, 2)
                self.layer2 = self._make_layer(32, 2, stride=2)
                self.fc = nn.Linear(32, num_classes)

            def _make_layer(self, planes, blocks, stride=1):
                downsample = None
                if stride != 1 or self.inplanes != planes:
                    downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))
                layers = [BasicBlock(self.inplanes, planes, stride, downsample)]
                self.inplanes = planes
                for _ in range(1, blocks):
                    layers.append(BasicBlock(self.inplanes, planes))
                return nn.Sequential(*layers)

        model = ResNetTiny()
    """, "resnet-block"),
]

CASES += [
    T("bindings-module-free-names", """
        import torch.nn as nn

        class Classifier(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU())
                self.out = nn.Linear(hidden, num_classes)

        model = Classifier()
    """, "bindings", bindings={"n_features": 13, "hidden": 40, "num_classes": 3}),
]
