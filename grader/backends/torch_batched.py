"""Seed-batched training: the seeds of one configuration train together as one vectorised model.

Each seed's model is built exactly as its sequential run builds it (``torch.manual_seed(seed)`` then
the model), the parameters and buffers are stacked (``torch.func.stack_module_state``) and one
forward pass runs all seeds at once (``torch.func.vmap`` over ``functional_call``). What makes each
seed's run its own, and equal to its sequential run (up to float rounding):
- initialisation: the seed's own model, built from the seed;
- data order: a ``torch.Generator`` per seed, seeded as the sequential loop seeds it, one
  ``randperm`` per epoch; every seed's batches have the same sizes (same rows), so they stack;
- dropout masks: drawn outside ``vmap`` from a per-seed generator that starts where the seed's
  global generator stood after building its model, in layer order, as ``F.dropout`` on CPU draws
  them (``empty_like(x).bernoulli_(1 - p) / (1 - p)``), then multiplied in;
- BatchNormalization (nnexam's Keras layer): batch statistics per seed (``vmap`` keeps the seed
  axis apart), moving statistics updated in place in each seed's slice of the stacked buffers;
- losses: each seed's Keras loss on its own outputs (the same functions as the sequential loop);
  their sum is backpropagated, whose gradient for seed k's parameters is seed k's gradient;
- optimizers: SGD (momentum, nesterov), Keras' Adam and RMSprop are element-wise, so one optimizer
  over the stacked parameters updates each seed as its own optimizer would.

Layers outside :data:`KERAS_KINDS` / :data:`TORCH_KINDS` (PyTorch's BatchNorm, whose running
statistics ``vmap`` cannot update in place, other dropout variants, ...) make :func:`blocker` say
why, and the backend trains those seeds one after another.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence

import torch
from nnexam.grader.backends import torch_train
from nnexam.grader.backends.base import Data, History, TrainConfig, accuracy_kind
from nnexam.grader.backends.torch_layers import Dense, Dropout, SpecModel
from nnexam.questions.model_spec import ModelSpec
from torch import nn

KERAS_KINDS = {
    "Dense", "Conv1D", "Conv2D", "Conv3D", "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
    "AveragePooling2D", "AveragePooling3D", "GlobalAveragePooling1D", "GlobalAveragePooling2D",
    "GlobalAveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "Flatten", "Reshape",
    "Dropout", "Activation", "ReLU", "Softmax", "LeakyReLU", "BatchNormalization", "InputLayer",
}
TORCH_KINDS = {
    "Linear", "Conv1d", "Conv2d", "Conv3d", "MaxPool1d", "MaxPool2d", "MaxPool3d", "AvgPool1d", "AvgPool2d", "AvgPool3d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "Flatten", "Dropout", "ReLU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax",
    "LeakyReLU", "ELU", "GELU", "SiLU", "Identity", "Softplus", "ReLU6", "Hardtanh", "Mish",
}


def blocker(spec: ModelSpec) -> str | None:
    """Why ``spec``'s seeds cannot be batched (a layer outside the supported kinds), or None."""
    known = TORCH_KINDS if spec.source == "torch" else KERAS_KINDS
    for layer in spec.layers:
        if layer.kind not in known:
            return f"layer {layer.name} ({layer.kind}) is not seed-batched"
    return None


def _dropout_p(module: nn.Module) -> float | None:
    if isinstance(module, Dropout):
        return float(module.drop.p)
    if type(module) is nn.Dropout:
        return float(module.p)
    return None


class _Stepper(nn.Module):
    """The model's forward (or its logits) with given dropout masks; called under ``vmap``."""

    def __init__(self, model: SpecModel, logits: bool) -> None:
        super().__init__()
        self.model, self.logits = model, logits

    def forward(self, x: torch.Tensor, masks: Sequence[torch.Tensor]) -> torch.Tensor:
        seq = self.model._seq
        k = 0
        for i, m in enumerate(seq):
            if self.logits and i == len(seq) - 1:
                return m.logits(x) if isinstance(m, Dense) else x
            if _dropout_p(m) is not None:
                if masks:
                    x = x * masks[k]
                k += 1
            else:
                x = m(x)
        return x


Drop = tuple[tuple[int, ...], tuple[int, ...], float]


def _memory_order(x: torch.Tensor) -> tuple[int, ...]:
    """The axes of ``x`` from outermost to innermost in memory (a conv's output may be channels-last)."""
    return tuple(sorted(range(x.dim()), key=lambda d: (-x.stride(d), d)))


def _drop_shapes(model: SpecModel) -> list[Drop]:
    """(input shape without the batch axis, memory order of the axes, rate) of each dropout layer,
    from one probe forward: ``F.dropout`` fills its mask in the input's memory order."""
    found: list[Drop] = []
    hooks = []
    for m in model._seq:
        p = _dropout_p(m)
        if p is not None:
            hooks.append(m.register_forward_pre_hook(
                lambda _m, args, p=p: found.append((tuple(args[0].shape[1:]), _memory_order(torch.empty_like(args[0])), p))))
    was = model.training
    model.eval()
    try:
        with torch.no_grad():
            model(model.to_internal(torch.zeros((2, *model.spec.input_shape))))
    finally:
        for h in hooks:
            h.remove()
        model.train(was)
    return found


