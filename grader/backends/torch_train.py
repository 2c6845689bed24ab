"""Keras' ``compile``/``fit`` in PyTorch: losses, accuracy, optimizers and the epoch loop
(imported only by the torch backend).

Matched Keras semantics (each tested against the keras backend):
- losses on probabilities (``from_logits=False``, Keras' default): categorical CE normalises the
  output to sum 1, clips it to [1e-7, 1 - 1e-7] and takes -sum(t log p); sparse CE the same with
  class ids; binary CE clips then -(t log p + (1-t) log(1-p)) averaged over the last axis; MSE
  averaged over the last axis; then the mean over the batch ("sum_over_batch_size");
- the same CE computed faster when the model ends in a flat softmax: from its logits,
  ``-clamp(log_softmax(z), log 1e-7, log(1 - 1e-7))`` picked at the target. Equal in value (up to
  float rounding: the normalisation divides by a sum that is 1) and in gradient: Keras' gradient
  through ``p / sum(p)`` adds a constant across classes, which the softmax Jacobian cancels, so it
  is ``p - t`` except where the target's probability is clipped, where both are 0. This is what
  keeps the backend within 10 % of a hand-written loop with PyTorch's ``cross_entropy``;
- ``accuracy`` resolves as Keras does: categorical (argmax vs argmax of one-hot), sparse (argmax
  vs id), binary (p > 0.5);
- optimizers with Keras' update rules: SGD ``m = mu*m - lr*g; w += m`` (nesterov
  ``w += mu*m - lr*g``), which with a constant rate is PyTorch's SGD (dampening 0), so PyTorch's
  is used; Adam with epsilon added to sqrt(v) *before* the bias correction (Keras:
  ``w -= lr*sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps)``; PyTorch divides by
  ``sqrt(v)/sqrt(1-b2^t) + eps``), eps 1e-7; RMSprop with eps *inside* the square root
  (``w -= lr*g / sqrt(v + eps)``, rho 0.9, eps 1e-7; PyTorch adds eps outside);
- ``fit``: ``validation_split`` takes the *last* rows (floor(n * (1 - split)) train rows) before
  shuffling; the training rows are reshuffled every epoch; the last, smaller batch is kept; the
  logged training loss and metrics are the running means over the epoch's batches weighted by the
  batch size (Keras' ``Mean`` tracker with ``sample_weight=batch_size``), measured on each batch
  *before* its update; validation metrics are computed after the epoch in inference mode.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import numpy as np
import torch
import torch.nn.functional as F
from nnexam.grader.backends.base import (
    Data,
    History,
    Progress,
    TrainConfig,
    accuracy_kind,
    targets,
)
from nnexam.questions.training_steps import train_rows

EPS = 1e-7  # keras.backend.epsilon()

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def loss_fn(name: str, from_logits: bool) -> LossFn:
    """Per-batch mean loss as Keras computes it (see the module docstring)."""

    def categorical(out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if from_logits:
            return -(t * torch.log_softmax(out, dim=1)).sum(dim=1).mean()
        p = (out / out.sum(dim=1, keepdim=True)).clamp(EPS, 1 - EPS)
        return -(t * torch.log(p)).sum(dim=1).mean()

    def sparse(out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if from_logits:
            return F.cross_entropy(out, t)
        p = (out / out.sum(dim=1, keepdim=True)).clamp(EPS, 1 - EPS)
        return F.nll_loss(torch.log(p), t)

    def binary(out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        if from_logits:
            return F.binary_cross_entropy_with_logits(out, t, reduction="none").mean(dim=1).mean()
        p = out.clamp(EPS, 1 - EPS)
        return (-(t * torch.log(p) + (1 - t) * torch.log(1 - p))).mean(dim=1).mean()

    def mse(out: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return ((out - t) ** 2).flatten(1).mean(dim=1).mean()

    return {"categorical_crossentropy": categorical, "sparse_categorical_crossentropy": sparse,
            "binary_crossentropy": binary, "mse": mse}[name]


LOG_EPS, LOG_1M_EPS = float(np.log(EPS)), float(np.log1p(-EPS))


def clipped(lp: torch.Tensor, t: torch.Tensor) -> bool:
    """Whether Keras' clip changes this batch: a target's log-probability outside [log 1e-7, log(1 - 1e-7)]."""
    picked = lp.gather(1, t.unsqueeze(1)) if t.dim() == 1 else lp[t > 0]
    if picked.numel() == 0:
        return False
    lo, hi = torch.aminmax(picked)
    return bool(lo < LOG_EPS) or bool(hi > LOG_1M_EPS)


def fused_loss_fn(name: str) -> LossFn:
    """Keras' CE on probabilities, from the logits of a softmax head (see the module docstring).
    The clip only changes rows whose target probability lies outside [1e-7, 1 - 1e-7]; a cheap check
    without autograd (:func:`clipped`) picks PyTorch's fused ``cross_entropy`` when no row does."""

    def categorical(z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            clip = clipped(torch.log_softmax(z, dim=1), t)
        if clip:
            return -(t * torch.log_softmax(z, dim=1).clamp(LOG_EPS, LOG_1M_EPS)).sum(dim=1).mean()
        return F.cross_entropy(z, t)

    def sparse(z: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        with torch.no_grad():
            clip = clipped(torch.log_softmax(z, dim=1), t)
        if clip:
            return F.cross_entropy(z, t, reduction="none").clamp(-LOG_1M_EPS, -LOG_EPS).mean()
        return F.cross_entropy(z, t)

    return {"categorical_crossentropy": categorical, "sparse_categorical_crossentropy": sparse}[name]


def _head(model: torch.nn.Module, cfg: TrainConfig) -> tuple[Callable, LossFn]:
    """The forward pass and loss to train with: logits + fused CE for a softmax head, else output + loss."""
    if getattr(model, "softmax_head", False) and not cfg.from_logits and cfg.loss in (
            "categorical_crossentropy", "sparse_categorical_crossentropy"):
        return model.logits, fused_loss_fn(cfg.loss)
    return model, loss_fn(cfg.loss, cfg.from_logits)


def correct_fn(kind: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Number of correct predictions in a batch, as Keras' resolved ``accuracy``."""
    if kind == "binary":
        return lambda out, t: ((out > 0.5).to(t.dtype) == t).float().mean(dim=1).sum()
    if kind == "sparse":
        return lambda out, t: (out.argmax(dim=1) == t).sum()
    return lambda out, t: (out.argmax(dim=1) == t.argmax(dim=1)).sum()


class KerasAdam(torch.optim.Optimizer):
    def __init__(self, params, lr: float, beta_1: float, beta_2: float, epsilon: float):
        super().__init__(params, {"lr": lr, "b1": beta_1, "b2": beta_2, "eps": epsilon})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            b1, b2 = group["b1"], group["b2"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["t"], st["m"], st["v"] = 0, torch.zeros_like(p), torch.zeros_like(p)
                st["t"] += 1
                t = st["t"]
                alpha = group["lr"] * (1 - b2**t) ** 0.5 / (1 - b1**t)
                st["m"].lerp_(p.grad, 1 - b1)
                st["v"].lerp_(p.grad * p.grad, 1 - b2)
                p.sub_(alpha * st["m"] / (st["v"].sqrt() + group["eps"]))


class KerasRMSprop(torch.optim.Optimizer):
    def __init__(self, params, lr: float, rho: float, epsilon: float, momentum: float):
        super().__init__(params, {"lr": lr, "rho": rho, "eps": epsilon, "mu": momentum})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                st = self.state[p]
                if not st:
                    st["v"], st["m"] = torch.zeros_like(p), torch.zeros_like(p)
                st["v"].mul_(group["rho"]).addcmul_(p.grad, p.grad, value=1 - group["rho"])
                inc = group["lr"] * p.grad / (st["v"] + group["eps"]).sqrt()
                if group["mu"] > 0:
                    st["m"].mul_(group["mu"]).add_(inc)
                    inc = st["m"]
                p.sub_(inc)


def optimizer(params, cfg: TrainConfig) -> torch.optim.Optimizer:
    if cfg.optimizer == "sgd":
        return torch.optim.SGD(params, lr=cfg.lr, momentum=cfg.momentum, nesterov=cfg.nesterov)
    if cfg.optimizer == "adam":
        return KerasAdam(params, cfg.lr, cfg.beta_1, cfg.beta_2, cfg.epsilon)
    return KerasRMSprop(params, cfg.lr, cfg.rho, cfg.epsilon, cfg.momentum)


def _tensors(x: np.ndarray, y: np.ndarray, cfg: TrainConfig, outputs: int, to_internal: Callable,
             device: torch.device | None = None) -> tuple:
    xt = to_internal(torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32)))
    yt = torch.from_numpy(np.ascontiguousarray(targets(y, cfg.loss, outputs)))
    yt = yt.long() if cfg.loss == "sparse_categorical_crossentropy" else yt.float()
    return (xt, yt) if device is None or device.type == "cpu" else (xt.to(device), yt.to(device))


def where(device: torch.device) -> str:
    """A device as results name it: ``cpu``, ``cuda:0 (NVIDIA H100 80GB HBM3)``."""
    if device.type != "cuda":
        return device.type
    index = device.index if device.index is not None else torch.cuda.current_device()
    return f"cuda:{index} ({torch.cuda.get_device_name(index)})"


def weighted_sums(values: list[torch.Tensor], weights: list[int], runs: int) -> list[float]:
    """Per run, the sum over steps of ``values[step][run] * weights[step]`` in float64, in step order (as
    Keras' ``Mean`` tracker sums); ``values`` are each step's detached tensors (``(runs,)`` or a scalar),
    read back once per epoch rather than once per step."""
    if not values:
        return [0.0] * runs
    steps = torch.stack(values).double().reshape(len(values), runs).cpu().tolist()
    return [sum(row[k] * w for row, w in zip(steps, weights)) for k in range(runs)]


CHUNK_BYTES = 4 << 20  # rows gathered at once: fits in cache, few gathers per epoch


def batches(x: torch.Tensor, y: torch.Tensor, order: torch.Tensor, bs: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """One epoch's batches of every run in ``order`` (``(S, n)`` row ids: each run's data order), each
    step's rows run-major ``(S * rows, ...)``. Rows are gathered a chunk of steps at a time, step-major,
    so a step's batch is a contiguous view: one ``index_select`` per chunk instead of one per step,
    into buffers reused across chunks (a fresh allocation per chunk would page-fault every time).
    A yielded batch is valid until the next one is asked for."""
    S, n = order.shape
    step_bytes = S * bs * max(x[0].numel() * x.element_size(), 1)
    per_chunk = max(1, CHUNK_BYTES // step_bytes)
    full = n // bs
    rows = min(per_chunk, max(full, 1)) * S * bs
    xbuf, ybuf = _rows_like(x, rows), _rows_like(y, rows)
    for c0 in range(0, full, per_chunk):
        steps = min(full, c0 + per_chunk) - c0
        idx = order[:, c0 * bs : (c0 + steps) * bs].reshape(S, steps, bs).transpose(0, 1).reshape(-1)
        xs = torch.index_select(x, 0, idx, out=xbuf[: len(idx)])
        ys = torch.index_select(y, 0, idx, out=ybuf[: len(idx)])
        for t in range(steps):
            yield xs[t * S * bs : (t + 1) * S * bs], ys[t * S * bs : (t + 1) * S * bs]
    if n > full * bs:
        idx = order[:, full * bs :].reshape(-1)
        yield (torch.index_select(x, 0, idx, out=_rows_like(x, len(idx))),
               torch.index_select(y, 0, idx, out=_rows_like(y, len(idx))))


def _rows_like(x: torch.Tensor, rows: int) -> torch.Tensor:
    """An empty tensor of ``rows`` rows with ``x``'s strides, as ``x[idx]`` has them (a channels-last input
    gives channels-last convolutions, whose dropout masks fill in that order). ``x`` comes from
    :func:`_tensors`: rows outermost in memory."""
    size = (rows, *x.shape[1:])
    inner = max((x.stride(d) * x.shape[d] for d in range(1, x.dim())), default=1)
    if x.dim() and x.stride(0) == inner:
        return torch.empty_strided(size, x.stride(), dtype=x.dtype, device=x.device)
    return x.new_empty(size)


def split(data: Data, cfg: TrainConfig, outputs: int, to_internal: Callable, device: torch.device) -> tuple:
    """Training and validation tensors as ``fit`` uses them: ``validation_split`` takes the last rows."""
    x, y = _tensors(data.x_train, data.y_train, cfg, outputs, to_internal, device)
    cut = train_rows(len(x), cfg.validation_split)
    return x[:cut], y[:cut], x[cut:], y[cut:]


def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, cfg: TrainConfig, outputs: int) -> dict[str, float]:
    """Loss and accuracy over a whole split in inference mode (Keras' ``evaluate``: batch-weighted means)."""
    forward, lf = _head(model, cfg)
    correct = correct_fn(accuracy_kind(cfg.loss, outputs))
    model.eval()
    total_loss, total_ok = 0.0, 0.0
    with torch.no_grad():
        for i in range(0, len(x), cfg.batch_size):
            out = forward(x[i : i + cfg.batch_size])
            yb = y[i : i + cfg.batch_size]
            total_loss += float(lf(out, yb)) * len(yb)
            total_ok += float(correct(out, yb))
    n = max(len(x), 1)
    res = {"loss": total_loss / n}
    if "accuracy" in cfg.metrics:
        res["accuracy"] = total_ok / n
    return res


def fit(model: torch.nn.Module, data: Data, cfg: TrainConfig, seed: int, outputs: int,
        to_internal: Callable[[torch.Tensor], torch.Tensor], progress: Progress | None = None,
        device: torch.device | None = None) -> History:
    """Keras' ``fit`` loop (see the module docstring), then ``evaluate`` on the test split if any."""
    start = time.perf_counter()
    device = device or torch.device("cpu")
    model.to(device)
    x, y, xv, yv = split(data, cfg, outputs, to_internal, device)
    forward, lf = _head(model, cfg)
    correct = correct_fn(accuracy_kind(cfg.loss, outputs))
    track_acc = "accuracy" in cfg.metrics
    opt = optimizer([p for p in model.parameters() if p.requires_grad], cfg)
    gen = torch.Generator().manual_seed(seed)
    n, bs = len(x), cfg.batch_size
    epochs = []
    for epoch in range(cfg.epochs):
        model.train()
        order = torch.randperm(n, generator=gen) if cfg.shuffle else torch.arange(n)
        losses, oks, sizes = [], [], []
        for xb, yb in batches(x, y, order.to(device).unsqueeze(0), bs):
            out = forward(xb)
            loss = lf(out, yb)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(loss.detach())
            sizes.append(len(yb))
            if track_acc:
                with torch.no_grad():
                    oks.append(correct(out, yb))
        loss_sum = weighted_sums(losses, sizes, 1)[0]
        ok_sum = weighted_sums(oks, [1] * len(oks), 1)[0]
        logs = {"loss": loss_sum / n}
        if track_acc:
            logs["accuracy"] = ok_sum / n
        if len(xv):
            logs.update({f"val_{k}": v for k, v in evaluate(model, xv, yv, cfg, outputs).items()})
        epochs.append(logs)
        if progress is not None:
            progress(epoch + 1, cfg.epochs, logs)
    test = {}
    if data.x_test is not None and data.y_test is not None and len(data.x_test):
        xt, yt = _tensors(data.x_test, data.y_test, cfg, outputs, to_internal, device)
        test = evaluate(model, xt, yt, cfg, outputs)
    return History(tuple(epochs), test, time.perf_counter() - start, where(device))
