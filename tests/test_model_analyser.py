"""The model analyser on textbook models (numbers from Keras' own summaries), layer tables, VGG
notation, and bad input. The differential tests against Keras and PyTorch are in
test_model_analyser_keras.py and test_model_analyser_torch.py."""

from __future__ import annotations

import pytest
from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser import analyse, detect

MNIST_CONVNET = """
import numpy as np
import keras
from keras import layers

num_classes = 10
input_shape = (28, 28, 1)

model = keras.Sequential(
    [
        keras.Input(shape=input_shape),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(num_classes, activation="softmax"),
    ]
)
model.summary()
"""

LENET5 = """
from tensorflow.keras.models import Sequential
from tensorflow.keras.layers import Conv2D, AveragePooling2D, Flatten, Dense

def build_lenet():
    model = Sequential()
    model.add(Conv2D(6, (5, 5), activation='tanh', input_shape=(32, 32, 1)))
    model.add(AveragePooling2D())
    model.add(Conv2D(16, (5, 5), activation='tanh'))
    model.add(AveragePooling2D())
    model.add(Flatten())
    model.add(Dense(120, activation='tanh'))
    model.add(Dense(84, activation='tanh'))
    model.add(Dense(10, activation='softmax'))
    return model
"""


def vgg16_keras() -> str:
    lines = ["import tensorflow as tf", "model = tf.keras.Sequential()", "model.add(tf.keras.layers.InputLayer(shape=(224, 224, 3)))"]
    for filters, convs in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        lines += [f"model.add(tf.keras.layers.Conv2D({filters}, (3, 3), padding='same', activation='relu'))"] * convs
        lines.append("model.add(tf.keras.layers.MaxPooling2D((2, 2), strides=(2, 2)))")
    lines += ["model.add(tf.keras.layers.Flatten())"]
    lines += ["model.add(tf.keras.layers.Dense(4096, activation='relu'))"] * 2
    lines += ["model.add(tf.keras.layers.Dense(1000, activation='softmax'))"]
    return "\n".join(lines)


VGG16_NOTATION = (
    "conv3-64, conv3-64, maxpool, conv3-128, conv3-128, maxpool, conv3-256, conv3-256, conv3-256, maxpool, "
    "conv3-512, conv3-512, conv3-512, maxpool, conv3-512, conv3-512, conv3-512, maxpool, FC-4096, FC-4096, FC-1000, soft-max"
)

RESNET_STYLE = """
from keras import layers, Sequential, Input
model = Sequential([
    Input((32, 32, 3)),
    layers.Conv2D(16, 3, padding="same", use_bias=False), layers.BatchNormalization(), layers.ReLU(),
    layers.Conv2D(32, 3, strides=2, padding="same", use_bias=False), layers.BatchNormalization(), layers.ReLU(),
    layers.Conv2D(32, 3, padding="same", use_bias=False), layers.BatchNormalization(), layers.ReLU(),
    layers.GlobalAveragePooling2D(),
    layers.Dense(10),
])
"""

BIDIRECTIONAL_IMDB = """
inputs = keras.Input(shape=(None,), dtype="int32")
model = keras.Sequential([
    keras.Input(shape=(None,), dtype="int32"),
    layers.Embedding(max_features, 128),
    layers.Bidirectional(layers.LSTM(64, return_sequences=True)),
    layers.Bidirectional(layers.LSTM(64)),
    layers.Dense(1, activation="sigmoid"),
])
"""

FUNCTIONAL_MNIST = """
inputs = keras.Input(shape=(784,), name="digits")
x = layers.Dense(64, activation="relu", name="dense_1")(inputs)
x = layers.Dense(64, activation="relu", name="dense_2")(x)
outputs = layers.Dense(10, activation="softmax", name="predictions")(x)
model = keras.Model(inputs=inputs, outputs=outputs)
"""

