"""Keras applications and torchvision models by name (``keras.applications.ResNet50(include_top=False)``,
``torchvision.models.resnet18(weights=None)``), described inside nnexam as Keras / PyTorch code that
the model interpreter reads (neither library is imported): the same layers, in the same order, with
the names (Keras) or module paths (torchvision) the libraries give them. The differential tests
compare them with ``keras.applications`` (``weights=None``) and with torchvision's published counts.

Keras: VGG16/19, ResNet50/101/152, ResNet50V2/101V2/152V2, MobileNet, MobileNetV2, MobileNetV3Small/Large,
DenseNet121/169/201,
EfficientNetB0-B7, Xception, InceptionV3, ConvNeXtTiny/Small/Base/Large/XLarge.
torchvision: alexnet, vgg11/13/16/19 (and _bn), resnet18/34/50/101/152, mobilenet_v2, densenet121.
Other applications are refused with their name.
"""

from __future__ import annotations

import ast
from functools import lru_cache
from typing import Any

from nnexam.questions.model_analyser.interp import Refusal, Scope, src
from nnexam.questions.model_analyser.pycode import parse

_PRELUDE = """
def finish(x):
    if include_top:
        return x
    if pooling == "avg":
        return layers.GlobalAveragePooling2D(name=avg_name)(x)
    if pooling == "max":
        return layers.GlobalMaxPooling2D(name=max_name)(x)
    return x
"""

_VGG = """
img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = img_input
for b, (filters, convs) in enumerate(zip((64, 128, 256, 512, 512), depth)):
    for c in range(convs):
        x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{b + 1}_conv{c + 1}")(x)
    x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b + 1}_pool")(x)
if include_top:
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc1")(x)
    x = layers.Dense(4096, activation="relu", name="fc2")(x)
    x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
x = finish(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

_RESNET = """
def block1(x, filters, stride=1, conv_shortcut=True, name=None):
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)

def stack1(x, filters, blocks, stride1=2, name=None):
    x = block1(x, filters, stride=stride1, name=f"{name}_block1")
    for i in range(2, blocks + 1):
        x = block1(x, filters, conv_shortcut=False, name=f"{name}_block{i}")
    return x

def block2(x, filters, stride=1, conv_shortcut=False, name=None):
    preact = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_preact_bn")(x)
    preact = layers.Activation("relu", name=f"{name}_preact_relu")(preact)
    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(preact)
    else:
        shortcut = layers.MaxPooling2D(1, strides=stride)(x) if stride > 1 else x
    x = layers.Conv2D(filters, 1, strides=1, use_bias=False, name=f"{name}_1_conv")(preact)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name=f"{name}_2_pad")(x)
    x = layers.Conv2D(filters, 3, strides=stride, use_bias=False, name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    return layers.Add(name=f"{name}_out")([shortcut, x])

def stack2(x, filters, blocks, stride1=2, name=None):
    x = block2(x, filters, conv_shortcut=True, name=f"{name}_block1")
    for i in range(2, blocks):
        x = block2(x, filters, name=f"{name}_block{i}")
    return block2(x, filters, stride=stride1, name=f"{name}_block{blocks}")

img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(img_input)
x = layers.Conv2D(64, 7, strides=2, use_bias=True, name="conv1_conv")(x)
if not preact:
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
if preact:
    x = stack2(x, 64, depth[0], name="conv2")
    x = stack2(x, 128, depth[1], name="conv3")
    x = stack2(x, 256, depth[2], name="conv4")
    x = stack2(x, 512, depth[3], stride1=1, name="conv5")
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="post_bn")(x)
    x = layers.Activation("relu", name="post_relu")(x)
else:
    x = stack1(x, 64, depth[0], stride1=1, name="conv2")
    x = stack1(x, 128, depth[1], name="conv3")
    x = stack1(x, 256, depth[2], name="conv4")
    x = stack1(x, 512, depth[3], name="conv5")
if include_top:
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
x = finish(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

_MOBILENET_V2 = """
def make_divisible(v, divisor):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v

def correct_pad(x, kernel):
    size = x.shape[1:3]
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    c = kernel // 2
    return ((c - adjust[0], c), (c - adjust[1], c))

def block(inputs, expansion, stride, filters, block_id):
    in_channels = inputs.shape[-1]
    pointwise = make_divisible(int(filters * alpha), 8)
    x = inputs
    prefix = f"block_{block_id}_"
    if block_id:
        x = layers.Conv2D(expansion * in_channels, kernel_size=1, padding="same", use_bias=False, activation=None,
                          name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    else:
        prefix = "expanded_conv_"
    if stride == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, 3), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(kernel_size=3, strides=stride, activation=None, use_bias=False,
                               padding="same" if stride == 1 else "valid", name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise, kernel_size=1, padding="same", use_bias=False, activation=None, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=f"{prefix}project_BN")(x)
    if in_channels == pointwise and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x

img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = layers.Conv2D(make_divisible(32 * alpha, 8), kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="Conv1")(img_input)
x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
x = layers.ReLU(6.0, name="Conv1_relu")(x)
settings = [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6), (64, 2, 6), (64, 1, 6), (64, 1, 6),
            (64, 1, 6), (96, 1, 6), (96, 1, 6), (96, 1, 6), (160, 2, 6), (160, 1, 6), (160, 1, 6), (320, 1, 6)]
for i, (filters, stride, expansion) in enumerate(settings):
    x = block(x, expansion=expansion, stride=stride, filters=filters, block_id=i)
last = make_divisible(1280 * alpha, 8) if alpha > 1.0 else 1280
x = layers.Conv2D(last, kernel_size=1, use_bias=False, name="Conv_1")(x)
x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
x = layers.ReLU(6.0, name="out_relu")(x)
if include_top:
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
elif pooling == "avg":
    x = layers.GlobalAveragePooling2D()(x)
elif pooling == "max":
    x = layers.GlobalMaxPooling2D()(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

_DENSENET = """
def conv_block(x, growth_rate, name):
    x1 = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_0_bn")(x)
    x1 = layers.Activation("relu", name=f"{name}_0_relu")(x1)
    x1 = layers.Conv2D(4 * growth_rate, 1, use_bias=False, name=f"{name}_1_conv")(x1)
    x1 = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_1_bn")(x1)
    x1 = layers.Activation("relu", name=f"{name}_1_relu")(x1)
    x1 = layers.Conv2D(growth_rate, 3, padding="same", use_bias=False, name=f"{name}_2_conv")(x1)
    return layers.Concatenate(axis=3, name=f"{name}_concat")([x, x1])

def transition_block(x, reduction, name):
    x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name=f"{name}_bn")(x)
    x = layers.Activation("relu", name=f"{name}_relu")(x)
    x = layers.Conv2D(int(x.shape[3] * reduction), 1, use_bias=False, name=f"{name}_conv")(x)
    return layers.AveragePooling2D(2, strides=2, name=f"{name}_pool")(x)

