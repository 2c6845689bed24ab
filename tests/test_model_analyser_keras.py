"""Differential test: random Keras Sequential models, analysed from their code text, against Keras 3.

The generator below draws a blueprint (class, args, kwargs) per layer over the analyser's whole
vocabulary, writes it as code text in a random style (list or ``model.add``, ``layers.`` /
``keras.layers.`` / ``tf.keras.layers.`` / bare names, ``Input`` or ``input_shape=``), and the
test builds the same blueprint for real in Keras (our own trusted generated values, never
student text). Count: 100 models in CI; ``NNEXAM_DIFF_N`` raises it.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from typing import Any

import pytest
from nnexam.questions.model_analyser import analyse

N = int(os.environ.get("NNEXAM_DIFF_N", "100"))

Blueprint = list[tuple[str, tuple[Any, ...], dict[str, Any]]]


@dataclass(frozen=True)
class Nested:
    """A layer passed to a wrapper: Bidirectional(LSTM(3)), TimeDistributed(Dense(4))."""

    kind: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)

    def build(self):
        import keras

        return getattr(keras.layers, self.kind)(*self.args, **self.kwargs)


def _lit(v: Any) -> str:
    if isinstance(v, Nested):
        return f"layers.{v.kind}(" + ", ".join([_lit(a) for a in v.args] + [f"{k}={_lit(x)}" for k, x in v.kwargs.items()]) + ")"
    if isinstance(v, str):
        return repr(v)
    if isinstance(v, tuple):
        return "(" + ", ".join(_lit(x) for x in v) + ("," if len(v) == 1 else "") + ")"
    return repr(v)


def write_code(shape: tuple[int, ...], bp: Blueprint, rng: random.Random) -> str:
    prefix = rng.choice(["layers.", "keras.layers.", "tf.keras.layers.", ""])
    first_kw = rng.random() < 0.25
    calls = []
    for i, (kind, args, kwargs) in enumerate(bp):
        kw = dict(kwargs)
        if i == 0 and first_kw:
            kw["input_shape"] = shape
        calls.append(f"{prefix}{kind}(" + ", ".join([_lit(a) for a in args] + [f"{k}={_lit(v)}" for k, v in kw.items()]) + ")")
    head = "import tensorflow as tf\nfrom tensorflow import keras\nfrom tensorflow.keras import layers\n"
    if not first_kw and rng.random() < 0.2:  # functional API, one chain
        body = [f"x = inputs = keras.Input(shape={_lit(shape)})"] + [f"x = {c}(x)" for c in calls]
        return head + "\n".join(body) + "\nmodel = keras.Model(inputs, x)\n"
    inp = [] if first_kw else [f"keras.Input(shape={_lit(shape)})"]
    if rng.random() < 0.5:
        return head + "model = keras.Sequential([\n" + "".join(f"    {c},\n" for c in inp + calls) + "])\n"
    return head + "model = keras.Sequential()\n" + "".join(f"model.add({c})\n" for c in inp + calls)


def _conv_ok(size: int, k: int, d: int, pad: str) -> bool:
    return pad != "valid" or d * (k - 1) + 1 <= size


def random_model(rng: random.Random) -> tuple[tuple[int, ...], Blueprint]:
    """A valid random model: each step picks a layer fitting the current shape."""
    start = rng.choice(["image", "image", "seq", "flat", "tokens"])
    if start == "image":
        shape: list[int] = [rng.randint(5, 16), rng.randint(5, 16), rng.randint(1, 4)]
    elif start == "seq":
        shape = [rng.randint(4, 12), rng.randint(1, 6)]
    else:
        shape = [rng.randint(2, 30)] if start == "flat" else [rng.randint(3, 10)]
    input_shape = tuple(shape)
    bp: Blueprint = []
    if start == "tokens":
        dim = rng.randint(2, 6)
        bp.append(("Embedding", (rng.randint(5, 50), dim), {}))
        shape = shape + [dim]
    for _ in range(rng.randint(1, 6)):
        if len(shape) == 3:
            step = _image_layer(rng, shape)
        elif len(shape) == 2:
            step = _seq_layer(rng, shape)
        else:
            step = _flat_layer(rng, shape)
        if step is None:
            continue
        layer, shape = step
        bp.append(layer)
    if len(shape) > 1 and rng.random() < 0.7:
        bp.append(("Flatten", (), {}))
        shape = [_prod(shape)]
    bp.append(("Dense", (rng.randint(1, 10),), {"activation": rng.choice(["softmax", "linear", "sigmoid"])}))
    return input_shape, bp


def _prod(shape: list[int]) -> int:
    out = 1
    for v in shape:
        out *= v
    return out


def _image_layer(rng: random.Random, s: list[int]) -> tuple[tuple[str, tuple, dict], list[int]] | None:
    h, w, c = s
    pick = rng.choice(["conv", "conv", "depthwise", "separable", "transpose", "pool", "pool", "pad", "up", "crop",
                       "bn", "act", "global", "reshape", "dropout", "preprocess", "resize", "permute"])  # fmt: skip
    if pick == "preprocess":
        return rng.choice([("Rescaling", (0.5,), {}), ("RandomFlip", (), {}), ("Normalization", (), {}), ("GaussianNoise", (0.1,), {})]), s
    if pick == "resize":
        if min(h, w) < 2:
            return None
        nh, nw = rng.randint(2, h), rng.randint(2, w)
        return (rng.choice(["Resizing", "CenterCrop"]), (nh, nw), {}), [nh, nw, c]
    if pick == "permute":
        return ("Permute", ((2, 1, 3),), {}), [w, h, c]
    if pick in ("conv", "depthwise", "separable", "transpose"):
        k = rng.choice([1, 2, 3, 3, 5])
        pad = rng.choice(["valid", "same"])
        d = rng.choice([1, 1, 2]) if pick != "transpose" else 1
        st = 1 if d > 1 else rng.choice([1, 1, 2])
        if not (_conv_ok(h, k, d, pad) and _conv_ok(w, k, d, pad)):
            return None
        kw: dict[str, Any] = {"padding": pad}
        if st > 1:
            kw["strides"] = st
        if d > 1:
            kw["dilation_rate"] = d
        if rng.random() < 0.2:
            kw["use_bias"] = False
        span = d * (k - 1) + 1
        oh, ow = ((-(-h // st), -(-w // st)) if pad == "same" else ((h - span) // st + 1, (w - span) // st + 1))
        if pick == "conv":
            g = rng.choice([g for g in (1, 1, 2, 3) if c % g == 0])
            f = g * rng.randint(1, 4)
            if g > 1:
                kw["groups"] = g
            return ("Conv2D", (f, k), {**kw, "activation": rng.choice(["relu", "linear"])}), [oh, ow, f]
        if pick == "depthwise":
            dm = rng.choice([1, 2])
            return ("DepthwiseConv2D", (k,), {**kw, "depth_multiplier": dm}), [oh, ow, c * dm]
        if pick == "separable":
            f = rng.randint(1, 6)
            return ("SeparableConv2D", (f, (k, k)), {**kw, "depth_multiplier": rng.choice([1, 2])}), [oh, ow, f]
        f = rng.randint(1, 6)
        th, tw = ((h * st, w * st) if pad == "same" else (h * st + max(k - st, 0), w * st + max(k - st, 0)))
        return ("Conv2DTranspose", (f, k), kw), [th, tw, f]
    if pick == "pool":
        p = rng.choice([2, 3])
        st = rng.choice([None, 1, 2])
        pad = rng.choice(["valid", "same"])
        stride = st or p
        if pad == "valid" and (p > h or p > w):
            return None
        kind = rng.choice(["MaxPooling2D", "AveragePooling2D", "MaxPool2D", "AvgPool2D"])
        kw = {"pool_size": p, "padding": pad} if st is None else {"pool_size": (p, p), "strides": st, "padding": pad}
        oh, ow = ((-(-h // stride), -(-w // stride)) if pad == "same" else ((h - p) // stride + 1, (w - p) // stride + 1))
        return (kind, (), kw), [oh, ow, c]
    if pick == "pad":
        a, b = rng.randint(0, 2), rng.randint(0, 2)
        return ("ZeroPadding2D", (((a, b), (b, a)),), {}), [h + a + b, w + a + b, c]
    if pick == "up":
        if h * w > 200:
            return None
        return ("UpSampling2D", (2,), {}), [2 * h, 2 * w, c]
    if pick == "crop":
        if h < 4 or w < 4:
            return None
        return ("Cropping2D", ((1, 1),), {}), [h - 2, w - 2, c]
    if pick == "bn":
        kw = {"center": False} if rng.random() < 0.2 else {}
        return ("BatchNormalization", (), kw), s
    if pick == "act":
        return rng.choice([("ReLU", (), {}), ("LeakyReLU", (), {"negative_slope": 0.1}), ("Activation", ("tanh",), {})]), s
    if pick == "global":
        kind = rng.choice(["GlobalAveragePooling2D", "GlobalMaxPooling2D"])
        if rng.random() < 0.2:
            return (kind, (), {"keepdims": True}), [1, 1, c]
        return (kind, (), {}), [c]
    if pick == "reshape":
        return ("Reshape", ((-1, c),), {}), [h * w, c]
    return (rng.choice(["Dropout", "SpatialDropout2D"]), (0.25,), {}), s


def _seq_layer(rng: random.Random, s: list[int]) -> tuple[tuple[str, tuple, dict], list[int]] | None:
    t, f = s
    pick = rng.choice(["conv", "pool", "rnn", "rnn", "dense", "global", "pad", "up", "bn", "bidir", "timedist"])
    if pick == "bidir":
        units, seqs = rng.randint(1, 5), rng.random() < 0.5
        inner = Nested(rng.choice(["SimpleRNN", "LSTM", "GRU"]), (units,), {"return_sequences": True} if seqs else {})
        mode = rng.choice(["concat", "sum", "ave"])
        width = 2 * units if mode == "concat" else units
        return ("Bidirectional", (inner,), {"merge_mode": mode}), ([t, width] if seqs else [width])
    if pick == "timedist":
        n = rng.randint(1, 5)
        return ("TimeDistributed", (Nested("Dense", (n,)),), {}), [t, n]
    if pick == "conv":
        k = rng.choice([1, 2, 3])
        pad = rng.choice(["valid", "same", "causal"])
        if pad == "valid" and k > t:
            return None
        n = rng.randint(1, 6)
        return ("Conv1D", (n, k), {"padding": pad}), [t - k + 1 if pad == "valid" else t, n]
    if pick == "pool":
        if t < 2:
            return None
        return (rng.choice(["MaxPooling1D", "AveragePooling1D"]), (2,), {}), [t // 2, f]
    if pick == "rnn":
        units, seqs = rng.randint(1, 6), rng.random() < 0.5
        kind = rng.choice(["SimpleRNN", "LSTM", "GRU"])
        kw: dict[str, Any] = {"return_sequences": True} if seqs else {}
        if kind == "GRU" and rng.random() < 0.3:
            kw["reset_after"] = False
        return (kind, (units,), kw), ([t, units] if seqs else [units])
    if pick == "dense":
        n = rng.randint(1, 8)
        return ("Dense", (n,), {}), [t, n]
    if pick == "global":
        return (rng.choice(["GlobalAveragePooling1D", "GlobalMaxPooling1D"]), (), {}), [f]
    if pick == "pad":
        p = rng.randint(1, 2)
        return ("ZeroPadding1D", (p,), {}), [t + 2 * p, f]
    if pick == "up":
        return ("UpSampling1D", (2,), {}), [2 * t, f]
    return ("LayerNormalization", (), {}), s


def _flat_layer(rng: random.Random, s: list[int]) -> tuple[tuple[str, tuple, dict], list[int]] | None:
    (n,) = s
    pick = rng.choice(["dense", "dense", "bn", "dropout", "act", "reshape", "repeat", "prelu"])
    if pick == "dense":
        u = rng.randint(1, 20)
        return ("Dense", (u,), {"activation": rng.choice(["relu", "tanh", None]), "use_bias": rng.random() < 0.8}), [u]
    if pick == "bn":
        return ("BatchNormalization", (), {"scale": rng.random() < 0.8}), s
    if pick == "dropout":
        return ("Dropout", (rng.choice([0.1, 0.5]),), {}), s
    if pick == "act":
        return rng.choice([("Softmax", (), {}), ("Activation", ("relu",), {}), ("ReLU", (), {"max_value": 6.0})]), s
    if pick == "reshape":
        for a in (2, 3, 4):
            if n % a == 0 and n > a:
                return ("Reshape", ((a, n // a),), {}), [a, n // a]
        return None
    if pick == "repeat":
        r = rng.randint(2, 4)
        return ("RepeatVector", (r,), {}), [r, n]
    return ("PReLU", (), {}), s


def fresh_names() -> None:
    """Restart Keras' per-class name counters (dense, dense_1, ...) without clear_session's slow gc."""
    from keras.src.utils.naming import reset_uids

    reset_uids()


def build_keras(input_shape: tuple[int, ...], bp: Blueprint):
    import keras

    fresh_names()
    built = [getattr(keras.layers, k)(*[x.build() if isinstance(x, Nested) else x for x in a], **kw) for k, a, kw in bp]
    return keras.Sequential([keras.Input(shape=input_shape)] + built)


def _weights(ws) -> int:
    import math

    return sum(math.prod(w.shape) for w in ws)


def compare(spec, model) -> None:
    rows = [x for x in spec.layers if x.kind != "InputLayer"]  # a functional model's summary lists its Input
    assert len(rows) == len(model.layers)
    for mine, theirs in zip(rows, model.layers):
        assert mine.name == theirs.name
        assert mine.output_shape == tuple(theirs.output.shape[1:]), mine.name
        assert mine.params == theirs.count_params(), mine.name
        assert mine.trainable == _weights(theirs.trainable_weights), mine.name
        assert mine.non_trainable == _weights(theirs.non_trainable_weights), mine.name
    assert spec.total == model.count_params()


def rebuild_from_spec(spec):
    """What a backend does: build each layer from kind + normalised config alone."""
    import keras

    fresh_names()
    def make(kind: str, config: dict[str, Any], **extra: Any):
        nested = {k: make(v["class_name"], v["config"]) for k, v in config.items() if isinstance(v, dict) and "class_name" in v}
        return getattr(keras.layers, kind)(**{**config, **nested}, **extra)

    layers = [make(layer.kind, dict(layer.config), name=layer.name) for layer in spec.layers if layer.kind != "InputLayer"]
    return keras.Sequential([keras.Input(shape=spec.input_shape)] + layers)


@pytest.mark.keras
@pytest.mark.parametrize("chunk", range(4), ids=lambda c: f"chunk{c}")
def test_random_models_match_keras(chunk):
    count = 0
    for seed in range(chunk, 10 * N, 4):
        if count >= N // 4:
            break
        rng = random.Random(seed)
        input_shape, bp = random_model(rng)
        code = write_code(input_shape, bp, rng)
        spec = analyse(code)
        model = build_keras(input_shape, bp)
        try:
            compare(spec, model)
            compare(spec, rebuild_from_spec(spec))
        except AssertionError as err:
            raise AssertionError(f"seed {seed}\n{code}") from err
        count += 1
    assert count == N // 4


@pytest.mark.keras
@pytest.mark.parametrize("case", ["keras-mnist-convnet", "lenet5", "resnet-style-no-skips", "lstm-imdb", "gru-reset-before",
                                  "vgg-small-input", "keras-bidirectional-lstm-imdb", "time-distributed", "keras-functional-mnist",
                                  "preprocessing", "conv3d"])
def test_classic_models_rebuilt_in_keras(case):
    from test_model_analyser import CLASSICS

    model, shape, bindings, *_ = CLASSICS[case]
    spec = analyse(model, shape, bindings)
    if case == "vgg-small-input":  # LRN has no Keras layer: check the rest
        spec = type(spec)(spec.source, spec.input_shape, tuple(x for x in spec.layers if x.kind != "LRN"))
    compare(spec, rebuild_from_spec(spec))


@pytest.mark.keras
@pytest.mark.slow
def test_vgg16_equals_keras_applications():
    import keras
    from test_model_analyser import VGG16_NOTATION

    ref = keras.applications.VGG16(weights=None)
    spec = analyse(VGG16_NOTATION)
    assert ref.count_params() == spec.total == 138357544
    theirs = [x for x in ref.layers if x.__class__.__name__ != "InputLayer"]
    assert [tuple(x.output.shape[1:]) for x in theirs] == [x.output_shape for x in spec.layers]
    assert [x.count_params() for x in theirs] == [x.params for x in spec.layers]


@pytest.mark.keras
@pytest.mark.parametrize(
    "input_shape,layer",
    [((3, 3, 1), ("Conv2D", (2, 4), {})), ((7, 7, 1), ("Conv2D", (2, 3), {"dilation_rate": 4})), ((1, 1, 2), ("MaxPooling2D", (), {})),
     ((4,), ("Conv2D", (2, 3), {})), ((5, 2), ("Conv1D", (2, 6), {}))],
    ids=["kernel", "dilated", "pool", "rank", "conv1d"],
)  # fmt: skip
def test_invalid_models_fail_in_both(input_shape, layer):
    from nnexam.questions.errors import ParamError

    with pytest.raises(ParamError, match=r"layer 1 \("):
        analyse(write_code(input_shape, [layer], random.Random(0)))
    with pytest.raises((ValueError, TypeError)):
        build_keras(input_shape, [layer])


# Keras code in course-notebook styles beyond Sequential lists: subclassed models (built by a call on
# data), freezing and pop() after construction, helpers that add to a model, a frozen Sequential
# used as a layer, shared layers over two inputs.
KERAS_CODE = {
"subclass": """
import keras
from keras import layers
class MyModel(keras.Model):
    def __init__(self, num_classes=10):
        super().__init__()
        self.conv = layers.Conv2D(8, 3, activation="relu")
        self.pool = layers.GlobalAveragePooling2D()
        self.blocks = [layers.Dense(16, activation="relu") for _ in range(2)]
        self.out = layers.Dense(num_classes)
        self.drop = layers.Dropout(0.5)
    def call(self, inputs, training=False):
        x = self.pool(self.conv(inputs))
        for b in self.blocks:
            x = b(x)
        if training:
            x = self.drop(x, training=training)
        return self.out(x)
