"""Keras layer semantics where a plausible reading gives a wrong count: Dense on a 3-D/4-D tensor, GRU
``reset_after=False``, ``Normalization`` statistics, BatchNormalization on another axis, freezing by
name, a parent frozen before its children are unfrozen, custom layers with ``add_weight``."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def K(id: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"keras-sem-{id}", framework="keras", source=dedent(source), pattern=pattern, **kw)


CASES: list[Case] = [
    K("dense-on-sequence", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((10, 16)), layers.Dense(8), layers.Dense(4)])
    """, "layer-semantics"),
    K("dense-on-feature-map", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((7, 7, 32)), layers.Dense(5), layers.GlobalAveragePooling2D(), layers.Dense(2)])
    """, "layer-semantics"),
    K("gru-reset-after-false", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((12, 6)), layers.GRU(10, reset_after=False), layers.Dense(1)])
    """, "layer-semantics"),
    K("gru-default-vs-lstm", """
        from tensorflow import keras
        from tensorflow.keras import layers
        model = keras.Sequential([
            keras.Input((20, 4)),
            layers.GRU(16, return_sequences=True),
            layers.LSTM(8, return_sequences=True),
            layers.SimpleRNN(4),
        ])
    """, "layer-semantics"),
    K("normalization-unadapted", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((9,)), layers.Normalization(), layers.Dense(4), layers.Dense(1)])
    """, "layer-semantics"),
    K("batchnorm-axis-1", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((6, 20)), layers.BatchNormalization(axis=1), layers.Flatten(), layers.Dense(3)])
    """, "layer-semantics"),
    K("layernorm-two-axes", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((5, 8)), layers.LayerNormalization(axis=[1, 2]), layers.Flatten(), layers.Dense(2)])
    """, "layer-semantics"),
    K("conv-channels-first-layer", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((3, 32, 32)),
            layers.Conv2D(8, 3, data_format="channels_first"),
            layers.MaxPooling2D(2, data_format="channels_first"),
            layers.Flatten(),
            layers.Dense(10),
        ])
    """, "layer-semantics"),
    K("conv-rect-kernel-dilation", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((40, 30, 2)),
            layers.Conv2D(filters=12, kernel_size=(3, 5), strides=(2, 1), padding="valid"),
            layers.Conv2D(6, 3, dilation_rate=2, padding="same"),
            layers.UpSampling2D(size=(2, 3)),
            layers.Flatten(),
            layers.Dense(2),
        ])
    """, "layer-semantics"),
    K("conv1d-groups", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((50, 8)), layers.Conv1D(16, 3, groups=4), layers.GlobalMaxPooling1D(), layers.Dense(1)])
    """, "layer-semantics"),
    K("bidirectional-merge-sum", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((15, 4)),
            layers.Bidirectional(layers.LSTM(8, return_sequences=True), merge_mode="sum"),
            layers.Bidirectional(layers.GRU(6), merge_mode="concat"),
            layers.Dense(2),
        ])
    """, "layer-semantics"),
    K("reshape-permute-repeat", """
        import keras
        from keras import layers
        inputs = keras.Input((64,))
        x = layers.Dense(7 * 7 * 4)(inputs)
        x = layers.Reshape((7, 7, 4))(x)
        x = layers.Conv2DTranspose(2, 3, strides=2, padding="same")(x)
        x = layers.Reshape((14, 28))(x)
        x = layers.Permute((2, 1))(x)
        x = layers.Dense(3)(x)
        model = keras.Model(inputs, x)
    """, "layer-semantics"),
    K("none-spatial-input", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((None, None, 3)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.Conv2D(32, 3, strides=2, activation="relu"),
            layers.GlobalAveragePooling2D(),
            layers.Dense(5),
        ])
    """, "layer-semantics"),
    K("freeze-by-name", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((28, 28, 1)),
            layers.Conv2D(8, 3),
            layers.Conv2D(8, 3),
            layers.Flatten(),
            layers.Dense(10),
        ])
        for layer in model.layers:
            if "conv" in layer.name:
                layer.trainable = False
    """, "freeze-after"),
    K("freeze-get-layer-index", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(8), layers.Dense(1)])
        model.get_layer(index=1).trainable = False
    """, "freeze-after"),
    K("parent-frozen-child-unfrozen", """
        import keras
        from keras import layers
        base = keras.Sequential([keras.Input((6,)), layers.Dense(12), layers.Dense(12)])
        base.trainable = False
        base.layers[-1].trainable = True
        model = keras.Sequential([base, layers.Dense(2)])
    """, "base-trainable"),
    K("freeze-isinstance-bn", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((16,)),
            layers.Dense(32), layers.BatchNormalization(),
            layers.Dense(32), layers.BatchNormalization(),
            layers.Dense(1),
        ])
        for layer in model.layers:
            if isinstance(layer, layers.BatchNormalization):
                layer.trainable = False
    """, "freeze-after"),
    K("same-layer-two-models", """
        import keras
        from keras import layers
        shared = layers.Dense(6)
        aux = keras.Sequential([keras.Input((3,)), shared])
        model = keras.Sequential([keras.Input((3,)), shared, layers.Dense(1)])
    """, "shared-layer"),
    K("custom-layer-add-weight", """
        import keras
        from keras import layers

        class Linear(layers.Layer):
            def __init__(self, units=32):
                super().__init__()
                self.units = units

            def build(self, input_shape):
                self.w = self.add_weight(shape=(input_shape[-1], self.units), initializer="random_normal", trainable=True)
                self.b = self.add_weight(shape=(self.units,), initializer="zeros", trainable=True)

            def call(self, inputs):
                return keras.ops.matmul(inputs, self.w) + self.b

        model = keras.Sequential([keras.Input((10,)), Linear(4), layers.Dense(1)])
    """, "custom-layer"),
    K("custom-layer-non-trainable-weight", """
        import keras
        from keras import layers

        class Counter(layers.Layer):
            def build(self, input_shape):
                self.total = self.add_weight(shape=(input_shape[-1],), initializer="zeros", trainable=False)

            def call(self, x):
                return x

        model = keras.Sequential([keras.Input((7,)), Counter(), layers.Dense(2)])
    """, "custom-layer"),
    K("embedding-mask-zero-3d-dense", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((30,)),
            layers.Embedding(input_dim=2000, output_dim=24, mask_zero=True),
            layers.Dense(12),
            layers.GlobalAveragePooling1D(),
            layers.Dense(1),
        ])
    """, "layer-semantics"),
    K("depthwise-multiplier-separable", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((20, 20, 6)),
            layers.SeparableConv2D(12, 3, depth_multiplier=2, use_bias=False),
            layers.DepthwiseConv2D((3, 3), depth_multiplier=3),
            layers.Flatten(),
            layers.Dense(1),
        ])
    """, "layer-semantics"),
]

CASES += [
    K("closure-block", """
        import keras
        from keras import layers

        def conv_block(filters, name):
            def apply(x):
                x = layers.Conv2D(filters, 3, padding="same", name=name + "_conv")(x)
                x = layers.BatchNormalization(name=name + "_bn")(x)
                return layers.Activation("relu", name=name + "_relu")(x)
            return apply

        inputs = keras.Input((32, 32, 3))
        x = conv_block(16, "b1")(inputs)
        x = conv_block(32, "b2")(x)
        outputs = layers.Dense(10)(layers.GlobalAveragePooling2D()(x))
        model = keras.Model(inputs, outputs)
    """, "helper-def"),
    K("layer-list-reused", """
        import keras
        from keras import layers
        stack = [layers.Dense(8, activation="relu"), layers.Dense(8)]
        a = keras.Input((8,))
        b = keras.Input((8,))
        xa, xb = a, b
        for layer in stack:
            xa = layer(xa)
            xb = layer(xb)
        model = keras.Model([a, b], layers.Dense(1)(layers.concatenate([xa, xb])))
    """, "shared-layer"),
    K("len-of-literal-and-ifexp", """
        import keras
        from keras import layers
        class_names = ["cat", "dog", "bird", "fish"]
        binary = False
        model = keras.Sequential([
            keras.Input((64,)),
            layers.Dense(32, activation="relu"),
            layers.Dense(1 if binary else len(class_names), activation="sigmoid" if binary else "softmax"),
        ])
    """, "layer-semantics"),
    K("dict-config", """
        import keras
        from keras import layers
        config = {"units": [64, 32], "dropout": 0.2, "classes": 5}
        model = keras.Sequential()
        model.add(keras.Input((100,)))
        for u in config["units"]:
            model.add(layers.Dense(u, activation="relu"))
            model.add(layers.Dropout(config["dropout"]))
        model.add(layers.Dense(config["classes"]))
    """, "layer-semantics"),
    K("convlstm2d", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((5, 16, 16, 1)),
            layers.ConvLSTM2D(8, 3, padding="same", return_sequences=False),
            layers.Flatten(),
            layers.Dense(2),
        ])
    """, "layer-semantics"),
    K("cut-at-layer-output", """
        import keras
        from keras import layers
        full = keras.Sequential([keras.Input((20,)), layers.Dense(16), layers.Dense(8), layers.Dense(2)])
        model = keras.Model(inputs=full.inputs, outputs=full.layers[-2].output)
    """, "model-as-layer"),
    K("vgg16-truncated-by-name", """
        from keras.applications import VGG16
        from keras.models import Model
        base = VGG16(weights="imagenet", include_top=False, input_shape=(224, 224, 3))
        model = Model(inputs=base.input, outputs=base.get_layer("block4_pool").output)
    """, "transfer"),
    K("vgg16-fc2-features", """
        import keras
        vgg = keras.applications.VGG16(weights="imagenet")
        model = keras.Model(inputs=vgg.input, outputs=vgg.get_layer("fc2").output)
    """, "transfer"),
]

