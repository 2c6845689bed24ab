"""Keras ``Sequential`` models as course notebooks and the Keras docs write them: lists, ``model.add``,
``input_shape=`` or ``keras.Input``, computed layer lists, ``model.build``, data-format branches."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def K(id: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802  (reads like a table row)
    return Case(id=f"keras-seq-{id}", framework="keras", source=dedent(source), pattern=pattern, **kw)


IMPORTS = {
    "keras": "import keras\nfrom keras import layers\n",
    "tfkeras": "from tensorflow import keras\nfrom tensorflow.keras import layers\n",
    "tf": "import tensorflow as tf\nkeras = tf.keras\nlayers = tf.keras.layers\n",
    "kl": "from keras import layers\nimport keras\n",
}

CASES: list[Case] = []

# The MNIST multilayer perceptron, in four import styles and several sizes.
for style, head in IMPORTS.items():
    for hidden in ((512, 512), (128,), (256, 128, 64)):
        dense = "\n".join(f'    layers.Dense({h}, activation="relu"),\n    layers.Dropout(0.2),' for h in hidden)
        CASES.append(K(
            f"mlp-{style}-{'-'.join(map(str, hidden))}",
            head + "\nmodel = keras.Sequential([\n    keras.Input(shape=(784,)),\n" + dense
            + '\n    layers.Dense(10, activation="softmax"),\n])\n',
            "sequential-list",
        ))  # fmt: skip

CASES += [
    K("add-input-shape", """
        from keras.models import Sequential
        from keras.layers import Dense, Dropout

        model = Sequential()
        model.add(Dense(64, activation='relu', input_shape=(20,)))
        model.add(Dropout(0.5))
        model.add(Dense(64, activation='relu'))
        model.add(Dropout(0.5))
        model.add(Dense(10, activation='softmax'))
        model.compile(loss='categorical_crossentropy', optimizer='sgd', metrics=['accuracy'])
    """, "sequential-add"),
    K("add-input-dim", """
        from tensorflow.keras.models import Sequential
        from tensorflow.keras.layers import Dense

        model = Sequential()
        model.add(Dense(12, input_dim=8, activation='relu'))
        model.add(Dense(8, activation='relu'))
        model.add(Dense(1, activation='sigmoid'))
    """, "sequential-add"),
    K("mnist-cnn-docs", """
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
    """, "sequential-list"),
    K("cifar-cnn-add", """
        from tensorflow.keras import datasets, layers, models

        model = models.Sequential()
        model.add(layers.Conv2D(32, (3, 3), activation='relu', input_shape=(32, 32, 3)))
        model.add(layers.MaxPooling2D((2, 2)))
        model.add(layers.Conv2D(64, (3, 3), activation='relu'))
        model.add(layers.MaxPooling2D((2, 2)))
        model.add(layers.Conv2D(64, (3, 3), activation='relu'))
        model.add(layers.Flatten())
        model.add(layers.Dense(64, activation='relu'))
        model.add(layers.Dense(10))
    """, "sequential-add"),
    K("cnn-bn-padding-same", """
        from keras.models import Sequential
        from keras.layers import Conv2D, BatchNormalization, Activation, MaxPooling2D, Dropout, Flatten, Dense

        model = Sequential()
        model.add(Conv2D(32, (3, 3), padding='same', input_shape=(32, 32, 3)))
        model.add(BatchNormalization())
        model.add(Activation('relu'))
        model.add(Conv2D(32, (3, 3), padding='same'))
        model.add(BatchNormalization())
        model.add(Activation('relu'))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Dropout(0.25))
        model.add(Conv2D(64, (3, 3), padding='same'))
        model.add(BatchNormalization())
        model.add(Activation('relu'))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Flatten())
        model.add(Dense(512))
        model.add(BatchNormalization())
        model.add(Activation('relu'))
        model.add(Dropout(0.5))
        model.add(Dense(10, activation='softmax'))
    """, "sequential-add"),
    K("lstm-imdb", """
        from keras.models import Sequential
        from keras.layers import Embedding, LSTM, Dense

        max_features = 20000
        maxlen = 80
        model = Sequential()
        model.add(Embedding(max_features, 128, input_length=maxlen))
        model.add(LSTM(128, dropout=0.2, recurrent_dropout=0.2))
        model.add(Dense(1, activation='sigmoid'))
    """, "sequential-add", input_shape=(80,)),
    K("bilstm-docs", """
        import keras
        from keras import layers

        inputs = keras.Input(shape=(None,), dtype="int32")
        model = keras.Sequential([
            keras.Input(shape=(None,), dtype="int32"),
            layers.Embedding(20000, 128),
            layers.Bidirectional(layers.LSTM(64, return_sequences=True)),
            layers.Bidirectional(layers.LSTM(64)),
            layers.Dense(1, activation="sigmoid"),
        ])
    """, "sequential-list"),
    K("gru-stack", """
        from tensorflow import keras
        from tensorflow.keras import layers

        model = keras.Sequential()
        model.add(layers.GRU(64, return_sequences=True, input_shape=(30, 8)))
        model.add(layers.GRU(32))
        model.add(layers.Dense(1))
    """, "sequential-add"),
    K("simplernn", """
        import keras
        model = keras.models.Sequential([
            keras.layers.SimpleRNN(20, return_sequences=True, input_shape=[None, 1]),
            keras.layers.SimpleRNN(20),
            keras.layers.Dense(1)
        ])
    """, "sequential-list"),
    K("conv1d-text", """
        from keras.models import Sequential
        from keras.layers import Embedding, Conv1D, GlobalMaxPooling1D, Dense, Dropout

        model = Sequential()
        model.add(Embedding(5000, 50, input_length=400))
        model.add(Dropout(0.2))
        model.add(Conv1D(250, 3, padding='valid', activation='relu', strides=1))
        model.add(GlobalMaxPooling1D())
        model.add(Dense(250, activation='relu'))
        model.add(Dense(1, activation='sigmoid'))
    """, "sequential-add", input_shape=(400,)),
    K("timedistributed", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((10, 28, 28, 1)),
            layers.TimeDistributed(layers.Conv2D(16, 3, activation="relu")),
            layers.TimeDistributed(layers.GlobalAveragePooling2D()),
            layers.LSTM(32),
            layers.Dense(5, activation="softmax"),
        ])
    """, "sequential-list"),
    K("separable-depthwise", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((64, 64, 3)),
            layers.SeparableConv2D(32, 3, padding="same", activation="relu"),
            layers.DepthwiseConv2D(3, depth_multiplier=2),
            layers.Conv2D(16, 1),
            layers.GlobalAveragePooling2D(),
            layers.Dense(4),
        ])
    """, "sequential-list"),
    K("upsampling-autoencoder", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2, padding="same"),
            layers.Conv2D(8, 3, activation="relu", padding="same"),
            layers.MaxPooling2D(2, padding="same"),
            layers.Conv2D(8, 3, activation="relu", padding="same"),
            layers.UpSampling2D(2),
            layers.Conv2D(16, 3, activation="relu", padding="same"),
            layers.UpSampling2D(2),
            layers.Conv2D(1, 3, activation="sigmoid", padding="same"),
        ])
    """, "sequential-list"),
    K("conv2dtranspose-decoder", """
        import keras
        from keras import layers
        decoder = keras.Sequential([
            keras.Input(shape=(7, 7, 64)),
            layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu"),
            layers.Conv2DTranspose(1, 3, padding="same", activation="sigmoid"),
        ])
    """, "conv-transpose"),
    K("conv2dtranspose-output-padding", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((7, 7, 16)),
            layers.Conv2DTranspose(8, 3, strides=2, padding="valid", output_padding=1),
            layers.Conv2DTranspose(4, (3, 3), strides=(2, 2), padding="same", output_padding=(1, 1)),
            layers.Conv2DTranspose(1, 5, strides=3, output_padding=2),
        ])
    """, "conv-transpose"),
    K("dense-regularized", """
        from keras import layers, regularizers, Sequential
        model = Sequential([
            layers.Input((100,)),
            layers.Dense(64, kernel_regularizer=regularizers.l2(0.01), activation="relu"),
            layers.Dense(64, use_bias=False),
            layers.LeakyReLU(negative_slope=0.2),
            layers.Dense(3),
            layers.Softmax(),
        ])
    """, "sequential-list"),
    K("layernorm-prelu", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((50,)),
            layers.Dense(32),
            layers.LayerNormalization(),
            layers.PReLU(),
            layers.Dense(16),
            layers.BatchNormalization(),
            layers.ELU(),
            layers.Dense(1),
        ])
    """, "layer-norm"),
    K("conv3d", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((16, 32, 32, 1)),
            layers.Conv3D(8, 3, activation="relu"),
            layers.MaxPooling3D(2),
            layers.Conv3D(16, (3, 3, 3), padding="same"),
            layers.GlobalAveragePooling3D(),
            layers.Dense(2),
        ])
    """, "sequential-list"),
    K("zero-padding-cropping", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((28, 28, 3)),
            layers.ZeroPadding2D(2),
            layers.Conv2D(8, 5, strides=2),
            layers.Cropping2D(((1, 0), (0, 1))),
            layers.AveragePooling2D(2),
            layers.Reshape((-1,)),
            layers.Dense(10),
        ])
    """, "sequential-list"),
    K("embedding-flatten", """
        from keras.models import Sequential
        from keras.layers import Embedding, Flatten, Dense
        model = Sequential()
        model.add(Embedding(10000, 8, input_length=20))
        model.add(Flatten())
        model.add(Dense(1, activation='sigmoid'))
    """, "sequential-add", input_shape=(20,)),
    K("augmentation-rescaling", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((180, 180, 3)),
            layers.Rescaling(1.0 / 255),
            layers.Conv2D(16, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, padding="same", activation="relu"),
            layers.MaxPooling2D(),
            layers.Dropout(0.2),
            layers.Flatten(),
            layers.Dense(128, activation="relu"),
            layers.Dense(5),
        ])
    """, "sequential-list"),
    K("lambda-output-shape", """
        import keras
        from keras import layers, ops
        model = keras.Sequential([
            keras.Input((12,)),
            layers.Dense(8),
            layers.Lambda(lambda t: ops.concatenate([t, t], axis=-1), output_shape=(16,)),
            layers.Dense(2),
        ])
    """, "lambda"),
    K("multihead-seq-layer-norm", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((20, 16)),
            layers.Dense(32),
            layers.LayerNormalization(epsilon=1e-6),
            layers.GlobalAveragePooling1D(),
            layers.Dense(1),
        ])
    """, "layer-norm"),
    # layer lists that are computed
    K("comprehension", """
        import keras
        from keras import layers
        sizes = [64, 32, 16]
        model = keras.Sequential([keras.Input((10,))] + [layers.Dense(n, activation="relu") for n in sizes] + [layers.Dense(1)])
    """, "comprehension"),
    K("comprehension-only", """
        from tensorflow import keras
        sizes = [300, 100, 10]
        model = keras.Sequential([keras.layers.Dense(n) for n in sizes])
    """, "comprehension", input_shape=(784,)),
    K("layer-list-var", """
        import keras
        from keras import layers
        layer_list = [layers.Dense(128, activation="relu"), layers.Dropout(0.3), layers.Dense(10)]
        model = keras.Sequential(layer_list)
        model.build((None, 784))
    """, "layer-list"),
    K("layer-list-append", """
        import keras
        from keras import layers
        layer_list = [keras.Input((32,))]
        for units in [256, 128, 64]:
            layer_list.append(layers.Dense(units, activation="relu"))
            layer_list.append(layers.BatchNormalization())
        layer_list.append(layers.Dense(4, activation="softmax"))
        model = keras.Sequential(layer_list)
    """, "layer-list"),
    K("star-conv-block", """
        import keras
        from keras import layers

        def conv_block(filters):
            return [layers.Conv2D(filters, 3, padding="same", activation="relu"),
                    layers.BatchNormalization(),
                    layers.MaxPooling2D()]

        model = keras.Sequential([
            keras.Input((32, 32, 3)),
            *conv_block(32),
            *conv_block(64),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
    """, "star-block"),
    K("star-conv-block-2", """
        from tensorflow import keras
        from tensorflow.keras import layers

        def block(f, n=2):
            out = []
            for _ in range(n):
                out.append(layers.Conv2D(f, (3, 3), padding='same', activation='relu'))
            out.append(layers.MaxPooling2D((2, 2)))
            return out

        model = keras.Sequential([keras.Input((64, 64, 3)), *block(16), *block(32, 3), layers.GlobalAveragePooling2D(), layers.Dense(2)])
    """, "star-block"),
    K("for-range-add", """
        import keras
        from keras import layers
        model = keras.Sequential()
        model.add(keras.Input(shape=(28, 28, 1)))
        for i in range(3):
            model.add(layers.Conv2D(16 * 2 ** i, 3, padding="same", activation="relu"))
            model.add(layers.MaxPooling2D())
        model.add(layers.Flatten())
        model.add(layers.Dense(10))
    """, "loop-add"),
    K("for-list-add", """
        from keras.models import Sequential
        from keras.layers import Dense, Dropout
        model = Sequential()
        model.add(Dense(256, activation='relu', input_shape=(784,)))
        for units in [128, 64, 32]:
            model.add(Dense(units, activation='relu'))
            model.add(Dropout(0.1))
        model.add(Dense(10, activation='softmax'))
    """, "loop-add"),
    K("build-call", """
        import keras
        from keras import layers
        model = keras.Sequential()
        model.add(layers.Conv2D(32, 3, activation="relu"))
        model.add(layers.MaxPooling2D())
        model.add(layers.Flatten())
        model.add(layers.Dense(10))
        model.build((None, 28, 28, 1))
    """, "build"),
    K("build-call-list", """
        from tensorflow import keras
        model = keras.Sequential([keras.layers.Dense(32, activation="relu"), keras.layers.Dense(1)])
        model.build(input_shape=(None, 13))
    """, "build"),
    K("xtrain-shape", """
        import keras
        from keras import layers
        model = keras.Sequential([
            layers.Dense(64, activation="relu", input_shape=X_train.shape[1:]),
            layers.Dense(64, activation="relu"),
            layers.Dense(1),
        ])
    """, "xtrain-shape", input_shape=(13,), data={"X_train": (404, 13)}),
    K("xtrain-shape-cnn", """
        from keras.models import Sequential
        from keras.layers import Conv2D, Flatten, Dense
        model = Sequential()
        model.add(Conv2D(32, (3, 3), activation='relu', input_shape=x_train.shape[1:]))
        model.add(Flatten())
        model.add(Dense(10, activation='softmax'))
    """, "xtrain-shape", input_shape=(32, 32, 3), data={"x_train": (50, 32, 32, 3)}),
    K("xtrain-input", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input(shape=(X_train.shape[1],)),
            layers.Dense(16, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ])
    """, "xtrain-shape", input_shape=(4,), data={"X_train": (120, 4)}),
    K("image-data-format", """
        import keras
        from keras import backend as K
        from keras.models import Sequential
        from keras.layers import Conv2D, MaxPooling2D, Dropout, Flatten, Dense

        img_rows, img_cols = 28, 28
        if K.image_data_format() == 'channels_first':
            input_shape = (1, img_rows, img_cols)
        else:
            input_shape = (img_rows, img_cols, 1)

        model = Sequential()
        model.add(Conv2D(32, kernel_size=(3, 3), activation='relu', input_shape=input_shape))
        model.add(Conv2D(64, (3, 3), activation='relu'))
        model.add(MaxPooling2D(pool_size=(2, 2)))
        model.add(Dropout(0.25))
        model.add(Flatten())
        model.add(Dense(128, activation='relu'))
        model.add(Dropout(0.5))
        model.add(Dense(10, activation='softmax'))
    """, "image-data-format"),
    K("image-data-format-tf", """
        from tensorflow.keras import backend as K
        from tensorflow.keras import layers, models

        if K.image_data_format() == "channels_first":
            shape = (3, 32, 32)
        else:
            shape = (32, 32, 3)
        model = models.Sequential([
            layers.Input(shape),
            layers.Conv2D(8, 3),
            layers.Flatten(),
            layers.Dense(2),
        ])
    """, "image-data-format"),
    K("def-returns-model", """
        import keras
        from keras import layers

        def build_model(n_hidden=2, n_neurons=30, input_shape=(8,)):
            model = keras.models.Sequential()
            model.add(keras.layers.InputLayer(shape=input_shape))
            for layer in range(n_hidden):
                model.add(keras.layers.Dense(n_neurons, activation="relu"))
            model.add(keras.layers.Dense(1))
            return model

        model = build_model()
    """, "def-returns-model"),
    K("def-returns-model-args", """
        from tensorflow import keras

        def make_model(num_classes, dropout=0.3):
            return keras.Sequential([
                keras.Input((28, 28)),
                keras.layers.Flatten(),
                keras.layers.Dense(200, activation="relu"),
                keras.layers.Dropout(dropout),
                keras.layers.Dense(num_classes, activation="softmax"),
            ])

        model = make_model(num_classes=26)
    """, "def-returns-model"),
    K("bindings-num-classes", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((32,)),
            layers.Dense(hidden_units, activation="relu"),
            layers.Dense(num_classes, activation="softmax"),
        ])
    """, "bindings", bindings={"num_classes": 7, "hidden_units": 48}),
    K("nested-sequential", """
        import keras
        from keras import layers
        feature_extractor = keras.Sequential([
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(32, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
        ], name="features")
        model = keras.Sequential([
            keras.Input((48, 48, 3)),
            feature_extractor,
            layers.Dense(64, activation="relu"),
            layers.Dense(3),
        ])
    """, "sequential-as-layer"),
    K("nested-sequential-augment", """
        from tensorflow import keras
        from tensorflow.keras import layers
        data_augmentation = keras.Sequential([
            layers.RandomFlip("horizontal"),
            layers.RandomRotation(0.1),
        ])
        model = keras.Sequential([
            keras.Input((64, 64, 3)),
            data_augmentation,
            layers.Conv2D(16, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(1, activation="sigmoid"),
        ])
    """, "sequential-as-layer"),
    K("named-layers", """
        import keras
        from keras import layers
        model = keras.Sequential(name="my_model")
        model.add(keras.Input(shape=(4,)))
        model.add(layers.Dense(2, activation="relu", name="layer1"))
        model.add(layers.Dense(3, activation="relu", name="layer2"))
        model.add(layers.Dense(4, name="layer3"))
    """, "sequential-add"),
    K("input-layer-class", """
        from keras.models import Sequential
        from keras.layers import InputLayer, Dense, Activation
        model = Sequential()
        model.add(InputLayer(shape=(10,)))
        model.add(Dense(5))
        model.add(Activation("tanh"))
        model.add(Dense(2))
    """, "sequential-add"),
    K("activity-reg-flatten-3d", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((10, 6)),
            layers.Dense(4),
            layers.Flatten(),
            layers.RepeatVector(3),
            layers.SimpleRNN(5, return_sequences=True),
            layers.TimeDistributed(layers.Dense(2)),
        ])
    """, "sequential-list"),
    K("global-max-pool-1d", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((100, 3)),
            layers.Conv1D(16, 5, strides=2, activation="relu"),
            layers.MaxPooling1D(2),
            layers.Conv1D(32, 3, padding="causal", dilation_rate=2),
            layers.GlobalMaxPooling1D(),
            layers.Dense(1),
        ])
    """, "sequential-list"),
    K("unit-norm-spatial-dropout", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((32, 32, 3)),
            layers.Conv2D(8, 3, use_bias=False),
            layers.BatchNormalization(center=False, scale=False),
            layers.SpatialDropout2D(0.1),
            layers.Conv2D(8, 3, groups=2),
            layers.GroupNormalization(groups=4),
            layers.GlobalAveragePooling2D(),
            layers.Dense(2),
        ])
    """, "sequential-list"),
]

CASES += [
    K("if-constant-bn", """
        import keras
        from keras import layers
        USE_BN = True
        DROPOUT = 0.0
        model = keras.Sequential()
        model.add(keras.Input((64,)))
        model.add(layers.Dense(32))
        if USE_BN:
            model.add(layers.BatchNormalization())
        model.add(layers.Activation("relu"))
        if DROPOUT > 0:
            model.add(layers.Dropout(DROPOUT))
        model.add(layers.Dense(4))
    """, "if-constant"),
    K("if-constant-else", """
        from tensorflow import keras
        deep = False
        layers_list = [keras.Input((10,))]
        if deep:
            layers_list += [keras.layers.Dense(64), keras.layers.Dense(64)]
        else:
            layers_list.append(keras.layers.Dense(16))
        layers_list.append(keras.layers.Dense(1))
        model = keras.Sequential(layers_list)
    """, "if-constant"),
    K("star-import", """
        from keras.models import *
        from keras.layers import *
        model = Sequential()
        model.add(Conv2D(8, (3, 3), input_shape=(20, 20, 1)))
        model.add(Activation('relu'))
        model.add(Flatten())
        model.add(Dense(3))
    """, "sequential-add"),
    K("batch-shape-input", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input(batch_shape=(None, 24)),
            layers.Dense(12, activation="relu"),
            layers.Dense(2),
        ])
    """, "sequential-list"),
    K("functional-for-loop", """
        import keras
        from keras import layers
        inputs = keras.Input(shape=(32,))
        x = inputs
        for units in [64, 32, 16]:
            x = layers.Dense(units, activation="relu")(x)
            x = layers.Dropout(0.1)(x)
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
    """, "loop-add"),
    K("models-model-import", """
        from keras import models, layers, Input
        inp = Input((15,))
        hidden = layers.Dense(30, activation="relu")(inp)
        out = layers.Dense(1)(hidden)
        model = models.Model(inputs=inp, outputs=out)
    """, "functional-chain"),
    K("keras-layers-full-path", """
        import keras
        model = keras.models.Sequential()
        model.add(keras.layers.Flatten(input_shape=[28, 28]))
        model.add(keras.layers.Dense(300, activation="relu"))
        model.add(keras.layers.Dense(100, activation="relu"))
        model.add(keras.layers.Dense(10, activation="softmax"))
    """, "sequential-add"),
    K("two-models-last-wins", """
        import keras
        from keras import layers
        small = keras.Sequential([keras.Input((4,)), layers.Dense(2)])
        big = keras.Sequential([keras.Input((4,)), layers.Dense(64), layers.Dense(64), layers.Dense(2)])
    """, "model-choice"),
    K("model-var-not-last", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((8,)), layers.Dense(5)])
        other = keras.Sequential([keras.Input((8,)), layers.Dense(50)])
    """, "model-choice"),
]
