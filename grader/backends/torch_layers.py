"""Keras layers rebuilt as PyTorch modules, with Keras' semantics (imported only by the torch backend).

Layout: tensors of rank >= 3 travel channels-first inside (``(N, C, H, W)``, fast in PyTorch), and
every module converts where Keras' channels-last order is observable: ``Flatten`` moves the
channels last before flattening (so the flattened order, and thus the next Dense kernel, matches
Keras), ``Dense`` on a rank >= 3 input acts on the channel axis, ``Reshape`` reshapes in Keras order.

Matched Keras semantics (each tested against the keras backend):
- initialisers: ``glorot_uniform`` kernels (fans as Keras: conv fan_in = kh*kw*cin), zero biases,
  Embedding uniform(-0.05, 0.05), the variance-scaling family by name (``he_normal`` etc. truncated
  normal with Keras' 0.8796 correction);
- ``padding="same"``: Keras/TF padding, the extra pixel after (asymmetric when the stride does not
  divide), max pooling pads with -inf, average pooling counts only real pixels;
- BatchNormalization: momentum 0.99 (moving = 0.99 * moving + 0.01 * batch), epsilon 1e-3, the
  *biased* batch variance both to normalise and to update the moving variance (PyTorch's BatchNorm
  updates with the unbiased one), gamma/beta trainable, moving mean/variance non-trainable;
- activations by Keras' definitions: ``leaky_relu`` slope 0.2, ``gelu`` exact, ``hard_sigmoid`` =
  relu6(x + 3) / 6, ``softmax`` over the last Keras axis.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from nnexam.questions.conv_arith import same_padding
from nnexam.questions.errors import NnexamError, ParamError, UnknownNameError
from nnexam.questions.model_spec import LayerSpec, ModelSpec
from torch import nn

ACTIVATIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "linear": lambda x: x,
    "relu": F.relu,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "softmax": lambda x: torch.softmax(x, dim=1),  # dim 1 = Keras' last axis in this layout
    "log_softmax": lambda x: torch.log_softmax(x, dim=1),
    "elu": F.elu,
    "selu": F.selu,
    "softplus": F.softplus,
    "softsign": F.softsign,
    "swish": F.silu,
    "silu": F.silu,
    "gelu": F.gelu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.2),
    "relu6": F.relu6,
    "hard_sigmoid": lambda x: F.relu6(x + 3.0) / 6.0,
    "exponential": torch.exp,
    "mish": F.mish,
}


ROW_ACTIVATIONS = frozenset({ACTIVATIONS["softmax"], ACTIVATIONS["log_softmax"]})  # along the feature axis; the rest are element-wise


def activation(name: str | None) -> Callable[[torch.Tensor], torch.Tensor]:
    key = (name or "linear").lower()
    if key not in ACTIVATIONS:
        raise UnknownNameError("activation", key, sorted(ACTIVATIONS))
    return ACTIVATIONS[key]


# Keras' VarianceScaling presets: name -> (scale, mode, distribution).
_SCALING = {
    "glorot_uniform": (1.0, "fan_avg", "uniform"),
    "glorot_normal": (1.0, "fan_avg", "truncated_normal"),
    "he_uniform": (2.0, "fan_in", "uniform"),
    "he_normal": (2.0, "fan_in", "truncated_normal"),
    "lecun_uniform": (1.0, "fan_in", "uniform"),
    "lecun_normal": (1.0, "fan_in", "truncated_normal"),
}


def init_kernel(w: torch.Tensor, name: Any, fan_in: int, fan_out: int) -> None:
    """Fill ``w`` as Keras' initialiser ``name`` would (distribution and scale; not the same draws)."""
    key = (name if isinstance(name, str) else "glorot_uniform").lower()
    with torch.no_grad():
        if key in ("zeros", "zero"):
            w.zero_()
        elif key in ("ones", "one"):
            w.fill_(1.0)
        elif key in _SCALING:
            scale, mode, dist = _SCALING[key]
            n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
            if dist == "uniform":
                limit = math.sqrt(3.0 * scale / max(1.0, n))
                w.uniform_(-limit, limit)
            else:
                std = math.sqrt(scale / max(1.0, n)) / 0.87962566103423978
                nn.init.trunc_normal_(w, 0.0, std, -2 * std, 2 * std)
        elif key == "random_normal":
            w.normal_(0.0, 0.05)
        elif key == "random_uniform":
            w.uniform_(-0.05, 0.05)
        else:
            raise UnknownNameError("initializer", key, ["zeros", "ones", "random_normal", "random_uniform", *_SCALING])


