"""PyTorch module trees the interpreter built -> ModelSpec.

Parameter counts need no input shape: each built-in module's parameters follow from its
arguments, and a module's parameters are its own plus its children's, each parameter once (a
module used twice is counted once, as ``parameters()`` does). Rows are the modules that hold
parameters or are leaves, named by their paths (``features.0``, ``classifier.6``) in
``named_modules()`` order. Output shapes are computed for an ``nn.Sequential`` of built-in
modules when the input shape is known; other rows leave them out (``None``).
"""

from __future__ import annotations

import difflib
from typing import Any

from nnexam.questions.errors import ParamError
from nnexam.questions.model_analyser.build import LayerError, _input_value, _resolve, missing_names_error
from nnexam.questions.model_analyser.layers import Out, fmt_shape
from nnexam.questions.model_analyser.objects import TModule
from nnexam.questions.model_analyser.torch_layers import KINDS
from nnexam.questions.model_analyser.values import Bad
from nnexam.questions.model_spec import LayerSpec, ModelSpec


def unknown_module(name: str, line: int | None) -> LayerError:
    close = difflib.get_close_matches(name, list(KINDS), n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return LayerError(0, name, f"unknown layer {name!r}.{hint} The analyser knows {len(KINDS)} torch.nn modules", line)


def resolve_leaf(hooks: Any, mod: TModule) -> None:
    """A built-in module's normalised arguments and its own parameters (names and sizes)."""
    raw = mod.raw
    assert raw is not None  # noqa: S101 - only leaves are resolved
    missing: list[str] = []
    notes: list[str] = []
    kind, config, _, _, _ = _resolve(0, raw, KINDS, {}, notes, missing, lambda k, e: raw.kind)
    if missing:
        hooks.missing.extend(missing)
        mod.attrs["__missing__"] = True
        return
    mod.config = config
    try:
        mod.params = dict(kind.weights(config)) if kind.weights else {}
    except Bad as err:
        raise LayerError(0, raw.kind, str(err), raw.line) from None


def named_modules(root: TModule) -> list[tuple[str, TModule]]:
    out: list[tuple[str, TModule]] = []
    seen: set[int] = set()
    stack: list[tuple[str, TModule]] = [("", root)]
    while stack:
        path, m = stack.pop()
        if id(m) in seen:
            continue
        seen.add(id(m))
        out.append((path, m))
        kids = [(f"{path}.{k}" if path else k, v) for k, v in m.children.items() if isinstance(v, TModule)]
        stack.extend(reversed(kids))
    return out


def named_parameters(root: TModule) -> list[tuple[str, TModule, str]]:
    out = []
    for path, m in named_modules(root):
        for p in m.params:
            out.append((f"{path}.{p}" if path else p, m, p))
    return out


def _frozen(m: TModule, pname: str) -> bool:
    return "*" in m.frozen or pname in m.frozen


def spec(root: TModule, hooks: Any, *, input_shape: Any, fallback: Any, notes: list[str]) -> ModelSpec:
    if hooks.missing:
        raise missing_names_error(hooks.missing)
    modules = named_modules(root)
    for _, m in modules:
        if m.raw is not None and m.config is None:
            raise missing_names_error(hooks.missing or [m.kind])
    chain = root.kind == "Sequential" and all(isinstance(v, TModule) and v.raw is not None and _kind(v).shapes for v in root.children.values())
    shapes: dict[int, tuple[Any, Any]] = {}
    shape_in: Any = None
    if chain and root.children:
        missing: list[str] = []
        shape_in = tuple(input_shape) if input_shape is not None else None
        if shape_in is None:
            first = next(iter(root.children.values()))
            if first.kind == "Linear":
                shape_in = (first.config["in_features"],)
            else:
                shape_in = _input_value(fallback, missing)
        if missing:
            raise missing_names_error(missing)
        if shape_in is not None:
            if -1 in shape_in:
                raise ParamError("input_shape", "positive sizes (or None for a variable length), batch excluded", shape_in)
            s = tuple(shape_in)
            for i, (name, m) in enumerate(root.children.items(), 1):
                kind = _kind(m)
                if kind.ranks and len(s) not in kind.ranks:
                    want = " or ".join(str(n) for n in kind.ranks)
                    raise LayerError(i, name, f"{kind.name} expects an input of rank {want} {kind.rank_hint}, but its input shape is {fmt_shape(s)}",
                                     m.line)  # fmt: skip
                try:
                    out: Out = kind.forward(s, m.config)  # type: ignore[arg-type]
                except Bad as err:
                    raise LayerError(i, name, str(err), m.line) from None
                except ParamError as err:
                    raise LayerError(i, name, f"{err.expected} (input shape {fmt_shape(s)})", m.line) from None
                shapes[id(m)] = (s, out.shape)
                s = out.shape
        elif input_shape is None and not any(m.params for _, m in modules):
            raise ParamError("input_shape", "the model's input shape (channels first, batch excluded): pass input_shape, e.g. --set input_shape=[1,28,28]")
    rows = []
    for path, m in modules:
        if m.raw is None and not m.params and not _tied(m):
            continue
        if m.raw is None and path == "" and m.kind in ("Sequential", "ModuleList", "ModuleDict"):
            continue
        own = [(m, p, n) for p, n in m.params.items()] + [(t.owner, t.name, t.owner.params.get(t.name, 0)) for t in _tied(m)]
        trainable = sum(n for o, p, n in own if not _frozen(o, p))
        frozen = sum(n for o, p, n in own if _frozen(o, p))
        config = dict(m.config or {})
        if frozen and not trainable:
            config["trainable"] = False
        s_in, s_out = shapes.get(id(m), (None, None))
        name = path or m.kind
        formula = " + ".join(f"{p} {n}" for p, n in m.params.items()) + f" = {trainable + frozen}" if m.params else "no weights = 0"
        rows.append(LayerSpec(m.kind, name, config, s_in, s_out, trainable + frozen, trainable, frozen, m.line, formula))
    if not rows:
        raise ParamError("model", "a PyTorch model with at least one module", f"{root.kind} with no modules")
    unique = named_parameters(root)
    totals = (sum(o.params[p] for _, o, p in unique if not _frozen(o, p)), sum(o.params[p] for _, o, p in unique if _frozen(o, p)))
    return ModelSpec(source="torch", totals=totals, input_shape=tuple(shape_in) if shape_in is not None else None, layers=tuple(rows),
                     data_format="channels_first", name=root.kind, notes=tuple(dict.fromkeys(notes)),
                     chain=chain and shape_in is not None)  # fmt: skip


def _tied(m: TModule) -> list[Any]:
    """Parameters of other modules assigned to this one (tied weights): listed in its row, counted once in totals."""
    from nnexam.questions.model_analyser.objects import TParam

    return [v for v in m.attrs.values() if isinstance(v, TParam)]


def _kind(m: TModule) -> Any:
    return KINDS[m.kind]