CASES += [
    K("dead-branch-not-in-model", """
        import keras
        from keras import layers
        inputs = keras.Input((16,))
        x = layers.Dense(32, activation="relu")(inputs)
        probe = layers.Dense(100)(x)  # computed while experimenting, not an output
        outputs = layers.Dense(3)(x)
        model = keras.Model(inputs, outputs)
    """, "layer-semantics"),
    K("unused-layer-object", """
        import keras
        from keras import layers
        extra = layers.Dense(50)
        inputs = keras.Input((10,))
        outputs = layers.Dense(2)(layers.Dense(6)(inputs))
        model = keras.Model(inputs=inputs, outputs=outputs)
    """, "layer-semantics"),
    K("layer-class-aliases", """
        import keras.layers as L
        from keras.layers import Conv2D as Conv, Dense as FC
        from keras.models import Sequential as Seq
        model = Seq([L.Input((24, 24, 1)), Conv(6, 5), L.MaxPooling2D(), L.Flatten(), FC(10)])
    """, "sequential-list"),
    K("sequential-layers-kwarg", """
        from tensorflow import keras
        model = keras.Sequential(layers=[keras.Input((12,)), keras.layers.Dense(6), keras.layers.Dense(3)], name="clf")
    """, "sequential-list"),
    K("functional-two-outputs-shared-trunk-frozen", """
        import keras
        from keras import layers
        inputs = keras.Input((30,))
        trunk = layers.Dense(20, name="trunk")
        h = trunk(inputs)
        y1 = layers.Dense(1, name="y1")(h)
        y2 = layers.Dense(4, name="y2")(layers.Dense(10)(h))
        model = keras.Model(inputs, [y1, y2])
        trunk.trainable = False
    """, "multi-io"),
]