model = MyModel()
model(keras.ops.zeros((2, 28, 28, 1)))
""",
"freeze-pop": """
import keras
from keras import layers
model = keras.Sequential([keras.Input((20,)), layers.Dense(32), layers.BatchNormalization(), layers.Dense(16), layers.Dense(4)])
model.pop()
model.add(layers.Dense(3, activation="softmax"))
model.layers[0].trainable = False
for layer in model.layers[1:2]:
    layer.trainable = False
""",
"base-trainable": """
import keras
from keras import layers
base = keras.Sequential([layers.Conv2D(8, 3), layers.BatchNormalization(), layers.Conv2D(8, 3)], name="base")
base.trainable = False
inputs = keras.Input((16, 16, 3))
x = base(inputs, training=False)
x = layers.GlobalAveragePooling2D()(x)
outputs = layers.Dense(2)(x)
model = keras.Model(inputs, outputs)
""",
"helper-add": """
from tensorflow import keras
from tensorflow.keras import layers
def conv_block(m, f):
    m.add(layers.Conv2D(f, 3, padding="same", activation="relu"))
    m.add(layers.MaxPooling2D())
def make_base():
    m = keras.Sequential()
    m.add(keras.Input((32, 32, 3)))
    return m
model = make_base()
for f in [16, 32]:
    conv_block(model, f)