# (model, input_shape, bindings) -> total, trainable, non-trainable, last output shape
CLASSICS = {
    "keras-mnist-convnet": (MNIST_CONVNET, None, None, 34826, 34826, 0, (10,)),
    "lenet5": (LENET5, None, None, 61706, 61706, 0, (10,)),
    "vgg16-keras-code": (vgg16_keras(), None, None, 138357544, 138357544, 0, (1000,)),
    "vgg16-notation": (VGG16_NOTATION, None, None, 138357544, 138357544, 0, (1000,)),
    "vgg16-name": ("VGG-16", None, None, 138357544, 138357544, 0, (1000,)),
    "vgg19-name": ("vgg19", None, None, 143667240, 143667240, 0, (1000,)),
    "resnet-style-no-skips": (RESNET_STYLE, None, None, 14906, 14746, 160, (10,)),
    "mlp-784": ("model = Sequential([Dense(512, activation='relu', input_shape=(784,)), Dropout(0.2), Dense(10)])",
                None, None, 407050, 407050, 0, (10,)),
    "lstm-imdb": ("model = keras.Sequential([keras.Input((200,)), layers.Embedding(20000, 128), layers.LSTM(64), layers.Dense(1)])",
                  None, None, 20000 * 128 + 4 * (64 * 128 + 64 * 64 + 64) + 65, None, 0, (1,)),
    "gru-reset-after": ("m = Sequential([Input((10, 8)), GRU(16)])", None, None, 3 * (16 * 8 + 16 * 16 + 2 * 16), None, 0, (16,)),
    "gru-reset-before": ("m = Sequential([Input((10, 8)), GRU(16, reset_after=False)])", None, None, 3 * (16 * 8 + 16 * 16 + 16), None, 0, (16,)),
    "free-names-bound": ("model = Sequential([Input(input_shape), Dense(num_classes)])", None, {"num_classes": 3, "input_shape": [4]}, 15, 15, 0, (3,)),
    "input-shape-param": ("model = Sequential([Dense(3)])", [4], None, 15, 15, 0, (3,)),
    "keras-bidirectional-lstm-imdb": (BIDIRECTIONAL_IMDB, None, {"max_features": 20000}, 2757761, None, 0, (1,)),
    "time-distributed": ("m = Sequential([Input((5, 6, 6, 1)), TimeDistributed(Conv2D(2, 3)), TimeDistributed(Flatten()), LSTM(3)])",
                         None, None, 20 + 4 * (3 * 32 + 3 * 3 + 3), None, 0, (3,)),
    "keras-functional-mnist": (FUNCTIONAL_MNIST, None, None, 55050, 55050, 0, (10,)),
    "preprocessing": ("m = Sequential([Input((8, 8, 3)), Normalization(), Rescaling(1. / 255), Resizing(4, 6), RandomFlip(),\n"
                      "    CenterCrop(2, 3), Permute((2, 1, 3)), Flatten(), Dense(2)])", None, None, 45, 38, 7, (2,)),
    "conv3d": ("m = Sequential([Input((6, 6, 6, 2)), Conv3D(4, 3), MaxPooling3D(), Conv3DTranspose(2, 2), ZeroPadding3D(1),\n"
               "    Cropping3D(1), UpSampling3D(), GlobalAveragePooling3D()])", None, None, 286, 286, 0, (2,)),
    "vgg-small-input": ("input (32 x 32 RGB image), conv3-8, maxpool, conv1-4, LRN, FC-10, soft-max", None, None, 224 + 36 + 10250, None, 0, (10,)),
}  # fmt: skip


@pytest.mark.parametrize("case", list(CLASSICS), ids=list(CLASSICS))
def test_classic_models(case):
    model, shape, bindings, total, trainable, frozen, out = CLASSICS[case]
    spec = analyse(model, shape, bindings)
    assert spec.total == total
    assert spec.trainable == (total - frozen if trainable is None else trainable)
    assert spec.non_trainable == frozen
    assert spec.output_shape == out


