"""What the interpreter knows about Keras and PyTorch: constructors of layers, models and modules,
calls of layers on symbolic tensors, and the attributes and methods of these objects.

An imported name is recognised by its last component (``layers.Dense``, ``tf.keras.layers.Dense``,
a bare ``Dense``); a name both frameworks use (``Flatten``, ``LSTM``, ``Sequential``) is decided by
its path (``nn.``, ``torch.`` vs ``keras``, ``layers.``, ``tf.``), else by the framework the code
imports. A method the analyser does not know on a model is refused, never guessed.
"""

from __future__ import annotations

import ast
import math
from typing import Any

from nnexam.questions.model_analyser import applications
from nnexam.questions.model_analyser.build import RawLayer, snake_case
from nnexam.questions.model_analyser.interp import MAX_OBJECTS, Refusal, literal, src
from nnexam.questions.model_analyser.keras_extra import EXTRA, MERGE_FUNCTIONS, outputs_of
from nnexam.questions.model_analyser.layers import ALIASES, KERAS
from nnexam.questions.model_analyser.objects import (
    ArrayVal,
    Bound,
    Cls,
    Ext,
    Func,
    Instance,
    KInput,
    KLayer,
    KModel,
    KNode,
    KOp,
    KTensor,
    Obj,
    TModule,
    TParam,
)
from nnexam.questions.model_analyser.torch_layers import KINDS as TORCH
from nnexam.questions.model_analyser.values import Free, Opaque, show

KERAS_KINDS = {**KERAS, **EXTRA}
# Methods of a model or layer that change nothing the analyser reports.
HARMLESS = frozenset({
    "compile", "fit", "evaluate", "predict", "summary", "save", "save_weights", "load_weights", "to", "cuda", "cpu", "train", "eval",
    "apply", "state_dict", "load_state_dict", "zero_grad", "double", "float", "half", "get_weights", "set_weights", "to_json",
    "get_config", "fit_generator", "predict_on_batch", "train_on_batch", "test_on_batch", "reset_states", "share_memory", "type",
    "register_forward_hook", "register_backward_hook", "register_full_backward_hook", "register_forward_pre_hook", "export",
    "plot_model", "call", "forward", "reset_parameters", "extra_repr", "__repr__", "predict_step", "train_step", "test_step",
    "register_buffer", "bfloat16", "set_extra_state", "make_train_function",
})  # fmt: skip
ARRAY_MAKERS = frozenset({"zeros", "ones", "randn", "rand", "empty", "normal", "uniform", "random_normal", "random_uniform", "full",
                          "zeros_like", "ones_like", "randint", "random"})  # fmt: skip
NO_OPS = frozenset({"clear_session", "set_random_seed", "seed", "manual_seed", "set_seed", "filterwarnings", "disable_eager_execution",
                    "enable_eager_execution", "set_floatx", "device", "no_grad"})  # fmt: skip


class PValue(Obj):
    """``nn.Parameter(torch.zeros(3, 4))``: a parameter of known size, not yet on a module."""

    def __init__(self, shape: tuple[int, ...], frozen: bool):
        self.size = 1
        for v in shape:
            self.size *= v
        self.frozen = frozen


class OpaqueCall(Opaque):
    """The result of calling a function the analyser does not know (``timm.create_model(...)``)."""

    def __init__(self, text: str, path: str, line: int | None = None):
        super().__init__(text)
        object.__setattr__(self, "path", path)
        object.__setattr__(self, "line", line)

    def could_be_module(self) -> bool:
        last = self.path.rsplit(".", 1)[-1]
        if any(part[:1].isupper() for part in self.path.split(".")):  # SomeModel.from_pretrained(...), nn.Embedding.from_pretrained
            return True
        return any(p in f".{self.path}." for p in (".models.", ".hub.", ".timm.", ".load.", ".loads.", ".create_model.", ".load_model.",
                                                   ".model_from_json.", ".model_from_yaml.")) or last[:1].isupper()


class Method(Obj):
    """A method of a layer, model or module, called later (``model.add``)."""

    def __init__(self, obj: Any, name: str):
        self.obj, self.name = obj, name


