"""Ground truth for the corpus, from the real frameworks (test code: running our own corpus is fine here).

    KERAS_BACKEND=torch python -m tests.model_corpus.truth --write   # recompute truth.json
    KERAS_BACKEND=torch python -m tests.model_corpus.truth --update  # only new cases; drop removed ones
    KERAS_BACKEND=torch python -m tests.model_corpus.truth ID ...     # print the truth of some cases

Each source runs in a fresh namespace (``keras.backend.clear_session()`` first, so Keras' automatic
layer names start again at ``dense``, ``dense_1`` ...). ``import tensorflow as tf`` / ``from
tensorflow.keras import ...`` resolve to Keras 3 (no TensorFlow here); ``weights="imagenet"`` and
``pretrained=True`` become no weights (only the architecture matters). Names a notebook loaded
earlier (``X_train``) are ``Case.data`` arrays of zeros.

Which object is the model:
1. the module-level variable ``model`` if there is one;
2. else the last module-level assignment (in source order) whose value is a Keras Model/Layer or a
   torch ``nn.Module``;
3. else an instance of the last ``nn.Module`` / ``keras.Model`` subclass the source defines, built
   with no arguments.

Keras: a model that is not built yet is built with the case's input shape (``model.build((None,
*input_shape))``, or by calling it on zeros for a subclassed model). Counts are ``count_params()``
and the sizes of ``trainable_weights`` / ``non_trainable_weights`` (BatchNormalization's moving
statistics are non-trainable). Rows: each top-level layer but InputLayer: name, class, output shape
(batch excluded; a list of shapes for several outputs; None where Keras cannot say), params.

PyTorch: ``sum(p.numel() for p in model.parameters())`` (shared parameters once), split by
``requires_grad``; buffers (BatchNorm running statistics) are not parameters and are not counted,
their size is recorded as ``buffers``. Rows: each leaf module's path (``features.0``), class, its own
params, and ``shared`` when one of them is also another module's (tied weights: no per-row check).

torchvision does not install against the pinned torch here (its wheel needs its C ops and Pillow), so
``torchvision.models.<name>`` resolves to ``tv_arch``: torchvision's architectures written out in
torchvision's own module layout, whose counts a test checks against the figures torchvision
publishes (``PUBLISHED``); those cases carry ``truth="published"``.
"""

from __future__ import annotations

import ast
import json
import os
import sys
import types
from pathlib import Path
from typing import Any

from . import Case, all_cases

TRUTH_FILE = Path(__file__).with_name("truth.json")

# Parameter counts torchvision publishes: "Params" column of the classification weights table,
# https://pytorch.org/vision/stable/models.html (= weights.meta["num_params"] of each builder).
PUBLISHED: dict[str, int] = {
    "alexnet": 61_100_840,
    "vgg11": 132_863_336,
    "vgg11_bn": 132_868_840,
    "vgg13": 133_047_848,
    "vgg13_bn": 133_053_736,
    "vgg16": 138_357_544,
    "vgg16_bn": 138_365_992,
    "vgg19": 143_667_240,
    "vgg19_bn": 143_678_248,
    "resnet18": 11_689_512,
    "resnet34": 21_797_672,
    "resnet50": 25_557_032,
    "resnet101": 44_549_160,
    "resnet152": 60_192_808,
    "mobilenet_v2": 3_504_872,
    "densenet121": 7_978_856,
}


def _setup_keras() -> Any:
    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras
    import keras.applications  # noqa: F401  (tensorflow.keras.applications resolves to it)

    return keras