def test_mnist_convnet_layers_as_keras_summary():
    spec = analyse(MNIST_CONVNET)
    assert [(x.name, x.output_shape, x.params) for x in spec.layers] == [
        ("conv2d", (26, 26, 32), 320),
        ("max_pooling2d", (13, 13, 32), 0),
        ("conv2d_1", (11, 11, 64), 18496),
        ("max_pooling2d_1", (5, 5, 64), 0),
        ("flatten", (1600,), 0),
        ("dropout", (1600,), 0),
        ("dense", (10,), 16010),
    ]
    conv = spec.layers[0]
    assert conv.formula == "(3*3*1 + 1)*32 = 320"
    assert conv.line == 12
    assert dict(conv.config) == {
        "filters": 32, "kernel_size": (3, 3), "strides": (1, 1), "padding": "valid", "dilation_rate": (1, 1),
        "groups": 1, "activation": "relu", "use_bias": True,
    }  # fmt: skip
    assert dict(spec.layers[1].config) == {"pool_size": (2, 2), "strides": (2, 2), "padding": "valid"}


def test_vgg16_notation_equals_keras_code_layer_by_layer():
    a, b = analyse(VGG16_NOTATION), analyse(vgg16_keras())
    assert [(x.kind, x.output_shape, x.params) for x in a.layers] == [(x.kind, x.output_shape, x.params) for x in b.layers]
    assert a.source == "vgg" and b.source == "keras"
    assert a.layers[-1].config["activation"] == "softmax"
    assert a.layers[-2].config["activation"] == "relu"


def test_batch_norm_counts():
    spec = analyse("m = Sequential([Input((8, 8, 5)), BatchNormalization(), BatchNormalization(center=False, scale=False)])")
    bn, plain = spec.layers
    assert (bn.params, bn.trainable, bn.non_trainable) == (20, 10, 10)
    assert (plain.params, plain.trainable, plain.non_trainable) == (10, 0, 10)
    assert (bn.name, plain.name) == ("batch_normalization", "batch_normalization_1")


def test_frozen_layer_counts_as_non_trainable():
    spec = analyse("m = Sequential([Input((4,)), Dense(3, trainable=False), Dense(2)])")
    assert (spec.total, spec.trainable, spec.non_trainable) == (23, 8, 15)
    assert spec.layers[0].config["trainable"] is False


@pytest.mark.parametrize(
    "code,names",
    [
        ("m = Sequential([Input((4,)), Dense(3), Dense(3), Dense(2, name='out')])", ["dense", "dense_1", "out"]),
        ("m = Sequential([Input((6, 6, 2)), MaxPool2D(), ReLU(), LeakyReLU(), GlobalAveragePooling2D()])",
         ["max_pooling2d", "re_lu", "leaky_re_lu", "global_average_pooling2d"]),
        ("m = Sequential([Input((5, 3)), SimpleRNN(2, return_sequences=True), LSTM(2, return_sequences=True), GRU(2)])",
         ["simple_rnn", "lstm", "gru"]),
    ],
    ids=["counter-and-explicit", "snake-case", "rnn-names"],
)  # fmt: skip
def test_keras_names(code, names):
    assert [x.name for x in analyse(code).layers] == names


def test_layer_tables():
    tables = [
        {"type": "Input", "shape": [28, 28, 1]},
        {"type": "Conv2D", "filters": 32, "kernel_size": 3, "activation": "relu"},
        {"type": "MaxPool2D"},
        {"type": "Flatten"},
        {"type": "Dense", "units": 10, "activation": "softmax"},
    ]
    spec = analyse(tables)
    assert detect(tables) == "tables"
    assert [x.kind for x in spec.layers] == ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]
    assert spec.total == 320 + (13 * 13 * 32 + 1) * 10
    assert analyse(tables[1:], input_shape=[28, 28, 1]).total == spec.total


