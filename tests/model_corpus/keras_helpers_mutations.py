"""Keras models built through helpers and changed after construction: ``def block(m): m.add(...)``,
``model = make_base(); model.add(...)``, ``model.layers[0].trainable = False``, ``model.pop()``,
freezing loops."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def K(id: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"keras-mut-{id}", framework="keras", source=dedent(source), pattern=pattern, **kw)


CASES: list[Case] = [
    K("helper-add", """
        import keras
        from keras import layers

        def add_conv_block(model, filters):
            model.add(layers.Conv2D(filters, 3, padding="same", activation="relu"))
            model.add(layers.BatchNormalization())
            model.add(layers.MaxPooling2D())

        model = keras.Sequential()
        model.add(keras.Input((32, 32, 3)))
        add_conv_block(model, 32)
        add_conv_block(model, 64)
        model.add(layers.Flatten())
        model.add(layers.Dense(10, activation="softmax"))
    """, "helper-add"),
    K("helper-add-loop", """
        from tensorflow.keras.models import Sequential
        from tensorflow.keras.layers import Dense, Dropout

        def dense_block(m, units, rate):
            m.add(Dense(units, activation="relu"))
            m.add(Dropout(rate))

        model = Sequential()
        model.add(Dense(128, activation="relu", input_shape=(50,)))
        for u in [64, 32]:
            dense_block(model, u, 0.2)
        model.add(Dense(1))
    """, "helper-add"),
    K("helper-add-returns", """
        import keras
        from keras import layers

        def block(m, n):
            m.add(layers.Dense(n))
            m.add(layers.ReLU())
            return m

        model = keras.Sequential([keras.Input((6,))])
        model = block(model, 12)
        model = block(model, 12)
        model.add(layers.Dense(2))
    """, "helper-add"),
    K("make-base-add", """
        import keras
        from keras import layers

        def make_base():
            return keras.Sequential([
                keras.Input((28, 28, 1)),
                layers.Conv2D(16, 3, activation="relu"),
                layers.MaxPooling2D(),
                layers.Flatten(),
            ])

        model = make_base()
        model.add(layers.Dense(64, activation="relu"))
        model.add(layers.Dense(10))
    """, "make-base-add"),
    K("make-base-add-args", """
        from tensorflow import keras

        def create_model(input_dim):
            m = keras.models.Sequential()
            m.add(keras.layers.Dense(32, activation="relu", input_dim=input_dim))
            return m

        model = create_model(20)
        model.add(keras.layers.Dense(16, activation="relu"))
        model.add(keras.layers.Dense(1, activation="sigmoid"))
    """, "make-base-add"),
    K("freeze-first-layer", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((20,)),
            layers.Dense(64, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(1),
        ])
        model.layers[0].trainable = False
    """, "freeze-after"),
    K("freeze-bn-layer", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((16, 16, 3)),
            layers.Conv2D(8, 3),
            layers.BatchNormalization(),
            layers.Flatten(),
            layers.Dense(4),
        ])
        model.layers[1].trainable = False
    """, "freeze-after"),
    K("freeze-loop-slice", """
        from tensorflow.keras.models import Sequential
        from tensorflow.keras.layers import Dense
        model = Sequential()
        model.add(Dense(100, activation='relu', input_shape=(30,)))
        model.add(Dense(50, activation='relu'))
        model.add(Dense(25, activation='relu'))
        model.add(Dense(1))
        for layer in model.layers[:2]:
            layer.trainable = False
    """, "freeze-after"),
    K("freeze-loop-all-but-last", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((10,)), layers.Dense(20), layers.Dense(20), layers.Dense(3)])
        for layer in model.layers[:-1]:
            layer.trainable = False
    """, "freeze-after"),
    K("freeze-named-layer", """
        import keras
        from keras import layers
        inputs = keras.Input((12,))
        x = layers.Dense(24, name="encoder")(inputs)
        outputs = layers.Dense(2, name="head")(x)
        model = keras.Model(inputs, outputs)
        model.get_layer("encoder").trainable = False
    """, "freeze-after"),
    K("freeze-by-variable", """
        import keras
        from keras import layers
        embedding = layers.Embedding(1000, 16)
        model = keras.Sequential([keras.Input((10,)), embedding, layers.GlobalAveragePooling1D(), layers.Dense(1)])
        embedding.trainable = False
    """, "freeze-after"),
    K("freeze-model-whole", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((5,)), layers.Dense(10), layers.Dense(1)])
        model.trainable = False
    """, "freeze-after"),
    K("freeze-then-unfreeze", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((8,)), layers.Dense(16), layers.Dense(16), layers.Dense(2)])
        model.trainable = False
        model.layers[-1].trainable = True
    """, "freeze-after"),
    K("base-trainable", """
        import keras
        from keras import layers
        base = keras.Sequential([
            keras.Input((32, 32, 3)),
            layers.Conv2D(32, 3, activation="relu"),
            layers.MaxPooling2D(),
            layers.Conv2D(64, 3, activation="relu"),
            layers.GlobalAveragePooling2D(),
        ])
        base.trainable = False
        model = keras.Sequential([base, layers.Dense(64, activation="relu"), layers.Dense(10)])
    """, "base-trainable"),
    K("base-trainable-functional", """
        from tensorflow import keras
        from tensorflow.keras import layers
        base_in = keras.Input((64,))
        base_out = layers.Dense(32, activation="relu")(layers.Dense(64, activation="relu")(base_in))
        base = keras.Model(base_in, base_out)
        base.trainable = False
        inputs = keras.Input((64,))
        x = base(inputs, training=False)
        outputs = layers.Dense(5)(x)
        model = keras.Model(inputs, outputs)
    """, "base-trainable"),
    K("pop-last", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((784,)),
            layers.Dense(256, activation="relu"),
            layers.Dense(128, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ])
        model.pop()
        model.add(layers.Dense(5, activation="softmax"))
    """, "pop"),
    K("pop-twice", """
        from keras.models import Sequential
        from keras.layers import Dense, Dropout
        model = Sequential()
        model.add(Dense(64, input_shape=(10,)))
        model.add(Dropout(0.5))
        model.add(Dense(64))
        model.add(Dense(1))
        model.pop()
        model.pop()
    """, "pop"),
    K("pop-then-freeze", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((4,)), layers.Dense(8), layers.Dense(8), layers.Dense(3)])
        model.pop()
        for layer in model.layers:
            layer.trainable = False
        model.add(layers.Dense(2))
    """, "pop"),
    K("trainable-kwarg", """
        import keras
        from keras import layers
        model = keras.Sequential([
            keras.Input((50,)),
            layers.Embedding(1000, 8, trainable=False),
            layers.Flatten(),
            layers.Dense(16, trainable=False),
            layers.Dense(1),
        ])
    """, "freeze-after"),
    K("add-after-compile", """
        import keras
        from keras import layers
        model = keras.Sequential()
        model.add(layers.Dense(32, input_shape=(16,)))
        model.compile(optimizer="adam", loss="mse")
        model.summary()
        model.add(layers.Dense(4))
    """, "sequential-add"),
    K("helper-returns-list-of-layers-with-freeze", """
        import keras
        from keras import layers

        def head(n):
            return [layers.Dense(n, activation="relu"), layers.Dropout(0.5), layers.Dense(1)]

        model = keras.Sequential([keras.Input((30,)), layers.Dense(60), *head(20)])
        model.layers[0].trainable = False
    """, "freeze-after"),
]