def _import(name: str, globals: Any = None, locals: Any = None, fromlist: Any = (), level: int = 0) -> Any:
    """``__import__`` of corpus sources: ``tensorflow.keras...`` is Keras 3 and ``torchvision.models`` is
    ``tv_arch``, in their namespace only (Keras itself looks for a real TensorFlow in ``sys.modules``)."""
    import builtins
    import importlib

    top = name.split(".")[0]
    if level or top not in ("tensorflow", "torchvision"):
        return builtins.__import__(name, globals, locals, fromlist, level)
    if top == "torchvision":
        from . import tv_arch

        if name not in ("torchvision", "torchvision.models"):
            raise ImportError(f"corpus sources may use torchvision.models only, not {name}")
        return tv_arch if fromlist and name == "torchvision.models" else types.SimpleNamespace(models=tv_arch)
    import keras

    if not fromlist or name == "tensorflow":
        return types.SimpleNamespace(keras=keras)
    if not name.startswith("tensorflow.keras"):
        raise ImportError(f"corpus sources may use tensorflow.keras only, not {name}")
    return importlib.import_module("keras" + name[len("tensorflow.keras"):])


def _is_model(value: Any, framework: str) -> bool:
    if framework == "torch":
        import torch

        return isinstance(value, torch.nn.Module)
    import keras

    return isinstance(value, keras.layers.Layer)


def _find_model(case: Case, ns: dict[str, Any]) -> Any:
    tree = ast.parse(case.source)
    if _is_model(ns.get("model"), case.framework):
        return ns["model"]
    for node in reversed(tree.body):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and _is_model(ns.get(target.id), case.framework):
                    return ns[target.id]
    for node in reversed(tree.body):
        if isinstance(node, ast.ClassDef) and isinstance(ns.get(node.name), type):
            return ns[node.name]()
    raise LookupError(f"corpus case {case.id!r}: no model found (no `model`, no model assignment, no model class)")


def _prepare(case: Case) -> str:
    text = case.source
    for old, new in (('weights="imagenet"', "weights=None"), ("weights='imagenet'", "weights=None")):
        text = text.replace(old, new)
    return text


def _namespace(case: Case) -> dict[str, Any]:
    import builtins

    ns: dict[str, Any] = {"__name__": "__corpus__", "__builtins__": {**vars(builtins), "__import__": _import}}
    ns.update(case.bindings)
    if case.data:
        import numpy as np

        ns.update({name: np.zeros(shape, dtype="float32") for name, shape in case.data.items()})
    return ns


def _run(case: Case, ns: dict[str, Any]) -> None:
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):  # model.summary() in a notebook cell
        exec(compile(_prepare(case), f"<corpus {case.id}>", "exec"), ns)  # noqa: S102  (our own corpus)


def compute(case: Case) -> dict[str, Any]:
    """Run ``case.source`` with the real framework and return its counts (see the module docstring).

    Weights live on PyTorch's ``meta`` device (shapes without memory or random initialisation: a
    VGG16 builds in 0.2 s instead of 9 s); a source that will not run there runs on the CPU."""
    if case.expect == "refuse":
        raise ValueError(f"corpus case {case.id!r} is expect='refuse': it has no truth")
    try:
        return _compute(case, "meta")
    except Exception:  # noqa: BLE001  (an op without a meta kernel: the CPU gives the same counts)
        return _compute(case, "cpu")


def _compute(case: Case, device: str) -> dict[str, Any]:
    if case.framework == "keras":
        keras = _setup_keras()
        keras.backend.clear_session()
        ns = _namespace(case)
        with keras.device(device):
            _run(case, ns)
            return _keras_truth(case, _find_model(case, ns))
    import torch

    ns = _namespace(case)
    with torch.device(device):
        _run(case, ns)
        return _torch_truth(_find_model(case, ns))


def _size(weight: Any) -> int:
    n = 1
    for d in weight.shape:
        n *= int(d)
    return n