model.add(layers.Flatten())
model.add(layers.Dense(10))
""",
"subclass-layer-block": """
import keras
from keras import layers
class Block(keras.Model):
    def __init__(self, f):
        super().__init__()
        self.c1 = layers.Conv2D(f, 3, padding="same")
        self.bn = layers.BatchNormalization()
    def call(self, x):
        return keras.activations.relu(self.bn(self.c1(x)))
class Net(keras.Model):
    def __init__(self):
        super().__init__()
        self.b1 = Block(8)
        self.b2 = Block(16)
        self.head = layers.Dense(3)
        self.gap = layers.GlobalAveragePooling2D()
    def call(self, x):
        return self.head(self.gap(self.b2(self.b1(x))))
model = Net()
model(keras.ops.zeros((1, 12, 12, 3)))
""",
"shared-embedding-two-inputs": """
import keras
from keras import layers
a = keras.Input((10,), dtype="int32")
b = keras.Input((10,), dtype="int32")
emb = layers.Embedding(100, 8)
lstm = layers.LSTM(16)
x = layers.concatenate([lstm(emb(a)), lstm(emb(b))])
out = layers.Dense(1, activation="sigmoid")(x)
model = keras.Model(inputs=[a, b], outputs=out)
""",
}


KERAS_CODE["custom-layer-functional"] = """
import keras
from keras import layers
class Linear(layers.Layer):
    def __init__(self, units=32):
        super().__init__()
        self.units = units
    def build(self, input_shape):
        self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=False)
    def call(self, inputs):
        return keras.ops.matmul(inputs, self.w) + self.b
