"""Random model programs from a seeded generator: layer kinds, sizes, import aliases and code styles
mixed (Keras ``Sequential`` list / ``add`` / functional with branches / ``model.build`` / a user input
shape, freezing; PyTorch ``nn.Sequential`` / ``OrderedDict`` / ``nn.Module`` / ``nn.Sequential(*layers)``,
frozen parameters). Shapes are tracked only to keep every program valid; the truth comes from running it.
"""

from __future__ import annotations

import random

from . import Case

KERAS_COUNT = 55
TORCH_COUNT = 50

_KERAS_HEADS = {
    "keras": ("import keras\nfrom keras import layers\n", "keras.Sequential", "keras.Model", "keras.Input", "layers."),
    "tf": ("import tensorflow as tf\n", "tf.keras.Sequential", "tf.keras.Model", "tf.keras.Input", "tf.keras.layers."),
    "tfk": ("from tensorflow import keras\nfrom tensorflow.keras import layers\n", "keras.Sequential",
            "keras.Model", "keras.Input", "layers."),
}  # fmt: skip


def _keras_layers(rng: random.Random, shape: list[int]) -> list[str]:
    """Layer expressions (without the ``layers.`` prefix) valid for ``shape`` (batch excluded)."""
    out: list[str] = []
    if len(shape) == 3:
        h = min(shape[0], shape[1])
        for _ in range(rng.randint(1, 4)):
            pick = rng.choice(["conv", "conv", "pool", "bn", "drop", "sep", "dw"])
            if pick in ("conv", "sep"):
                k, s = rng.choice([1, 3, 3, 5]), rng.choice([1, 1, 2])
                pad = rng.choice(["same", "valid"])
                if pad == "valid" and h < k + 1:
                    pad = "same"
                f = rng.choice([4, 8, 16, 32])
                bias = "" if rng.random() < 0.8 else ", use_bias=False"
                kind = "Conv2D" if pick == "conv" else "SeparableConv2D"
                out.append(f'{kind}({f}, {k}, strides={s}, padding="{pad}", activation="relu"{bias})')
                h = (h - k) // s + 1 if pad == "valid" else -(-h // s)
            elif pick == "dw" and h >= 3:
                out.append(f"DepthwiseConv2D(3, depth_multiplier={rng.choice([1, 2])}, padding=\"same\")")
            elif pick == "pool" and h >= 4:
                out.append(rng.choice(["MaxPooling2D()", "MaxPooling2D(2)", "AveragePooling2D(2)"]))
                h //= 2
            elif pick == "bn":
                out.append("BatchNormalization()")
            else:
                out.append(f"Dropout({rng.choice([0.1, 0.25, 0.5])})")
        out.append(rng.choice(["Flatten()", "GlobalAveragePooling2D()", "GlobalMaxPooling2D()"]))
    elif len(shape) == 2:
        seq = True
        for _ in range(rng.randint(1, 2)):
            kind = rng.choice(["LSTM", "GRU", "SimpleRNN", "Conv1D"])
            units = rng.choice([8, 16, 32])
            if kind == "Conv1D":
                if not seq:
                    break
                out.append(f'Conv1D({units}, 3, padding="same")')
            elif seq:
                last = rng.random() < 0.5
                wrapped = f"{kind}({units}{'' if last else ', return_sequences=True'})"
                out.append(f"Bidirectional(L.{wrapped})" if rng.random() < 0.3 else wrapped)
                seq = not last
        if seq:
            out.append(rng.choice(["GlobalAveragePooling1D()", "Flatten()", f"LSTM({rng.choice([4, 8])})"]))
    for _ in range(rng.randint(1, 3)):
        units = rng.choice([8, 16, 32, 64, 100, 128])
        extra = rng.choice(["", ', activation="relu"', ', activation="tanh"', ", use_bias=False"])
        out.append(f"Dense({units}{extra})")
        if rng.random() < 0.3:
            out.append(rng.choice(["BatchNormalization()", "Dropout(0.3)", "LayerNormalization()"]))
    out.append(f'Dense({rng.choice([1, 2, 3, 10])}, activation="{rng.choice(["softmax", "sigmoid", "linear"])}")')
    return out


