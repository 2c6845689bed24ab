"""Model code -> the model object it builds: interpret the code, then pick the model.

Which object is the model (as a notebook reader would say): the module-level variable ``model``
when it holds one; else the last module-level assignment whose value is a model (a Keras model,
a PyTorch module other than a loss) that no later model reuses; else the first model the code
makes that no other model uses (a base model inside a transfer-learning Sequential, a block
inside a network, are parts), a module of the code's own classes or a container before a bare
built-in module. When the code only defines classes or functions that make a model, the last
class (else the first function) is called with its parameters as written (bindings fill names).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.hooks import Hooks, OpaqueCall
from nnexam.questions.model_analyser.interp import Interpreter
from nnexam.questions.model_analyser.objects import KModel, TModule
from nnexam.questions.model_analyser.pycode import parse, to_tuples


@dataclass
class Found:
    root: Any
    hooks: Hooks
    notes: list[str]


def _rank(obj: Any) -> int | None:
    """Lower is a likelier model; None: not a model."""
    if obj.attrs.get("__used__"):
        return None
    if isinstance(obj, KModel):
        return None if obj.attrs.get("__layer__") else 0
    if isinstance(obj, TModule):
        if obj.kind.endswith("Loss"):
            return None
        if obj.cls is not None or obj.kind in ("Sequential", "ModuleDict", "ModuleList", "TransformerEncoder", "TransformerDecoder",
                                                   "DataParallel", "DistributedDataParallel"):
            return 0 if obj.kind != "ModuleList" and obj.kind != "ModuleDict" else 1
        return 2
    return None


def _parts(obj: Any) -> set[int]:
    """Ids of the layers / modules a model is made of."""
    if isinstance(obj, TModule):
        from nnexam.questions.model_analyser.torch_spec import named_modules

        return {id(m) for path, m in named_modules(obj) if path}
    from nnexam.questions.model_analyser.keras_spec import model_layers

    return {id(x) for x in model_layers(obj)}


def candidates(hooks: Hooks) -> list[Any]:
    ranked = [(r, i, m) for i, m in enumerate(hooks.models) if (r := _rank(m)) is not None]
    if 1 < len(ranked) <= 50:  # a model whose parts a later model reuses (base -> transfer model) is a part
        parts = {i: _parts(m) for _, i, m in ranked}
        ranked = [(r, i, m) for r, i, m in ranked if not any(j > i and parts[i] & parts[j] for _, j, _ in ranked)]
    return [m for _, _, m in sorted(ranked, key=lambda t: (t[0], t[1]))]


def read(code: str, bindings: Mapping[str, Any], framework: str) -> Found:
    hooks = Hooks(framework)
    interp = Interpreter(hooks, {k: to_tuples(v) for k, v in bindings.items()})
    hooks.interp = interp
    interp.module(parse(code))
    if not [m for m in candidates(hooks) if _rank(m) == 0]:
        hooks.found_models = lambda: bool([m for m in candidates(hooks) if _rank(m) == 0])  # type: ignore[method-assign]
        interp.run_uncalled()
    found = candidates(hooks)
    named = interp.globals.vars.get("model")
    if not found and isinstance(named, TModule):
        found = [named]  # model = nn.CrossEntropyLoss(): what the code calls its model, no weights
    calls = [v for _, v in interp.top_values if isinstance(v, OpaqueCall)]
    if not found and (hooks.opaque_models or calls):
        from nnexam.questions.model_analyser.interp import Refusal

        line, path = hooks.opaque_models[-1] if hooks.opaque_models else (calls[-1].line, calls[-1].path)
        raise Refusal(line, f"{path}(...) makes a model the analyser cannot build without running it",
                      "the model written out as layers, or a Keras application / torchvision model it knows")  # fmt: skip
    losses = [m for m in hooks.models if isinstance(m, TModule) and m.kind.endswith("Loss")]
    if not found and losses:
        from nnexam.questions.model_analyser.interp import Refusal

        raise Refusal(losses[-1].line, f"nn.{losses[-1].kind}(): a loss, and the code makes no model",
                      "code that builds the model (an nn.Module, nn.Sequential or a torch.nn layer)")  # fmt: skip
    if not found:
        what = "Keras code defining a Sequential model: keras.Sequential([...]) or model = Sequential() with model.add(...), " \
            "a functional keras.Model(inputs, outputs) or a subclassed keras.Model" if framework == "keras" else \
            "PyTorch code with nn.Sequential(module, module, ...) or an nn.Module subclass"  # fmt: skip
        raise ParamError("model", what, "no Sequential model found" if framework == "keras" else "no nn.Sequential model found")
    notes = list(interp.notes) + list(hooks.notes)
    named = interp.globals.vars.get("model")
    assigned = [v for _, v in interp.top_values if isinstance(v, KModel | TModule) and v in found]
    if isinstance(named, KModel | TModule) and _rank(named) is not None or isinstance(named, KModel | TModule) and named.attrs.get("__used__"):
        root = named
    elif assigned:
        root = assigned[-1]
    else:
        root = found[0]
    others = [m for m in found if m is not root and _rank(m) == 0]
    if others and root is not named:
        what = "models" if framework == "keras" else "modules"
        notes.append(f"{len(others) + 1} {what} found; the one at line {getattr(root, 'line', '?')} was analysed "
                     "(the variable model, else the last one assigned)")  # fmt: skip
    return Found(root, hooks, notes)