def _keras_truth(case: Case, model: Any) -> dict[str, Any]:
    import keras

    if not model.built and case.input_shape is not None:
        model.build((None, *case.input_shape))
    if _unbuilt(model) and case.input_shape is not None:  # a subclassed model's build makes no weights
        model(keras.ops.zeros((1, *case.input_shape)))
    if not model.built or _unbuilt(model):
        raise ValueError(f"corpus case {case.id!r}: layers {_unbuilt(model)} are not built: give the case an input_shape")
    trainable = sum(_size(w) for w in model.trainable_weights)
    non_trainable = sum(_size(w) for w in model.non_trainable_weights)
    total = model.count_params()
    if total != trainable + non_trainable:
        raise ValueError(f"corpus case {case.id!r}: count_params {total} != {trainable} + {non_trainable}")
    rows = []
    for layer in getattr(model, "layers", []):
        if type(layer).__name__ == "InputLayer":
            continue
        rows.append(
            {"name": layer.name, "kind": type(layer).__name__, "output_shape": _keras_shape(layer),
             "params": layer.count_params() if layer.built else None}  # fmt: skip
        )
    return {"total": total, "trainable": trainable, "non_trainable": non_trainable, "layers": rows}


def _unbuilt(model: Any) -> list[str]:
    return [layer.name for layer in model._flatten_layers(include_self=False) if not layer.built]


def _keras_shape(layer: Any) -> Any:
    try:
        out = layer.output
    except Exception:  # a shared layer (several outputs) or a layer of a subclassed model
        return None
    if isinstance(out, list | tuple):
        return [list(t.shape[1:]) for t in out]
    return list(out.shape[1:])


def _torch_truth(model: Any) -> dict[str, Any]:
    params = list(model.parameters())  # shared parameters come once
    total = sum(p.numel() for p in params)
    trainable = sum(p.numel() for p in params if p.requires_grad)
    owners: dict[int, int] = {}  # parameter id -> how many leaf modules hold it (tied weights: 2)
    leaves = [(path, m) for path, m in model.named_modules() if path and not any(True for _ in m.children())]
    for _, module in leaves:
        for p in module.parameters(recurse=False):
            owners[id(p)] = owners.get(id(p), 0) + 1
    rows = []
    for path, module in leaves:
        own = list(module.parameters(recurse=False))
        rows.append({"name": path, "kind": type(module).__name__, "params": sum(p.numel() for p in own),
                     "shared": any(owners[id(p)] > 1 for p in own)})  # fmt: skip
    return {"total": total, "trainable": trainable, "non_trainable": total - trainable,
            "buffers": sum(b.numel() for b in model.buffers()), "layers": rows}  # fmt: skip


def load() -> dict[str, dict[str, Any]]:
    """The cached truth, by case id (``truth.json``)."""
    return json.loads(TRUTH_FILE.read_text())


def compute_all(cases: list[Case] | None = None, *, verbose: bool = False) -> dict[str, dict[str, Any]]:
    """Truth of every analysable case, by id (slow: runs every source)."""
    import time

    out: dict[str, dict[str, Any]] = {}
    for case in cases if cases is not None else all_cases():
        if case.expect == "refuse":
            continue
        start = time.perf_counter()
        out[case.id] = compute(case)
        if verbose:
            print(f"{case.id:50s} {out[case.id]['total']:>12,d}  {time.perf_counter() - start:6.2f}s", file=sys.stderr)
    return out


def main(argv: list[str]) -> int:
    if argv in (["--write"], ["--update"]):
        if argv == ["--update"] and TRUTH_FILE.exists():
            cases = all_cases()
            old = load()
            truth = {c.id: old[c.id] for c in cases if c.id in old}
            truth.update(compute_all([c for c in cases if c.id not in old], verbose=True))
        else:
            truth = compute_all(verbose=True)
        TRUTH_FILE.write_text(json.dumps(truth, indent=1, sort_keys=True) + "\n")
        print(f"wrote {TRUTH_FILE} ({len(truth)} cases)")
        return 0
    if not argv or argv[0].startswith("-"):
        print(__doc__.split("\n\n")[1])
        return 2
    wanted = set(argv)
    chosen = [c for c in all_cases() if c.id in wanted or c.pattern in wanted or c.id.startswith(tuple(wanted))]
    for case in chosen:
        print(case.id, json.dumps(compute(case)))
    return 0


if __name__ == "__main__":
    import warnings

    warnings.filterwarnings("ignore")
    raise SystemExit(main(sys.argv[1:]))
