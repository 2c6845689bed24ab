"""From a list of layer calls (as any reader found them) to the analysed :class:`ModelSpec`.

Readers produce :class:`RawLayer` s: the class name as written, positional and keyword
arguments (plain values, or :class:`Free` / :class:`Opaque` for what code cannot say) and the
source line. Here each layer is resolved in a registry of kinds, its arguments normalised
(explicit defaults, so a backend needs none), named as the framework names it, and run through
its shape/parameter function. Every error names the layer: ``layer 3 (conv2d_1): ...``.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.layers import FIRST_LAYER_INPUT, REQUIRED, Kind, Out, Shape, fmt_shape
from nnexam.questions.model_analyser.values import (
    Bad,
    Free,
    Missing,
    Opaque,
    boolean,
    int_tuple,
    integer,
    show,
)
from nnexam.questions.model_spec import LayerSpec, ModelSpec

MAX_LAYERS = 500

# Older spellings Keras 3 still accepts: (class, argument) -> today's argument.
RENAMED = {("LeakyReLU", "alpha"): "negative_slope"}


@dataclass(frozen=True)
class RawLayer:
    kind: str
    args: tuple[Any, ...] = ()
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    line: int | None = None


class LayerError(ParamError):
    """A ParamError on parameter ``model`` whose message starts with the layer's number and name."""

    def __init__(self, index: int, label: str, message: str, line: int | None = None):
        super().__init__("model", message)
        self.index, self.label, self.line = index, label, line
        where = f"{label}, line {line}" if line is not None else label
        self.args = (f"layer {index} ({where}): {message}",)

    def __str__(self) -> str:
        return self.args[0]


@lru_cache(maxsize=1024)
def snake_case(name: str) -> str:
    """Keras 3's ``to_snake_case``: Conv2D -> conv2d, MaxPooling2D -> max_pooling2d, ReLU -> re_lu."""
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    name = re.sub("([a-z])([A-Z])", r"\1_\2", name)
    return name.lower()


def missing_names_error(names: Sequence[str]) -> ParamError:
    uniq = list(dict.fromkeys(names))
    example = "input_shape=[28,28,1]" if "input_shape" in uniq else f"{uniq[0]}=10"
    return ParamError(
        "bindings",
        f"values for the names the model's code leaves undefined ({', '.join(uniq)}): "
        f"pass them with --bind NAME=VALUE (bindings), e.g. --bind {example}",
        ", ".join(uniq),
    )


def missing_input_error(first: str) -> ParamError:
    return ParamError(
        "input_shape",
        f"the model's input shape: the code gives none (no Input(shape=...) and no input_shape= on the first "
        f"layer, {first}); pass input_shape, e.g. --set input_shape=[28,28,1] or --bind input_shape=[28,28,1]",
    )


def _input_from(key: str, value: Any, kind: str) -> Shape:
    if key == "input_dim":
        return (integer(1)(value, key),)
    if key == "input_length":
        return (integer(1)(value, key),) if kind == "Embedding" else ()
    shape = int_tuple(value, key)
    return shape[1:] if key.startswith("batch") else shape


@dataclass
class _Resolved:
    kind: Kind
    name: str
    config: dict[str, Any]
    trainable: bool
    line: int | None