# Shapes that decide a later Dense's size: preprocessing that resizes, crops, merges along time.
CASES += [
    K("resizing-then-flatten", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((100, 80, 3)),
            layers.Resizing(32, 32),
            layers.Conv2D(4, 3),
            layers.Flatten(),
            layers.Dense(10),
        ])
    """, "shape-decides-params"),
    K("random-crop-center-crop", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((40, 40, 1)),
            layers.RandomCrop(30, 30),
            layers.CenterCrop(20, 24),
            layers.Flatten(),
            layers.Dense(3),
        ])
    """, "shape-decides-params"),
    K("concat-time-axis", """
        import keras
        from keras import layers
        a = keras.Input((10, 4))
        b = keras.Input((6, 4))
        x = layers.Concatenate(axis=1)([a, b])
        x = layers.Flatten()(x)
        model = keras.Model([a, b], layers.Dense(2)(x))
    """, "shape-decides-params"),
    K("bilstm-sequences-flatten", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((12, 5)),
            layers.Bidirectional(layers.LSTM(7, return_sequences=True)),
            layers.Flatten(),
            layers.Dense(1),
        ])
    """, "shape-decides-params"),
    K("upsampling1d-flatten", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((9, 2)), layers.UpSampling1D(3), layers.ZeroPadding1D((1, 2)), layers.Flatten(), layers.Dense(4)])
    """, "shape-decides-params"),
    K("conv-transpose-valid-stride3-flatten", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((5, 5, 3)),
            layers.Conv2DTranspose(2, 2, strides=3, padding="valid"),
            layers.Conv2DTranspose(2, 4, strides=2, padding="same"),
            layers.Flatten(),
            layers.Dense(5),
        ])
    """, "shape-decides-params"),
    K("pool-same-odd-flatten", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((15, 13, 2)),
            layers.MaxPooling2D(pool_size=(2, 2), padding="same"),
            layers.AveragePooling2D(pool_size=3, strides=1),
            layers.MaxPooling2D(3, strides=2),
            layers.Flatten(),
            layers.Dense(6),
        ])
    """, "shape-decides-params"),
    K("global-pool-keepdims", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((8, 8, 4)),
            layers.GlobalAveragePooling2D(keepdims=True),
            layers.Conv2D(6, 1),
            layers.Flatten(),
            layers.Dense(2),
        ])
    """, "shape-decides-params"),
    K("cropping1d-conv1d-stride", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((64, 3)),
            layers.Cropping1D((2, 5)),
            layers.Conv1D(8, 5, strides=3),
            layers.AveragePooling1D(2),
            layers.Flatten(),
            layers.Dense(1),
        ])
    """, "shape-decides-params"),
]

