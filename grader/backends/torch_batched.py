"""Seed-batched training: the seeds of one configuration train together as one vectorised model.

Each seed's model is built exactly as its sequential run builds it (``torch.manual_seed(seed)`` then
the model); its parameters are stacked along a new seed axis (leaves of shape ``(S, ...)``) and one
forward pass runs every seed, activations laid out ``(S * B, ...)`` (seed-major). Layers with
parameters run batched: Dense/Linear as one ``baddbmm`` over the seed axis (weights ``(S, in, out)``), convolutions as one
grouped convolution on a GPU (the seeds' channels side by side, ``groups * S``; on a CPU one plain
convolution per seed, which measured faster), BatchNormalization with
statistics per seed; layers without parameters (pooling, flatten, activations) run on the merged
batch as they are. (``torch.func.vmap`` does the same but costs milliseconds a step in Python.)
What makes each seed's run its own, and equal to its sequential run up to float rounding:
- initialisation: the seed's own model, built from the seed;
- data order: a ``torch.Generator`` per seed, seeded as the sequential loop seeds it, one
  ``randperm`` per epoch; every seed's batches have the same sizes (same rows), so they stack;
- dropout masks: a per-seed generator that starts where the seed's global generator stood after
  building its model, drawing in layer order exactly what ``F.dropout`` draws on CPU
  (``empty_like(x).bernoulli_(1 - p) / (1 - p)``, filled in the memory order of the input, which
  is channels-last after a convolution on a one-channel image);
- BatchNormalization (nnexam's Keras layer): batch mean and biased variance per seed, moving
  statistics updated per seed;
- losses: each seed's Keras loss on its own outputs (cross-entropy vectorised over the seeds, see
  :func:`_losses`; other losses the sequential loop's own function per seed); their sum is
  backpropagated, whose gradient for seed k's parameters is seed k's gradient;
- optimizers: SGD (momentum, nesterov), Keras' Adam and RMSprop are element-wise, so one optimizer
  over the stacked parameters updates each seed as its own optimizer would.
Validation and test metrics are computed in chunks of up to :data:`EVAL_ROWS` rows (inference mode:
a row's output does not depend on its batch; only the summation order changes); every seed sees the
same rows there, so the first layer multiplies them by all seeds' weights at once.

Where the time goes (``benchmarks/bench_class_verify.py``): a step of a small model is mostly fixed
costs (Python, dispatch, autograd nodes, the optimizer call), which batching pays once for S seeds, plus
arithmetic and memory traffic, which grow with S. So the batched loop adds as few ops a step as it can:
rows gathered a chunk of steps at a time (:func:`torch_train.batches`), MLP activations kept stacked,
weights laid out for ``bmm``, no per-step clip check, accuracy counted in bulk (:class:`_Hits`).

Layers outside :data:`KERAS_KINDS` / :data:`TORCH_KINDS` (PyTorch's BatchNorm, dropout variants,
Embedding, ...) make :func:`blocker` say why, and the backend trains those seeds one after another.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping, Sequence

import torch
import torch.nn.functional as F
from nnexam.grader.backends import torch_train
from nnexam.grader.backends.base import Data, History, TrainConfig, accuracy_kind
from nnexam.grader.backends.torch_layers import (
    ROW_ACTIVATIONS,
    Activation,
    BatchNormalization,
    Conv,
    Dense,
    Dropout,
    SpecModel,
    to_first,
    to_last,
)
from nnexam.questions.model_spec import ModelSpec
from torch import nn

EVAL_ROWS = 2048
GROUPED_CONV_ON_CPU = False  # the GPU's one grouped convolution, on a CPU: how tests check that path without a GPU
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
Tensor = torch.Tensor


def blocker(spec: ModelSpec, device: torch.device | None = None) -> str | None:
    """Why ``spec``'s seeds cannot be batched on ``device`` (a layer outside the supported kinds, or
    dropout on a GPU), or None."""
    known = TORCH_KINDS if spec.source == "torch" else KERAS_KINDS
    for layer in spec.layers:
        if layer.kind not in known:
            return f"layer {layer.name} ({layer.kind}) is not seed-batched"
        if layer.kind.startswith("Conv") and str(layer.config.get("padding_mode", "zeros")) != "zeros":
            return f"layer {layer.name} ({layer.kind}) pads with {layer.config['padding_mode']!r}, not zeros"
        if layer.kind == "Dropout" and device is not None and device.type == "cuda":
            return (f"layer {layer.name} (Dropout) on a GPU: a sequential run draws its masks from the CUDA "
                    "generator, which the batched model does not replay")
    return None


def _dropout_p(module: nn.Module) -> float | None:
    if isinstance(module, Dropout):
        return float(module.drop.p)
    if type(module) is nn.Dropout:
        return float(module.p)
    return None


def _memory_order(x: Tensor) -> tuple[int, ...]:
    """The axes of ``x`` from outermost to innermost in memory (a conv's output may be channels-last)."""
    return tuple(sorted(range(x.dim()), key=lambda d: (-x.stride(d), d)))


Drop = tuple[tuple[int, ...], tuple[int, ...], float]


def _drop_shapes(model: SpecModel) -> list[Drop]:
    """(input shape without the batch axis, memory order of its axes, rate) of each dropout layer, from a
    probe forward as the sequential run does it: ``F.dropout`` fills its mask in the input's memory order."""
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
            model(model.to_internal(torch.zeros((2, *model.spec.input_shape), device=next(model.parameters()).device)))
    finally:
        for h in hooks:
            h.remove()
        model.train(was)
    return found


def _masks(drops: Sequence[Drop], gens: Sequence[torch.Generator], batch: int, device: torch.device) -> list[Tensor]:
    """This batch's dropout masks, seed-major ``(S * batch, ...)``, drawn as ``F.dropout`` draws them on CPU."""
    out = []
    for shape, order, p in drops:
        full = (batch, *shape)
        back = tuple(sorted(range(len(order)), key=lambda d: order[d]))
        per_seed = []
        for g in gens:
            if p == 0:
                per_seed.append(torch.ones(full))
            elif p == 1:
                per_seed.append(torch.zeros(full))
            else:
                mem = torch.empty([full[d] for d in order]).bernoulli_(1 - p, generator=g).div_(1 - p)
                per_seed.append(mem.permute(back))
        out.append(torch.cat(per_seed).to(device))
    return out


ELEMENTWISE_TORCH = (nn.ReLU, nn.Sigmoid, nn.Tanh, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Identity, nn.Softplus,
                     nn.ReLU6, nn.Hardtanh, nn.Mish)
Op = Callable[[Tensor, bool, Iterator[Tensor], bool, bool], tuple[Tensor, bool]]


class SeedBatch:
    """S models of one spec as stacked parameters and a batched forward (see the module docstring).

    Between layers the activations are either merged ``(S * B, ...)`` (seed-major) or, after a Dense
    layer on feature vectors, stacked ``(S, B, F)``: element-wise layers, BatchNormalization, Dropout
    and the next Dense take that as it is, so an MLP runs without a reshape (an autograd node, forward
    and backward) between its layers. Every op is ``(x, stacked, masks, logits, shared) -> (x, stacked)``;
    ``shared`` (evaluation): ``x`` is one batch ``(B, ...)`` every seed sees, which the first Dense or
    convolution multiplies by all seeds' weights at once (one wide GEMM / one convolution with
    ``S * filters`` channels) instead of copying the batch S times."""

    def __init__(self, models: Sequence[SpecModel]) -> None:
        self.base = models[0]
        self.S = len(models)
        self.training = True
        self.params: list[Tensor] = []
        self.ops: list[Op] = []
        for i, m in enumerate(self.base._seq):
            layers = [mod._seq[i] for mod in models]
            dense = isinstance(m, (Dense, nn.Linear))
            stack = {name: self._stack(layers, name, dense) for name, _ in m.named_parameters()}
            self.ops.append(self._op(m, stack, layers))

    def _stack(self, layers: Sequence[nn.Module], name: str, dense: bool) -> Tensor:
        """One parameter of every seed, stacked ``(S, ...)``. A dense weight as ``(S, in, out)`` and its bias
        as ``(S, 1, out)``: ``baddbmm`` takes them as they are, and their gradients come out contiguous."""
        own = [dict(layer.named_parameters())[name].detach() for layer in layers]
        if dense and name in ("kernel", "weight"):
            own = [p.t() for p in own]
        elif dense and name == "bias":
            own = [p.unsqueeze(0) for p in own]
        t = torch.stack(own).requires_grad_()
        self.params.append(t)
        return t

    def _merged(self, x: Tensor, stacked: bool) -> Tensor:
        return x.reshape(-1, *x.shape[2:]) if stacked else x

    def _op(self, m: nn.Module, p: Mapping[str, Tensor], layers: Sequence[nn.Module]) -> Op:
        if isinstance(m, (Dense, nn.Linear)):
            return self._dense(m, p)
        if isinstance(m, (Conv, nn.modules.conv._ConvNd)):
            return self._conv(m, p)
        if isinstance(m, BatchNormalization):
            return self._norm(m, p, layers)
        if _dropout_p(m) is not None:
            def drop(x: Tensor, stacked: bool, masks: Iterator[Tensor], logits: bool, shared: bool) -> tuple[Tensor, bool]:
                if not self.training:
                    return x, stacked
                mask = next(masks)
                return x * (mask.view(x.shape) if stacked else mask), stacked
            return drop
        if p:
            raise NotImplementedError(f"{type(m).__name__} has parameters and no seed-batched form")
        if isinstance(m, ELEMENTWISE_TORCH) or (isinstance(m, Activation) and m.act not in ROW_ACTIVATIONS):
            return lambda x, stacked, masks, logits, shared: (m(x), stacked)
        return lambda x, stacked, masks, logits, shared: (m(self._merged(x, stacked)), False)  # the merged batch as it is

    def _dense(self, m: nn.Module, p: Mapping[str, Tensor]) -> Op:
        S = self.S
        keras = isinstance(m, Dense)
        w, b = (p["kernel"], p.get("bias")) if keras else (p["weight"], p.get("bias"))
        act = m.act if keras else (lambda x: x)
        rowwise = act in ROW_ACTIVATIONS

        def dense(x: Tensor, stacked: bool, masks: Iterator[Tensor], logits: bool, shared: bool) -> tuple[Tensor, bool]:
            if not stacked and x.dim() > 2:  # on feature maps or sequences: Keras' channel axis, torch's last one
                x = x.repeat(S, *([1] * (x.dim() - 1))) if shared else x
                xl = to_last(x) if keras else x
                xs = xl.reshape(S, -1, xl.shape[-1])
                y = torch.baddbmm(b, xs, w) if b is not None else torch.bmm(xs, w)
                y = y.reshape(*xl.shape[:-1], w.shape[2])
                y = y if logits else act(y)
                return (to_first(y) if keras else y), False
            if shared:  # one GEMM against every seed's weights side by side
                wide = w.transpose(0, 1).reshape(w.shape[1], -1)
                y = x @ wide if b is None else torch.addmm(b.reshape(-1), x, wide)
                y = y.view(len(x), S, -1).transpose(0, 1)
            else:
                xs = x if stacked else x.view(S, -1, x.shape[-1])
                y = torch.baddbmm(b, xs, w) if b is not None else torch.bmm(xs, w)
            if logits:
                return y, True
            if rowwise:
                return act(y.reshape(-1, y.shape[-1])), False
            return act(y), True
        return dense

    def _conv(self, m: nn.Module, p: Mapping[str, Tensor]) -> Op:
        S = self.S
        w, b = p["weight"], p.get("bias")
        if isinstance(m, Conv):
            conv, pad, stride, padding, dilation, groups, act = (m.conv, m.pad, m.strides, m.sym, m.dilation,
                                                                 m.groups, m.act)
        else:
            conv = (F.conv1d, F.conv2d, F.conv3d)[len(m.kernel_size) - 1]
            pad, stride, padding, dilation, groups = None, m.stride, m.padding, m.dilation, m.groups
            act = lambda x: x  # noqa: E731

        def convolve(x: Tensor, stacked: bool, masks: Iterator[Tensor], logits: bool, shared: bool) -> tuple[Tensor, bool]:
            x = self._merged(x, stacked)
            if pad is not None:
                x = F.pad(x, pad)
            if shared and groups == 1:  # every seed's filters side by side: one convolution, S * filters channels
                y = conv(x, w.reshape(-1, *w.shape[2:]), None if b is None else b.reshape(-1), stride, padding, dilation, 1)
                y = y.view(len(x), S, -1, *y.shape[2:]).transpose(0, 1).reshape(S * len(x), -1, *y.shape[2:])
                return act(y), False
            if shared:
                x = x.repeat(S, *([1] * (x.dim() - 1)))
            B = x.shape[0] // S
            if not (x.is_cuda or GROUPED_CONV_ON_CPU):  # CPU: a grouped convolution is slower than S plain ones
                return act(torch.cat([conv(x[k * B : (k + 1) * B], w[k], None if b is None else b[k], stride,
                                           padding, dilation, groups) for k in range(S)])), False
            xs = x.reshape(S, B, *x.shape[1:]).transpose(0, 1).reshape(B, S * x.shape[1], *x.shape[2:])
            y = conv(xs, w.reshape(-1, *w.shape[2:]), None if b is None else b.reshape(-1), stride, padding,
                     dilation, groups * S)
            y = y.reshape(B, S, -1, *y.shape[2:]).transpose(0, 1).reshape(S * B, -1, *y.shape[2:])
            return act(y), False
        return convolve

    def _norm(self, m: BatchNormalization, p: Mapping[str, Tensor], layers: Sequence[nn.Module]) -> Op:
        S = self.S
        gamma, beta = p.get("gamma"), p.get("beta")
        moving_mean = torch.stack([layer.moving_mean for layer in layers])
        moving_var = torch.stack([layer.moving_variance for layer in layers])

        def norm(x: Tensor, stacked: bool, masks: Iterator[Tensor], logits: bool, shared: bool) -> tuple[Tensor, bool]:
            xs = x if stacked else x.reshape(S, -1, *x.shape[1:])
            dims = [1, *range(3, xs.dim())]
            shape = [S, 1, -1] + [1] * (xs.dim() - 3)
            if self.training:
                mean, var = xs.mean(dim=dims), xs.var(dim=dims, unbiased=False)
                with torch.no_grad():
                    moving_mean.mul_(m.momentum).add_(mean.detach(), alpha=1 - m.momentum)
                    moving_var.mul_(m.momentum).add_(var.detach(), alpha=1 - m.momentum)
            else:
                mean, var = moving_mean, moving_var
            y = (xs - mean.view(shape)) * torch.rsqrt(var.view(shape) + m.eps)
            if gamma is not None:
                y = y * gamma.view(shape)
            if beta is not None:
                y = y + beta.view(shape)
            return (y, True) if stacked else (y.reshape(x.shape), False)
        return norm

    def forward(self, x: Tensor, masks: Sequence[Tensor] = (), logits: bool = False, shared: bool = False) -> Tensor:
        """``x``: ``(S * B, ...)`` seed-major, or with ``shared`` one batch ``(B, ...)`` for every seed; the
        output ``(S, B, ...)``. ``logits``: stop before the final softmax."""
        it = iter(masks)
        last = len(self.ops) - 1
        stacked = False
        if shared and not isinstance(self.base._seq[0], (Dense, nn.Linear, Conv, nn.modules.conv._ConvNd)):
            x, shared = x.repeat(self.S, *([1] * (x.dim() - 1))), False
        for i, op in enumerate(self.ops):
            if logits and i == last and not isinstance(self.base._seq[i], Dense):
                break
            x, stacked = op(x, stacked, it, logits and i == last, shared)
            shared = False
        return x if stacked else x.reshape(self.S, -1, *x.shape[1:])


def _losses(cfg: TrainConfig, fused: bool, lf: torch_train.LossFn) -> Callable[[Tensor, Tensor], Tensor]:
    """Per-seed losses ``(S,)`` of outputs ``(S, B, ...)``. Cross-entropy on logits is one vectorised
    computation; from a softmax head (``fused``) it is Keras' clipped CE, the log-probability clamped to
    [log 1e-7, log(1 - 1e-7)]. The sequential loop checks each batch and clamps only when a row needs it:
    the clamp is the identity, in value and gradient, on the rows that do not, so clamping always gives
    the same result without the check (a host sync a step). Other losses: the sequential function per seed."""
    sparse = cfg.loss == "sparse_categorical_crossentropy"
    vector = (fused or cfg.from_logits) and cfg.loss in ("categorical_crossentropy", "sparse_categorical_crossentropy")
    lo, hi = torch_train.LOG_EPS, torch_train.LOG_1M_EPS

    def per_seed(out: Tensor, t: Tensor) -> Tensor:
        return torch.stack([lf(out[k], t[k]) for k in range(len(out))])

    def losses(out: Tensor, t: Tensor) -> Tensor:
        if not vector or out.dim() != 3:
            return per_seed(out, t)
        S, B, C = out.shape
        lp = torch.log_softmax(out, dim=2)
        if sparse:  # F.cross_entropy is nll_loss(log_softmax): the same kernels
            rows = F.nll_loss(lp.reshape(S * B, C), t.reshape(S * B), reduction="none")
            return (rows.clamp(-hi, -lo) if fused else rows).view(S, B).mean(dim=1)
        return -(t * (lp.clamp(lo, hi) if fused else lp)).sum(dim=2).mean(dim=1)
    return losses


def _correct(kind: str) -> Callable[[Tensor, Tensor], Tensor]:
    """Correct predictions per seed ``(S,)`` of outputs ``(S, B, ...)``, as torch_train.correct_fn per seed."""
    if kind == "binary":
        return lambda out, t: ((out > 0.5).to(t.dtype) == t).float().mean(dim=2).sum(dim=1)
    if kind == "sparse":
        return lambda out, t: (out.argmax(dim=2) == t).sum(dim=1)
    return lambda out, t: (out.argmax(dim=2) == t.argmax(dim=2)).sum(dim=1)


class _Hits:
    """Each seed's correct predictions over an epoch, counted in bulk: a step keeps its outputs
    ``(S, rows, ...)``, and every :data:`FLUSH` of them are compared at once with their targets, gathered
    again through the epoch's order (three ops per flush instead of three a step). The counts equal the
    sequential loop's per-batch sums (whole numbers; binary accuracy's fractions up to float rounding)."""

    FLUSH = 1 << 22  # output values held at most

    def __init__(self, y: Tensor, order: Tensor, correct: Callable[[Tensor, Tensor], Tensor]) -> None:
        self.y, self.order, self.correct = y, order, correct
        self.outs: list[Tensor] = []
        self.held = self.done = 0
        self.sums = torch.zeros(len(order), dtype=torch.float64, device=order.device)

    def add(self, out: Tensor) -> None:
        self.outs.append(out.detach())
        self.held += out.numel()
        if self.held >= self.FLUSH:
            self._flush()

    def _flush(self) -> None:
        if not self.outs:
            return
        out = torch.cat(self.outs, dim=1)
        S, rows = out.shape[:2]
        idx = self.order[:, self.done : self.done + rows].reshape(-1)
        with torch.no_grad():
            self.sums += self.correct(out, self.y.index_select(0, idx).reshape(S, rows, *self.y.shape[1:])).double()
        self.outs, self.held, self.done = [], 0, self.done + rows

    def total(self) -> list[float]:
        self._flush()
        return self.sums.cpu().tolist()


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
    net = SeedBatch(models)
    forward, lf = torch_train._head(base, cfg)
    logits = forward is not base
    losses = _losses(cfg, logits, lf)
    outputs = base.outputs
    x, y, xv, yv = torch_train.split(data, cfg, outputs, base.to_internal, device)
    correct = _correct(accuracy_kind(cfg.loss, outputs))
    track_acc = "accuracy" in cfg.metrics
    opt = torch_train.optimizer(net.params, cfg)
    orders = [torch.Generator().manual_seed(s) for s in seeds]
    n, bs, S = len(x), cfg.batch_size, len(seeds)

    def seed_major(t: Tensor) -> Tensor:
        return t.reshape(S, -1, *t.shape[1:])

    def evaluate(xe: Tensor, ye: Tensor) -> list[dict[str, float]]:
        net.training = False
        loss_sum = torch.zeros(S, dtype=torch.float64)
        ok_sum = torch.zeros(S, dtype=torch.float64)
        step = max(bs, EVAL_ROWS // S)
        with torch.no_grad():
            for i in range(0, len(xe), step):
                xb, yb = xe[i : i + step], ye[i : i + step]
                out = net.forward(xb, (), logits, shared=True)
                ys = yb.unsqueeze(0).expand(S, *yb.shape)
                loss_sum += losses(out, ys).double().cpu() * len(yb)
                ok_sum += correct(out, ys).double().cpu()
        rows = max(len(xe), 1)
        res = [{"loss": float(loss_sum[k]) / rows} for k in range(S)]
        if track_acc:
            for k in range(S):
                res[k]["accuracy"] = float(ok_sum[k]) / rows
        return res

    epochs: list[list[dict[str, float]]] = [[] for _ in seeds]
    for epoch in range(cfg.epochs):
        net.training = True
        if cfg.shuffle:
            order = torch.stack([torch.randperm(n, generator=g) for g in orders])
        else:
            order = torch.arange(n).expand(S, n)
        order = order.to(device)
        per_step, sizes = [], []
        hits = _Hits(y, order, correct)
        for xb, yb_flat in torch_train.batches(x, y, order, bs):
            rows = len(xb) // S
            yb = seed_major(yb_flat)
            out = net.forward(xb, _masks(drops, gens, rows, device), logits)
            per = losses(out, yb)
            opt.zero_grad(set_to_none=True)
            per.sum().backward()
            opt.step()
            per_step.append(per.detach())
            sizes.append(rows)
            if track_acc:
                hits.add(out)
        loss_sum = torch_train.weighted_sums(per_step, sizes, S)
        ok_sum = hits.total()
        val = evaluate(xv, yv) if len(xv) else None
        for k in range(S):
            logs = {"loss": float(loss_sum[k]) / n}
            if track_acc:
                logs["accuracy"] = float(ok_sum[k]) / n
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