@pytest.mark.parametrize(
    "code",
    [
        "model = keras.Sequential([keras.layers.Dense(2, input_shape=(3,))])",
        "model = tf.keras.models.Sequential([tf.keras.layers.Dense(2, input_dim=3)])",
        "from keras.layers import *\nmodel = Sequential(layers=[Input(shape=(3,)), Dense(units=2)])",
        "model = Sequential()\nmodel.add(layers.InputLayer(input_shape=(3,)))\nmodel.add(layers.Dense(2))",
        "d = layers.Dense(2)\nmodel = keras.Sequential([keras.Input(batch_shape=(None, 3)), d])",
        "n_in, n_out = 3, 2\nclass Net:\n    def __init__(self):\n        self.model = Sequential()\n        self.model.add(Input((n_in,)))\n        self.model.add(Dense(n_out * 1))",
    ],
    ids=["input_shape-kw", "input_dim", "layers-kw", "InputLayer", "layer-variable", "self-attribute"],
)
def test_keras_code_styles(code):
    spec = analyse(code)
    assert (spec.total, spec.output_shape) == (8, (2,))


def test_free_name_message_lists_all_names():
    code = "model = Sequential([Input(input_shape), Dense(hidden), Dense(num_classes)])"
    with pytest.raises(ParamError) as err:
        analyse(code)
    msg = str(err.value)
    assert "input_shape, hidden, num_classes" in msg and "--bind" in msg and "bindings" in msg


def test_code_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    code = f"import os\nos.system('touch {marker}')\nmodel = Sequential([Input((3,)), Dense(int(os.system('touch {marker}')))])"
    with pytest.raises(ParamError, match="literal value"):
        analyse(code)
    assert not marker.exists()


@pytest.mark.parametrize(
    "model,input_shape,bindings,match",
    [
        ("model = Sequential([Input((3, 3, 1)), Conv2D(8, 5)])", None, None,
         r"layer 1 \(conv2d, line 1\): kernel 5x5 is larger than its input 3x3 \(shape \(3, 3, 1\), padding 'valid'\)"),
        ("model = Sequential([Input((9, 9, 1)), Conv2D(8, 3, dilation_rate=5)])", None, None, r"dilated span 11x11"),
        ("model = Sequential([Input((1, 1, 2)), MaxPooling2D()])", None, None, r"pool window 2x2 is larger"),
        ("model = Sequential([Input((4,)), Dense2(3)])", None, None, r"layer 1 \(Dense2, line 1\): unknown layer 'Dense2'. Did you mean 'Dense'"),
        ("model = Sequential([Input((4,)), Dense(3, activation='rleu')])", None, None, r"unknown activation 'rleu'.*Did you mean 'relu'"),
        ("model = Sequential([Input((4,)), Dense(unit=3)])", None, None, r"unknown argument 'unit' for Dense. Did you mean 'units'"),
        ("model = Sequential([Input((4,)), Dense('ten')])", None, None, r"layer 1 \(dense, line 1\): argument 'units': expected an integer >= 1, received 'ten'"),
        ("model = Sequential([Input((4,)), Dense(3), Conv2D(8, 3)])", None, None, r"layer 2 \(conv2d.*expects an input of rank 3 \(height, width, channels\), but its input shape is \(3,\)"),
        ("model = Sequential([Dense(3), Dense(2)])", None, None, r"input_shape=\[28,28,1\]"),
        ("model = Sequential([Input((4,)), Dense()])", None, None, r"missing required argument 'units'"),
        ("model = Sequential([Input((6,)), Reshape((4, 2))])", None, None, r"cannot reshape \(6,\) \(6 values\) into \(4, 2\)"),
        ("model = Sequential([Input((4, 4, 3)), Conv2D(4, 3, groups=2)])", None, None, r"divisible by groups"),
        ("model = Sequential([Input((9, 9, 1)), Conv2D(4, 3, strides=2, dilation_rate=2)])", None, None, r"strides > 1 cannot be combined"),
        ("model = Sequential([Input((4,)), Dense(3, name='a'), Dense(3, name='a')])", None, None, r"two layers are named 'a'"),
        ("model = Sequential([Input((4,)), Dense(3, *args)])", None, None, r"\*args"),
        ("model = Sequential([Input((4,)), Dense(3)])", [0, 2], None, r"input_shape"),
        ("print('hello')", None, None, r"no Sequential model found"),
        ("a = keras.Input((3,))\nb = layers.Dense(2)(a)\nc = layers.Add()([a, b])\nm = keras.Model(a, c)", None, None, r"layer 2 \(add, line 3\): a merge layer needs inputs of one shape"),
        ("a = keras.Input((3,))\nm = keras.Model(a, base.output)", None, None, r"functional keras.Model"),
        ("model = Sequential([Input((4,)), Dense(3)", None, None, r"Python code that parses \(line 1"),
        ("model = Sequential([Input((4,)), 3])", None, None, r"expected a layer call"),
        ([{"units": 3}], [4], None, r"model\[1\]"),
        ("conv3-64, maxpool, FC-10", [1, 1, 3], None, r"pool window 2x2 is larger"),
        ("VGG-17", None, None, r"VGG configuration"),
        (42, None, None, r"Keras or PyTorch code"),
        ("model = Sequential([Input(x_train.shape[1:]), Dense(3)])", None, None, r"input_shape"),
    ],
    ids=["kernel-too-big", "dilated-too-big", "pool-too-big", "unknown-layer", "unknown-activation", "unknown-arg",
         "bad-type", "rank", "no-input", "missing-arg", "reshape", "groups", "stride-dilation", "dup-name", "starargs",
         "bad-input-shape", "not-a-model", "functional-merge", "functional-unknown", "syntax", "not-a-call", "table-no-type", "vgg-too-small",
         "vgg-unknown", "not-text", "opaque-input"],
)  # fmt: skip
def test_bad_input_names_the_problem(model, input_shape, bindings, match):
    with pytest.raises(ParamError, match=match):
        analyse(model, input_shape, bindings)