# Subclassing and ops between layers.
CASES += [
    K("subclass-layer-list-and-dict", """
        import keras
        from keras import layers

        class MultiHead(keras.Model):
            def __init__(self):
                super().__init__()
                self.blocks = [layers.Dense(16, activation="relu") for _ in range(2)]
                self.heads = {"a": layers.Dense(1), "b": layers.Dense(3)}

            def call(self, x):
                for block in self.blocks:
                    x = block(x)
                return [self.heads["a"](x), self.heads["b"](x)]

        model = MultiHead()
    """, "subclass", input_shape=(8,)),
    K("functional-subclass-init", """
        import keras
        from keras import layers

        class Classifier(keras.Model):
            def __init__(self, n_classes=4, **kwargs):
                inputs = keras.Input((20,))
                x = layers.Dense(32, activation="relu")(inputs)
                outputs = layers.Dense(n_classes)(x)
                super().__init__(inputs=inputs, outputs=outputs, **kwargs)

        model = Classifier(n_classes=6)
    """, "subclass"),
    K("sequential-subclass", """
        import keras
        from keras import layers

        class SmallMLP(keras.Sequential):
            def __init__(self):
                super().__init__([keras.Input((5,)), layers.Dense(10), layers.Dense(2)])

        model = SmallMLP()
    """, "subclass"),
    K("subclass-inheritance", """
        import keras
        from keras import layers

        class Base(keras.Model):
            def __init__(self):
                super().__init__()
                self.d1 = layers.Dense(16)

            def call(self, x):
                return self.d1(x)

        class Extended(Base):
            def __init__(self):
                super().__init__()
                self.d2 = layers.Dense(4)

            def call(self, x):
                return self.d2(super().call(x))

        model = Extended()
    """, "subclass", input_shape=(6,)),
    K("ops-mean-between-layers", """
        import keras
        from keras import layers, ops
        inputs = keras.Input((10, 6))
        x = layers.Dense(12)(inputs)
        x = ops.mean(x, axis=1)
        outputs = layers.Dense(3)(x)
        model = keras.Model(inputs, outputs)
    """, "operator-merge"),
    K("tensor-slice-between-layers", """
        import keras
        from keras import layers
        inputs = keras.Input((5, 8))
        first = inputs[:, 0, :]
        x = layers.Dense(4)(first)
        model = keras.Model(inputs, x)
    """, "operator-merge"),
    K("training-kwarg-calls", """
        import keras
        from keras import layers
        inputs = keras.Input((12,))
        x = layers.Dense(24)(inputs)
        x = layers.BatchNormalization()(x, training=False)
        x = layers.Dropout(0.5)(x, training=True)
        model = keras.Model(inputs, layers.Dense(1)(x))
    """, "functional-chain"),
]