img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)))(img_input)
x = layers.Conv2D(64, 7, strides=2, use_bias=False, name="conv1_conv")(x)
x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="conv1_bn")(x)
x = layers.Activation("relu", name="conv1_relu")(x)
x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)))(x)
x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
for i, n in enumerate(depth):
    for j in range(n):
        x = conv_block(x, 32, name=f"conv{i + 2}_block{j + 1}")
    if i < 3:
        x = transition_block(x, 0.5, name=f"pool{i + 2}")
x = layers.BatchNormalization(axis=3, epsilon=1.001e-5, name="bn")(x)
x = layers.Activation("relu", name="relu")(x)
if include_top:
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
x = finish(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

_EFFICIENTNET = """
def round_filters(filters, divisor=8):
    filters = filters * width_coefficient
    new_filters = max(divisor, int(filters + divisor / 2) // divisor * divisor)
    if new_filters < 0.9 * filters:
        new_filters += divisor
    return int(new_filters)

def round_repeats(repeats):
    return int(math.ceil(depth_coefficient * repeats))

def correct_pad(x, kernel):
    size = x.shape[1:3]
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    c = kernel // 2
    return ((c - adjust[0], c), (c - adjust[1], c))

def block(inputs, drop_rate, name, filters_in, filters_out, kernel_size, strides, expand_ratio, se_ratio, id_skip):
    filters = filters_in * expand_ratio
    if expand_ratio != 1:
        x = layers.Conv2D(filters, 1, padding="same", use_bias=False, name=f"{name}expand_conv")(inputs)
        x = layers.BatchNormalization(axis=3, name=f"{name}expand_bn")(x)
        x = layers.Activation("swish", name=f"{name}expand_activation")(x)
    else:
        x = inputs
    if strides == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, kernel_size), name=f"{name}dwconv_pad")(x)
        conv_pad = "valid"
    else:
        conv_pad = "same"
    x = layers.DepthwiseConv2D(kernel_size, strides=strides, padding=conv_pad, use_bias=False, name=f"{name}dwconv")(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}bn")(x)
    x = layers.Activation("swish", name=f"{name}activation")(x)
    filters_se = max(1, int(filters_in * se_ratio))
    se = layers.GlobalAveragePooling2D(name=f"{name}se_squeeze")(x)
    se = layers.Reshape((1, 1, filters), name=f"{name}se_reshape")(se)
    se = layers.Conv2D(filters_se, 1, padding="same", activation="swish", name=f"{name}se_reduce")(se)
    se = layers.Conv2D(filters, 1, padding="same", activation="sigmoid", name=f"{name}se_expand")(se)
    x = layers.multiply([x, se], name=f"{name}se_excite")
    x = layers.Conv2D(filters_out, 1, padding="same", use_bias=False, name=f"{name}project_conv")(x)
    x = layers.BatchNormalization(axis=3, name=f"{name}project_bn")(x)
    if id_skip and strides == 1 and filters_in == filters_out:
        if drop_rate > 0:
            x = layers.Dropout(drop_rate, noise_shape=(None, 1, 1, 1), name=f"{name}drop")(x)
        x = layers.add([x, inputs], name=f"{name}add")
    return x

blocks_args = [
    {"kernel_size": 3, "repeats": 1, "filters_in": 32, "filters_out": 16, "expand_ratio": 1, "strides": 1},
    {"kernel_size": 3, "repeats": 2, "filters_in": 16, "filters_out": 24, "expand_ratio": 6, "strides": 2},
    {"kernel_size": 5, "repeats": 2, "filters_in": 24, "filters_out": 40, "expand_ratio": 6, "strides": 2},
    {"kernel_size": 3, "repeats": 3, "filters_in": 40, "filters_out": 80, "expand_ratio": 6, "strides": 2},
    {"kernel_size": 5, "repeats": 3, "filters_in": 80, "filters_out": 112, "expand_ratio": 6, "strides": 1},
    {"kernel_size": 5, "repeats": 4, "filters_in": 112, "filters_out": 192, "expand_ratio": 6, "strides": 2},
    {"kernel_size": 3, "repeats": 1, "filters_in": 192, "filters_out": 320, "expand_ratio": 6, "strides": 1},
]
img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = layers.Rescaling(1.0 / 255.0)(img_input)
x = layers.Normalization(axis=3)(x)
if weights == "imagenet":
    x = layers.Rescaling(1.0)(x)
x = layers.ZeroPadding2D(padding=correct_pad(x, 3), name="stem_conv_pad")(x)
x = layers.Conv2D(round_filters(32), 3, strides=2, padding="valid", use_bias=False, name="stem_conv")(x)
x = layers.BatchNormalization(axis=3, name="stem_bn")(x)
x = layers.Activation("swish", name="stem_activation")(x)
b = 0
blocks = float(sum([round_repeats(a["repeats"]) for a in blocks_args]))
for i, a in enumerate(blocks_args):
    filters_in = round_filters(a["filters_in"])
    filters_out = round_filters(a["filters_out"])
    strides = a["strides"]
    for j in range(round_repeats(a["repeats"])):
        if j > 0:
            strides = 1
            filters_in = filters_out
        x = block(x, 0.2 * b / blocks, f"block{i + 1}{chr(j + 97)}_", filters_in, filters_out, a["kernel_size"], strides,
                  a["expand_ratio"], 0.25, True)
        b += 1
x = layers.Conv2D(round_filters(1280), 1, padding="same", use_bias=False, name="top_conv")(x)
x = layers.BatchNormalization(axis=3, name="top_bn")(x)
x = layers.Activation("swish", name="top_activation")(x)
if include_top:
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate, name="top_dropout")(x)
    x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
x = finish(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

_MOBILENET = """
def dw_block(x, filters, strides=(1, 1), block_id=1):
    filters = int(filters * alpha)
    if strides != (1, 1):
        x = layers.ZeroPadding2D(((0, 1), (0, 1)), name="conv_pad_%d" % block_id)(x)
    x = layers.DepthwiseConv2D((3, 3), padding="same" if strides == (1, 1) else "valid", depth_multiplier=depth_multiplier,
                               strides=strides, use_bias=False, name="conv_dw_%d" % block_id)(x)
    x = layers.BatchNormalization(axis=-1, name="conv_dw_%d_bn" % block_id)(x)
    x = layers.ReLU(6.0, name="conv_dw_%d_relu" % block_id)(x)
    x = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False, strides=(1, 1), name="conv_pw_%d" % block_id)(x)
    x = layers.BatchNormalization(axis=-1, name="conv_pw_%d_bn" % block_id)(x)
    return layers.ReLU(6.0, name="conv_pw_%d_relu" % block_id)(x)