class Hooks:
    def __init__(self, framework: str):
        self.framework = framework  # "keras" or "torch": the default for names both use
        self.seq = 0
        self.uids: dict[str, int] = {}
        self.keras_layers: list[KLayer] = []
        self.models: list[Any] = []  # models and top-level candidate modules, in creation order
        self.modules: list[TModule] = []
        self.nodes: list[KNode] = []
        self.notes: list[str] = []
        self.interp: Any = None
        self.in_call: list[KModel] = []  # subclassed models whose call() is being read
        self.missing: list[str] = []  # names the code leaves free, in module arguments
        self.opaque_models: list[tuple[int | None, str]] = []  # calls that may make a model the analyser cannot build
        self.built: set[int] = set()  # layers called at least once
        self.probe: Any = None  # shapes of symbolic tensors while the code runs (x.shape)
        self.probe_memo: dict[int, list[Any]] = {}

    def add_node(self, node: KNode) -> None:
        node.order = len(self.nodes)
        self.nodes.append(node)

    # -- names ---------------------------------------------------------------------------------------

    def next_seq(self, node: ast.AST) -> int:
        self.seq += 1
        if self.seq > MAX_OBJECTS:
            raise Refusal(getattr(node, "lineno", None), "more than 100,000 layers or modules", "a model of at most 100,000 layers")
        return self.seq

    def uid(self, base: str) -> str:
        n = self.uids.get(base, 0)
        self.uids[base] = n + 1
        return base if n == 0 else f"{base}_{n}"

    def side(self, path: str) -> str:
        """Which framework a dotted name belongs to."""
        last = path.rsplit(".", 1)[-1]
        head = path.split(".")[0]
        if path.startswith(("torch", "nn.", "F.", "torchvision")) or ".nn." in path or head in ("nn", "torch"):
            return "torch"
        if "keras" in path or head in ("layers", "tf", "K", "models", "applications", "tensorflow"):
            return "keras"
        in_keras = last in KERAS_KINDS or last in ALIASES
        in_torch = last in TORCH
        if in_keras != in_torch:
            return "keras" if in_keras else "torch"
        return self.framework

    def is_layer_name(self, name: str) -> bool:
        return name in KERAS_KINDS or name in ALIASES or name in TORCH or name in ("Input", "InputLayer", "Conv2d", "Linear")

    def class_family(self, path: str) -> str | None:
        last = path.rsplit(".", 1)[-1]
        if last == "Module" and self.side(path) == "torch":
            return "torch"
        if last in ("Model", "Sequential") and self.side(path) == "keras":
            return "keras-model"
        if last == "Layer" and self.side(path) == "keras":
            return "keras-layer"
        if last in TORCH or last in ("Sequential", "ModuleList", "ModuleDict"):
            return "torch-builtin"
        return None

    def found_models(self) -> bool:
        return any(isinstance(m, KModel) or (isinstance(m, TModule)) for m in self.models)

    # -- construction ----------------------------------------------------------------------------------

    def call_ext(self, path: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        last = path.rsplit(".", 1)[-1]
        line = getattr(node, "lineno", None)
        side = self.side(path)
        if last == "image_data_format":
            note = "the code asks K.image_data_format(): read as 'channels_last' (Keras' default)"
            if note not in self.notes:
                self.notes.append(note)
            return "channels_last"
        if last == "set_image_data_format":
            if args and args[0] != "channels_last":
                raise Refusal(line, src(node), "channels_last data (Keras' default); the analyser reads channels-last layers")
            return None
        if last in NO_OPS:
            return None
        if path.startswith("math.") and last in MATH and args and all(isinstance(a, int | float) and not isinstance(a, bool) for a in args):
            try:
                return MATH[last](*args)
            except (ValueError, OverflowError, TypeError):
                return Opaque(src(node))
        if last == "deepcopy" and len(args) == 1 and isinstance(args[0], TModule):
            return self.clone(args[0], node)
        if last == "OrderedDict":
            items = args[0] if args else []
            if isinstance(items, dict):
                return dict(items)
            seq = self.interp.iterate(items, node) if items is not None else []
            if seq is None or not all(isinstance(p, tuple) and len(p) == 2 for p in seq):
                return Opaque(src(node))
            return dict(seq)
        if last in ARRAY_MAKERS and path.split(".")[0] in ("np", "numpy", "torch", "tf", "tensorflow", "keras", "ops", "jnp", "random"):
            return self.array(last, args, kwargs)
        if last == "arange" and args and all(isinstance(a, int) and not isinstance(a, bool) for a in args) and len(args) <= 3:
            return ArrayVal((len(range(*args)),)) if len(args) < 3 or args[2] else Opaque(src(node))
        if last[:1].islower() and last not in MERGE_FUNCTIONS and any(isinstance(a, KTensor) for a in [*args, *kwargs.values()]) or (last[:1].islower() and last not in MERGE_FUNCTIONS and args and isinstance(args[0], list)
                and any(isinstance(a, KTensor) for a in args[0])):
            return self.tensor_function(last, path, args, kwargs, node)
        if applications.known(path):
            return applications.build(self, path, args, kwargs, node)
        if side == "keras":
            return self.keras_ext(last, path, args, kwargs, node)
        return self.torch_ext(last, path, args, kwargs, node)

    def array(self, last: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        shape = kwargs.get("size", kwargs.get("shape"))
        if shape is None:
            if last in ("randint",):
                shape = args[2] if len(args) > 2 else None
            elif len(args) == 1 and isinstance(args[0], tuple | list):
                shape = args[0]
            elif args and all(isinstance(a, int) and not isinstance(a, bool) for a in args) and last != "full":
                shape = tuple(args)
            elif last == "full" and args:
                shape = args[0]
        if isinstance(shape, tuple | list) and all(isinstance(v, int) and not isinstance(v, bool) for v in shape):
            return ArrayVal(tuple(shape))
        return Opaque(f"{last}(...)")

    def keras_ext(self, last: str, path: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        line = getattr(node, "lineno", None)
        if last == "Sequential":
            name = kwargs.get("name")
            model = KModel("sequential", name if isinstance(name, str) else self.uid("sequential"), self.next_seq(node), line or 0)
            trainable = kwargs.get("trainable", True)
            model.trainable = trainable if isinstance(trainable, bool) else True
            self.models.append(model)
            items = args[0] if args else kwargs.get("layers")
            if items is not None:
                seq = self.interp.iterate(items, node)
                if seq is None:
                    raise Refusal(line, f"Sequential({src(node.args[0]) if isinstance(node, ast.Call) and node.args else '...'})",
                                  "a list of layers the code builds (a literal list, a comprehension, a list it appends to)")  # fmt: skip
                for item in seq:
                    self.seq_add(model, item, node)
            return model
        if last in ("Model", "Functional"):
            return self.functional(args, kwargs, node)
        if last == "Input":
            shape = args[0] if args else kwargs.get("shape", kwargs.get("input_shape"))
            if shape is None:
                batch = kwargs.get("batch_shape", kwargs.get("batch_input_shape"))
                shape = batch[1:] if isinstance(batch, tuple) else Opaque("Input() without a shape") if batch is None else batch
            name = kwargs.get("name")
            inp = KInput(shape, name if isinstance(name, str) else self.uid("input_layer"), line)
            knode = KNode(inp, [], 1, line)
            self.add_node(knode)
            return KTensor(knode, 0)
        if last in MERGE_FUNCTIONS:
            kind = MERGE_FUNCTIONS[last]
            if not args:
                raise Refusal(line, src(node), f"{last}([tensor, tensor, ...])")
            layer = self.new_layer(kind, tuple(args[1:]), kwargs, node)
            return self.call_layer(layer, [args[0]], {}, node)
        kind = ALIASES.get(last, last)
        if kind in KERAS_KINDS or kind == "InputLayer":
            return self.new_layer(last, tuple(args), kwargs, node)
        elsewhere = (".optimizers", ".callbacks", ".losses", ".metrics", ".preprocessing", ".regularizers", ".initializers",
                     ".utils", ".datasets", ".schedules", ".constraints", ".backend", ".ops")  # fmt: skip
        if last[:1].isupper() and not any(e in f".{path}" for e in elsewhere) and last not in NOT_LAYERS:
            return self.new_layer(last, tuple(args), kwargs, node)  # an unknown layer: refused if the model uses it
        return self.opaque_call(path, line)

    def new_layer(self, kind: str, args: tuple[Any, ...], kwargs: dict[str, Any], node: ast.AST) -> KLayer:
        line = getattr(node, "lineno", None)
        canonical = ALIASES.get(kind, kind)
        name = kwargs.get("name")
        fixed = {}
        for k, v in kwargs.items():
            fixed[k] = self.layer_arg(v, node)
        raw = RawLayer(kind, tuple(self.layer_arg(a, node) for a in args), fixed, line)
        if not isinstance(name, str):
            name = self.uid(snake_case(canonical) if canonical != "InputLayer" else "input_layer")
        layer = KLayer(raw, name, self.next_seq(node))
        trainable = kwargs.get("trainable")
        if isinstance(trainable, bool):
            layer.trainable = trainable
        self.keras_layers.append(layer)
        return layer

    def layer_arg(self, value: Any, node: ast.AST) -> Any:
        """A layer's argument as the layer builder takes it: a wrapped layer becomes its RawLayer."""
        if isinstance(value, KLayer):
            return value.raw
        if isinstance(value, Func):
            return Opaque(f"{value.name}")
        if isinstance(value, list):
            return tuple(self.layer_arg(v, node) for v in value)
        if isinstance(value, tuple):
            return tuple(self.layer_arg(v, node) for v in value)
        if isinstance(value, Obj):
            return Opaque(type(value).__name__)
        if isinstance(value, Ext):
            return Opaque(value.path)
        return value

    def functional(self, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> KModel:
        line = getattr(node, "lineno", None)
        inputs = args[0] if args else kwargs.get("inputs")
        outputs = args[1] if len(args) > 1 else kwargs.get("outputs")
        ins, outs = self.tensors(inputs), self.tensors(outputs)
        if ins is None or outs is None or not ins or not outs:
            raise Refusal(line, f"{src(node)}: its inputs or outputs are not tensors the analyser built",
                          "a functional keras.Model(inputs, outputs) with tensors from keras.Input and layer calls in the code")  # fmt: skip
        for t in ins:
            if not isinstance(t.node.op, KInput):
                raise Refusal(line, f"{src(node)}: an input is not a keras.Input", "inputs made with keras.Input(shape=...)")
        name = kwargs.get("name")
        model = KModel("functional", name if isinstance(name, str) else self.uid("functional"), self.next_seq(node), line or 0,
                       inputs=ins, outputs=outs)  # fmt: skip
        self.models.append(model)
        return model

    def tensors(self, value: Any) -> list[KTensor] | None:
        if isinstance(value, KTensor):
            return [value]
        if isinstance(value, dict):
            value = list(value.values())
        if isinstance(value, list | tuple) and all(isinstance(v, KTensor) for v in value):
            return list(value)
        return None

    def seq_add(self, model: KModel, item: Any, node: ast.AST) -> None:
        line = getattr(node, "lineno", None)
        if isinstance(item, KTensor) and isinstance(item.node.op, KInput):
            if model.items or model.input_shape is not None:
                raise Refusal(line, "an Input after the first layer of a Sequential", "the Input first")
            model.input_shape = item.node.op.shape
            model.attrs["__input_name__"] = item.node.op.name
            return
        if isinstance(item, KLayer) and ALIASES.get(item.raw.kind, item.raw.kind) == "InputLayer":
            if model.items or model.input_shape is not None:
                raise Refusal(line, "an InputLayer after the first layer of a Sequential", "the InputLayer first")
            kw = item.raw.kwargs
            shape = item.raw.args[0] if item.raw.args else kw.get("shape", kw.get("input_shape"))
            if shape is None:
                batch = kw.get("batch_shape", kw.get("batch_input_shape"))
                shape = batch[1:] if isinstance(batch, tuple) else Opaque("InputLayer() without a shape")
            model.input_shape = shape
            return
        if isinstance(item, KLayer | KModel):
            if item is model:
                raise Refusal(line, "a model added to itself", "adding layers or other models")
            model.items.append(item)
            if isinstance(item, KModel):
                self.detach_model(item)
            return
        what = type(item).__name__ if isinstance(item, Obj) else show(item)
        raise Refusal(line, f"{what} added to a Sequential", "expected a layer call such as layers.Dense(10), an Input, or another model")

    def torch_ext(self, last: str, path: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        line = getattr(node, "lineno", None)
        if last in ("Sequential", "ModuleList", "ModuleDict"):
            mod = self.module(last, node)
            if last == "Sequential":
                if len(args) == 1 and isinstance(args[0], dict):
                    for k, v in args[0].items():
                        self.add_child(mod, str(k), v, node)
                else:
                    for i, v in enumerate(args):
                        self.add_child(mod, str(i), v, node)
            elif args:
                items = args[0]
                if last == "ModuleDict":
                    pairs = list(items.items()) if isinstance(items, dict) else self.interp.iterate(items, node)
                    if pairs is None:
                        raise Refusal(line, src(node), "nn.ModuleDict({name: module, ...})")
                    for k, v in pairs:
                        self.add_child(mod, str(k), v, node)
                else:
                    seq = self.interp.iterate(items, node)
                    if seq is None:
                        raise Refusal(line, src(node), "nn.ModuleList([module, ...]) with modules the code builds")
                    for i, v in enumerate(seq):
                        self.add_child(mod, str(i), v, node)
            return mod
        if last == "Parameter":
            data = args[0] if args else kwargs.get("data")
            if not isinstance(data, ArrayVal):
                raise Refusal(line, f"{src(node)}: a parameter whose size the analyser cannot read",
                              "nn.Parameter(torch.zeros(sizes)) / torch.randn(sizes) with literal sizes")  # fmt: skip
            grad = kwargs.get("requires_grad", args[1] if len(args) > 1 else True)
            return PValue(data.shape, grad is False)
        if last in ("tensor", "Tensor", "FloatTensor", "from_numpy", "as_tensor", "arange", "linspace", "eye"):
            return Opaque(f"{path}(...)")
        if last == "from_pretrained" and path.rsplit(".", 2)[-2] in ("Embedding", "EmbeddingBag"):
            return self.from_pretrained(path.rsplit(".", 2)[-2], args, kwargs, node)
        if last in ("DataParallel", "DistributedDataParallel"):
            wrapped = args[0] if args else kwargs.get("module")
            mod = self.module(last, node)
            self.add_child(mod, "module", wrapped, node)
            return mod
        if last in ("TransformerEncoder", "TransformerDecoder"):
            return self.transformer_stack(last, args, kwargs, node)
        if last in TORCH:
            mod = self.module(last, node, RawLayer(last, tuple(self.torch_arg(a, node) for a in args),
                                                  {k: self.torch_arg(v, node) for k, v in kwargs.items()}, line))  # fmt: skip
            self.interp_resolve(mod)
            return mod
        if last[:1].isupper() and path.startswith(("nn.", "torch.nn")):
            from nnexam.questions.model_analyser.torch_spec import unknown_module

            raise unknown_module(last, line)
        return self.opaque_call(path, line)

    def opaque_call(self, path: str, line: int | None) -> OpaqueCall:
        out = OpaqueCall(f"{path}(...)", path, line)
        if out.could_be_module() and len(self.opaque_models) < 1000:
            self.opaque_models.append((line, path))
        return out

    def from_pretrained(self, kind: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> TModule:
        """``nn.Embedding.from_pretrained(weights, freeze=True)``: the table's size from the tensor."""
        line = getattr(node, "lineno", None)
        data = args[0] if args else kwargs.get("embeddings")
        freeze = kwargs.get("freeze", args[1] if len(args) > 1 else True)
        if not (isinstance(data, ArrayVal) and len(data.shape) == 2 and all(isinstance(d, int) for d in data.shape)):
            raise Refusal(line, f"{src(node)}: embeddings whose size the analyser cannot read",
                          "nn.Embedding(num_embeddings, embedding_dim), or a tensor of literal sizes (torch.zeros(n, d))")  # fmt: skip
        mod = self.module(kind, node, RawLayer(kind, data.shape, {}, line))
        self.interp_resolve(mod)
        if self.flag(freeze, node):
            mod.frozen.add("weight")
        return mod

    def torch_arg(self, value: Any, node: ast.AST) -> Any:
        if isinstance(value, Obj | Ext | Func):
            return Opaque(getattr(value, "path", type(value).__name__))
        return value

    def module(self, kind: str, node: ast.AST, raw: RawLayer | None = None, cls: Cls | None = None) -> TModule:
        mod = TModule(kind, self.next_seq(node), getattr(node, "lineno", None), raw=raw, cls=cls)
        self.modules.append(mod)
        self.models.append(mod)
        return mod

    def interp_resolve(self, mod: TModule) -> None:
        from nnexam.questions.model_analyser.torch_spec import resolve_leaf

        resolve_leaf(self, mod)

    def transformer_stack(self, last: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> TModule:
        line = getattr(node, "lineno", None)
        layer = args[0] if args else kwargs.get("encoder_layer", kwargs.get("decoder_layer"))
        n = args[1] if len(args) > 1 else kwargs.get("num_layers")
        norm = args[2] if len(args) > 2 else kwargs.get("norm")
        if not isinstance(layer, TModule) or not isinstance(n, int) or isinstance(n, bool) or not 0 < n <= 1000:
            raise Refusal(line, src(node), f"nn.{last}(layer_module, num_layers) with a number the code fixes")
        mod = self.module(last, node)
        layers = self.module("ModuleList", node)
        for i in range(n):
            layers.children[str(i)] = self.clone(layer, node)
        mod.children["layers"] = layers
        self.detach(layers)
        if isinstance(norm, TModule):
            self.add_child(mod, "norm", norm, node)
        self.detach(layer)
        return mod

    def clone(self, mod: TModule, node: ast.AST) -> TModule:
        """A deep copy (``copy.deepcopy`` / nn.TransformerEncoder's clones): new identity, same sizes."""
        copy = TModule(mod.kind, self.next_seq(node), mod.line, raw=mod.raw, params=dict(mod.params), frozen=set(mod.frozen),
                       cls=mod.cls, attrs=dict(mod.attrs), config=mod.config)  # fmt: skip
        copy.children = {k: self.clone(v, node) if isinstance(v, TModule) else v for k, v in mod.children.items()}
        self.modules.append(copy)
        return copy

    def detach(self, mod: TModule) -> None:
        """``mod`` is no candidate for the analysed model any more (it went into another)."""
        mod.attrs["__used__"] = True

    def add_child(self, parent: TModule, name: str, value: Any, node: ast.AST) -> None:
        line = getattr(node, "lineno", None)
        if value is None:
            parent.children[name] = None
            return
        if not isinstance(value, TModule):
            what = type(value).__name__ if isinstance(value, Obj) else src(node, 50)
            raise Refusal(line, f"{what} given to {parent.kind} as a module", "torch.nn modules (nn.Linear(4, 2)) or modules of the code")
        self.check_cycle(parent, value, line)
        parent.children[name] = value
        self.detach(value)

    def check_cycle(self, parent: TModule, child: TModule, line: int | None) -> None:
        stack = [child]
        while stack:
            m = stack.pop()
            if m is parent:
                raise Refusal(line, "a module that contains itself", "a tree of modules")
            stack.extend(c for c in m.children.values() if isinstance(c, TModule))

    # -- classes -----------------------------------------------------------------------------------------

    def instantiate(self, cls: Cls, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        from nnexam.questions.model_analyser.interp import class_attr

        line = getattr(node, "lineno", None)
        if cls.family == "torch":
            obj: Any = self.module(cls.name, node, cls=cls)
        elif cls.family in ("keras-model", "keras-layer"):
            name = kwargs.get("name")
            obj = KModel("subclass", name if isinstance(name, str) else self.uid(snake_case(cls.name)), self.next_seq(node), line or 0, cls=cls)
            obj.attrs = {}
            if cls.family == "keras-layer":
                obj.attrs["__layer__"] = True
            self.models.append(obj)
        elif cls.family == "torch-builtin":
            base = self.builtin_base(cls)
            if base not in ("Sequential", "ModuleList", "ModuleDict"):
                raise Refusal(line, f"class {cls.name} derives from the built-in module {base}",
                              "classes deriving from nn.Module, nn.Sequential, nn.ModuleList or nn.ModuleDict")  # fmt: skip
            obj = self.module(base, node, cls=cls)
        else:
            obj = Instance(cls)
        init = class_attr(cls, "__init__")
        if isinstance(init, Func):
            self.interp.call_func(init, [obj, *args], kwargs, node)
        elif cls.family == "torch-builtin":
            self.base_init(obj, args, kwargs, node)
        if cls.family == "keras-model" and class_attr(cls, "build") is not None:
            raise Refusal(line, f"{cls.name}.build(): weights created from the input shape in a custom build()",
                          "layers assigned in __init__ (self.dense = layers.Dense(8)) and used in call()")  # fmt: skip
        return obj

    def builtin_base(self, cls: Cls) -> str:
        for b in cls.bases:
            if isinstance(b, Cls):
                return self.builtin_base(b)
            if isinstance(b, Ext | Free):
                return (b.path if isinstance(b, Ext) else b.name).rsplit(".", 1)[-1]
        return "Module"

    def base_init(self, obj: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> None:
        """``super().__init__(...)`` of a framework class: nn.Sequential's modules, keras.Model's name."""
        if isinstance(obj, TModule) and obj.kind in ("Sequential", "ModuleList", "ModuleDict") and (args or kwargs):
            built = self.torch_ext(obj.kind, f"nn.{obj.kind}", args, kwargs, node)
            for k, v in built.children.items():
                self.add_child(obj, k, v, node)
            built.attrs["__used__"] = True
            self.models.remove(built)
        elif isinstance(obj, KModel):
            if isinstance(kwargs.get("name"), str):
                obj.name = kwargs["name"]
            base = self.builtin_base(obj.cls) if obj.cls is not None else ""
            if base == "Sequential":  # class SmallMLP(keras.Sequential): super().__init__([layers...])
                obj.kind = "sequential"
                items = args[0] if args else kwargs.get("layers")
                seq = self.interp.iterate(items, node) if items is not None else []
                if seq is None:
                    raise Refusal(getattr(node, "lineno", None), src(node), "super().__init__([layers ...]) with layers the code builds")
                for item in seq:
                    self.seq_add(obj, item, node)
            elif args[:2] or "inputs" in kwargs or "outputs" in kwargs:  # super().__init__(inputs=..., outputs=...)
                made = self.functional(args, {k: v for k, v in kwargs.items() if k != "name"}, node)
                self.models.remove(made)
                obj.kind, obj.inputs, obj.outputs = "functional", made.inputs, made.outputs

    def isinstance(self, obj: Any, kinds: Any, node: ast.AST) -> Any:
        options = kinds if isinstance(kinds, tuple | list) else (kinds,)
        if isinstance(obj, Free | Opaque):
            return Opaque(src(node))
        for k in options:
            if isinstance(k, Cls):
                cls = obj.cls if isinstance(obj, Instance | TModule | KModel) else None
                while cls is not None:
                    if cls is k:
                        return True
                    cls = next((b for b in cls.bases if isinstance(b, Cls)), None)
            elif isinstance(k, Ext):
                last = k.last
                if isinstance(obj, TModule):
                    if obj.kind == last or last == "Module" or (last in ("Sequential", "ModuleList", "ModuleDict") and obj.kind == last):
                        return True
                elif isinstance(obj, KLayer):
                    if ALIASES.get(obj.raw.kind, obj.raw.kind) == ALIASES.get(last, last) or last == "Layer":
                        return True
                elif isinstance(obj, KModel):
                    if last in ("Model", "Layer") or (last == "Sequential" and obj.kind == "sequential"):
                        return True
                elif last in ("int", "float", "str", "list", "tuple", "dict", "bool"):
                    return Opaque(src(node))
            elif k in BUILTIN_TYPES:
                return type(obj).__name__ == BUILTIN_TYPES[k] if literal(obj) or isinstance(obj, dict) else Opaque(src(node))
            else:
                return Opaque(src(node))
        return False

    # -- attributes, items, calls -------------------------------------------------------------------------

    def getattr(self, obj: Any, attr: str, node: ast.AST) -> Any:
        line = getattr(node, "lineno", None)
        if isinstance(obj, Method):
            return Opaque(src(node))
        if isinstance(obj, KInput):
            return obj.name if attr == "name" else True if attr == "trainable" else Opaque(src(node))
        if isinstance(obj, KLayer):
            if attr == "trainable":
                return obj.trainable
            if attr == "name":
                return obj.name
            if attr in ("count_params", "get_weights", "get_config", "set_weights", "build", "__call__"):
                return Method(obj, attr)
            if attr in ("output", "input"):
                for m in self.models:  # a layer of a Sequential with an input: that graph first
                    if isinstance(m, KModel) and m.kind == "sequential" and m.input_shape is not None and obj in m.items:
                        self.sequential_graph(m, node)
                        break
                return self.layer_tensor(obj, attr, node)
            if attr in ("output_shape", "input_shape"):
                raise Refusal(line, f"{src(node)}: a layer's {attr}", "tensors from keras.Input and layer calls")
            return Opaque(src(node))
        if isinstance(obj, KModel):
            return self.model_attr(obj, attr, node)
        if isinstance(obj, KTensor):
            if attr == "shape":
                shape = self.tensor_shape(obj)
                return Opaque(f"{src(node)} (a symbolic shape)") if shape is None else (None, *shape)
            return Opaque(src(node))
        if isinstance(obj, TModule):
            return self.module_attr(obj, attr, node)
        if isinstance(obj, TParam):
            if attr == "requires_grad":
                return obj.name not in obj.owner.frozen and "*" not in obj.owner.frozen
            if attr in ("numel", "requires_grad_", "nelement", "size", "data", "shape"):
                return Method(obj, attr) if attr in ("numel", "requires_grad_", "nelement") else Opaque(src(node))
            return Opaque(src(node))
        if isinstance(obj, ArrayVal):
            if attr == "shape":
                return tuple(v for v in obj.shape if v != "frozen")
            return Opaque(src(node))
        return Opaque(src(node))

    def model_attr(self, m: KModel, attr: str, node: ast.AST) -> Any:
        from nnexam.questions.model_analyser.interp import class_attr
        from nnexam.questions.model_analyser.keras_spec import functional_layers

        line = getattr(node, "lineno", None)
        if m.kind == "subclass" and attr in m.attrs:
            return m.attrs[attr]
        if attr == "trainable":
            return m.trainable
        if attr == "name":
            return m.name
        if attr == "layers":
            if m.kind == "sequential":
                return list(m.items)
            if m.kind == "functional":
                return functional_layers(m)
            return m.tracked()
        if attr in ("input", "inputs", "output", "outputs"):
            if m.kind == "sequential":
                tensors = self.sequential_graph(m, node)
                tensors = tensors[:1] if attr.startswith("input") else tensors[1:]
            elif m.kind == "functional":
                tensors = m.inputs if attr.startswith("input") else m.outputs
            else:
                raise Refusal(line, f"{src(node)} of a subclassed model", "the functional API for a model whose tensors are used")
            return tensors if attr.endswith("s") else tensors[0] if len(tensors) == 1 else list(tensors)
        if m.kind == "subclass" and m.cls is not None:
            found = class_attr(m.cls, attr)
            if isinstance(found, Func) and not found.static:
                return Bound(found, m)
            if found is not None:
                return found
        if attr in ("add", "pop", "build", "get_layer", "count_params", "__call__", "call", "add_weight") or attr in HARMLESS:
            return Method(m, attr)
        if attr in ("input_shape", "output_shape", "weights", "trainable_weights", "non_trainable_weights", "optimizer", "history",
                    "metrics_names", "loss", "built"):  # fmt: skip
            return Opaque(src(node))
        raise Refusal(line, f"{src(node)}: the model attribute {attr!r}",
                      "the model's layers, add/pop/build/trainable, or compile/fit/summary (which change no count)")  # fmt: skip

    def sequential_graph(self, m: KModel, node: ast.AST) -> list[KTensor]:
        """A Sequential with a known input is a graph in Keras (``model.inputs``, a layer's ``output``):
        its input tensor and output tensor, made once."""
        if "__graph__" not in m.attrs:
            if m.input_shape is None:
                raise Refusal(getattr(node, "lineno", None), f"{src(node)}: the tensors of a Sequential without an input",
                              "an Input (or input_shape=) first in the Sequential")  # fmt: skip
            inp = KInput(m.input_shape, m.attrs.get("__input_name__") or self.uid("input_layer"), m.line)
            first = KNode(inp, [], 1, m.line)
            self.add_node(first)
            t = KTensor(first, 0)
            for item in m.items:
                n = KNode(item, [t], 1, m.line)
                self.add_node(n)
                t = KTensor(n, 0)
            m.attrs["__graph__"] = [KTensor(first, 0), t]
        return list(m.attrs["__graph__"])

    def layer_tensor(self, layer: KLayer, attr: str, node: ast.AST) -> Any:
        """``layer.output`` / ``layer.input`` of a layer called once in a graph."""
        calls = [n for n in self.nodes if n.op is layer]
        if len(calls) != 1:
            raise Refusal(getattr(node, "lineno", None), f"{src(node)}: a layer called {len(calls)} times has no single {attr}",
                          "the tensor a layer call returns")  # fmt: skip
        n = calls[0]
        if attr == "output":
            return KTensor(n, 0)
        return n.inputs[0] if len(n.inputs) == 1 else list(n.inputs)

    def module_attr(self, m: TModule, attr: str, node: ast.AST) -> Any:
        from nnexam.questions.model_analyser.interp import class_attr

        if attr in m.children:
            return m.children[attr]
        if attr in m.params:
            return TParam(m, attr)
        if attr in m.attrs:
            return m.attrs[attr]
        if m.cls is not None:
            found = class_attr(m.cls, attr)
            if isinstance(found, Func) and not found.static:
                return Bound(found, m)
            if found is not None:
                return found
        if attr in ("parameters", "named_parameters", "children", "named_children", "modules", "named_modules", "add_module",
                    "register_module", "register_parameter", "requires_grad_", "append", "extend", "insert", "keys", "values",
                    "items", "update", "__call__", "forward") or attr in HARMLESS:  # fmt: skip
            return Method(m, attr)
        if m.raw is not None and m.config is not None:
            if attr in m.config:
                return m.config[attr]
        if attr == "training":
            return Opaque("module.training")
        return Opaque(src(node))

    def setattr(self, obj: Any, attr: str, value: Any, st: ast.AST) -> None:
        line = getattr(st, "lineno", None)
        if isinstance(obj, KLayer):
            if attr == "trainable":
                obj.trainable = self.flag(value, st)
                return
            if attr in ("name",) and isinstance(value, str):
                obj.name = value
                return
            raise Refusal(line, f"{src(st, 50)}: changing a layer's {attr!r} after it is made", "the layer's arguments at construction")
        if isinstance(obj, KModel):
            if attr == "trainable":
                self.freeze_model(obj, self.flag(value, st))
                return
            if obj.kind == "subclass":
                obj.attrs[attr] = value
                return
            raise Refusal(line, f"{src(st, 50)}: setting the model's {attr!r}", "add / pop / trainable")
        if isinstance(obj, TModule):
            self.module_set(obj, attr, value, st)
            return
        if isinstance(obj, TParam):
            if attr == "requires_grad":
                flag = self.flag(value, st)
                (obj.owner.frozen.discard if flag else obj.owner.frozen.add)(obj.name)
                return
            if attr == "data":
                return
            raise Refusal(line, f"{src(st, 50)}", "requires_grad = True / False on a parameter")
        if isinstance(obj, KTensor | ArrayVal | Method) or (isinstance(obj, KInput) and attr == "trainable"):
            return  # an InputLayer has no weights to freeze
        raise Refusal(line, f"{src(st, 50)}", "attributes of the code's own objects")

    def flag(self, value: Any, st: ast.AST) -> bool:
        if not isinstance(value, bool):
            raise Refusal(getattr(st, "lineno", None), f"{src(st, 50)}: a trainable / requires_grad flag the code does not fix",
                          "True or False (or a name bound to one)")  # fmt: skip
        return value

    def freeze_model(self, m: KModel, flag: bool) -> None:
        """Keras' ``model.trainable = flag``: the model and every layer in it."""
        m.trainable = flag
        from nnexam.questions.model_analyser.keras_spec import model_layers

        for layer in model_layers(m):
            if isinstance(layer, KModel):
                self.freeze_model(layer, flag)
            elif isinstance(layer, KLayer):
                layer.trainable = flag

    def module_set(self, m: TModule, attr: str, value: Any, st: ast.AST) -> None:
        line = getattr(st, "lineno", None)
        if isinstance(value, TModule):
            if m.raw is not None:
                raise Refusal(line, f"{src(st, 50)}: a module put inside a built-in {m.kind}", "modules assigned to your own nn.Module")
            m.params.pop(attr, None)
            m.attrs.pop(attr, None)
            self.add_child(m, attr, value, st)
            return
        if isinstance(value, PValue):
            if m.raw is not None and attr not in m.params:
                raise Refusal(line, f"{src(st, 50)}: a new parameter on a built-in {m.kind}", "parameters of your own nn.Module")
            m.params[attr] = value.size
            (m.frozen.add if value.frozen else m.frozen.discard)(attr)
            m.children.pop(attr, None)
            return
        if isinstance(value, TParam):
            if value.owner is m and value.name == attr:
                return
            m.params.pop(attr, None)  # tied weights: one tensor, counted where it was made
            m.frozen.discard(attr)
            m.attrs[attr] = value
            return
        if isinstance(value, OpaqueCall) and value.could_be_module():
            raise Refusal(line, f"{src(st, 50)}: a module the analyser cannot build ({value.path})",
                          "modules of torch.nn, torchvision models it knows, or the code's own nn.Module classes")  # fmt: skip
        if attr == "requires_grad":
            note = f"line {line}: setting module.requires_grad does not freeze its parameters in PyTorch (use requires_grad_(False)); counted as written"
            self.notes.append(note)
            m.attrs[attr] = value
            return
        if m.raw is not None:
            if attr in ("weight", "bias") and value is None:
                raise Refusal(line, f"{src(st, 50)}", "bias=False in the module's arguments")
            if attr in (m.config or {}) or attr in ("in_features", "out_features", "in_channels", "out_channels"):
                raise Refusal(line, f"{src(st, 50)}: changing a built {m.kind}'s {attr} after it is made", "the module's arguments")
            m.attrs[attr] = value
            return
        if value is None and attr in m.children:
            m.children[attr] = None
            return
        m.attrs[attr] = value

    def getitem(self, obj: Any, key: Any, node: ast.AST) -> Any:
        line = getattr(node, "lineno", None)
        if isinstance(obj, TModule) and obj.kind in ("Sequential", "ModuleList"):
            names = list(obj.children)
            if isinstance(key, slice):
                sub = self.module(obj.kind, node)
                picked = names[key]
                for i, n in enumerate(picked):
                    sub.children[n if obj.kind == "Sequential" else str(i)] = obj.children[n]
                self.detach(sub)
                return sub
            if isinstance(key, int) and not isinstance(key, bool) and -len(names) <= key < len(names):
                return obj.children[names[key]]
            raise Refusal(line, f"{src(node)}: index {key!r} of a {obj.kind} of {len(names)}", "an index inside the container")
        if isinstance(obj, TModule) and obj.kind == "ModuleDict":
            if isinstance(key, str) and key in obj.children:
                return obj.children[key]
            raise Refusal(line, f"{src(node)}: key {key!r}", "a key of the ModuleDict")
        if isinstance(obj, KTensor):
            return self.tensor_op("getitem", [obj], node, index=key)
        if isinstance(obj, ArrayVal):
            if isinstance(key, slice):
                return ArrayVal(obj.shape[key][:])
            return Opaque(src(node))
        if isinstance(obj, KModel | KLayer | TModule):
            raise Refusal(line, f"{src(node)}: indexing a {type(obj).__name__}", "model.layers[i] (Keras) or a Sequential's index (PyTorch)")
        return Opaque(src(node))

    def setitem(self, obj: Any, key: Any, value: Any, st: ast.AST) -> None:
        line = getattr(st, "lineno", None)
        if isinstance(obj, TModule) and obj.kind in ("Sequential", "ModuleList"):
            names = list(obj.children)
            if isinstance(key, int) and not isinstance(key, bool) and -len(names) <= key < len(names):
                self.add_child(obj, names[key], value, st)
                return
        if isinstance(obj, TModule) and obj.kind == "ModuleDict" and isinstance(key, str):
            self.add_child(obj, key, value, st)
            return
        raise Refusal(line, f"{src(st, 50)}", "replacing a module of a Sequential / ModuleList / ModuleDict by its index or key")

    def delitem(self, obj: Any, key: Any, st: ast.AST) -> None:
        if isinstance(obj, TModule) and obj.kind in ("Sequential", "ModuleList"):
            names = list(obj.children)
            if isinstance(key, int) and not isinstance(key, bool) and -len(names) <= key < len(names):
                del obj.children[names[key]]
                if obj.kind == "ModuleList" or all(n.isdigit() for n in names):
                    obj.children = {str(i): v for i, v in enumerate(obj.children.values())}
                return
        raise Refusal(getattr(st, "lineno", None), f"{src(st, 50)}", "del model[i] on a Sequential")

    def iterate(self, value: Any, node: ast.AST) -> list[Any] | None:
        if isinstance(value, TModule):
            if value.kind in ("Sequential", "ModuleList"):
                return [v for v in value.children.values() if v is not None]
            if value.kind == "ModuleDict":
                return list(value.children)
            raise Refusal(getattr(node, "lineno", None), f"iterating over the module {value.kind}", "iterating over its children()")
        if isinstance(value, KTensor):
            return None
        if isinstance(value, KModel):
            raise Refusal(getattr(node, "lineno", None), "iterating over a Keras model", "iterating over model.layers")
        return None

    def binop(self, op: ast.operator, a: Any, b: Any, node: ast.AST, inplace: bool) -> Any:
        if isinstance(a, KTensor) or isinstance(b, KTensor):
            name = {ast.Add: "add", ast.Sub: "subtract", ast.Mult: "multiply", ast.Div: "true_divide", ast.Pow: "power",
                    ast.MatMult: "matmul", ast.FloorDiv: "floor_divide"}.get(type(op))  # fmt: skip
            if name is None:
                return Opaque(src(node))
            tensors = [x for x in (a, b) if isinstance(x, KTensor)]
            consts = [x.shape for x in (a, b) if isinstance(x, ArrayVal)]
            for x in (a, b):
                if not isinstance(x, KTensor | ArrayVal) and not (isinstance(x, int | float) and not isinstance(x, bool)):
                    raise Refusal(getattr(node, "lineno", None), f"{src(node)}: a tensor combined with {type(x).__name__}",
                                  "tensors and numbers")  # fmt: skip
            return self.tensor_op(name, tensors, node, consts=consts)
        if inplace and isinstance(op, ast.Add) and isinstance(a, TModule) and a.kind in ("Sequential", "ModuleList") and isinstance(b, list | tuple):
            for v in b:
                self.add_child(a, str(len(a.children)), v, node)
            return a
        if isinstance(a, TModule) and isinstance(b, TModule) and isinstance(op, ast.Add) and a.kind == b.kind and a.kind in ("Sequential", "ModuleList"):
            out = self.module(a.kind, node)
            for i, v in enumerate([*a.children.values(), *b.children.values()]):
                out.children[str(i)] = v
            return out
        if isinstance(a, ArrayVal) or isinstance(b, ArrayVal):
            return Opaque(src(node))
        if isinstance(a, list) and isinstance(b, TModule) or isinstance(a, KLayer | TModule | KModel):
            raise Refusal(getattr(node, "lineno", None), src(node), "lists of layers joined with +")
        return Opaque(src(node))

    def tensor_function(self, last: str, path: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        """A function of keras.ops / keras.activations / tf on symbolic tensors (``ops.relu(x)``)."""
        line = getattr(node, "lineno", None)
        if last in UNARY and len(args) >= 1 and isinstance(args[0], KTensor):
            if any(isinstance(a, KTensor) for a in args[1:]):
                raise Refusal(line, src(node), "an operation on one tensor")
            return self.tensor_op(last, [args[0]], node)
        if last in ("mean", "sum", "max", "min", "reduce_mean", "reduce_sum", "reduce_max") and args and isinstance(args[0], KTensor):
            axis = kwargs.get("axis", args[1] if len(args) > 1 else None)
            keep = kwargs.get("keepdims", False)
            if not (isinstance(axis, int) and not isinstance(axis, bool) and axis != 0 and isinstance(keep, bool)):
                raise Refusal(line, src(node), "a reduction over one feature axis (axis=1, keepdims=...)")
            return self.tensor_op("reduce", [args[0]], node, axis=axis, keepdims=keep)
        if last in ("matmul", "dot") and len(args) == 2 and isinstance(args[0], KTensor) and isinstance(args[1], ArrayVal):
            return self.tensor_op("matmul", [args[0]], node, consts=[args[1].shape])
        if last in BINARY and len(args) == 2:
            ops = {"add": ast.Add(), "subtract": ast.Sub(), "multiply": ast.Mult(), "divide": ast.Div(), "true_divide": ast.Div()}
            if last in ops:
                return self.binop(ops[last], args[0], args[1], node, False)
            tensors = [a for a in args if isinstance(a, KTensor)]
            if len(tensors) == 2 or all(isinstance(a, KTensor | int | float) for a in args):
                return self.tensor_op(last, tensors, node)
        if last in ("concatenate", "concat") and args and isinstance(args[0], list | tuple) and all(isinstance(a, KTensor) for a in args[0]):
            axis = kwargs.get("axis", args[1] if len(args) > 1 else (0 if last == "concat" else 0))
            if not isinstance(axis, int) or axis == 0:
                raise Refusal(line, src(node), "a concatenation along a feature axis (axis=-1)")
            return self.tensor_op("concatenate", list(args[0]), node, axis=axis)
        raise Refusal(line, f"{src(node)}: the function {path} on symbolic tensors",
                      "Keras layers, or keras.ops / activations that keep the shape (relu, sigmoid, add, concatenate, ...)")  # fmt: skip

    def tensor_op(self, kind: str, tensors: list[KTensor], node: ast.AST, **extra: Any) -> KTensor:
        op = KOp(kind, self.uid(kind) if kind != "getitem" else self.uid("get_item"))
        knode = KNode(op, tensors, 1, getattr(node, "lineno", None), kwargs=extra)
        self.add_node(knode)
        return KTensor(knode, 0)

    def tensor_shape(self, t: KTensor) -> Any:
        """A symbolic tensor's shape (batch excluded) as Keras knows it while the code runs, or None."""
        from nnexam.questions.model_analyser.keras_spec import Builder

        if self.probe is None:
            self.probe = Builder(KERAS, [])
        memo = self.probe_memo
        todo: dict[int, KNode] = {}
        stack = [t.node]
        while stack:
            n = stack.pop()
            if id(n) in memo or id(n) in todo:
                continue
            todo[id(n)] = n
            stack.extend(x.node for x in n.inputs)
        try:
            for n in sorted(todo.values(), key=lambda n: n.order):
                if isinstance(n.op, KInput):
                    from nnexam.questions.model_analyser.keras_spec import _shape_of

                    memo[id(n)] = [_shape_of(n.op.shape, self.probe)]
                else:
                    memo[id(n)] = self.probe.apply(n.op, [memo[id(x.node)][x.index] for x in n.inputs], n)
        except Exception:  # noqa: BLE001 - a probe only; the model's own analysis reports the error
            return None
        if self.probe.missing:
            self.probe.missing.clear()
            return None
        return memo[id(t.node)][t.index]

    # -- calling objects ----------------------------------------------------------------------------------

    def call_obj(self, fn: Any, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        line = getattr(node, "lineno", None)
        if isinstance(fn, Method):
            return self.call_method(fn.obj, fn.name, args, kwargs, node)
        if isinstance(fn, KLayer):
            return self.call_layer(fn, args, kwargs, node)
        if isinstance(fn, KModel):
            return self.call_model(fn, args, kwargs, node)
        if isinstance(fn, TModule):
            return Opaque(f"{src(node)} (a module's output)")
        if isinstance(fn, KTensor | ArrayVal | TParam):
            return Opaque(src(node))
        raise Refusal(line, f"{src(node)}: calling a {type(fn).__name__}", "calls of layers, models and the code's functions")

    def call_layer(self, layer: KLayer, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        line = getattr(node, "lineno", None)
        inputs = args[0] if args else kwargs.get("inputs", kwargs.get("query"))
        tensors = self.tensors(inputs)
        extra = [a for a in args[1:] if isinstance(a, KTensor)]
        attention = ALIASES.get(layer.raw.kind, layer.raw.kind) in ("MultiHeadAttention", "Attention", "AdditiveAttention")
        for key in ("value", "key") if attention else ("mask", "initial_state"):
            if isinstance(kwargs.get(key), KTensor):
                extra.append(kwargs[key])
            elif isinstance(kwargs.get(key), list) and self.tensors(kwargs[key]):
                extra.extend(self.tensors(kwargs[key]) or [])
        if tensors is None:
            if isinstance(inputs, ArrayVal):
                return self.eager(layer, inputs, node)
            if isinstance(inputs, Opaque | Free):
                return Opaque(f"{src(node)} (a layer's output on data)")
            raise Refusal(line, f"{src(node, 50)}: a layer called on {type(inputs).__name__}", "a layer called on tensors from keras.Input")
        kind = ALIASES.get(layer.raw.kind, layer.raw.kind)
        if kind == "MultiHeadAttention" and id(layer) not in self.built:
            self.uid("softmax")  # Keras builds these inner layers at the first call; they take names
            self.uid("dropout")
        self.built.add(id(layer))
        n_out = outputs_of(kind, layer.raw, kwargs)
        keys = {k: v for k, v in kwargs.items() if k in ("value", "key", "query", "mask", "initial_state", "return_attention_scores")}
        knode = KNode(layer, tensors + extra, n_out, line, kwargs={"extra": len(extra), **{k: v for k, v in keys.items() if not isinstance(v, KTensor | list)}})  # fmt: skip
        self.add_node(knode)
        if n_out == 1:
            return KTensor(knode, 0)
        return [KTensor(knode, i) for i in range(n_out)]

    def eager(self, layer: KLayer, data: ArrayVal, node: ast.AST) -> Any:
        """A layer called on a constant array (``Embedding(n, d)(ops.arange(n))``): a constant, no
        part of any model's graph (Keras does not track it)."""
        from nnexam.questions.model_analyser.keras_spec import Builder

        try:
            shape = Builder(KERAS, []).apply_layer(layer, [tuple(data.shape)], None)[0]
        except Exception:  # noqa: BLE001
            return Opaque(f"{src(node)} (a layer's output on data)")
        return ArrayVal(tuple(shape))


    def call_model(self, m: KModel, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        line = getattr(node, "lineno", None)
        inputs = args[0] if args else kwargs.get("inputs")
        if isinstance(inputs, ArrayVal):
            self.build_model(m, inputs.shape[1:], node)
            return Opaque(f"{src(node)} (a model's output on data)")
        tensors = self.tensors(inputs)
        if tensors is None:
            if isinstance(inputs, Opaque | Free):
                return Opaque(f"{src(node)} (a model's output on data)")
            raise Refusal(line, f"{src(node, 50)}: a model called on {type(inputs).__name__}", "a model called on tensors")
        if m.kind == "subclass":
            shape = self.tensor_shape(tensors[0]) if len(tensors) == 1 else None
            if shape is None:
                raise Refusal(line, f"{src(node, 50)}: {m.name} called on a tensor of unknown shape", "a tensor of known shape")
            self.build_model(m, shape, node)  # its own graph, from an Input of that shape: one node here, as Keras shows it
            self.detach_model(m)
            knode = KNode(m, tensors, len(m.outputs), line)
            self.add_node(knode)
            return KTensor(knode, 0) if len(m.outputs) == 1 else [KTensor(knode, i) for i in range(len(m.outputs))]
        n_out = len(m.outputs) if m.kind == "functional" else 1
        knode = KNode(m, tensors, n_out, line)
        self.add_node(knode)
        self.detach_model(m)
        if n_out == 1:
            return KTensor(knode, 0)
        return [KTensor(knode, i) for i in range(n_out)]

    def detach_model(self, m: KModel) -> None:
        m.attrs["__used__"] = True

    def run_call(self, m: KModel, inputs: Any, kwargs: dict[str, Any], node: ast.AST) -> Any:
        """A subclassed model called on tensors: its call() read with them."""
        from nnexam.questions.model_analyser.interp import class_attr

        line = getattr(node, "lineno", None)
        call = class_attr(m.cls, "call") if m.cls is not None else None
        if not isinstance(call, Func):
            raise Refusal(line, f"{m.cls.name if m.cls else 'model'} has no call() method", "a call(self, inputs) method")
        if m in self.in_call:
            raise Refusal(line, "a model whose call() calls itself", "no recursion")
        build = class_attr(m.cls, "build") if m.cls is not None else None
        if isinstance(build, Func) and not m.attrs.get("__built__"):
            tensor = self.tensors(inputs)
            shape = self.tensor_shape(tensor[0]) if tensor and len(tensor) == 1 else None
            if shape is None:
                raise Refusal(line, f"{m.name}.build(): the input shape is not known", "a layer called on tensors of known shape")
            m.attrs["__built__"] = True
            self.interp.call_func(build, [m, (None, *shape)], {}, node)
        self.in_call.append(m)
        try:
            out = self.interp.call_func(call, [m, inputs], {k: v for k, v in kwargs.items() if k != "inputs"}, node)
        finally:
            self.in_call.pop()
        return out

    def build_model(self, m: KModel, shape: Any, node: ast.AST) -> None:
        line = getattr(node, "lineno", None)
        if m.kind == "sequential":
            if m.input_shape is None:
                m.input_shape = shape
            return
        if m.kind == "subclass":
            if m.built_with is not None:
                return
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "build":
                m.attrs["__build_line__"] = line  # Keras 3 leaves the layers unbuilt: see keras_spec.spec
                return
            if isinstance(shape, list) and shape and all(isinstance(s, tuple) for s in shape):
                raise Refusal(line, f"{m.name}.build() with several inputs", "one input shape")
            m.built_with = shape
            inp = self.call_ext("keras.Input", [shape], {"name": f"{m.name}_input"}, node)
            m.attrs["__input__"] = inp
            out = self.run_call(m, inp, {}, node)
            outs = self.tensors(out)
            if outs is None:
                raise Refusal(line, f"{m.name}.call() returns no tensor the analyser can follow", "call() returning layer outputs")
            m.inputs, m.outputs = [inp], outs
            return

    def add_weight(self, m: KModel, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> ArrayVal:
        """``self.add_weight(shape=(n, units), trainable=...)`` in a custom layer: a weight of that size."""
        line = getattr(node, "lineno", None)
        shape = kwargs.get("shape", args[0] if args else None)
        if isinstance(shape, int) and not isinstance(shape, bool):
            shape = (shape,)
        if not (isinstance(shape, tuple | list) and all(isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape)):
            raise Refusal(line, f"{src(node)}: a weight whose shape the analyser cannot read", "add_weight(shape=(sizes the code fixes))")
        trainable = kwargs.get("trainable", True)
        if not isinstance(trainable, bool):
            raise Refusal(line, f"{src(node)}: trainable= the code does not fix", "trainable=True or False")
        size = 1
        for d in shape:
            size *= d
        m.attrs.setdefault("__weights__", []).append((size, trainable))
        return ArrayVal(tuple(shape))

    def call_method(self, obj: Any, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        line = getattr(node, "lineno", None)
        if isinstance(obj, KModel):
            if name == "add":
                if obj.kind != "sequential" or len(args) != 1:
                    raise Refusal(line, src(node), "Sequential.add(layer)")
                self.seq_add(obj, args[0], node)
                if isinstance(args[0], KModel):
                    self.detach_model(args[0])
                return None
            if name == "pop":
                if obj.kind != "sequential" or not obj.items:
                    raise Refusal(line, src(node), "pop() on a Sequential with layers")
                return obj.items.pop()
            if name == "build":
                shape = args[0] if args else kwargs.get("input_shape")
                if isinstance(shape, tuple | list) and shape and (shape[0] is None or isinstance(shape[0], int)):
                    self.build_model(obj, tuple(shape)[1:], node)
                    return None
                if shape is None and obj.kind == "sequential" and obj.input_shape is not None:
                    return None
                raise Refusal(line, f"{src(node)}: build() without a shape the code fixes", "model.build((None, 28, 28, 1))")
            if name == "get_layer":
                key = args[0] if args else kwargs.get("name", kwargs.get("index"))
                from nnexam.questions.model_analyser.keras_spec import model_layers

                layers = model_layers(obj)
                if isinstance(key, int) and not isinstance(key, bool) and -len(layers) <= key < len(layers):
                    return layers[key]
                for layer in layers:
                    if getattr(layer, "name", None) == key:
                        return layer
                raise Refusal(line, f"{src(node)}: no layer {key!r}", "the name of a layer of the model")
            if name in ("__call__", "call"):
                return self.call_model(obj, args, kwargs, node)
            if name == "add_weight":
                return self.add_weight(obj, args, kwargs, node)
            if name == "summary":
                return None
            return Opaque(src(node))
        if isinstance(obj, KLayer):
            if name == "__call__":
                return self.call_layer(obj, args, kwargs, node)
            if name == "build":
                raise Refusal(line, f"{src(node)}: a layer built by hand", "layers built by calling them on tensors")
            return Opaque(src(node))
        if isinstance(obj, TModule):
            return self.module_method(obj, name, args, kwargs, node)
        if isinstance(obj, TParam):
            if name in ("numel", "nelement"):
                return obj.owner.params[obj.name]
            if name == "requires_grad_":
                flag = args[0] if args else kwargs.get("requires_grad", True)
                (obj.owner.frozen.discard if self.flag(flag, node) else obj.owner.frozen.add)(obj.name)
                return obj
        return Opaque(src(node))

    def module_method(self, m: TModule, name: str, args: list[Any], kwargs: dict[str, Any], node: ast.AST) -> Any:
        from nnexam.questions.model_analyser.torch_spec import named_modules, named_parameters

        line = getattr(node, "lineno", None)
        if name in ("parameters", "named_parameters"):
            found = named_parameters(m)
            return [TParam(owner, pname) for _, owner, pname in found] if name == "parameters" else \
                [(path, TParam(owner, pname)) for path, owner, pname in found]  # fmt: skip
        if name in ("children", "named_children"):
            kids = [(k, v) for k, v in m.children.items() if v is not None]
            seen: list[Any] = []
            out = []
            for k, v in kids:
                if any(v is s for s in seen):
                    continue
                seen.append(v)
                out.append((k, v))
            return [v for _, v in out] if name == "children" else out
        if name in ("modules", "named_modules"):
            found_m = named_modules(m)
            return [v for _, v in found_m] if name == "modules" else found_m
        if name in ("add_module", "register_module"):
            if len(args) != 2 or not isinstance(args[0], str):
                raise Refusal(line, src(node), "add_module('name', module)")
            self.module_set(m, args[0], args[1], node)
            return None
        if name == "register_parameter":
            if len(args) != 2 or not isinstance(args[0], str):
                raise Refusal(line, src(node), "register_parameter('name', nn.Parameter(...))")
            value = args[1]
            if value is None:
                m.params.pop(args[0], None)
                return None
            if not isinstance(value, PValue):
                raise Refusal(line, src(node), "register_parameter('name', nn.Parameter(torch.zeros(sizes)))")
            m.params[args[0]] = value.size
            if value.frozen:
                m.frozen.add(args[0])
            return None
        if name == "requires_grad_":
            flag = self.flag(args[0] if args else kwargs.get("requires_grad", True), node)
            for _, owner, pname in named_parameters(m):
                (owner.frozen.discard if flag else owner.frozen.add)(pname)
            return m
        if name in ("append", "extend", "insert"):
            if m.kind not in ("Sequential", "ModuleList"):
                raise Refusal(line, src(node), f"{name} on nn.Sequential / nn.ModuleList")
            items = [args[0]] if name == "append" else self.interp.iterate(args[0], node) if name == "extend" else [args[1]]
            if items is None:
                raise Refusal(line, src(node), "extend with modules the code builds")
            if name == "insert":
                index = args[0]
                values = list(m.children.values())
                if not isinstance(index, int):
                    raise Refusal(line, src(node), "insert(index, module)")
                values.insert(index, args[1])
                m.children = {}
                for i, v in enumerate(values):
                    self.add_child(m, str(i), v, node)
                return None
            for v in items:
                self.add_child(m, str(len(m.children)), v, node)
            return m if name != "insert" else None
        if name in ("keys", "values", "items"):
            if m.kind != "ModuleDict":
                raise Refusal(line, src(node), f"{name}() on nn.ModuleDict")
            return list(getattr(m.children, name)())
        if name == "update":
            pairs = args[0] if args else {}
            if not isinstance(pairs, dict):
                raise Refusal(line, src(node), "update({name: module})")
            for k, v in pairs.items():
                self.add_child(m, str(k), v, node)
            return None
        if name in ("__call__", "forward"):
            return Opaque(f"{src(node)} (a module's output)")
        if name in HARMLESS:
            return m if name in ("to", "cuda", "cpu", "train", "eval", "double", "float", "half", "apply", "type", "bfloat16") else Opaque(src(node))
        raise Refusal(line, f"{src(node)}: the module method {name!r}", "parameters(), add_module, requires_grad_ and the like")


BUILTIN_TYPES: dict[Any, str] = {}
MATH = {"ceil": math.ceil, "floor": math.floor, "sqrt": math.sqrt, "log2": math.log2, "log": math.log}
UNARY = frozenset({"relu", "sigmoid", "tanh", "softmax", "gelu", "silu", "swish", "elu", "selu", "leaky_relu", "relu6", "exp", "log",
                   "sqrt", "square", "abs", "negative", "hard_sigmoid", "hard_swish", "softplus", "softsign", "mish", "log_softmax",
                   "sin", "cos", "erf", "cast", "stop_gradient", "identity", "l2_normalize", "normalize", "dropout", "clip",
                   "clip_by_value", "preprocess_input"})  # fmt: skip
BINARY = frozenset({"add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum"})
NOT_LAYERS = frozenset({"Adam", "SGD", "RMSprop", "Adagrad", "AdamW", "Nadam", "EarlyStopping", "ModelCheckpoint", "ImageDataGenerator",
                        "ReduceLROnPlateau", "TensorBoard", "Tokenizer", "CSVLogger", "LearningRateScheduler", "StandardScaler",
                        "MinMaxScaler", "LabelEncoder", "OneHotEncoder", "DataLoader", "TensorDataset", "Path", "Compose", "ToTensor",
                        "Normalize", "KFold", "GridSearchCV", "KerasClassifier", "KerasRegressor", "Figure"})  # fmt: skip


__all__ = ["Hooks", "Method", "OpaqueCall"]