def test_bindings_fill_input_when_code_has_none():
    spec = analyse("model = Sequential([Conv2D(4, 3)])", bindings={"input_shape": [5, 5, 2]})
    assert spec.layers[0].output_shape == (3, 3, 4)


def test_detect():
    assert detect("conv3-64, maxpool, FC-10") == "vgg"
    assert detect("import torch.nn as nn\nnet = nn.Sequential(nn.Linear(3, 2))") == "torch"
    assert detect("model = Sequential([Dense(2)])") == "keras"


def test_shape_neutral_arguments_pass_through_or_are_noted():
    code = (
        "m = Sequential([Embedding(1000, 8, input_length=10, mask_zero=True), LSTM(4, dropout=0.2),\n"
        "    Dense(3, kernel_initializer='he_normal', kernel_regularizer=regularizers.l2(0.01), activation=tf.nn.relu)])"
    )
    spec = analyse(code)
    emb, lstm, dense = spec.layers
    assert spec.input_shape == (10,) and emb.output_shape == (10, 8) and emb.params == 8000
    assert dict(emb.config) == {"input_dim": 1000, "output_dim": 8, "mask_zero": True}
    assert lstm.config["dropout"] == 0.2
    assert dict(dense.config) == {"units": 3, "activation": "relu", "use_bias": True, "kernel_initializer": "he_normal"}
    assert any("kernel_regularizer" in n for n in spec.notes)
    with pytest.raises(ParamError, match=r"layer 1 \(dense, line 1\): unknown argument 'dropout' for Dense"):
        analyse("m = Sequential([Input((4,)), Dense(3, dropout=0.2)])")


MANGLE_MODULE = """
import torch.nn as nn
class Net(nn.Module):
    def __init__(self, n=10):
        super().__init__()
        self.blocks = nn.ModuleList([nn.Linear(8, 8) for _ in range(3)])
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(8, n))
        for p in self.blocks[0].parameters():
            p.requires_grad = False
model = Net()
"""
MANGLE_FUNCTIONAL = """
import keras
from keras import layers
def block(x, f):
    y = layers.Conv2D(f, 3, padding="same")(x)
    return layers.Add()([x, y]) if x.shape[-1] == f else y
inputs = keras.Input((8, 8, 4))
x = block(inputs, 4)
x, h = layers.GRU(3, return_state=True)(layers.Reshape((64, 4))(x))
model = keras.Model(inputs, [x, h])
model.layers[1].trainable = False
"""