img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = layers.Conv2D(int(32 * alpha), (3, 3), padding="same", use_bias=False, strides=(2, 2), name="conv1")(img_input)
x = layers.BatchNormalization(axis=-1, name="conv1_bn")(x)
x = layers.ReLU(6.0, name="conv1_relu")(x)
for i, (filters, stride) in enumerate([(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2), (512, 1), (512, 1), (512, 1),
                                       (512, 1), (512, 1), (1024, 2), (1024, 1)]):
    x = dw_block(x, filters, strides=(stride, stride), block_id=i + 1)
if include_top:
    x = layers.GlobalAveragePooling2D(keepdims=True)(x)
    x = layers.Dropout(1e-3, name="dropout")(x)
    x = layers.Conv2D(classes, (1, 1), padding="same", name="conv_preds")(x)
    x = layers.Reshape((classes,), name="reshape_2")(x)
    x = layers.Activation(activation=classifier_activation, name="predictions")(x)
elif pooling == "avg":
    x = layers.GlobalAveragePooling2D()(x)
elif pooling == "max":
    x = layers.GlobalMaxPooling2D()(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

_XCEPTION = """
def sep(x, filters, name, act_before=True):
    if act_before:
        x = layers.Activation("relu", name=f"{name}_act")(x)
    x = layers.SeparableConv2D(filters, (3, 3), padding="same", use_bias=False, name=name)(x)
    return layers.BatchNormalization(axis=-1, name=f"{name}_bn")(x)

def entry(x, filters, block, first=False):
    residual = layers.Conv2D(filters[1], (1, 1), strides=(2, 2), padding="same", use_bias=False)(x)
    residual = layers.BatchNormalization(axis=-1)(residual)
    x = sep(x, filters[0], f"block{block}_sepconv1", act_before=not first)
    x = sep(x, filters[1], f"block{block}_sepconv2")
    x = layers.MaxPooling2D((3, 3), strides=(2, 2), padding="same", name=f"block{block}_pool")(x)
    return layers.add([x, residual])

img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = layers.Conv2D(32, (3, 3), strides=(2, 2), use_bias=False, name="block1_conv1")(img_input)
x = layers.BatchNormalization(axis=-1, name="block1_conv1_bn")(x)
x = layers.Activation("relu", name="block1_conv1_act")(x)
x = layers.Conv2D(64, (3, 3), use_bias=False, name="block1_conv2")(x)
x = layers.BatchNormalization(axis=-1, name="block1_conv2_bn")(x)
x = layers.Activation("relu", name="block1_conv2_act")(x)
x = entry(x, (128, 128), 2, first=True)
x = entry(x, (256, 256), 3)
x = entry(x, (728, 728), 4)
for i in range(8):
    residual = x
    for j in range(3):
        x = sep(x, 728, f"block{i + 5}_sepconv{j + 1}")
    x = layers.add([x, residual])
x = entry(x, (728, 1024), 13)
x = layers.SeparableConv2D(1536, (3, 3), padding="same", use_bias=False, name="block14_sepconv1")(x)
x = layers.BatchNormalization(axis=-1, name="block14_sepconv1_bn")(x)
x = layers.Activation("relu", name="block14_sepconv1_act")(x)
x = layers.SeparableConv2D(2048, (3, 3), padding="same", use_bias=False, name="block14_sepconv2")(x)
x = layers.BatchNormalization(axis=-1, name="block14_sepconv2_bn")(x)
x = layers.Activation("relu", name="block14_sepconv2_act")(x)
if include_top:
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
x = finish(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

_INCEPTION_V3 = """
def cbn(x, filters, rows, cols, padding="same", strides=(1, 1)):
    x = layers.Conv2D(filters, (rows, cols), strides=strides, padding=padding, use_bias=False)(x)
    x = layers.BatchNormalization(axis=3, scale=False)(x)
    return layers.Activation("relu")(x)

def avg_branch(x, filters):
    return cbn(layers.AveragePooling2D((3, 3), strides=(1, 1), padding="same")(x), filters, 1, 1)

img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = cbn(img_input, 32, 3, 3, strides=(2, 2), padding="valid")
x = cbn(x, 32, 3, 3, padding="valid")
x = cbn(x, 64, 3, 3)
x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
x = cbn(x, 80, 1, 1, padding="valid")
x = cbn(x, 192, 3, 3, padding="valid")
x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
for i, pool_filters in enumerate((32, 64, 64)):
    b1 = cbn(x, 64, 1, 1)
    b5 = cbn(cbn(x, 48, 1, 1), 64, 5, 5)
    b3 = cbn(cbn(cbn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3)
    bp = avg_branch(x, pool_filters)
    x = layers.concatenate([b1, b5, b3, bp], axis=3, name=f"mixed{i}")
b3 = cbn(x, 384, 3, 3, strides=(2, 2), padding="valid")
bd = cbn(cbn(cbn(x, 64, 1, 1), 96, 3, 3), 96, 3, 3, strides=(2, 2), padding="valid")
bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
x = layers.concatenate([b3, bd, bp], axis=3, name="mixed3")
for i, f in enumerate((128, 160, 160, 192)):
    b1 = cbn(x, 192, 1, 1)
    b7 = cbn(cbn(cbn(x, f, 1, 1), f, 1, 7), 192, 7, 1)
    bd = cbn(cbn(cbn(cbn(cbn(x, f, 1, 1), f, 7, 1), f, 1, 7), f, 7, 1), 192, 1, 7)
    bp = avg_branch(x, 192)
    x = layers.concatenate([b1, b7, bd, bp], axis=3, name=f"mixed{4 + i}")
b3 = cbn(cbn(x, 192, 1, 1), 320, 3, 3, strides=(2, 2), padding="valid")
b7 = cbn(cbn(cbn(cbn(x, 192, 1, 1), 192, 1, 7), 192, 7, 1), 192, 3, 3, strides=(2, 2), padding="valid")
bp = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
x = layers.concatenate([b3, b7, bp], axis=3, name="mixed8")
for i in range(2):
    b1 = cbn(x, 320, 1, 1)
    b3 = cbn(x, 384, 1, 1)
    b3 = layers.concatenate([cbn(b3, 384, 1, 3), cbn(b3, 384, 3, 1)], axis=3, name=f"mixed9_{i}")
    bd = cbn(cbn(x, 448, 1, 1), 384, 3, 3)
    bd = layers.concatenate([cbn(bd, 384, 1, 3), cbn(bd, 384, 3, 1)], axis=3)
    bp = avg_branch(x, 192)
    x = layers.concatenate([b1, b3, bd, bp], axis=3, name=f"mixed{9 + i}")
if include_top:
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
x = finish(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

_CONVNEXT = """
img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = img_input
if include_preprocessing and input_shape[2] == 3:
    x = layers.Normalization(mean=[0.485 * 255, 0.456 * 255, 0.406 * 255],
                             variance=[(0.229 * 255) ** 2, (0.224 * 255) ** 2, (0.225 * 255) ** 2],
                             name=f"{model_name}_prestem_normalization")(x)
downsample = [keras.Sequential([layers.Conv2D(dims[0], kernel_size=4, strides=4, name=f"{model_name}_stem_conv"),
                                layers.LayerNormalization(epsilon=1e-6, name=f"{model_name}_stem_layernorm")],
                               name=f"{model_name}_stem")]
for i in range(3):
    downsample.append(keras.Sequential([layers.LayerNormalization(epsilon=1e-6, name=f"{model_name}_downsampling_layernorm_{i}"),
                                        layers.Conv2D(dims[i + 1], kernel_size=2, strides=2, name=f"{model_name}_downsampling_conv_{i}")],
                                       name=f"{model_name}_downsampling_block_{i}"))
for i in range(4):
    x = downsample[i](x)
    for j in range(depths[i]):
        name = f"{model_name}_stage_{i}_block_{j}"
        d = dims[i]
        y = layers.Conv2D(filters=d, kernel_size=7, padding="same", groups=d, name=f"{name}_depthwise_conv")(x)
        y = layers.LayerNormalization(epsilon=1e-6, name=f"{name}_layernorm")(y)
        y = layers.Dense(4 * d, name=f"{name}_pointwise_conv_1")(y)
        y = layers.Activation("gelu", name=f"{name}_gelu")(y)
        y = layers.Dense(d, name=f"{name}_pointwise_conv_2")(y)
        y = layers.LayerScale(1e-6, d, name=f"{name}_layer_scale")(y)
        x = x + layers.Activation("linear", name=f"{name}_identity")(y)
if include_top:
    x = layers.GlobalAveragePooling2D(name=f"{model_name}_head_gap")(x)
    x = layers.LayerNormalization(epsilon=1e-6, name=f"{model_name}_head_layernorm")(x)
    x = layers.Dense(classes, activation=classifier_activation, name=f"{model_name}_head_dense")(x)
else:
    if pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    x = layers.LayerNormalization(epsilon=1e-6)(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

_MOBILENET_V3 = """
def make_divisible(v, divisor=8):
    new_v = max(divisor, int(v + divisor / 2) // divisor * divisor)
    if new_v < 0.9 * v:
        new_v += divisor
    return new_v

def relu(x):
    return layers.ReLU()(x)

def hard_sigmoid(x):
    return layers.ReLU(6.0)(x + 3.0) * (1.0 / 6.0)

def hard_swish(x):
    return layers.Activation("hard_swish")(x)

def correct_pad(x, kernel):
    size = x.shape[1:3]
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    c = kernel // 2
    return ((c - adjust[0], c), (c - adjust[1], c))

def se_block(inputs, filters, prefix):
    x = layers.GlobalAveragePooling2D(keepdims=True, name=f"{prefix}squeeze_excite_avg_pool")(inputs)
    x = layers.Conv2D(make_divisible(filters * 0.25), kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv")(x)
    x = layers.ReLU(name=f"{prefix}squeeze_excite_relu")(x)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", name=f"{prefix}squeeze_excite_conv_1")(x)
    x = hard_sigmoid(x)
    return layers.Multiply(name=f"{prefix}squeeze_excite_mul")([inputs, x])

def block(x, expansion, filters, kernel_size, stride, se, activation, block_id):
    shortcut = x
    prefix = "expanded_conv_"
    infilters = x.shape[-1]
    if block_id:
        prefix = f"expanded_conv_{block_id}_"
        x = layers.Conv2D(make_divisible(infilters * expansion), kernel_size=1, padding="same", use_bias=False, name=f"{prefix}expand")(x)
        x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=f"{prefix}expand_bn")(x)
        x = activation(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=correct_pad(x, kernel_size), name=f"{prefix}depthwise_pad")(x)
    x = layers.DepthwiseConv2D(kernel_size, strides=stride, padding="same" if stride == 1 else "valid", use_bias=False,
                               name=f"{prefix}depthwise")(x)
    x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=f"{prefix}depthwise_bn")(x)
    x = activation(x)
    if se:
        x = se_block(x, make_divisible(infilters * expansion), prefix)
    x = layers.Conv2D(filters, kernel_size=1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name=f"{prefix}project_bn")(x)
    if stride == 1 and infilters == filters:
        x = layers.Add(name=f"{prefix}add")([shortcut, x])
    return x

kernel = 3 if minimalistic else 5
act = relu if minimalistic else hard_swish
se = not minimalistic
img_input = layers.Input(shape=input_shape) if input_tensor is None else input_tensor
x = img_input
if include_preprocessing:
    x = layers.Rescaling(scale=1.0 / 127.5, offset=-1.0)(x)
x = layers.Conv2D(16, kernel_size=3, strides=(2, 2), padding="same", use_bias=False, name="conv")(x)
x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name="conv_bn")(x)
x = act(x)
for i, (e, f, k, st, with_se, a) in enumerate(settings):
    x = block(x, e, make_divisible(f * alpha), kernel if k == 0 else k, st, se and with_se, act if a else relu, i)
last_conv = make_divisible(x.shape[-1] * 6)
last_point = make_divisible(last_point * alpha) if alpha > 1.0 else last_point
x = layers.Conv2D(last_conv, kernel_size=1, padding="same", use_bias=False, name="conv_1")(x)
x = layers.BatchNormalization(axis=-1, epsilon=1e-3, momentum=0.999, name="conv_1_bn")(x)
x = act(x)
if include_top:
    x = layers.GlobalAveragePooling2D(keepdims=True)(x)
    x = layers.Conv2D(last_point, kernel_size=1, padding="same", use_bias=True, name="conv_2")(x)
    x = act(x)
    if dropout_rate > 0:
        x = layers.Dropout(dropout_rate)(x)
    x = layers.Conv2D(classes, kernel_size=1, padding="same", name="logits")(x)
    x = layers.Flatten()(x)
    x = layers.Activation(activation=classifier_activation, name="predictions")(x)
x = finish(x)
__model__ = keras.Model(img_input, x, name=model_name)
"""

# (expansion, filters, kernel (0: the model's), stride, squeeze-excite, the model's activation (else relu))
_V3_SMALL = ((1, 16, 3, 2, True, False), (72.0 / 16, 24, 3, 2, False, False), (88.0 / 24, 24, 3, 1, False, False),
             (4, 40, 0, 2, True, True), (6, 40, 0, 1, True, True), (6, 40, 0, 1, True, True), (3, 48, 0, 1, True, True),
             (3, 48, 0, 1, True, True), (6, 96, 0, 2, True, True), (6, 96, 0, 1, True, True), (6, 96, 0, 1, True, True))
_V3_LARGE = ((1, 16, 3, 1, False, False), (4, 24, 3, 2, False, False), (3, 24, 3, 1, False, False), (3, 40, 0, 2, True, False),
             (3, 40, 0, 1, True, False), (3, 40, 0, 1, True, False), (6, 80, 3, 2, False, True), (2.5, 80, 3, 1, False, True),
             (2.3, 80, 3, 1, False, True), (2.3, 80, 3, 1, False, True), (6, 112, 3, 1, True, True), (6, 112, 3, 1, True, True),
             (6, 160, 0, 2, True, True), (6, 160, 0, 1, True, True), (6, 160, 0, 1, True, True))  # fmt: skip

_EFFICIENT = {0: (1.0, 1.0, 224, 0.2), 1: (1.0, 1.1, 240, 0.2), 2: (1.1, 1.2, 260, 0.3), 3: (1.2, 1.4, 300, 0.3),
              4: (1.4, 1.8, 380, 0.4), 5: (1.6, 2.2, 456, 0.4), 6: (1.8, 2.6, 528, 0.5), 7: (2.0, 3.1, 600, 0.5)}  # fmt: skip

# name -> (source, fixed variables, default input size, model name)
APPS: dict[str, tuple[str, dict[str, Any], int, str]] = {
    "VGG16": (_VGG, {"depth": (2, 2, 3, 3, 3), "avg_name": None, "max_name": None}, 224, "vgg16"),
    "VGG19": (_VGG, {"depth": (2, 2, 4, 4, 4), "avg_name": None, "max_name": None}, 224, "vgg19"),
    "ResNet50": (_RESNET, {"depth": (3, 4, 6, 3), "preact": False}, 224, "resnet50"),
    "ResNet101": (_RESNET, {"depth": (3, 4, 23, 3), "preact": False}, 224, "resnet101"),
    "ResNet152": (_RESNET, {"depth": (3, 8, 36, 3), "preact": False}, 224, "resnet152"),
    "ResNet50V2": (_RESNET, {"depth": (3, 4, 6, 3), "preact": True}, 224, "resnet50v2"),
    "ResNet101V2": (_RESNET, {"depth": (3, 4, 23, 3), "preact": True}, 224, "resnet101v2"),
    "ResNet152V2": (_RESNET, {"depth": (3, 8, 36, 3), "preact": True}, 224, "resnet152v2"),
    "MobileNetV2": (_MOBILENET_V2, {}, 224, "mobilenetv2"),
    "MobileNet": (_MOBILENET, {}, 224, "mobilenet"),
    "MobileNetV3Small": (_MOBILENET_V3, {"settings": _V3_SMALL, "last_point": 1024}, 224, "MobileNetV3Small"),
    "MobileNetV3Large": (_MOBILENET_V3, {"settings": _V3_LARGE, "last_point": 1280}, 224, "MobileNetV3Large"),
    "Xception": (_XCEPTION, {"avg_name": None, "max_name": None}, 299, "xception"),
    "InceptionV3": (_INCEPTION_V3, {"avg_name": None, "max_name": None}, 299, "inception_v3"),
    **{f"ConvNeXt{'XLarge' if size == 'xlarge' else size.title()}": (_CONVNEXT, {"depths": depths, "dims": dims}, 224, f"convnext_{size}")
       for size, depths, dims in (("tiny", (3, 3, 9, 3), (96, 192, 384, 768)), ("small", (3, 3, 27, 3), (96, 192, 384, 768)),
                                  ("base", (3, 3, 27, 3), (128, 256, 512, 1024)), ("large", (3, 3, 27, 3), (192, 384, 768, 1536)),
                                  ("xlarge", (3, 3, 27, 3), (256, 512, 1024, 2048)))},
    "DenseNet121": (_DENSENET, {"depth": (6, 12, 24, 16)}, 224, "densenet121"),
    "DenseNet169": (_DENSENET, {"depth": (6, 12, 32, 32)}, 224, "densenet169"),
    "DenseNet201": (_DENSENET, {"depth": (6, 12, 48, 32)}, 224, "densenet201"),
    **{f"EfficientNetB{i}": (_EFFICIENTNET, {"width_coefficient": w, "depth_coefficient": d, "dropout_rate": r}, size, f"efficientnetb{i}")
       for i, (w, d, size, r) in _EFFICIENT.items()},
}
LATER = frozenset({"InceptionResNetV2", "NASNetMobile",
                   "NASNetLarge",
                   *(f"EfficientNetV2{s}" for s in ("B0", "B1", "B2", "B3", "S", "M", "L"))})  # fmt: skip


_TV = """
class BasicBlock(nn.Module):
    expansion = 1
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

class Bottleneck(nn.Module):
    expansion = 4
    def __init__(self, inplanes, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

class ResNet(nn.Module):
    def __init__(self, block, layers, num_classes=1000):
        super().__init__()
        self.inplanes = 64
        self.conv1 = nn.Conv2d(3, 64, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        self.layer1 = self._make_layer(block, 64, layers[0])
        self.layer2 = self._make_layer(block, 128, layers[1], stride=2)
        self.layer3 = self._make_layer(block, 256, layers[2], stride=2)
        self.layer4 = self._make_layer(block, 512, layers[3], stride=2)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(512 * block.expansion, num_classes)
    def _make_layer(self, block, planes, blocks, stride=1):
        downsample = None
        if stride != 1 or self.inplanes != planes * block.expansion:
            downsample = nn.Sequential(nn.Conv2d(self.inplanes, planes * block.expansion, 1, stride=stride, bias=False),
                                       nn.BatchNorm2d(planes * block.expansion))
        layers = [block(self.inplanes, planes, stride, downsample)]
        self.inplanes = planes * block.expansion
        for _ in range(1, blocks):
            layers.append(block(self.inplanes, planes))
        return nn.Sequential(*layers)

class AlexNet(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 64, kernel_size=11, stride=4, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(64, 192, kernel_size=5, padding=2), nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2),
            nn.Conv2d(192, 384, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True),
            nn.Conv2d(256, 256, kernel_size=3, padding=1), nn.ReLU(inplace=True), nn.MaxPool2d(kernel_size=3, stride=2))
        self.avgpool = nn.AdaptiveAvgPool2d((6, 6))
        self.classifier = nn.Sequential(nn.Dropout(p=0.5), nn.Linear(256 * 6 * 6, 4096), nn.ReLU(inplace=True),
                                        nn.Dropout(p=0.5), nn.Linear(4096, 4096), nn.ReLU(inplace=True), nn.Linear(4096, num_classes))

class VGG(nn.Module):
    def __init__(self, cfg, batch_norm, num_classes=1000):
        super().__init__()
        layers = []
        in_channels = 3
        for v in cfg:
            if v == "M":
                layers.append(nn.MaxPool2d(kernel_size=2, stride=2))
            else:
                layers.append(nn.Conv2d(in_channels, v, kernel_size=3, padding=1))
                if batch_norm:
                    layers.append(nn.BatchNorm2d(v))
                layers.append(nn.ReLU(inplace=True))
                in_channels = v
        self.features = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
        self.classifier = nn.Sequential(nn.Linear(512 * 7 * 7, 4096), nn.ReLU(True), nn.Dropout(p=0.5),
                                        nn.Linear(4096, 4096), nn.ReLU(True), nn.Dropout(p=0.5), nn.Linear(4096, num_classes))

class Conv2dNormActivation(nn.Sequential):
    def __init__(self, inp, out, kernel_size=3, stride=1, groups=1):
        super().__init__(nn.Conv2d(inp, out, kernel_size, stride, (kernel_size - 1) // 2, groups=groups, bias=False),
                         nn.BatchNorm2d(out), nn.ReLU6(inplace=True))

class InvertedResidual(nn.Module):
    def __init__(self, inp, oup, stride, expand_ratio):
        super().__init__()
        hidden = int(round(inp * expand_ratio))
        layers = []
        if expand_ratio != 1:
            layers.append(Conv2dNormActivation(inp, hidden, kernel_size=1))
        layers.extend([Conv2dNormActivation(hidden, hidden, stride=stride, groups=hidden),
                       nn.Conv2d(hidden, oup, 1, 1, 0, bias=False), nn.BatchNorm2d(oup)])
        self.conv = nn.Sequential(*layers)

class MobileNetV2(nn.Module):
    def __init__(self, num_classes=1000):
        super().__init__()
        features = [Conv2dNormActivation(3, 32, stride=2)]
        inp = 32
        for t, c, n, s in [[1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1]]:
            for i in range(n):
                features.append(InvertedResidual(inp, c, s if i == 0 else 1, expand_ratio=t))
                inp = c
        features.append(Conv2dNormActivation(inp, 1280, kernel_size=1))
        self.features = nn.Sequential(*features)
        self.classifier = nn.Sequential(nn.Dropout(p=0.2), nn.Linear(1280, num_classes))

class DenseLayer(nn.Module):
    def __init__(self, num_input_features, growth_rate, bn_size):
        super().__init__()
        self.norm1 = nn.BatchNorm2d(num_input_features)
        self.relu1 = nn.ReLU(inplace=True)
        self.conv1 = nn.Conv2d(num_input_features, bn_size * growth_rate, kernel_size=1, stride=1, bias=False)
        self.norm2 = nn.BatchNorm2d(bn_size * growth_rate)
        self.relu2 = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(bn_size * growth_rate, growth_rate, kernel_size=3, stride=1, padding=1, bias=False)

class DenseBlock(nn.ModuleDict):
    def __init__(self, num_layers, num_input_features, bn_size, growth_rate):
        super().__init__()
        for i in range(num_layers):
            self.add_module(f"denselayer{i + 1}", DenseLayer(num_input_features + i * growth_rate, growth_rate, bn_size))

class Transition(nn.Sequential):
    def __init__(self, num_input_features, num_output_features):
        super().__init__()
        self.norm = nn.BatchNorm2d(num_input_features)
        self.relu = nn.ReLU(inplace=True)
        self.conv = nn.Conv2d(num_input_features, num_output_features, kernel_size=1, stride=1, bias=False)
        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)

class DenseNet(nn.Module):
    def __init__(self, growth_rate=32, block_config=(6, 12, 24, 16), num_init_features=64, bn_size=4, num_classes=1000):
        super().__init__()
        self.features = nn.Sequential(OrderedDict([
            ("conv0", nn.Conv2d(3, num_init_features, kernel_size=7, stride=2, padding=3, bias=False)),
            ("norm0", nn.BatchNorm2d(num_init_features)), ("relu0", nn.ReLU(inplace=True)),
            ("pool0", nn.MaxPool2d(kernel_size=3, stride=2, padding=1))]))
        num_features = num_init_features
        for i, num_layers in enumerate(block_config):
            block = DenseBlock(num_layers, num_features, bn_size, growth_rate)
            self.features.add_module(f"denseblock{i + 1}", block)
            num_features = num_features + num_layers * growth_rate
            if i != len(block_config) - 1:
                self.features.add_module(f"transition{i + 1}", Transition(num_features, num_features // 2))
                num_features = num_features // 2
        self.features.add_module("norm5", nn.BatchNorm2d(num_features))
        self.classifier = nn.Linear(num_features, num_classes)

__model__ = MAKE()
"""

_VGG_CFG = {
    "11": '[64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]',
    "13": '[64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]',
    "16": '[64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]',
    "19": '[64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M", 512, 512, 512, 512, "M"]',
}
TORCHVISION: dict[str, str] = {
    "alexnet": "AlexNet(num_classes=num_classes)",
    "resnet18": "ResNet(BasicBlock, [2, 2, 2, 2], num_classes=num_classes)",
    "resnet34": "ResNet(BasicBlock, [3, 4, 6, 3], num_classes=num_classes)",
    "resnet50": "ResNet(Bottleneck, [3, 4, 6, 3], num_classes=num_classes)",
    "resnet101": "ResNet(Bottleneck, [3, 4, 23, 3], num_classes=num_classes)",
    "resnet152": "ResNet(Bottleneck, [3, 8, 36, 3], num_classes=num_classes)",
    "mobilenet_v2": "MobileNetV2(num_classes=num_classes)",
    "densenet121": "DenseNet(32, (6, 12, 24, 16), 64, num_classes=num_classes)",
    **{f"vgg{d}{bn}": f"VGG({cfg}, {bool(bn)}, num_classes=num_classes)" for d, cfg in _VGG_CFG.items() for bn in ("", "_bn")},
}


def known(path: str) -> bool:
    last = path.rsplit(".", 1)[-1]
    if "torchvision" in path and last in TORCHVISION:
        return True
    if last not in APPS and last not in LATER:
        return False
    return "applications" in path or path == last or path.split(".")[0] in ("keras", "tf", "tensorflow")


@lru_cache(maxsize=16)
def _tree(source: str) -> ast.Module:
    return parse(_PRELUDE + source)


def build_torchvision(hooks: Any, last: str, args: list[Any], kwargs: dict[str, Any], node: Any) -> Any:
    line = getattr(node, "lineno", None)
    allowed = {"weights", "pretrained", "num_classes", "progress"}
    if args or set(kwargs) - allowed:
        extra = sorted(set(kwargs) - allowed)[0] if set(kwargs) - allowed else "a positional argument"
        raise Refusal(line, f"torchvision.models.{last}(): {extra}", f"keyword arguments among {', '.join(sorted(allowed))}")
    classes = kwargs.get("num_classes", 1000)
    weights = kwargs.get("weights")
    pretrained = kwargs.get("pretrained", False)
    if not isinstance(classes, int) or isinstance(classes, bool) or classes < 1:
        raise Refusal(line, f"torchvision.models.{last}(num_classes={classes!r})", "num_classes the code fixes")
    if (weights is not None or pretrained is True) and classes != 1000:
        raise Refusal(line, f"torchvision.models.{last}(pretrained weights, num_classes={classes})",
                      "num_classes=1000 with pretrained weights (torchvision refuses others)")  # fmt: skip
    scope = Scope()
    scope.vars.update({"nn": _ext("torch.nn"), "OrderedDict": _ext("collections.OrderedDict"), "num_classes": classes})
    tree = _tree_tv(TORCHVISION[last])
    saved = hooks.framework
    hooks.framework = "torch"
    try:
        hooks.interp.block(tree.body, scope)
    finally:
        hooks.framework = saved
    model = scope.vars["__model__"]
    model.line = line
    return model


@lru_cache(maxsize=32)
def _tree_tv(make: str) -> ast.Module:
    return parse(_TV.replace("MAKE()", make))


def build(hooks: Any, path: str, args: list[Any], kwargs: dict[str, Any], node: Any) -> Any:
    """The application model, made in the code's interpreter (its layers join the code's graph)."""
    line = getattr(node, "lineno", None)
    last = path.rsplit(".", 1)[-1]
    if "torchvision" in path and last in TORCHVISION:
        return build_torchvision(hooks, last, args, kwargs, node)
    if last in LATER:
        raise Refusal(line, f"keras.applications.{last}: not described in nnexam yet",
                      f"one of {', '.join(APPS)}, or the model written out as layers")  # fmt: skip
    source, fixed, size, name = APPS[last]
    order = ("include_top", "weights", "input_tensor", "input_shape", "pooling", "classes")
    given = dict(zip(order, args))
    for k, v in kwargs.items():
        if k in given:
            raise Refusal(line, f"{last}(): argument {k!r} given twice", "each argument once")
        given[k] = v
    allowed = set(order) | {"classifier_activation", "alpha", "name", "depth_multiplier", "dropout", "include_preprocessing",
                            "minimalistic", "dropout_rate"}  # fmt: skip
    if set(given) - allowed:
        raise Refusal(line, f"{last}(): unknown argument {sorted(set(given) - allowed)[0]!r}", f"the arguments of {last}: {', '.join(sorted(allowed))}")
    include_top = given.get("include_top", True)
    weights = given.get("weights", "imagenet")
    pooling = given.get("pooling")
    classes = given.get("classes", 1000)
    shape = given.get("input_shape")
    tensor = given.get("input_tensor")
    alpha = given.get("alpha", 1.0)
    for key, value, ok in (("include_top", include_top, isinstance(include_top, bool)), ("pooling", pooling, pooling in (None, "avg", "max")),
                           ("classes", classes, isinstance(classes, int) and not isinstance(classes, bool) and classes > 0),
                           ("alpha", alpha, alpha == 1.0 or (last.startswith("MobileNet") and isinstance(alpha, int | float) and alpha > 0)),
                           ("depth_multiplier", given.get("depth_multiplier", 1), given.get("depth_multiplier", 1) == 1 or last == "MobileNet")):  # fmt: skip
        if not ok:
            raise Refusal(line, f"{last}({key}={value!r})", f"{key} the code fixes ({last}'s own values)")
    if weights not in (None, "imagenet"):
        weights = "file"
    if weights == "imagenet" and include_top and classes != 1000:
        raise Refusal(line, f"{last}(weights='imagenet', include_top=True, classes={classes})", "classes=1000 with ImageNet weights (Keras refuses)")
    if tensor is not None:
        from nnexam.questions.model_analyser.objects import KInput, KTensor

        if not (isinstance(tensor, KTensor) and isinstance(tensor.node.op, KInput)):
            raise Refusal(line, f"{src(node)}: input_tensor is not a keras.Input", "input_tensor=keras.Input(shape=...)")
        if shape is None:
            shape = tensor.node.op.shape
    if shape is None:  # Keras' default: the ImageNet size with the top, any size without (MobileNetV3: always any)
        shape = (size, size, 3) if include_top and not last.startswith("MobileNetV3") else (None, None, 3)
    if not (isinstance(shape, tuple | list) and len(shape) == 3 and all(isinstance(d, int) or d is None for d in shape)):
        raise Refusal(line, f"{last}(input_shape={shape!r})", "input_shape=(height, width, 3) with sizes the code fixes")
    shape = tuple(shape)
    if include_top and weights == "imagenet" and shape != (size, size, 3) and not last.startswith("MobileNetV3"):
        raise Refusal(line, f"{last}(include_top=True, input_shape={shape})", f"input_shape=({size}, {size}, 3) with the ImageNet top (Keras refuses others)")
    if shape[2] != 3 and weights == "imagenet":
        raise Refusal(line, f"{last}(input_shape={shape})", "3 input channels with ImageNet weights (Keras refuses others)")
    if last == "MobileNetV2":
        rows = shape[0] if shape[0] in (96, 128, 160, 192, 224) else 224
        name = f"mobilenetv2_{alpha:0.2f}_{rows}"
    if last == "MobileNet":
        rows = shape[0] if weights != "imagenet" or shape[0] in (128, 160, 192, 224) else 224
        name = f"mobilenet_{alpha:0.2f}_{rows}"
    if isinstance(given.get("name"), str):
        name = given["name"]
    interp = hooks.interp
    scope = Scope()
    scope.vars.update({"keras": _ext("keras"), "layers": _ext("keras.layers"), "include_top": include_top, "pooling": pooling,
                       "classes": classes, "classifier_activation": given.get("classifier_activation", "softmax"),
                       "input_shape": shape, "input_tensor": tensor, "model_name": name, "alpha": alpha,
                       "avg_name": "avg_pool", "max_name": "max_pool", "weights": weights, "math": _ext("math"),
                       "depth_multiplier": given.get("depth_multiplier", 1),
                       "include_preprocessing": given.get("include_preprocessing", True), "minimalistic": given.get("minimalistic", False),
                       "dropout_rate": given.get("dropout_rate", 0.2), **fixed})  # fmt: skip
    saved = hooks.framework
    hooks.framework = "keras"
    try:
        interp.block(_tree(source).body, scope)
    finally:
        hooks.framework = saved
    model = scope.vars["__model__"]
    model.app = last
    model.line = line or 0
    return model


def _ext(path: str) -> Any:
    from nnexam.questions.model_analyser.objects import Ext

    return Ext(path)