def _keras_case(i: int) -> Case:
    rng = random.Random(1000 + i)
    style = rng.choice(list(_KERAS_HEADS))
    head, seq_cls, model_cls, input_fn, lp = _KERAS_HEADS[style]
    kind = rng.choice(["image", "image", "vector", "vector", "sequence"])
    shape = {"image": [rng.randint(12, 40), rng.randint(12, 40), rng.choice([1, 3])],
             "vector": [rng.randint(2, 200)], "sequence": [rng.randint(5, 30), rng.randint(1, 12)]}[kind]  # fmt: skip
    body = [b.replace("L.", lp) for b in _keras_layers(rng, shape)]  # L. marks a wrapped layer's prefix
    how = rng.choice(["list", "add", "functional", "functional-branch", "build", "user-shape"])
    lines = [head]
    user_shape = None
    if how in ("list", "build", "user-shape"):
        items = [f"{lp}{b}" for b in body]
        if how == "list":
            items.insert(0, f"{input_fn}(shape={tuple(shape)})")
        lines.append(f"model = {seq_cls}([\n" + "".join(f"    {it},\n" for it in items) + "])")
        if how == "build":
            lines.append(f"model.build((None, {', '.join(map(str, shape))}))")
        if how == "user-shape":
            user_shape = tuple(shape)
    elif how == "add":
        lines.append(f"model = {seq_cls}()")
        first, *rest = body
        lines.append(f"model.add({lp}{first[:-1]}{', ' if first[-2] != '(' else ''}input_shape={tuple(shape)}))")
        lines += [f"model.add({lp}{b})" for b in rest]
    else:
        lines.append(f"inputs = {input_fn}(shape={tuple(shape)})")
        lines.append("x = inputs")
        for b in body[:-1]:
            lines.append(f"x = {lp}{b}(x)")
        if how == "functional-branch":
            units = rng.choice([8, 16])
            merge = rng.choice(["Add", "Concatenate", "Average", "Multiply"])
            lines += [f"a = {lp}Dense({units}, activation=\"relu\")(x)", f"b = {lp}Dense({units})(x)",
                      f"x = {lp}{merge}()([a, b])"]  # fmt: skip
        lines.append(f"outputs = {lp}{body[-1]}(x)")
        call = "inputs=inputs, outputs=outputs" if rng.random() < 0.5 else "inputs, outputs"
        lines.append(f"model = {model_cls}({call})")
    if rng.random() < 0.2:
        lines.append(f"model.layers[{rng.choice([0, -1])}].trainable = False")
    source = "\n".join(lines) + "\n"
    return Case(id=f"gen-keras-{i:03d}", framework="keras", source=source, pattern="generated", input_shape=user_shape)


_TORCH_HEADS = (("import torch\nimport torch.nn as nn\n", "nn."), ("from torch import nn\n", "nn."),
                ("import torch\n", "torch.nn."))  # fmt: skip


