"""The objects the model-code interpreter works with (never framework objects: plain records).

Layer and model objects have identity, as in the frameworks: a layer used twice is one set of
weights; freezing a layer or a whole model is a flag on the object. Keras' functional API is a
graph of :class:`KTensor` s made by :class:`KNode` s (one per layer call); PyTorch modules are a
tree of :class:`TModule` s with named children and parameters.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Any

from nnexam.questions.model_analyser.build import RawLayer


@dataclass(frozen=True)
class Ext:
    """Something imported (``keras.layers.Dense``, ``torch.nn``): known by its dotted path only."""

    path: str

    @property
    def last(self) -> str:
        return self.path.rsplit(".", 1)[-1]


class Obj:
    """Base of the interpreter's mutable objects (identity matters: never compare by value)."""

    __eq__ = object.__eq__
    __hash__ = object.__hash__


@dataclass(eq=False)
class Func(Obj):
    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    scope: Any
    defaults: dict[str, Any] = field(default_factory=dict)
    owner: Any = None  # the class a method was defined in (for super())
    static: bool = False  # @staticmethod: called without self

    @property
    def name(self) -> str:
        return getattr(self.node, "name", "<lambda>")


@dataclass(eq=False)
class Cls(Obj):
    name: str
    bases: list[Any]
    attrs: dict[str, Any]
    family: str  # "torch" (nn.Module), "keras-model", "keras-layer", "plain"
    line: int


@dataclass(eq=False)
class Bound(Obj):
    func: Func
    self_obj: Any


@dataclass(eq=False)
class Super(Obj):
    cls: Cls
    self_obj: Any


@dataclass(eq=False)
class Instance(Obj):
    """An instance of a plain class of the code (``class Net:`` holding ``self.model``)."""

    cls: Cls
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(eq=False)
class ArrayVal(Obj):
    """An array whose shape the code fixes (``np.zeros((1, 28, 28, 1))``, ``torch.randn(1, 3, 32, 32)``)."""

    shape: tuple[Any, ...]


# ---------------------------------------------------------------------------------------------
# Keras
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class KLayer(Obj):
    raw: RawLayer
    name: str
    seq: int
    trainable: bool = True
    sub: Any = None  # a Keras application or nested model stands in for no layer kind


@dataclass(eq=False)
class KNode(Obj):
    """One call of a layer (or model, or operation) on symbolic tensors."""

    op: Any  # KLayer, KModel, KOp or KInput
    inputs: list[KTensor]
    n_out: int
    line: int | None
    kwargs: dict[str, Any] = field(default_factory=dict)
    shapes: list[tuple[Any, ...]] | None = None  # output shapes, once computed
    order: int = 0  # creation order: a topological order of the graph


@dataclass(eq=False)
class KTensor(Obj):
    node: KNode
    index: int = 0


@dataclass(eq=False)
class KInput(Obj):
    """``keras.Input``: an InputLayer and its tensor."""

    shape: Any
    name: str
    line: int | None


@dataclass(eq=False)
class KOp(Obj):
    """An operation on tensors that is no layer (``x + y``): consumes a name, holds no weights."""

    kind: str  # "add", "subtract", "multiply", "true_divide", ...
    name: str


@dataclass(eq=False)
class KModel(Obj):
    """A Keras model: ``kind`` "sequential" (``items``), "functional" (``inputs``/``outputs``) or
    "subclass" (an instance of a class deriving from keras.Model: ``attrs`` and its ``call``)."""

    kind: str
    name: str
    seq: int
    line: int
    items: list[Any] = field(default_factory=list)  # sequential: KLayer / KModel in order
    input_shape: Any = None  # sequential: from Input / build / input_shape=
    inputs: list[KTensor] = field(default_factory=list)
    outputs: list[KTensor] = field(default_factory=list)
    trainable: bool = True
    cls: Cls | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    built_with: Any = None  # subclass: the input shape given to build() / a call
    app: str | None = None  # the Keras application it is (keras.applications.VGG16), if any

    def tracked(self) -> list[Any]:
        """A subclassed model's layers in assignment order (lists of layers included)."""
        out: list[Any] = []
        for value in self.attrs.values():
            values = value.values() if isinstance(value, dict) else value if isinstance(value, list | tuple) else (value,)
            for v in values:
                if isinstance(v, KLayer | KModel) and v not in out:
                    out.append(v)
        return out


# ---------------------------------------------------------------------------------------------
# PyTorch
# ---------------------------------------------------------------------------------------------


@dataclass(eq=False)
class TParam(Obj):
    owner: TModule
    name: str


@dataclass(eq=False)
class TModule(Obj):
    """A module: a built-in leaf (``raw`` set), a container (Sequential, ModuleList, ModuleDict)
    or an instance of a class deriving from nn.Module (``cls`` set)."""

    kind: str
    seq: int
    line: int | None
    raw: RawLayer | None = None
    children: dict[str, Any] = field(default_factory=dict)  # name -> TModule or None
    params: dict[str, int] = field(default_factory=dict)  # own parameters: name -> numel (None while unknown)
    frozen: set[str] = field(default_factory=set)  # own parameters with requires_grad = False
    cls: Cls | None = None
    attrs: dict[str, Any] = field(default_factory=dict)
    config: dict[str, Any] | None = None  # a leaf's normalised arguments, once resolved

    @property
    def container(self) -> bool:
        return self.kind in ("Sequential", "ModuleList", "ModuleDict")