@pytest.mark.parametrize("source", ["keras", "vgg", "torch", "module", "functional"])
def test_mangled_models_raise_only_nnexam_errors(source):
    """Randomly damaged code or notation: a clear error or a result, never another exception."""
    import random

    from nnexam.questions.errors import NnexamError

    base = {"keras": MNIST_CONVNET, "vgg": VGG16_NOTATION,
            "torch": "import torch.nn as nn\nnet = nn.Sequential(nn.Conv2d(1, 8, 3), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(8*13*13, 10))",
            "module": MANGLE_MODULE, "functional": MANGLE_FUNCTIONAL}[source]  # fmt: skip
    tokens = ["(", ")", ",", "3", "-1", "None", "'same'", "x", "[", "]", "=", "0", "(3,)", "((1,2),)", "True", "1e9", "10**13", "'a'", "*", ".",
              "\n", "return", "break", ":", "self", "**", "lambda: 1", "del "]
    rng = random.Random(7)
    for _ in range(400):
        chars = list(base)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(chars))
            if rng.random() < 0.4:
                del chars[i]
            else:
                chars.insert(i, rng.choice(tokens))
        try:
            analyse("".join(chars), input_shape=[1, 28, 28] if source == "torch" else None)  # a result or a clear error
        except NnexamError:
            pass


LOOPED = """
import keras
from keras import layers

use_dropout = False

def build_model(input_shape, num_classes):
    model = keras.Sequential()
    model.add(keras.Input(shape=input_shape))
    for i, filters in enumerate([8, 16]):
        model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
        if i < 1:
            model.add(layers.BatchNormalization())
        model.add(layers.MaxPooling2D())
    model.add(layers.Flatten())
    for _ in range(2):
        model.add(layers.Dense(32, activation="relu"))
        if use_dropout:
            model.add(layers.Dropout(0.5))
    model.add(layers.Dense(num_classes, activation="softmax"))
    return model

model = build_model((16, 16, 3), 10)
model.compile(optimizer="adam", loss="categorical_crossentropy")
"""


def test_loops_and_literal_conditions_are_unrolled():
    spec = analyse(LOOPED, bindings={"input_shape": [16, 16, 3], "num_classes": 10})
    assert [x.name for x in spec.layers] == [
        "conv2d", "batch_normalization", "max_pooling2d", "conv2d_1", "max_pooling2d_1", "flatten", "dense", "dense_1", "dense_2",
    ]  # fmt: skip
    assert spec.total == 224 + 32 + (9 * 8 * 16 + 16) + (4 * 4 * 16 + 1) * 32 + 33 * 32 + 33 * 10
    assert spec.non_trainable == 16
    assert analyse(LOOPED).total == spec.total  # build_model((16, 16, 3), 10) is read with its arguments bound
    uncalled = analyse(LOOPED.replace("model = build_model((16, 16, 3), 10)", ""), bindings={"input_shape": [16, 16, 3], "num_classes": 10})
    assert uncalled.total == spec.total


def test_loop_over_unknown_values_is_named():
    code = "model = Sequential([Input((4,))])\nfor units in config['hidden']:\n    model.add(Dense(units))"
    with pytest.raises(ParamError, match=r"line 2: the loop over \"config\['hidden'\]\" decides how the model is built"):
        analyse(code)


def test_bindings_win_over_code_constants():
    code = "num_classes = 10\nmodel = Sequential([Input((4,)), Dense(num_classes)])"
    assert analyse(code).total == 50
    assert analyse(code, bindings={"num_classes": 3}).total == 15