def _masks(drops: Sequence[Drop], gens: Sequence[torch.Generator], batch: int,
           device: torch.device) -> tuple[torch.Tensor, ...]:
    """This batch's dropout masks, stacked over seeds, drawn as ``F.dropout`` draws them on CPU."""
    out = []
    for shape, order, p in drops:
        full = (batch, *shape)
        back = tuple(sorted(range(len(order)), key=lambda d: order[d]))
        per_seed = []
        for g in gens:
            if p == 0:
                mask = torch.ones(full)
            elif p == 1:
                mask = torch.zeros(full)
            else:
                mem = torch.empty([full[d] for d in order]).bernoulli_(1 - p, generator=g).div_(1 - p)
                mask = mem.permute(back)
            per_seed.append(mask)
        out.append(torch.stack(per_seed).to(device))
    return tuple(out)


def fit_seeds(spec: ModelSpec, data: Data, cfg: TrainConfig, seeds: Sequence[int], device: torch.device,
              progress: Callable[[int, int, Mapping[str, float]], None] | None = None) -> list[History]:
    """Each seed's History as ``TorchBackend.train(spec, data, cfg, seed)`` gives it (see the module docstring)."""
    start = time.perf_counter()
    models, gens = [], []
    for s in seeds:
        torch.manual_seed(s)
        models.append(SpecModel(spec).to(device))
        g = torch.Generator()
        g.set_state(torch.get_rng_state())  # the seed's global generator after building: its dropout draws
        gens.append(g)
    base = models[0]
    drops = _drop_shapes(base)
    params, buffers = torch.func.stack_module_state(models)
    forward, lf = torch_train._head(base, cfg)
    stepper = _Stepper(base, forward is not base)
    names = {k: f"model.{k}" for k in (*params, *buffers)}

    def one(p: dict, b: dict, x: torch.Tensor, masks: tuple) -> torch.Tensor:
        state = {names[k]: v for k, v in p.items()} | {names[k]: v for k, v in b.items()}
        return torch.func.functional_call(stepper, state, (x, masks))

    outputs = base.outputs
    x, y, xv, yv = torch_train.split(data, cfg, outputs, base.to_internal, device)
    correct = torch_train.correct_fn(accuracy_kind(cfg.loss, outputs))
    track_acc = "accuracy" in cfg.metrics
    opt = torch_train.optimizer([p for p in params.values() if p.requires_grad], cfg)
    orders = [torch.Generator().manual_seed(s) for s in seeds]
    n, bs, S = len(x), cfg.batch_size, len(seeds)
    train_step = torch.func.vmap(one, in_dims=(0, 0, 0, 0))
    eval_step = torch.func.vmap(one, in_dims=(0, 0, None, None))

    def evaluate(xe: torch.Tensor, ye: torch.Tensor) -> list[dict[str, float]]:
        stepper.eval()
        loss_sum, ok_sum = [0.0] * S, [0.0] * S
        with torch.no_grad():
            for i in range(0, len(xe), bs):
                out = eval_step(params, buffers, xe[i : i + bs], ())
                yb = ye[i : i + bs]
                for k in range(S):
                    loss_sum[k] += float(lf(out[k], yb)) * len(yb)
                    ok_sum[k] += float(correct(out[k], yb))
        res = [{"loss": loss_sum[k] / max(len(xe), 1)} for k in range(S)]
        if "accuracy" in cfg.metrics:
            for k in range(S):
                res[k]["accuracy"] = ok_sum[k] / max(len(xe), 1)
        return res

    epochs: list[list[dict[str, float]]] = [[] for _ in seeds]
    for epoch in range(cfg.epochs):
        stepper.train()
        if cfg.shuffle:
            order = torch.stack([torch.randperm(n, generator=g) for g in orders]).to(device)
        else:
            order = torch.arange(n, device=device).expand(S, n)
        loss_sum = torch.zeros(S, dtype=torch.float64)
        ok_sum = [0.0] * S
        for i in range(0, n, bs):
            idx = order[:, i : i + bs]
            xb, yb = x[idx], y[idx]
            out = train_step(params, buffers, xb, _masks(drops, gens, idx.shape[1], device))
            losses = torch.stack([lf(out[k], yb[k]) for k in range(S)])
            opt.zero_grad(set_to_none=True)
            losses.sum().backward()
            opt.step()
            loss_sum += losses.detach().double().cpu() * idx.shape[1]
            if track_acc:
                with torch.no_grad():
                    for k in range(S):
                        ok_sum[k] += float(correct(out[k], yb[k]))
        val = evaluate(xv, yv) if len(xv) else None
        for k in range(S):
            logs = {"loss": float(loss_sum[k]) / n}
            if track_acc:
                logs["accuracy"] = ok_sum[k] / n
            if val is not None:
                logs.update({f"val_{m}": v for m, v in val[k].items()})
            epochs[k].append(logs)
            if progress is not None:
                progress(k, epoch + 1, logs)
    tests: list[dict[str, float]] = [{} for _ in seeds]
    if data.x_test is not None and data.y_test is not None and len(data.x_test):
        xt, yt = torch_train._tensors(data.x_test, data.y_test, cfg, outputs, base.to_internal, device)
        tests = evaluate(xt, yt)
    seconds = (time.perf_counter() - start) / S
    return [History(tuple(epochs[k]), tests[k], seconds, torch_train.where(device)) for k in range(S)]