def channels_first(shape: Sequence[int | None]) -> tuple[int | None, ...]:
    """Keras shape (no batch) -> this module's internal layout."""
    return tuple(shape) if len(shape) < 2 else (shape[-1], *shape[:-1])


def channels_last(shape: Sequence[int | None]) -> tuple[int | None, ...]:
    return tuple(shape) if len(shape) < 2 else (*shape[1:], shape[0])


def to_last(x: torch.Tensor) -> torch.Tensor:
    return x.movedim(1, -1) if x.dim() > 2 else x


def to_first(x: torch.Tensor) -> torch.Tensor:
    return x.movedim(-1, 1) if x.dim() > 2 else x


class KerasLayer(nn.Module):
    """A translated Keras layer; ``keras_weights`` lists its tensors in Keras' order and layout."""

    def keras_weights(self) -> list[tuple[torch.Tensor, Callable[[torch.Tensor], torch.Tensor]]]:
        """(tensor, to-Keras-layout) pairs; the inverse layout is applied when setting."""
        return []

    def non_trainable(self) -> int:
        return 0


class Dense(KerasLayer):
    def __init__(self, cfg: Mapping[str, Any], in_shape: tuple[int, ...]):
        super().__init__()
        units, fan_in = int(cfg["units"]), int(in_shape[-1])
        self.kernel = nn.Parameter(torch.empty(units, fan_in))  # (out, in) as F.linear wants
        init_kernel(self.kernel, cfg.get("kernel_initializer"), fan_in, units)
        self.bias = nn.Parameter(torch.zeros(units)) if cfg.get("use_bias", True) else None
        self.softmax = str(cfg.get("activation")).lower() == "softmax"
        self.act = activation(cfg.get("activation"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() > 2:
            return to_first(self.act(F.linear(to_last(x), self.kernel, self.bias)))
        return self.act(F.linear(x, self.kernel, self.bias))

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.kernel, self.bias)

    def keras_weights(self):
        out = [(self.kernel, lambda t: t.t())]
        return out + ([(self.bias, lambda t: t)] if self.bias is not None else [])


def _pads(sizes: Sequence[int], kernel: Sequence[int], strides: Sequence[int], dilation: Sequence[int]) -> list[int]:
    """F.pad's argument (last axis first) for Keras' 'same' padding."""
    out: list[int] = []
    for n, k, s, d in reversed(list(zip(sizes, kernel, strides, dilation))):
        out.extend(same_padding(n, k, s, d))
    return out


def _tuple(value: Any, dims: int, param: str) -> tuple[int, ...]:
    if isinstance(value, int):
        return (value,) * dims
    out = tuple(int(v) for v in value)
    if len(out) != dims:
        raise ParamError(param, f"{dims} integers", value)
    return out


class Conv(KerasLayer):
    """Conv1D/2D/3D with Keras' 'valid'/'same' padding, strides, dilation, groups."""

    def __init__(self, cfg: Mapping[str, Any], in_shape: tuple[int, ...], dims: int):
        super().__init__()
        cin, filters = int(in_shape[-1]), int(cfg["filters"])
        self.dims = dims
        self.kernel_size = _tuple(cfg["kernel_size"], dims, "kernel_size")
        self.strides = _tuple(cfg.get("strides", 1), dims, "strides")
        self.dilation = _tuple(cfg.get("dilation_rate", 1), dims, "dilation_rate")
        self.groups = int(cfg.get("groups", 1))
        spatial = in_shape[:-1]
        self.pad: list[int] | None = None
        self.sym: tuple[int, ...] | int = 0
        if str(cfg.get("padding", "valid")).lower() == "same":
            pads = _pads(spatial, self.kernel_size, self.strides, self.dilation)
            if all(a == b for a, b in zip(pads[::2], pads[1::2])):
                self.sym = tuple(reversed(pads[::2]))
            else:
                self.pad = pads
        self.weight = nn.Parameter(torch.empty(filters, cin // self.groups, *self.kernel_size))
        rf = math.prod(self.kernel_size)
        init_kernel(self.weight, cfg.get("kernel_initializer"), rf * cin // self.groups, rf * filters)
        self.bias = nn.Parameter(torch.zeros(filters)) if cfg.get("use_bias", True) else None
        self.act = activation(cfg.get("activation"))
        self.conv = (F.conv1d, F.conv2d, F.conv3d)[dims - 1]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad is not None:
            x = F.pad(x, self.pad)
        y = self.conv(x, self.weight, self.bias, self.strides, self.sym, self.dilation, self.groups)
        return self.act(y)

    def keras_weights(self):
        perm = (*range(2, 2 + self.dims), 1, 0)  # (cout, cin, k...) <-> (k..., cin, cout)
        out = [(self.weight, lambda t: t.permute(perm))]
        return out + ([(self.bias, lambda t: t)] if self.bias is not None else [])


class Pool(KerasLayer):
    """MaxPooling/AveragePooling 1D/2D/3D; Keras' 'same' pads max with -inf and averages real pixels only."""

    def __init__(self, cfg: Mapping[str, Any], in_shape: tuple[int, ...], dims: int, kind: str):
        super().__init__()
        self.pool = _tuple(cfg.get("pool_size", 2), dims, "pool_size")
        strides = cfg.get("strides")
        self.strides = self.pool if strides is None else _tuple(strides, dims, "strides")
        self.kind = kind
        self.pad: list[int] | None = None
        if str(cfg.get("padding", "valid")).lower() == "same":
            self.pad = _pads(in_shape[:-1], self.pool, self.strides, (1,) * dims)
        self.fn = {("max", 1): F.max_pool1d, ("max", 2): F.max_pool2d, ("max", 3): F.max_pool3d,
                   ("avg", 1): F.avg_pool1d, ("avg", 2): F.avg_pool2d, ("avg", 3): F.avg_pool3d}[(kind, dims)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad is None or not any(self.pad):
            return self.fn(x, self.pool, self.strides)
        if self.kind == "max":
            return self.fn(F.pad(x, self.pad, value=-math.inf), self.pool, self.strides)
        total = self.fn(F.pad(x, self.pad), self.pool, self.strides)
        ones = torch.ones((1, 1, *x.shape[2:]), dtype=x.dtype, device=x.device)
        count = self.fn(F.pad(ones, self.pad), self.pool, self.strides)
        return total / count


class GlobalPool(KerasLayer):
    def __init__(self, cfg: Mapping[str, Any], kind: str):
        super().__init__()
        self.kind, self.keepdims = kind, bool(cfg.get("keepdims", False))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = tuple(range(2, x.dim()))
        y = x.mean(dim=dims, keepdim=self.keepdims) if self.kind == "avg" else x.amax(dim=dims, keepdim=self.keepdims)
        return y


class Flatten(KerasLayer):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return to_last(x).flatten(1)


class Reshape(KerasLayer):
    def __init__(self, cfg: Mapping[str, Any]):
        super().__init__()
        self.target = tuple(int(v) for v in cfg["target_shape"])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return to_first(to_last(x).reshape(x.shape[0], *self.target))


class Dropout(KerasLayer):
    def __init__(self, cfg: Mapping[str, Any]):
        super().__init__()
        self.drop = nn.Dropout(float(cfg.get("rate", 0.5)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.drop(x)


class Activation(KerasLayer):
    def __init__(self, fn: str | None | Callable[[torch.Tensor], torch.Tensor]):
        super().__init__()
        self.act = fn if callable(fn) else activation(fn)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(x)


class BatchNormalization(KerasLayer):
    """Keras' BatchNormalization over the channel axis (biased batch variance; momentum 0.99)."""

    def __init__(self, cfg: Mapping[str, Any], in_shape: tuple[int, ...]):
        super().__init__()
        axis = cfg.get("axis", -1)
        if axis not in (-1, len(in_shape), [-1]):
            raise ParamError("BatchNormalization.axis", "-1 (the channel axis, channels last)", axis)
        c = int(in_shape[-1])
        self.momentum, self.eps = float(cfg.get("momentum", 0.99)), float(cfg.get("epsilon", 1e-3))
        self.gamma = nn.Parameter(torch.ones(c)) if cfg.get("scale", True) else None
        self.beta = nn.Parameter(torch.zeros(c)) if cfg.get("center", True) else None
        self.register_buffer("moving_mean", torch.zeros(c))
        self.register_buffer("moving_variance", torch.ones(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        dims = [d for d in range(x.dim()) if d != 1]
        shape = [1, -1] + [1] * (x.dim() - 2)
        if self.training:
            mean = x.mean(dim=dims)
            var = x.var(dim=dims, unbiased=False)
            with torch.no_grad():
                self.moving_mean.mul_(self.momentum).add_(mean.detach(), alpha=1 - self.momentum)
                self.moving_variance.mul_(self.momentum).add_(var.detach(), alpha=1 - self.momentum)
        else:
            mean, var = self.moving_mean, self.moving_variance
        y = (x - mean.view(shape)) * torch.rsqrt(var.view(shape) + self.eps)
        if self.gamma is not None:
            y = y * self.gamma.view(shape)
        if self.beta is not None:
            y = y + self.beta.view(shape)
        return y

    def keras_weights(self):
        same = lambda t: t  # noqa: E731
        ws = [w for w in (self.gamma, self.beta) if w is not None] + [self.moving_mean, self.moving_variance]
        return [(w, same) for w in ws]

    def non_trainable(self) -> int:
        return 2 * self.moving_mean.numel()


class Embedding(KerasLayer):
    def __init__(self, cfg: Mapping[str, Any]):
        super().__init__()
        self.table = nn.Parameter(torch.empty(int(cfg["input_dim"]), int(cfg["output_dim"])))
        init_kernel(self.table, cfg.get("embeddings_initializer", "random_uniform"), 0, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return to_first(F.embedding(x.long(), self.table))

    def keras_weights(self):
        return [(self.table, lambda t: t)]


class Identity(KerasLayer):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


def _dims(kind: str) -> int:
    return int(kind[-2]) if kind[-2:] in ("1D", "2D", "3D") else 2


def make(kind: str, cfg: Mapping[str, Any], in_shape: tuple[int, ...]) -> KerasLayer:
    """The module for one Keras layer, given its input shape (Keras order, no batch)."""
    if kind == "Dense":
        return Dense(cfg, in_shape)
    if kind in ("Conv1D", "Conv2D", "Conv3D"):
        return Conv(cfg, in_shape, _dims(kind))
    if kind in ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D"):
        return Pool(cfg, in_shape, _dims(kind), "max" if kind.startswith("Max") else "avg")
    if kind.startswith("Global") and kind[-2:] in ("1D", "2D", "3D"):
        return GlobalPool(cfg, "avg" if "Average" in kind else "max")
    simple: dict[str, Callable[[], KerasLayer]] = {
        "Flatten": Flatten,
        "Reshape": lambda: Reshape(cfg),
        "Dropout": lambda: Dropout(cfg),
        "SpatialDropout2D": lambda: Dropout(cfg),
        "Activation": lambda: Activation(cfg.get("activation")),
        "ReLU": lambda: Activation("relu"),
        "Softmax": lambda: Activation("softmax"),
        "LeakyReLU": lambda: Activation(lambda x: F.leaky_relu(x, float(cfg.get("negative_slope", 0.3)))),
        "BatchNormalization": lambda: BatchNormalization(cfg, in_shape),
        "Embedding": lambda: Embedding(cfg),
        "InputLayer": Identity,
    }
    if kind not in simple:
        raise UnknownNameError("Keras layer for the torch backend", kind, [
            "Dense", "Conv1D", "Conv2D", "Conv3D", "MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", *simple])
    return simple[kind]()


def torch_module(layer: LayerSpec) -> nn.Module:
    """A ``torch.nn`` layer from its class name and arguments (only the constructor's parameters)."""
    cls = getattr(nn, layer.kind, None)
    if not (isinstance(cls, type) and issubclass(cls, nn.Module)):
        raise NnexamError(f"layer {layer.name!r}: torch.nn has no module {layer.kind!r}")
    accepted = inspect.signature(cls).parameters
    kwargs = {k: (tuple(v) if isinstance(v, list) else v) for k, v in layer.config.items() if k in accepted}
    try:
        return cls(**kwargs)
    except (TypeError, ValueError) as err:
        raise NnexamError(f"layer {layer.name!r}: torch.nn.{layer.kind}({kwargs}) failed: {err}") from err


class SpecModel(nn.Module):
    """The whole model: Keras/VGG specs from the translated layers above, torch specs from ``torch.nn``."""

    def __init__(self, spec: ModelSpec):
        super().__init__()
        if not spec.layers:
            raise NnexamError("the model has no layers to build")
        if not spec.chain or spec.input_shape is None:
            raise NnexamError(f"the torch backend rebuilds a model from its chain of layers with a known input; {spec.name} is not one")
        if any(d is None for d in spec.input_shape):
            raise ParamError("input_shape", "fixed sizes to build and train the model (no None)", spec.input_shape)
        self.spec = spec
        self.keras = spec.source != "torch"
        self.layers = nn.ModuleList(
            make(layer.kind, layer.config, tuple(layer.input_shape)) if self.keras else torch_module(layer)
            for layer in spec.layers
        )
        self.outputs = int(math.prod(d for d in spec.output_shape if d is not None))
        self._seq = tuple(self.layers)  # plain tuple: slicing a ModuleList builds a new one per call
        last = self._seq[-1]
        # a flat softmax head: training may use its logits (see torch_train's fused loss)
        self.softmax_head = self.keras and len(spec.output_shape) == 1 and (
            (isinstance(last, Dense) and last.softmax)
            or (spec.layers[-1].kind in ("Activation", "Softmax")
                and str(spec.layers[-1].config.get("activation", "softmax")).lower() == "softmax"))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in self._seq:
            x = m(x)
        return x

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """The input of the final softmax (only when ``softmax_head``)."""
        for m in self._seq[:-1]:
            x = m(x)
        last = self._seq[-1]
        return last.logits(x) if isinstance(last, Dense) else x

    def to_internal(self, x: torch.Tensor) -> torch.Tensor:
        """A batch in the dataset's layout -> the model's input (reshaped to the input shape, channels first)."""
        if tuple(x.shape[1:]) != tuple(self.spec.input_shape):
            x = x.reshape(len(x), *self.spec.input_shape)
        return to_first(x) if self.keras else x

    def output_shapes(self) -> list[tuple[int | None, ...]]:
        """Each layer's output shape from a forward pass, in the spec's convention (Keras: channels last)."""
        was = self.training
        self.eval()
        x = torch.zeros((2, *self.spec.input_shape))
        if self.spec.layers[0].kind == "Embedding":
            x = x.long()
        x = self.to_internal(x)
        shapes = []
        with torch.no_grad():
            for m, layer in zip(self._seq, self.spec.layers):
                x = m(x)
                s = tuple(x.shape[1:])
                if layer.kind != "InputLayer":  # as Keras' model.layers, which has no InputLayer
                    shapes.append(channels_last(s) if self.keras else s)
        self.train(was)
        return shapes