def _resolve(
    i: int,
    raw: RawLayer,
    registry: Mapping[str, Kind],
    aliases: Mapping[str, str],
    notes: list[str],
    missing: list[str],
    name_of: Callable[[Kind, str | None], str],
) -> tuple[Kind, dict[str, Any], str, bool, dict[str, Any]]:
    """Kind, normalised config, layer name, trainable flag, and first-layer input arguments."""
    name = aliases.get(raw.kind, raw.kind)
    if name not in registry:
        close = difflib.get_close_matches(raw.kind, list(registry) + list(aliases), n=3, cutoff=0.6)
        hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise LayerError(i, raw.kind, f"unknown layer {raw.kind!r}.{hint} Known: {', '.join(sorted(registry))}", raw.line)
    kind = registry[name]
    if len(raw.args) > len(kind.args):
        raise LayerError(i, name, f"{name} takes at most {len(kind.args)} positional arguments ({', '.join(kind.args)}), received {len(raw.args)}", raw.line)
    given: dict[str, Any] = dict(zip(kind.args, raw.args))
    for key, value in raw.kwargs.items():
        key = RENAMED.get((name, key), key)
        if key in given:
            raise LayerError(i, name, f"argument '{key}' given twice (positionally and by keyword)", raw.line)
        given[key] = value
    explicit = given.pop("name", None)
    if explicit is not None and not isinstance(explicit, str):
        raise LayerError(i, name, f"argument 'name' must be a string, received {show(explicit)}", raw.line)
    label = name_of(kind, explicit)
    try:
        trainable = boolean(given.pop("trainable", True), "trainable")
    except Bad as err:
        raise LayerError(i, label, str(err), raw.line) from None
    except Missing as err:
        missing.extend(err.names)
        trainable = True
    inputs = {k: given.pop(k) for k in FIRST_LAYER_INPUT if k in given and k not in kind.norm}
    for key, value in list(given.items()):
        if isinstance(value, RawLayer):  # a wrapped layer: Bidirectional(LSTM(8)), TimeDistributed(Dense(4))
            inner, inner_config, _, _, _ = _resolve(i, value, registry, aliases, notes, missing, name_of)
            given[key] = {"class_name": inner.name, "config": inner_config}
    config: dict[str, Any] = {}
    for key, value in given.items():
        if key in kind.norm:
            continue
        if key not in kind.passthrough:
            close = difflib.get_close_matches(key, list(kind.norm) + list(kind.args), n=1, cutoff=0.6)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise LayerError(i, label, f"unknown argument {key!r} for {name}.{hint} Its arguments: {', '.join(kind.norm)}", raw.line)
        if isinstance(value, Free | Opaque):
            notes.append(f"layer {i} ({label}): argument '{key}={show(value)}' ignored (it changes no shape or count)")
        else:
            config[key] = value
    for key, norm in kind.norm.items():
        value = given.get(key, kind.defaults.get(key))
        if value is REQUIRED:
            raise LayerError(i, label, f"missing required argument '{key}' ({name}({', '.join(kind.args)}))", raw.line)
        try:
            config[key] = norm(value, key)
        except Missing as err:
            missing.extend(err.names)
        except Bad as err:
            raise LayerError(i, label, str(err), raw.line) from None
    order = {k: n for n, k in enumerate(kind.args)}
    config = {k: config[k] for k in sorted(config, key=lambda k: order.get(k, len(order))) if not (k == "data_format" and config[k] is None)}
    if kind.complete and not missing:
        config = kind.complete(config)
    return kind, config, label, trainable, inputs


