"""Bare PyTorch modules, as exam questions ask about them: ``nn.LSTM(10, 20, num_layers=2,
bidirectional=True)``, GRU, RNN, Transformer layers, MultiheadAttention, norms, convolutions. Their
parameter counts need no input shape."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def T(id: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"torch-bare-{id}", framework="torch", source=dedent(source), pattern=pattern, **kw)


_HEADS = ("import torch.nn as nn\n", "from torch import nn\n", "import torch\nnn = torch.nn\n")

# (expression, pattern): each written as `model = <expression>` under one of three import styles.
BARE: list[tuple[str, str]] = [
    ("nn.LSTM(10, 20, num_layers=2, bidirectional=True)", "bare-rnn"),
    ("nn.LSTM(input_size=28, hidden_size=128, num_layers=1, batch_first=True)", "bare-rnn"),
    ("nn.LSTM(300, 256, 3, dropout=0.3)", "bare-rnn"),
    ("nn.LSTM(64, 128, bias=False)", "bare-rnn"),
    ("nn.LSTM(32, 64, num_layers=2, proj_size=16)", "bare-rnn"),
    ("nn.LSTM(16, 32, bidirectional=True, proj_size=8)", "bare-rnn"),
    ("nn.GRU(10, 20, 2)", "bare-rnn"),
    ("nn.GRU(input_size=100, hidden_size=50, num_layers=3, bidirectional=True, batch_first=True)", "bare-rnn"),
    ("nn.GRU(8, 8, bias=False)", "bare-rnn"),
    ("nn.RNN(10, 20, 2)", "bare-rnn"),
    ("nn.RNN(input_size=5, hidden_size=7, nonlinearity='relu', bidirectional=True)", "bare-rnn"),
    ("nn.RNN(1, 32, num_layers=4, batch_first=True)", "bare-rnn"),
    ("nn.LSTMCell(10, 20)", "bare-rnn"),
    ("nn.GRUCell(10, 20, bias=False)", "bare-rnn"),
    ("nn.RNNCell(3, 5)", "bare-rnn"),
    ("nn.TransformerEncoderLayer(d_model=512, nhead=8)", "bare-transformer"),
    ("nn.TransformerEncoderLayer(d_model=128, nhead=4, dim_feedforward=256, dropout=0.1, batch_first=True)",
     "bare-transformer"),
    ("nn.TransformerEncoderLayer(64, 2, 128, norm_first=True, bias=False)", "bare-transformer"),
    ("nn.TransformerDecoderLayer(d_model=256, nhead=8)", "bare-transformer"),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(d_model=512, nhead=8), num_layers=6)", "bare-transformer"),
    ("nn.TransformerEncoder(nn.TransformerEncoderLayer(64, 4, 256), 3, norm=nn.LayerNorm(64))", "bare-transformer"),
    ("nn.Transformer(d_model=128, nhead=4, num_encoder_layers=2, num_decoder_layers=2, dim_feedforward=512)",
     "bare-transformer"),
    ("nn.MultiheadAttention(embed_dim=512, num_heads=8)", "bare-attention"),
    ("nn.MultiheadAttention(64, 4, bias=False)", "bare-attention"),
    ("nn.MultiheadAttention(64, 4, kdim=32, vdim=48)", "bare-attention"),
    ("nn.MultiheadAttention(256, 8, add_bias_kv=True, batch_first=True)", "bare-attention"),
    ("nn.LayerNorm(512)", "layer-norm"),
    ("nn.LayerNorm([64, 7, 7])", "layer-norm"),
    ("nn.LayerNorm(128, elementwise_affine=False)", "layer-norm"),
    ("nn.LayerNorm(100, bias=False)", "layer-norm"),
    ("nn.GroupNorm(4, 32)", "group-norm"),
    ("nn.GroupNorm(num_groups=8, num_channels=64, affine=False)", "group-norm"),
    ("nn.BatchNorm2d(64)", "bare-norm"),
    ("nn.BatchNorm1d(100, affine=False)", "bare-norm"),
    ("nn.InstanceNorm2d(32, affine=True)", "bare-norm"),
    ("nn.ConvTranspose2d(64, 32, kernel_size=4, stride=2, padding=1)", "conv-transpose"),
    ("nn.ConvTranspose2d(16, 8, 3, stride=2, output_padding=1, groups=2, bias=False)", "conv-transpose"),
    ("nn.ConvTranspose1d(8, 4, 5)", "conv-transpose"),
    ("nn.ConvTranspose3d(4, 2, (3, 3, 3))", "conv-transpose"),
    ("nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)", "bare-conv"),
    ("nn.Conv2d(32, 32, 3, groups=32)", "bare-conv"),
    ("nn.Conv1d(16, 33, 3, stride=2)", "bare-conv"),
    ("nn.Conv3d(1, 8, (3, 5, 5))", "bare-conv"),
    ("nn.Linear(784, 10)", "bare-linear"),
    ("nn.Linear(in_features=512, out_features=1000, bias=False)", "bare-linear"),
    ("nn.Bilinear(20, 30, 40)", "bare-linear"),
    ("nn.Embedding(10000, 300)", "bare-embedding"),
    ("nn.Embedding(num_embeddings=50, embedding_dim=8, padding_idx=0)", "bare-embedding"),
    ("nn.EmbeddingBag(1000, 32, mode='mean')", "bare-embedding"),
    ("nn.PReLU()", "bare-activation"),
    ("nn.PReLU(num_parameters=64)", "bare-activation"),
    ("nn.ReLU6()", "bare-activation"),
    ("nn.Upsample(scale_factor=2)", "upsample"),
    ("nn.Upsample(size=(32, 32), mode='bilinear')", "upsample"),
    ("nn.UpsamplingNearest2d(scale_factor=2)", "upsample"),
]

CASES: list[Case] = []
for i, (expr, pattern) in enumerate(BARE):
    head = _HEADS[i % len(_HEADS)]
    name = expr.split("(")[0].split(".")[-1].lower()
    CASES.append(T(f"{i:02d}-{name}", head + f"\nmodel = {expr}\n", pattern))

CASES += [
    T("lstm-question-vars", """
        import torch.nn as nn
        input_size = 10
        hidden_size = 20
        num_layers = 2
        lstm = nn.LSTM(input_size, hidden_size, num_layers, bidirectional=True)
    """, "bare-rnn"),
    T("mha-embed-vars", """
        import torch
        from torch import nn
        embed_dim, num_heads = 128, 8
        multihead_attn = nn.MultiheadAttention(embed_dim, num_heads)
    """, "bare-attention"),
    T("encoder-layer-var", """
        import torch.nn as nn
        encoder_layer = nn.TransformerEncoderLayer(d_model=512, nhead=8)
        transformer_encoder = nn.TransformerEncoder(encoder_layer, num_layers=6)
    """, "bare-transformer"),
]

# Less common modules and arguments: newer norms, decoders, loss modules holding buffers.
CASES += [
    T(f"extra-{i:02d}-{expr.split('(')[0].split('.')[-1].lower()}", "import torch\nimport torch.nn as nn\n\nmodel = " + expr + "\n", pattern)
    for i, (expr, pattern) in enumerate([
        ("nn.RMSNorm(64)", "layer-norm"),
        ("nn.RMSNorm([8, 16], elementwise_affine=False)", "layer-norm"),
        ("nn.TransformerDecoder(nn.TransformerDecoderLayer(d_model=64, nhead=4, dim_feedforward=128), num_layers=2)",
         "bare-transformer"),
        ("nn.MultiheadAttention(32, 4, add_zero_attn=True, dropout=0.1)", "bare-attention"),
        ("nn.RNN(6, 12, num_layers=2, bias=False, bidirectional=True)", "bare-rnn"),
        ("nn.Embedding(5000, 64, max_norm=1.0, scale_grad_by_freq=True)", "bare-embedding"),
        ("nn.Bilinear(8, 6, 4, bias=False)", "bare-linear"),
        ("nn.ConvTranspose2d(8, 4, 3, stride=2, dilation=2, output_padding=1)", "conv-transpose"),
        ("nn.Conv2d(16, 32, 3, groups=16)", "bare-conv"),
        ("nn.InstanceNorm1d(10, affine=True, track_running_stats=True)", "bare-norm"),
        ("nn.LocalResponseNorm(5)", "bare-norm"),
        ("nn.CrossEntropyLoss(weight=torch.ones(10))", "bare-loss"),
        ("nn.Sequential(nn.Unfold(kernel_size=2), nn.GLU(), nn.Mish(), nn.Hardtanh())", "bare-activation"),
        ("nn.LSTM(input_size=40, hidden_size=40, num_layers=3, dropout=0.2, batch_first=True, bidirectional=True)",
         "bare-rnn"),
    ])
]
