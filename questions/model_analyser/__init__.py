"""The model analyser: Keras code, layer tables, VGG notation or PyTorch ``nn.Sequential`` code ->
:class:`~nnexam.questions.model_spec.ModelSpec` (per-layer names, output shapes, parameter counts).

Keras code: ``Sequential([...])`` or ``model.add(...)`` (in functions, classes, literal loops and
conditions), or a functional model that is one chain of layers. Modules, one job each:
``reader`` runs model code through ``interp`` (a safe interpreter of the Python subset model code
is written in; ``hooks`` knows the frameworks' objects, ``applications`` the Keras applications)
and ``keras_spec`` / ``torch_spec`` turn the model object into a ModelSpec; ``vgg`` / ``tables``
read notation and layer tables into raw layers that ``build`` names and checks; ``layers`` /
``keras_extra`` / ``torch_layers`` hold each kind's shape and parameter math.

Pure integer arithmetic, as Keras' ``compute_output_shape``; nothing is imported from or run in
a framework, and code is read through its AST, never executed. Used by the ``param-count``
family, the claims verifier and the report auditor (which build the same ModelSpec for real).

    >>> spec = analyse("model = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3)])")
    >>> spec.layers[0].name, spec.layers[0].output_shape, spec.total
    ('conv2d', (26, 26, 32), 320)
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser import keras_spec, reader, tables, torch_code, torch_spec, vgg
from nnexam.questions.model_analyser.build import LayerError, build
from nnexam.questions.model_analyser.layers import ALIASES, KERAS, Kind
from nnexam.questions.model_analyser.objects import KModel
from nnexam.questions.model_analyser.values import Bad, Missing, int_tuple
from nnexam.questions.model_spec import ModelSpec

__all__ = ["analyse", "detect", "LayerError"]


def detect(model: Any) -> str:
    """Which reader ``model`` is for: ``"tables"``, ``"vgg"``, ``"torch"`` or ``"keras"``."""
    if isinstance(model, Sequence) and not isinstance(model, str):
        return "tables"
    if not isinstance(model, str):
        raise ParamError("model", "Keras or PyTorch code, VGG notation, or a list of layer tables", type(model).__name__)
    if vgg.looks_like(model):
        return "vgg"
    return "torch" if torch_code.looks_like(model) else "keras"


def analyse(
    model: str | Sequence[Mapping[str, Any]],
    input_shape: Sequence[int | None] | None = None,
    bindings: Mapping[str, Any] | None = None,
    *,
    registry: Mapping[str, Kind] | None = None,
) -> ModelSpec:
    """Shapes and parameter counts of ``model``.

    ``input_shape`` (batch excluded; channels last for Keras/VGG, channels first for torch)
    overrides what the model states; ``bindings`` fill names the code leaves free
    (``{"num_classes": 10, "input_shape": [28, 28, 1]}``). ``registry`` replaces layer kinds
    (the param-count family's known mistakes are alternative kinds). Raises ParamError
    (LayerError for one layer) naming what is wrong.
    """
    bindings = dict(bindings or {})
    shape = _shape(input_shape)
    kinds = KERAS if registry is None else dict(registry)
    source = detect(model)
    fallback = bindings.get("input_shape")
    if source == "tables":
        raw, code_input = tables.read(model)  # type: ignore[arg-type]
        return build(raw, registry=kinds, aliases=ALIASES, source="keras", input_shape=shape, code_input=code_input, fallback_input=fallback)
    text = str(model)
    if source == "vgg":
        raw, notes = vgg.read(text)
        return build(raw, registry={**kinds, **vgg.KINDS}, aliases=ALIASES, source="vgg",
                     input_shape=shape or vgg.input_shape(text) or vgg.INPUT_SHAPE, notes=notes)  # fmt: skip
    found = reader.read(text, bindings, source)
    if isinstance(found.root, KModel):
        return keras_spec.spec(found.root, found.hooks, registry=kinds, input_shape=shape, fallback=fallback, notes=found.notes)
    return torch_spec.spec(found.root, found.hooks, input_shape=shape, fallback=fallback, notes=found.notes)


def _shape(value: Any) -> tuple[int | None, ...] | None:
    if value is None:
        return None
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        raise ParamError("input_shape", "a list of sizes like [28, 28, 1] (batch excluded)", value)
    try:
        return int_tuple(tuple(value), "input_shape")
    except (Bad, Missing):
        raise ParamError("input_shape", "a list of positive sizes like [28, 28, 1] (batch excluded)", value) from None