def build(
    raw_layers: Sequence[RawLayer],
    *,
    registry: Mapping[str, Kind],
    aliases: Mapping[str, str],
    source: str,
    input_shape: Any = None,
    code_input: Any = None,
    fallback_input: Any = None,
    index_names: bool = False,
    model_name: str = "sequential",
    data_format: str = "channels_last",
    notes: Sequence[str] = (),
) -> ModelSpec:
    """The analysed model. ``input_shape`` (given by the user) wins over ``code_input`` (read from
    the code) and over a first layer's ``input_shape=``, then ``fallback_input`` (a bound
    ``input_shape``) applies; ``index_names`` names layers 0, 1, ... as
    ``nn.Sequential`` does instead of Keras' dense, dense_1, ..."""
    if not raw_layers:
        raise ParamError("model", "a model with at least one layer", "no layers")
    if len(raw_layers) > MAX_LAYERS:
        raise ParamError("model", f"at most {MAX_LAYERS} layers", len(raw_layers))
    out_notes, missing = list(notes), []
    resolved: list[_Resolved] = []
    counters: dict[str, int] = {}
    first_input: Shape | None = None
    code_shape = _input_value(code_input, missing) if input_shape is None else None

    def name_of(kind: Kind, explicit: str | None) -> str:
        if explicit is not None:
            return explicit
        if index_names:
            return str(len(resolved))
        base = snake_case(kind.name)
        n = counters.get(base, 0)
        counters[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    for i, raw in enumerate(raw_layers, 1):
        kind, config, name, trainable, inputs = _resolve(i, raw, registry, aliases, out_notes, missing, name_of)
        for key, value in inputs.items():
            try:
                shape = _input_from(key, value, kind.name)
            except Missing as err:
                missing.extend(err.names)
                continue
            except Bad as err:
                raise LayerError(i, name, str(err), raw.line) from None
            if i == 1 and shape and first_input is None:
                first_input = shape
            elif i > 1:
                out_notes.append(f"layer {i} ({name}): {key} ignored (only the first layer's counts)")
        resolved.append(_Resolved(kind, name, config, trainable, raw.line))
    if input_shape is None and code_shape is None and first_input is None and not missing:
        code_shape = _input_value(fallback_input, missing)
    shape_in = next((s for s in (input_shape, code_shape, first_input) if s is not None), None)
    if missing:
        raise missing_names_error(missing)
    if shape_in is None:
        raise missing_input_error(resolved[0].kind.name)
    if -1 in shape_in:
        raise ParamError("input_shape", "positive sizes (or None for a variable length), batch excluded", shape_in)
    seen: set[str] = set()
    for i, r in enumerate(resolved, 1):
        if r.name in seen:
            raise LayerError(i, r.name, f"two layers are named {r.name!r}; Keras requires unique layer names", r.line)
        seen.add(r.name)
    layers = tuple(_run(resolved, tuple(shape_in)))
    return ModelSpec(
        source=source,
        input_shape=tuple(shape_in),
        layers=layers,
        chain=not any(x.config.get("data_format") == "channels_first" for x in layers),  # backends build channels last
        data_format=data_format,
        name=model_name,
        notes=tuple(out_notes),
    )


def _input_value(value: Any, missing: list[str]) -> Shape | None:
    """An input shape read from the code or bindings (names it leaves free are collected)."""
    if value is None:
        return None
    try:
        return int_tuple(value, "input_shape")
    except Missing as err:
        missing.extend(err.names)
        return None
    except Bad as err:
        raise ParamError("input_shape", "a tuple of positive sizes like (28, 28, 1), batch excluded", show(value)) from err


def _run(resolved: Sequence[_Resolved], shape: Shape) -> list[LayerSpec]:
    specs = []
    for i, r in enumerate(resolved, 1):
        if r.kind.ranks and len(shape) not in r.kind.ranks:
            want = " or ".join(str(n) for n in r.kind.ranks)
            hint = f" {r.kind.rank_hint}" if r.kind.rank_hint else ""
            raise LayerError(i, r.name, f"{r.kind.name} expects an input of rank {want}{hint}, but its input shape is {fmt_shape(shape)}", r.line)
        try:
            out: Out = r.kind.forward(shape, r.config)
        except Bad as err:
            raise LayerError(i, r.name, str(err), r.line) from None
        except ParamError as err:  # conv_arith's own checks
            raise LayerError(i, r.name, f"{err.expected} (input shape {fmt_shape(shape)})", r.line) from None
        config = dict(r.config)
        trainable, frozen = out.trainable, out.non_trainable
        if not r.trainable:
            config["trainable"] = False
            trainable, frozen = 0, out.trainable + out.non_trainable
        specs.append(
            LayerSpec(
                kind=r.kind.name,
                name=r.name,
                config=config,
                input_shape=shape,
                output_shape=out.shape,
                params=trainable + frozen,
                trainable=trainable,
                non_trainable=frozen,
                line=r.line,
                formula=out.formula,
            )
        )
        shape = out.shape
    return specs