CASES += [
    K("helper-add-functional-style-names", """
        import keras
        from keras import layers

        def add_dense_stack(model, sizes, rate=0.0):
            for n in sizes:
                model.add(layers.Dense(n, activation="relu"))
                if rate:
                    model.add(layers.Dropout(rate))

        model = keras.Sequential([keras.Input((12,))])
        add_dense_stack(model, [24, 12], rate=0.2)
        add_dense_stack(model, [6])
        model.add(layers.Dense(1))
    """, "helper-add"),
    K("make-base-freeze-add", """
        from tensorflow import keras
        from tensorflow.keras import layers

        def pretrained_like():
            m = keras.Sequential(name="base")
            m.add(keras.Input((32, 32, 3)))
            m.add(layers.Conv2D(16, 3, activation="relu"))
            m.add(layers.Conv2D(16, 3, activation="relu"))
            m.add(layers.GlobalAveragePooling2D())
            return m

        model = pretrained_like()
        for layer in model.layers:
            layer.trainable = False
        model.add(layers.Dense(10))
    """, "make-base-add"),
    K("base-trainable-then-partial", """
        import keras
        from keras import layers
        base = keras.Sequential([keras.Input((20,)), layers.Dense(40), layers.Dense(40), layers.Dense(40)], name="base")
        base.trainable = True
        for layer in base.layers[:-1]:
            layer.trainable = False
        model = keras.Sequential([base, layers.Dense(3)])
    """, "base-trainable"),
    K("freeze-functional-input-layer", """
        import keras
        from keras import layers
        inputs = keras.Input((10,))
        x = layers.Dense(20)(inputs)
        outputs = layers.Dense(2)(x)
        model = keras.Model(inputs, outputs)
        model.layers[0].trainable = False
        model.layers[1].trainable = False
    """, "freeze-after"),
    K("pop-functional-not", """
        import keras
        from keras import layers
        model = keras.Sequential()
        model.add(keras.Input((30,)))
        model.add(layers.Dense(30))
        model.add(layers.Dense(30))
        model.add(layers.Dense(10))
        model.pop()
        model.pop()
        model.add(layers.Dense(5))
        model.layers[0].trainable = False
    """, "pop"),
]
