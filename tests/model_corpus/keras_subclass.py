"""Subclassed ``keras.Model`` / ``keras.layers.Layer``: layers made in ``__init__`` and wired in ``call``,
as the Keras guides and course notebooks write them."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def K(id: str, source: str, pattern: str = "subclass", **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"keras-sub-{id}", framework="keras", source=dedent(source), pattern=pattern, **kw)


CASES: list[Case] = [
    K("mlp", """
        import keras
        from keras import layers

        class MLP(keras.Model):
            def __init__(self):
                super().__init__()
                self.dense1 = layers.Dense(64, activation="relu")
                self.dense2 = layers.Dense(64, activation="relu")
                self.out = layers.Dense(10)

            def call(self, inputs):
                x = self.dense1(inputs)
                x = self.dense2(x)
                return self.out(x)

        model = MLP()
    """, input_shape=(784,)),
    K("mlp-tf-args", """
        import tensorflow as tf

        class MyModel(tf.keras.Model):
            def __init__(self, num_classes=10):
                super(MyModel, self).__init__()
                self.flatten = tf.keras.layers.Flatten()
                self.d1 = tf.keras.layers.Dense(128, activation='relu')
                self.dropout = tf.keras.layers.Dropout(0.2)
                self.d2 = tf.keras.layers.Dense(num_classes)

            def call(self, x, training=False):
                x = self.flatten(x)
                x = self.d1(x)
                x = self.dropout(x, training=training)
                return self.d2(x)

        model = MyModel(num_classes=5)
    """, input_shape=(28, 28)),
    K("cnn-tutorial", """
        from tensorflow.keras import Model
        from tensorflow.keras.layers import Dense, Flatten, Conv2D

        class MyModel(Model):
            def __init__(self):
                super().__init__()
                self.conv1 = Conv2D(32, 3, activation='relu')
                self.flatten = Flatten()
                self.d1 = Dense(128, activation='relu')
                self.d2 = Dense(10)

            def call(self, x):
                x = self.conv1(x)
                x = self.flatten(x)
                x = self.d1(x)
                return self.d2(x)

        model = MyModel()
    """, input_shape=(28, 28, 1)),
    K("build-in-source", """
        import keras
        from keras import layers

        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.conv = layers.Conv2D(16, 3, padding="same", activation="relu")
                self.pool = layers.GlobalAveragePooling2D()
                self.fc = layers.Dense(3)

            def call(self, x):
                return self.fc(self.pool(self.conv(x)))

        model = Net()
        model.build((None, 32, 32, 3))
    """, input_shape=(32, 32, 3)),
    K("residual-call", """
        import keras
        from keras import layers

        class ResidualMLP(keras.Model):
            def __init__(self, units=32):
                super().__init__()
                self.inp = layers.Dense(units)
                self.h1 = layers.Dense(units, activation="relu")
                self.h2 = layers.Dense(units)
                self.norm = layers.LayerNormalization()
                self.head = layers.Dense(1)

            def call(self, x):
                x = self.inp(x)
                x = self.norm(x + self.h2(self.h1(x)))
                return self.head(x)

        model = ResidualMLP()
    """, input_shape=(12,)),
    K("shared-in-call", """
        import keras
        from keras import layers

        class Tied(keras.Model):
            def __init__(self):
                super().__init__()
                self.shared = layers.Dense(16, activation="relu")
                self.out = layers.Dense(2)

            def call(self, x):
                x = self.shared(x)
                x = self.shared(x)
                return self.out(x)

        model = Tied()
    """, input_shape=(16,)),
    K("custom-layer-block", """
        import keras
        from keras import layers

        class ConvBlock(layers.Layer):
            def __init__(self, filters, **kwargs):
                super().__init__(**kwargs)
                self.conv = layers.Conv2D(filters, 3, padding="same", use_bias=False)
                self.bn = layers.BatchNormalization()
                self.act = layers.ReLU()

            def call(self, x, training=False):
                return self.act(self.bn(self.conv(x), training=training))

        class Classifier(keras.Model):
            def __init__(self):
                super().__init__()
                self.b1 = ConvBlock(16)
                self.b2 = ConvBlock(32)
                self.pool = layers.GlobalAveragePooling2D()
                self.fc = layers.Dense(10)

            def call(self, x, training=False):
                x = self.b1(x, training=training)
                x = self.b2(x, training=training)
                return self.fc(self.pool(x))

        model = Classifier()
    """, input_shape=(32, 32, 3)),
    K("layer-list-attr", """
        import keras
        from keras import layers

        class DeepMLP(keras.Model):
            def __init__(self, sizes=(64, 32, 16)):
                super().__init__()
                self.hidden = [layers.Dense(n, activation="relu") for n in sizes]
                self.out = layers.Dense(1)

            def call(self, x):
                for layer in self.hidden:
                    x = layer(x)
                return self.out(x)

        model = DeepMLP()
    """, input_shape=(8,)),
    K("sequential-attr", """
        import keras
        from keras import layers

        class Encoder(keras.Model):
            def __init__(self):
                super().__init__()
                self.features = keras.Sequential([
                    layers.Conv2D(8, 3, activation="relu"),
                    layers.MaxPooling2D(),
                    layers.Conv2D(16, 3, activation="relu"),
                    layers.GlobalMaxPooling2D(),
                ])
                self.classifier = layers.Dense(4)

            def call(self, x):
                return self.classifier(self.features(x))

        model = Encoder()
    """, input_shape=(28, 28, 1)),
    K("rnn-text", """
        import keras
        from keras import layers

        class TextRNN(keras.Model):
            def __init__(self, vocab_size=5000, embed_dim=32, units=64):
                super().__init__()
                self.embed = layers.Embedding(vocab_size, embed_dim)
                self.rnn = layers.Bidirectional(layers.GRU(units))
                self.fc = layers.Dense(1, activation="sigmoid")

            def call(self, x):
                return self.fc(self.rnn(self.embed(x)))

        model = TextRNN()
    """, input_shape=(100,)),
    K("transformer-block-layer", """
        import keras
        from keras import layers

        class TransformerBlock(layers.Layer):
            def __init__(self, embed_dim, num_heads, ff_dim, rate=0.1):
                super().__init__()
                self.att = layers.MultiHeadAttention(num_heads=num_heads, key_dim=embed_dim)
                self.ffn = keras.Sequential([layers.Dense(ff_dim, activation="relu"), layers.Dense(embed_dim)])
                self.layernorm1 = layers.LayerNormalization(epsilon=1e-6)
                self.layernorm2 = layers.LayerNormalization(epsilon=1e-6)
                self.dropout1 = layers.Dropout(rate)
                self.dropout2 = layers.Dropout(rate)

            def call(self, inputs):
                attn_output = self.att(inputs, inputs)
                attn_output = self.dropout1(attn_output)
                out1 = self.layernorm1(inputs + attn_output)
                ffn_output = self.ffn(out1)
                ffn_output = self.dropout2(ffn_output)
                return self.layernorm2(out1 + ffn_output)

        embed_dim, num_heads, ff_dim, maxlen = 32, 2, 32, 200
        inputs = layers.Input(shape=(maxlen, embed_dim))
        x = TransformerBlock(embed_dim, num_heads, ff_dim)(inputs)
        x = layers.GlobalAveragePooling1D()(x)
        x = layers.Dense(20, activation="relu")(x)
        outputs = layers.Dense(2, activation="softmax")(x)
        model = keras.Model(inputs=inputs, outputs=outputs)
    """),
    K("autoencoder-two-parts", """
        import keras
        from keras import layers

        class Autoencoder(keras.Model):
            def __init__(self, latent_dim=64):
                super().__init__()
                self.encoder = keras.Sequential([layers.Flatten(), layers.Dense(latent_dim, activation="relu")])
                self.decoder = keras.Sequential([layers.Dense(784, activation="sigmoid"), layers.Reshape((28, 28))])

            def call(self, x):
                return self.decoder(self.encoder(x))

        autoencoder = Autoencoder(latent_dim=32)
    """, input_shape=(28, 28)),
    K("subclass-no-instance", """
        import keras
        from keras import layers

        class SmallNet(keras.Model):
            def __init__(self):
                super().__init__()
                self.c = layers.Conv1D(8, 3)
                self.p = layers.GlobalAveragePooling1D()
                self.d = layers.Dense(2)

            def call(self, x):
                return self.d(self.p(self.c(x)))
    """, input_shape=(50, 4)),
    K("wide-deep", """
        import keras
        from keras import layers

        class WideDeep(keras.Model):
            def __init__(self, units=30, activation="relu", **kwargs):
                super().__init__(**kwargs)
                self.hidden1 = layers.Dense(units, activation=activation)
                self.hidden2 = layers.Dense(units, activation=activation)
                self.main_output = layers.Dense(1)

            def call(self, inputs):
                hidden1 = self.hidden1(inputs)
                hidden2 = self.hidden2(hidden1)
                concat = layers.concatenate([inputs, hidden2])
                return self.main_output(concat)

        model = WideDeep(30, activation="relu", name="my_cool_model")
    """, input_shape=(8,)),
    K("frozen-attr", """
        import keras
        from keras import layers

        class Net(keras.Model):
            def __init__(self):
                super().__init__()
                self.body = layers.Dense(32, activation="relu")
                self.body.trainable = False
                self.bn = layers.BatchNormalization()
                self.head = layers.Dense(3)

            def call(self, x):
                return self.head(self.bn(self.body(x)))

        model = Net()
    """, input_shape=(10,)),
]
