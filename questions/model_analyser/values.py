"""Argument values read from model code, and the normalisers that check them.

Readers (Keras code, torch code, layer tables, VGG notation) hand the layer builder plain Python
values; what code cannot say without running is wrapped: :class:`Free` (a name the code leaves
undefined, filled from ``bindings``) and :class:`Opaque` (an expression such as ``x.shape[1:]``).
Normalisers turn a raw value into the canonical config value or raise :class:`Bad` with the
phrase the builder puts after the layer's name.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

MAX_SIZE = 10**9  # any single size (units, filters, sequence length)


@dataclass(frozen=True)
class Free:
    """A name the code uses but never defines (``num_classes``)."""

    name: str


@dataclass(frozen=True)
class Opaque:
    """An expression that cannot be evaluated without running the code; ``text`` is its source."""

    text: str


class Bad(ValueError):
    """A value or shape a layer cannot use; the builder prefixes the layer's number and name."""


class Missing(Exception):
    """A value depends on names the code leaves free (collected over the whole model)."""

    def __init__(self, names: Sequence[str]):
        super().__init__(", ".join(names))
        self.names = tuple(names)


Normaliser = Callable[[Any, str], Any]

ACTIVATIONS = (
    "celu", "elu", "exponential", "gelu", "glu", "hard_shrink", "hard_sigmoid", "hard_silu", "hard_swish",
    "hard_tanh", "leaky_relu", "linear", "log_sigmoid", "log_softmax", "mish", "relu", "relu6", "selu",
    "sigmoid", "silu", "soft_shrink", "softmax", "softplus", "softsign", "sparse_plus", "sparse_sigmoid",
    "sparsemax", "squareplus", "swish", "tanh", "tanh_shrink", "threshold",
)  # fmt: skip  # keras.activations in Keras 3


# Activation layers passed as ``activation=``: the function they apply.
LAYER_ACTIVATIONS = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "ELU": "elu", "Softmax": "softmax"}


def show(value: Any) -> str:
    if isinstance(value, Opaque):
        return value.text
    if isinstance(value, Free):
        return value.name
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def known(value: Any, key: str) -> Any:
    """The value itself, or Missing / Bad when the code does not fix it."""
    if isinstance(value, Free):
        raise Missing([value.name])
    if isinstance(value, Opaque):
        raise Bad(f"argument '{key}' must be a literal value; cannot evaluate {value.text!r} without running the code")
    if isinstance(value, tuple | list):
        free = [v.name for v in value if isinstance(v, Free)]
        if free:
            raise Missing(free)
        for v in value:
            known(v, key)
    return value


def integer(lo: int = 1) -> Normaliser:
    def conv(value: Any, key: str) -> int:
        value = known(value, key)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= MAX_SIZE:
            raise Bad(f"argument '{key}': expected an integer >= {lo}, received {show(value)}")
        return value

    return conv


def sizes(n: int, lo: int = 1) -> Normaliser:
    """An int or a tuple of ``n`` ints -> a tuple of ``n`` ints (Keras' normalize_tuple)."""
    one = integer(lo)

    def conv(value: Any, key: str) -> tuple[int, ...]:
        value = known(value, key)
        if isinstance(value, tuple | list):
            if len(value) != n:
                raise Bad(f"argument '{key}': expected an integer or {n} integers, received {show(value)}")
            return tuple(one(v, key) for v in value)
        return (one(value, key),) * n

    return conv


def optional(inner: Normaliser) -> Normaliser:
    def conv(value: Any, key: str) -> Any:
        return None if value is None else inner(value, key)

    return conv


def boolean(value: Any, key: str) -> bool:
    value = known(value, key)
    if not isinstance(value, bool):
        raise Bad(f"argument '{key}': expected True or False, received {show(value)}")
    return value


def number(lo: float = 0.0, hi: float | None = None) -> Normaliser:
    def conv(value: Any, key: str) -> float | int:
        value = known(value, key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < lo or (hi is not None and value >= hi):
            bound = f" in [{lo}, {hi})" if hi is not None else f" >= {lo}"
            raise Bad(f"argument '{key}': expected a number{bound}, received {show(value)}")
        return value

    return conv


def choice(*options: str) -> Normaliser:
    def conv(value: Any, key: str) -> str:
        value = known(value, key)
        if not isinstance(value, str) or value.lower() not in options:
            raise Bad(f"argument '{key}': expected one of {', '.join(repr(o) for o in options)}, received {show(value)}")
        return value.lower()

    return conv


def activation(value: Any, key: str) -> str:
    """A Keras activation name; ``None`` is linear; ``tf.nn.relu`` / an imported ``relu`` are read by name."""
    if value is None:
        return "linear"
    if isinstance(value, dict) and value.get("class_name") in LAYER_ACTIVATIONS:  # activation=layers.LeakyReLU()
        return LAYER_ACTIVATIONS[value["class_name"]]
    if isinstance(value, Free | Opaque):
        name = (value.name if isinstance(value, Free) else value.text).rsplit(".", 1)[-1]
        if name in ACTIVATIONS:
            return name
        known(value, key)
    if not isinstance(value, str) or value.lower() not in ACTIVATIONS:
        import difflib

        close = difflib.get_close_matches(str(value).lower(), ACTIVATIONS, n=3, cutoff=0.5)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise Bad(f"unknown activation {show(value)} for argument '{key}'.{hint}")
    return value.lower()


def int_tuple(value: Any, key: str) -> tuple[int, ...]:
    """A shape: a tuple of sizes; -1 and None are kept (Reshape's -1, unknown lengths)."""
    value = known(value, key)
    if isinstance(value, int) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, tuple | list) or not 1 <= len(value) <= 8:
        raise Bad(f"argument '{key}': expected a tuple of sizes like (28, 28, 1), received {show(value)}")
    for v in value:
        if v is not None and (isinstance(v, bool) or not isinstance(v, int) or not (v == -1 or 1 <= v <= MAX_SIZE)):
            raise Bad(f"argument '{key}': expected positive integer sizes, received {show(value)}")
    return tuple(value)


def anything(value: Any, key: str) -> Any:
    return known(value, key)