# Freezing order: Keras sets `trainable` recursively, so the last assignment to a parent wins over its
# children's earlier ones.
CASES += [
    K("children-frozen-then-parent-unfrozen", """
        import keras
        from keras import layers
        base = keras.Sequential([keras.Input((6,)), layers.Dense(12), layers.Dense(12)])
        for layer in base.layers:
            layer.trainable = False
        base.trainable = True
        model = keras.Sequential([base, layers.Dense(2)])
    """, "base-trainable"),
    K("trainable-kwarg-then-model-unfrozen", """
        import keras
        from keras import layers
        inputs = keras.Input((10,))
        x = layers.Dense(5, trainable=False)(inputs)
        model = keras.Model(inputs, layers.Dense(1)(x))
        model.trainable = True
    """, "freeze-after"),
    K("freeze-compile-unfreeze", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.BatchNormalization(), layers.Dense(1)])
        model.trainable = False
        model.compile(optimizer="adam", loss="mse")
        model.trainable = True
    """, "freeze-after"),
    K("vgg16-freeze-by-block-name", """
        import keras
        from keras import layers
        base = keras.applications.VGG16(include_top=False, weights="imagenet", input_shape=(64, 64, 3))
        for layer in base.layers:
            if not layer.name.startswith("block5"):
                layer.trainable = False
        model = keras.Sequential([base, layers.GlobalAveragePooling2D(), layers.Dense(2)])
    """, "transfer"),
    K("frozen-base-with-batchnorm", """
        import keras
        from keras import layers
        base = keras.Sequential([
            keras.Input((16, 16, 3)),
            layers.Conv2D(8, 3, use_bias=False),
            layers.BatchNormalization(),
            layers.ReLU(),
            layers.GlobalAveragePooling2D(),
        ])
        base.trainable = False
        inputs = keras.Input((16, 16, 3))
        x = base(inputs, training=False)
        model = keras.Model(inputs, layers.Dense(3)(x))
    """, "base-trainable"),
]

# Keras tracks layers held in lists, tuples and dicts on a subclass, appended in loops.
CASES += [
    K("subclass-list-append-loop", """
        import keras
        from keras import layers

        class Tower(keras.Model):
            def __init__(self, widths=(32, 16)):
                super().__init__()
                self.hidden = []
                for w in widths:
                    self.hidden.append(layers.Dense(w, activation="relu"))
                self.out = layers.Dense(1)

            def call(self, x):
                for layer in self.hidden:
                    x = layer(x)
                return self.out(x)

        model = Tower()
    """, "subclass", input_shape=(12,)),
    K("subclass-tuple-of-layers", """
        import keras
        from keras import layers

        class Pair(keras.Model):
            def __init__(self):
                super().__init__()
                self.pair = (layers.Dense(6), layers.Dense(3))

            def call(self, x):
                return self.pair[1](self.pair[0](x))

        model = Pair()
    """, "subclass", input_shape=(4,)),
]
