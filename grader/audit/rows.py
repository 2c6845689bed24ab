"""Is a summary row derivable from the row before? Solve for the layer settings that make it true.

For each layer type the parameter count and output shape follow from the input shape and a few
settings; here the settings are *solved for*: a Conv2D row with 18,496 parameters and 64 filters
on 32 channels must have a 3x3 kernel ((3*3*32 + 1)*64), and 13 -> 11 needs stride 1 and 'valid'
padding. Settings are tried from the usual to the unusual (:data:`USUAL`), using
:mod:`nnexam.questions.conv_arith`. A row that only an unusual setting explains (dilation > 1, stride > 3,
asymmetric padding) is reported as implausible, naming what it would need, unless the report's
code shows that setting.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nnexam.questions.conv_arith import conv_out, effective_kernel

MAX_STRIDE = 8
MAX_DILATION = 4
USUAL_MAX_STRIDE = 3
MAX_PAD_SEARCH = 12  # explicit (before, after) paddings tried per side: larger ones are never what a student ran
SAME_SHAPE = {"Dropout", "Activation", "ReLU", "LeakyReLU", "Softmax", "ELU", "PReLU", "GaussianNoise",
              "GaussianDropout", "SpatialDropout1D", "SpatialDropout2D", "AlphaDropout", "LayerNormalization",
              "BatchNormalization", "InputLayer", "Identity"}


@dataclass(frozen=True)
class Setting:
    kernel: int
    stride: int
    padding: str | tuple[int, int]  # 'valid', 'same', or explicit (before, after)
    dilation: int = 1

    @property
    def usual(self) -> bool:
        return self.dilation == 1 and self.stride <= USUAL_MAX_STRIDE and isinstance(self.padding, str)

    def describe(self, what: str = "kernel") -> str:
        pad = f"'{self.padding}'" if isinstance(self.padding, str) else f"padding {self.padding[0]} before / {self.padding[1]} after"
        out = f"{what} {self.kernel}, stride {self.stride}, {pad} padding" if isinstance(self.padding, str) else \
            f"{what} {self.kernel}, stride {self.stride}, {pad}"
        return out + (f", dilation {self.dilation}" if self.dilation > 1 else "")

    def unusual_parts(self) -> str:
        parts = []
        if self.dilation > 1:
            parts.append(f"dilation {self.dilation}")
        if self.stride > USUAL_MAX_STRIDE:
            parts.append(f"stride {self.stride}")
        if not isinstance(self.padding, str):
            parts.append(f"asymmetric padding ({self.padding[0]} before, {self.padding[1]} after)")
        return " and ".join(parts)


@dataclass(frozen=True)
class Check:
    verdict: str  # confirmed / refuted / implausible / unverifiable
    expected: object
    evidence: str
    setting: Setting | None = None


def _out(n: int, s: Setting) -> int | None:
    try:
        if isinstance(s.padding, str):
            return conv_out(n, s.kernel, s.stride, s.padding, s.dilation)
        room = n + s.padding[0] + s.padding[1] - effective_kernel(s.kernel, s.dilation)
        return room // s.stride + 1 if room >= 0 else None
    except ValueError:
        return None


def solve_axis(n_in: int, n_out: int, kernels: list[int], *, pool: bool = False) -> list[Setting]:
    """Settings (usual first) that take an axis of ``n_in`` to ``n_out``. Pooling: stride defaults to the window."""
    found: list[Setting] = []
    for k in kernels:
        strides = [k] + [s for s in range(1, MAX_STRIDE + 1) if s != k] if pool else range(1, MAX_STRIDE + 1)
        for s in strides:
            for d in ([1] if pool else range(1, MAX_DILATION + 1)):
                for pad in ("valid", "same"):
                    st = Setting(k, s, pad, d)
                    if _out(n_in, st) == n_out:
                        found.append(st)
                span = effective_kernel(k, d)
                if span > n_in + 2 * MAX_PAD_SEARCH:
                    continue  # the window cannot fit, whatever the padding tried
                for a in range(0, min(span, MAX_PAD_SEARCH)):
                    for b in range(0, min(span, MAX_PAD_SEARCH)):
                        if a == b or (a, b) == (0, 0):
                            continue
                        st = Setting(k, s, (a, b), d)
                        if _out(n_in, st) == n_out:
                            found.append(st)
    # usual first; for pooling, windows > 1 and the default stride (= window) first
    return sorted(found, key=lambda st: (not st.usual, st.dilation > 1, st.stride > USUAL_MAX_STRIDE,
                                         not isinstance(st.padding, str), pool and st.kernel == 1,
                                         pool and st.stride != st.kernel, st.dilation, st.stride))


def _shape(s: tuple[int | None, ...]) -> str:
    return "(None, " + ", ".join(str(d) for d in s) + ")"


def _spatial(kind: str, n_in: tuple[int | None, ...], n_out: tuple[int | None, ...], kernels: list[int], what: str,
             pool: bool, code_setting: str) -> Check | None:
    """Solve the spatial axes; None when they work with a usual setting (the caller confirms)."""
    settings: Setting | None = None
    for a, b in zip(n_in[:-1], n_out[:-1]):
        if a is None or b is None:
            continue
        options = solve_axis(a, b, kernels, pool=pool)
        if not options:
            return Check("refuted", None, f"no {what} size, stride, padding or dilation takes {_shape(n_in)} to {_shape(n_out)}")
        best = options[0]
        if not best.usual and not code_setting:
            return Check("implausible", None, f"{_shape(n_in)} -> {_shape(n_out)} needs {best.unusual_parts()} "
                         f"({best.describe(what)}), which the report's code does not show", best)
        settings = settings or best
    return None if settings is None else Check("confirmed", None, settings.describe(what), settings)


def check(kind: str | None, n_in: tuple[int | None, ...] | None, n_out: tuple[int | None, ...], params: int,
          code_setting: str = "") -> Check:
    """Is ``kind`` with ``params`` parameters taking ``n_in`` to ``n_out`` possible, and how?

    ``code_setting`` is non-empty when the report's code shows an unusual setting for this layer
    (then an unusual solution is accepted)."""
    if kind is None:
        return Check("unverifiable", None, "the row does not say the layer type")
    if n_in is None:
        return Check("unverifiable", None, "the input shape is unknown (no earlier row, InputLayer or code; try --bind input_shape=[...])")
    if kind in SAME_SHAPE:
        c = n_in[-1] if n_in else None
        want = 4 * c if kind == "BatchNormalization" and c else (2 * c if kind == "LayerNormalization" and c else 0)
        if kind == "InputLayer":
            return Check("confirmed", 0, "input layer")
        if tuple(n_out) != tuple(n_in):
            return Check("refuted", list(n_in), f"{kind} keeps the shape {_shape(n_in)}; the row says {_shape(n_out)}")
        if params != want:
            rule = f"4 x {c} channels (gamma, beta, moving mean, moving variance)" if kind == "BatchNormalization" else "no weights"
            return Check("refuted", want, f"{kind} on {_shape(n_in)} has {rule} = {want:,} parameters; the row says {params:,}")
        return Check("confirmed", want, f"{kind}: same shape, {want:,} parameters")
    if kind == "Flatten":
        want = math.prod(d for d in n_in if d is not None)
        ok = tuple(n_out) == (want,) and params == 0
        return Check("confirmed" if ok else "refuted", [want], f"Flatten: {' x '.join(str(d) for d in n_in)} = {want:,} values, no weights")
    if kind == "Dense":
        return _dense(n_in, n_out, params)
    if kind.startswith("Conv") and kind[-2:] in ("1D", "2D", "3D"):
        return _conv(kind, n_in, n_out, params, code_setting)
    if ("Pooling" in kind or kind.startswith(("MaxPool", "AvgPool"))) and not kind.startswith("Global"):
        if params != 0:
            return Check("refuted", 0, f"{kind} has no weights; the row says {params:,} parameters")
        if n_in[-1] != n_out[-1]:
            return Check("refuted", None, f"{kind} keeps the {n_in[-1]} channels; the row says {n_out[-1]}")
        found = _spatial(kind, n_in, n_out, list(range(1, 8)), "pool", True, code_setting)
        return found or Check("confirmed", 0, "pooling")
    if kind.startswith("Global"):
        ok = tuple(n_out) in ((n_in[-1],), tuple([1] * (len(n_in) - 1) + [n_in[-1]])) and params == 0
        return Check("confirmed" if ok else "refuted", [n_in[-1]], f"{kind} keeps the {n_in[-1]} channels, no weights")
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        return _recurrent(kind, n_in, n_out, params)
    return Check("unverifiable", None, f"{kind} rows are not checked")


def _dense(n_in: tuple[int | None, ...], n_out: tuple[int | None, ...], params: int) -> Check:
    d, u = n_in[-1], n_out[-1]
    if d is None or u is None:
        return Check("unverifiable", None, "unknown sizes")
    if tuple(n_out[:-1]) != tuple(n_in[:-1]):
        return Check("refuted", None, f"Dense acts on the last axis: {_shape(n_in)} -> {_shape(tuple(n_in[:-1]) + (u,))}")
    with_bias, without = (d + 1) * u, d * u
    if params == with_bias:
        return Check("confirmed", with_bias, f"Dense({u}) on {d} inputs: ({d} + 1) x {u} = {with_bias:,}")
    if params == without:
        return Check("confirmed", without, f"Dense({u}, use_bias=False) on {d} inputs: {d} x {u} = {without:,}")
    hint = ""
    if params % u == 0 and params // u - 1 > 0:
        hint = f"; {params:,} would fit {params // u - 1:,} inputs"
    elif params == with_bias - u:
        hint = "; the bias seems forgotten"
    return Check("refuted", with_bias, f"Dense({u}) on {d} inputs: ({d} + 1) x {u} = {with_bias:,}, the row says {params:,}{hint}")


def _conv(kind: str, n_in: tuple[int | None, ...], n_out: tuple[int | None, ...], params: int, code_setting: str) -> Check:
    c, f = n_in[-1], n_out[-1]
    dims = int(kind[-2])
    if c is None or f is None:
        return Check("unverifiable", None, "unknown channels")
    kernels: list[tuple[int, bool]] = []
    for bias in (True, False):
        rest = params - (f if bias else 0)
        if rest > 0 and rest % (c * f) == 0:
            area = rest // (c * f)
            k = round(area ** (1 / dims))
            if k**dims == area:
                kernels.append((k, bias))
    if not kernels:
        return Check("refuted", None, f"no square kernel gives {params:,} parameters with {c} input channels and {f} filters "
                     f"((k^{dims} x {c} + 1) x {f})")
    k, bias = kernels[0]
    formula = f"({'x'.join([str(k)] * dims)} x {c}{' + 1' if bias else ''}) x {f} = {params:,}"
    found = _spatial(kind, n_in, n_out, [k], "kernel", False, code_setting)
    if found is None:
        return Check("confirmed", params, f"{kind}: {formula}")
    if found.verdict != "confirmed":
        return Check(found.verdict, None, f"{kind} {k}x{k} ({formula}): {found.evidence}", found.setting)
    return Check("confirmed", params, f"{kind}: {formula}; {found.evidence}", found.setting)


def _recurrent(kind: str, n_in: tuple[int | None, ...], n_out: tuple[int | None, ...], params: int) -> Check:
    d, u = n_in[-1], n_out[-1]
    if d is None or u is None:
        return Check("unverifiable", None, "unknown sizes")
    core = u * (d + u)
    options = {"LSTM": [(4 * (core + u), "4 x (u(d+u) + u)")],
               "GRU": [(3 * (core + 2 * u), "3 x (u(d+u) + 2u), reset_after"), (3 * (core + u), "3 x (u(d+u) + u)")],
               "SimpleRNN": [(core + u, "u(d+u) + u")]}[kind]
    for want, rule in options:
        if params == want:
            return Check("confirmed", want, f"{kind}({u}) on {d} features: {rule} = {want:,}")
    return Check("refuted", options[0][0], f"{kind}({u}) on {d} features: {options[0][1]} = {options[0][0]:,}; the row says {params:,}")