def _torch_layers(rng: random.Random, shape: list[int], p: str) -> list[str]:
    out: list[str] = []
    if len(shape) == 3:
        c, h = shape[0], shape[1]
        for _ in range(rng.randint(1, 4)):
            pick = rng.choice(["conv", "conv", "pool", "bn", "act", "drop", "gn"])
            if pick == "conv":
                k, s = rng.choice([1, 3, 5]), rng.choice([1, 1, 2])
                pad = rng.choice([0, k // 2])
                if h + 2 * pad < k:
                    pad = k // 2
                cout = rng.choice([4, 8, 16, 32])
                bias = "" if rng.random() < 0.8 else ", bias=False"
                out.append(f"{p}Conv2d({c}, {cout}, kernel_size={k}, stride={s}, padding={pad}{bias})")
                c, h = cout, (h + 2 * pad - k) // s + 1
            elif pick == "pool" and h >= 2:
                out.append(f"{p}MaxPool2d(2)")
                h //= 2
            elif pick == "bn":
                out.append(f"{p}BatchNorm2d({c})")
            elif pick == "gn" and c % 4 == 0:
                out.append(f"{p}GroupNorm(4, {c})")
            elif pick == "act":
                out.append(rng.choice([f"{p}ReLU()", f"{p}LeakyReLU(0.1)", f"{p}ReLU6()", f"{p}GELU()"]))
            else:
                out.append(f"{p}Dropout2d(0.1)" if rng.random() < 0.5 else f"{p}Dropout(0.2)")
        if rng.random() < 0.5:
            out += [f"{p}AdaptiveAvgPool2d(1)", f"{p}Flatten()"]
            n = c
        else:
            out.append(f"{p}Flatten()")
            n = c * h * h
    else:
        n = shape[0]
    for _ in range(rng.randint(1, 3)):
        units = rng.choice([8, 16, 32, 64, 100])
        out.append(f"{p}Linear({n}, {units}{'' if rng.random() < 0.85 else ', bias=False'})")
        n = units
        extra = rng.choice(["act", "act", "bn", "ln", "drop"])
        out.append({"act": rng.choice([f"{p}ReLU()", f"{p}Tanh()", f"{p}SiLU()"]), "bn": f"{p}BatchNorm1d({n})",
                    "ln": f"{p}LayerNorm({n})", "drop": f"{p}Dropout(0.5)"}[extra])  # fmt: skip
    out.append(f"{p}Linear({n}, {rng.choice([1, 2, 10])})")
    return out


def _torch_case(i: int) -> Case:
    rng = random.Random(5000 + i)
    head, p = rng.choice(_TORCH_HEADS)
    size = rng.randint(8, 32)
    shape = [rng.choice([1, 3]), size, size] if rng.random() < 0.6 else [rng.randint(2, 100)]
    body = _torch_layers(rng, shape, p)
    how = rng.choice(["sequential", "ordereddict", "module", "star", "module-seq"])
    lines = [head]
    if how == "sequential":
        lines.append(f"model = {p}Sequential(\n" + "".join(f"    {b},\n" for b in body) + ")")
    elif how == "ordereddict":
        lines.insert(0, "from collections import OrderedDict")
        lines.append(f"model = {p}Sequential(OrderedDict([\n"
                     + "".join(f'    ("{b.split("(")[0].split(".")[-1].lower()}{j}", {b}),\n' for j, b in enumerate(body))
                     + "]))")  # fmt: skip
    elif how == "star":
        lines.append("layers = []")
        lines += [f"layers.append({b})" for b in body]
        lines.append(f"model = {p}Sequential(*layers)")
    else:
        base = "nn.Module" if p == "nn." else "torch.nn.Module"
        lines.append(f"class Net({base}):\n    def __init__(self):\n        super().__init__()")
        if how == "module":
            lines += [f"        self.layer{j} = {b}" for j, b in enumerate(body)]
        else:
            cut = rng.randint(1, len(body) - 1)
            lines.append(f"        self.features = {p}Sequential(" + ", ".join(body[:cut]) + ")")
            lines.append(f"        self.head = {p}Sequential(" + ", ".join(body[cut:]) + ")")
        lines.append("\n\nmodel = Net()")
    if rng.random() < 0.2:
        lines.append("for param in list(model.parameters())[:2]:\n    param.requires_grad = False")
    source = "\n".join(lines) + "\n"
    user = tuple(shape) if rng.random() < 0.5 else None
    return Case(id=f"gen-torch-{i:03d}", framework="torch", source=source, pattern="generated", input_shape=user)


CASES: list[Case] = [_keras_case(i) for i in range(KERAS_COUNT)] + [_torch_case(i) for i in range(TORCH_COUNT)]
