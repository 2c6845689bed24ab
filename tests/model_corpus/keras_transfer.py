"""Keras applications by name (``include_top``, ``classes``, ``input_shape``, ``pooling``) and transfer
learning with a pretrained base used as a layer, frozen or partly frozen. The truth builds each with the
real library and ``weights=None`` (``weights="imagenet"`` is rewritten: only the architecture counts)."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def K(id: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"keras-app-{id}", framework="keras", source=dedent(source), pattern=pattern, **kw)


# (application, module for the `from keras.applications.<module> import` style, arguments)
APPS: list[tuple[str, str, str]] = [
    ("VGG16", "vgg16", 'weights="imagenet"'),
    ("VGG19", "vgg19", "weights=None, include_top=False, input_shape=(224, 224, 3)"),
    ("ResNet50", "resnet50", 'weights="imagenet"'),
    ("ResNet101", "resnet", 'weights="imagenet", include_top=False, pooling="avg"'),
    ("ResNet152", "resnet", "weights=None, classes=10"),
    ("ResNet50V2", "resnet_v2", 'weights="imagenet", include_top=False, input_shape=(160, 160, 3)'),
    ("ResNet101V2", "resnet_v2", 'include_top=False, weights="imagenet", pooling="max"'),
    ("ResNet152V2", "resnet_v2", "weights=None"),
    ("MobileNet", "mobilenet", 'weights="imagenet"'),
    ("MobileNet", "mobilenet", "weights=None, alpha=0.5, include_top=False, input_shape=(128, 128, 3)"),
    ("MobileNetV2", "mobilenet_v2", 'input_shape=(224, 224, 3), include_top=False, weights="imagenet"'),
    ("MobileNetV2", "mobilenet_v2", "weights=None, classes=5"),
    ("MobileNetV3Small", "mobilenet_v3", 'weights="imagenet"'),
    ("MobileNetV3Large", "mobilenet_v3", 'input_shape=(224, 224, 3), include_top=False, weights="imagenet", pooling="avg"'),
    ("DenseNet121", "densenet", 'weights="imagenet"'),
    ("DenseNet169", "densenet", 'weights="imagenet", include_top=False'),
    ("DenseNet201", "densenet", "weights=None, classes=100"),
    ("InceptionV3", "inception_v3", 'weights="imagenet"'),
    ("InceptionV3", "inception_v3", 'weights="imagenet", include_top=False, input_shape=(299, 299, 3)'),
    ("Xception", "xception", 'weights="imagenet"'),
    ("EfficientNetB0", "efficientnet", 'weights="imagenet"'),
    ("EfficientNetB0", "efficientnet", 'include_top=False, weights="imagenet", input_shape=(224, 224, 3), pooling="avg"'),
    ("EfficientNetB1", "efficientnet", 'weights="imagenet"'),
    ("EfficientNetB2", "efficientnet", 'weights="imagenet", include_top=False'),
    ("EfficientNetB3", "efficientnet", 'weights="imagenet"'),
    ("EfficientNetB4", "efficientnet", "weights=None, classes=7"),
    ("EfficientNetB5", "efficientnet", 'weights="imagenet", include_top=False'),
    ("EfficientNetB6", "efficientnet", 'weights="imagenet"'),
    ("EfficientNetB7", "efficientnet", 'weights="imagenet"'),
    ("ConvNeXtTiny", "convnext", 'weights="imagenet"'),
    ("ConvNeXtSmall", "convnext", 'weights="imagenet", include_top=False'),
    ("ConvNeXtBase", "convnext", "weights=None, include_top=False, pooling='avg'"),
]

_STYLES = (
    ("keras", "import keras\n\nmodel = keras.applications.{app}({args})\n"),
    ("tf", "import tensorflow as tf\n\nmodel = tf.keras.applications.{app}({args})\n"),
    ("module", "from keras.applications.{module} import {app}\n\nmodel = {app}({args})\n"),
    ("from-tf", "from tensorflow.keras.applications import {app}\n\nbase_model = {app}({args})\n"),
)

CASES: list[Case] = []
_seen: dict[str, int] = {}
for i, (app, module, args) in enumerate(APPS):
    style, template = _STYLES[i % len(_STYLES)]
    n = _seen[app] = _seen.get(app, 0) + 1
    CASES.append(K(f"{app.lower()}-{n}", template.format(app=app, module=module, args=args), "applications"))

CASES += [
    K("vgg16-transfer-issue", """
        from tensorflow import keras
        from tensorflow.keras.models import Sequential
        from tensorflow.keras.layers import Flatten, Dense

        base = keras.applications.VGG16(weights="imagenet", include_top=False, input_shape=(224, 224, 3))
        base.trainable = False
        model = Sequential([base, Flatten(), Dense(256, activation="relu"), Dense(10, activation="softmax")])
    """, "transfer"),
    K("mobilenetv2-transfer-functional", """
        import keras
        from keras import layers

        IMG_SHAPE = (160, 160, 3)
        base_model = keras.applications.MobileNetV2(input_shape=IMG_SHAPE, include_top=False, weights="imagenet")
        base_model.trainable = False
        inputs = keras.Input(shape=(160, 160, 3))
        x = keras.applications.mobilenet_v2.preprocess_input(inputs)
        x = base_model(x, training=False)
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dropout(0.2)(x)
        outputs = layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
    """, "transfer"),
    K("mobilenetv2-fine-tune-from", """
        import keras
        from keras import layers

        base_model = keras.applications.MobileNetV2(input_shape=(160, 160, 3), include_top=False, weights="imagenet")
        base_model.trainable = True
        fine_tune_at = 100
        for layer in base_model.layers[:fine_tune_at]:
            layer.trainable = False
        model = keras.Sequential([base_model, layers.GlobalAveragePooling2D(), layers.Dense(1)])
    """, "transfer"),
    K("resnet50-transfer-add", """
        from keras.applications import ResNet50
        from keras.models import Sequential
        from keras.layers import Dense, GlobalAveragePooling2D

        model = Sequential()
        model.add(ResNet50(include_top=False, pooling="avg", weights="imagenet"))
        model.add(Dense(2, activation="softmax"))
        model.layers[0].trainable = False
    """, "transfer", input_shape=(224, 224, 3)),
    K("xception-transfer-docs", """
        import keras

        base_model = keras.applications.Xception(weights="imagenet", input_shape=(150, 150, 3), include_top=False)
        base_model.trainable = False
        inputs = keras.Input(shape=(150, 150, 3))
        x = base_model(inputs, training=False)
        x = keras.layers.GlobalAveragePooling2D()(x)
        outputs = keras.layers.Dense(1)(x)
        model = keras.Model(inputs, outputs)
    """, "transfer"),
    K("efficientnetb0-transfer", """
        from tensorflow.keras.applications import EfficientNetB0
        from tensorflow.keras import layers, models

        conv_base = EfficientNetB0(weights="imagenet", include_top=False, input_shape=(224, 224, 3))
        conv_base.trainable = False
        model = models.Sequential()
        model.add(conv_base)
        model.add(layers.GlobalMaxPooling2D(name="gap"))
        model.add(layers.Dropout(0.2, name="dropout_out"))
        model.add(layers.Dense(4, activation="softmax", name="fc_out"))
    """, "transfer"),
    K("vgg16-chollet-conv-base", """
        from keras.applications import VGG16
        from keras import models
        from keras import layers

        conv_base = VGG16(weights='imagenet', include_top=False, input_shape=(150, 150, 3))
        model = models.Sequential()
        model.add(conv_base)
        model.add(layers.Flatten())
        model.add(layers.Dense(256, activation='relu'))
        model.add(layers.Dense(1, activation='sigmoid'))
        conv_base.trainable = False
    """, "transfer"),
    K("densenet121-functional-head", """
        import keras
        from keras import layers

        base = keras.applications.DenseNet121(include_top=False, weights="imagenet", input_shape=(128, 128, 3))
        x = layers.GlobalAveragePooling2D()(base.output)
        x = layers.Dense(128, activation="relu")(x)
        predictions = layers.Dense(14, activation="sigmoid")(x)
        model = keras.Model(inputs=base.input, outputs=predictions)
        for layer in base.layers:
            layer.trainable = False
    """, "transfer"),
    K("inceptionv3-fine-tune-docs", """
        from keras.applications.inception_v3 import InceptionV3
        from keras.models import Model
        from keras.layers import Dense, GlobalAveragePooling2D

        base_model = InceptionV3(weights='imagenet', include_top=False)
        x = base_model.output
        x = GlobalAveragePooling2D()(x)
        x = Dense(1024, activation='relu')(x)
        predictions = Dense(200, activation='softmax')(x)
        model = Model(inputs=base_model.input, outputs=predictions)
        for layer in base_model.layers:
            layer.trainable = False
    """, "transfer", input_shape=(299, 299, 3)),
    K("resnet50v2-partial-freeze", """
        import keras
        from keras import layers

        base = keras.applications.ResNet50V2(include_top=False, weights="imagenet", input_shape=(96, 96, 3), pooling="avg")
        for layer in base.layers[:-20]:
            layer.trainable = False
        model = keras.Sequential([base, layers.Dense(10, activation="softmax")])
    """, "transfer"),
    K("vgg19-as-feature-extractor", """
        import keras

        vgg = keras.applications.VGG19(include_top=False, weights="imagenet", input_shape=(64, 64, 3))
        vgg.trainable = False
        model = keras.Sequential([
            keras.Input((64, 64, 3)),
            vgg,
            keras.layers.Flatten(),
            keras.layers.Dense(3),
        ])
    """, "transfer"),
]

CASES += [
    K("resnet50-input-tensor", """
        import keras
        inp = keras.Input(shape=(128, 128, 3))
        model = keras.applications.ResNet50(include_top=False, weights="imagenet", input_tensor=inp, pooling="avg")
    """, "applications"),
    K("mobilenetv3small-minimalistic", """
        from keras.applications import MobileNetV3Small
        model = MobileNetV3Small(input_shape=(224, 224, 3), alpha=0.75, minimalistic=True, include_top=True, weights=None, classes=20)
    """, "applications"),
    K("mobilenetv2-alpha", """
        import tensorflow as tf
        base = tf.keras.applications.MobileNetV2(input_shape=(96, 96, 3), alpha=0.35, include_top=False, weights="imagenet")
    """, "applications"),
    K("convnextlarge-notop", """
        import keras
        model = keras.applications.ConvNeXtLarge(include_top=False, weights="imagenet", input_shape=(224, 224, 3))
    """, "applications"),
    K("inceptionresnetv2", """
        from tensorflow.keras.applications.inception_resnet_v2 import InceptionResNetV2
        model = InceptionResNetV2(weights="imagenet", include_top=False, pooling="avg")
    """, "applications"),
    K("densenet121-max-pool-small", """
        import keras
        model = keras.applications.DenseNet121(include_top=False, weights=None, input_shape=(64, 64, 3), pooling="max")
    """, "applications"),
    K("vgg16-classes-10-top", """
        from keras.applications.vgg16 import VGG16
        model = VGG16(weights=None, include_top=True, input_shape=(224, 224, 3), classes=10)
    """, "applications"),
    K("efficientnetb0-transfer-unfreeze-top20", """
        import keras
        from keras import layers

        inputs = layers.Input(shape=(224, 224, 3))
        base = keras.applications.EfficientNetB0(include_top=False, input_tensor=inputs, weights="imagenet")
        base.trainable = False
        x = layers.GlobalAveragePooling2D(name="avg_pool")(base.output)
        x = layers.BatchNormalization()(x)
        x = layers.Dropout(0.2, name="top_dropout")(x)
        outputs = layers.Dense(120, activation="softmax", name="pred")(x)
        model = keras.Model(inputs, outputs, name="EfficientNet")
        for layer in model.layers[-20:]:
            if not isinstance(layer, layers.BatchNormalization):
                layer.trainable = True
    """, "transfer"),
]