inputs = keras.Input((10,))
x = Linear(4)(inputs)
x = layers.Dense(3)(x)
model = keras.Model(inputs, Linear(2)(x))
"""


KERAS_CODE["channels-first-layers"] = """
import keras
from keras import layers
model = keras.Sequential([keras.Input((3, 32, 28)), layers.Conv2D(8, 3, data_format="channels_first"), layers.BatchNormalization(axis=1),
    layers.MaxPooling2D(2, data_format="channels_first"), layers.ZeroPadding2D(1, data_format="channels_first"),
    layers.Conv2D(4, 3, strides=2, padding="same", data_format="channels_first"),
    layers.GlobalAveragePooling2D(data_format="channels_first", keepdims=True), layers.Flatten(), layers.Dense(2)])
"""


@pytest.mark.keras
@pytest.mark.parametrize("case", list(KERAS_CODE), ids=list(KERAS_CODE))
def test_keras_code_matches_keras(case):
    import textwrap

    import keras

    code = textwrap.dedent(KERAS_CODE[case]).replace("from tensorflow import keras", "import keras").replace("tensorflow.keras", "keras")
    keras.backend.clear_session()
    ns: dict = {}
    exec(code, ns)  # noqa: S102 - the test's own code, to get Keras' counts
    model = ns["model"]
    spec = analyse(code)
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    assert (spec.total, spec.trainable) == (model.count_params(), trainable)
    assert [x.name for x in spec.layers if x.kind != "InputLayer"] == [x.name for x in model.layers if type(x).__name__ != "InputLayer"]




APPS = [
    ("VGG16", "include_top=False, input_shape=(64, 64, 3), pooling='max'"),
    ("ResNet50", "include_top=False, input_shape=(64, 64, 3), pooling='avg'"),
    ("ResNet50V2", "include_top=True, classes=5, input_shape=(64, 80, 3)"),
    ("MobileNetV2", "include_top=False, input_shape=(96, 96, 3)"),
    ("DenseNet121", "include_top=True, classes=7, input_shape=(64, 64, 3)"),
    ("EfficientNetB0", "include_top=False, input_shape=(64, 64, 3), pooling='avg'"),
    ("MobileNetV3Small", "include_top=True, classes=4, input_shape=(64, 64, 3)"),
    ("ConvNeXtTiny", "include_top=False, input_shape=(64, 64, 3), pooling='max'"),
]
SLOW_APPS = [("ResNet152", "include_top=True"), ("EfficientNetB3", "include_top=True, classes=3, input_shape=(96, 96, 3)"),
             ("Xception", "include_top=False, input_shape=(96, 96, 3)"), ("InceptionV3", "include_top=True, classes=5, input_shape=(96, 96, 3)")]


def _app_matches(name: str, kwargs: str) -> None:
    import keras

    keras.backend.clear_session()
    real = eval(f"keras.applications.{name}(weights=None, {kwargs})")  # noqa: S307 - the test's own literal
    spec = analyse(f"import keras\nbase = keras.applications.{name}(weights=None, {kwargs})")
    assert (spec.total, spec.trainable) == (real.count_params(), sum(int(w.numpy().size) for w in real.trainable_weights))
    assert [x.name for x in spec.layers] == [x.name for x in real.layers] and spec.name == real.name
    assert [x.output_shape for x in spec.layers] == [tuple(x.output.shape[1:]) for x in real.layers]
    assert [x.params for x in spec.layers] == [x.count_params() for x in real.layers]


@pytest.mark.keras
@pytest.mark.parametrize("name,kwargs", APPS, ids=[a for a, _ in APPS])
def test_applications_equal_keras(name, kwargs):
    _app_matches(name, kwargs)


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.parametrize("name,kwargs", SLOW_APPS, ids=[f"{a}-{i}" for i, (a, _) in enumerate(SLOW_APPS)])
def test_large_applications_equal_keras(name, kwargs):
    _app_matches(name, kwargs)


def test_transfer_learning_counts_the_frozen_base_once():
    code = """
base = keras.applications.VGG16(weights="imagenet", include_top=False, input_shape=(224, 224, 3))
base.trainable = False
model = Sequential([base, Flatten(), Dense(256), Dense(10)])
"""
    spec = analyse(code)
    assert [x.name for x in spec.layers] == ["vgg16", "flatten", "dense", "dense_1"]
    assert spec.layers[0].params == 14714688 and spec.non_trainable == 14714688
    assert spec.trainable == (7 * 7 * 512 + 1) * 256 + 257 * 10 and not spec.chain
