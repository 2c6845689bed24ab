"""Convolution and pooling size arithmetic, exactly as Keras and PyTorch compute it.

Pure integer math (``//``, never ``floor`` on floats), shared by ``conv-output-size``,
``receptive-field``, the model analyser and the report auditor. ``None`` sizes (unknown) stay
``None``. Raises ParamError when the (dilated) kernel does not fit.
"""

from __future__ import annotations

from nnexam.questions.errors import ParamError


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """Span of a dilated kernel: d(k - 1) + 1."""
    return dilation * (kernel - 1) + 1


def conv_out(
    n: int | None,
    kernel: int,
    stride: int = 1,
    padding: int | str = 0,
    dilation: int = 1,
    *,
    ceil_mode: bool = False,
    param: str = "kernel",
) -> int | None:
    """Output length of a convolution or pooling window along one axis.

    ``padding``: an int (zeros added on *each* side, PyTorch), ``"valid"`` (0) or ``"same"``
    (Keras/TF: ceil(n / stride), padding split with the extra pixel at the end).
    ``ceil_mode`` is PyTorch pooling's: the last partial window counts if it starts inside the
    input or the left padding (so a window larger than the input still gives one output).
    """
    if n is None:
        return None
    if kernel < 1 or stride < 1 or dilation < 1:
        raise ParamError(param, "kernel, stride and dilation >= 1", (kernel, stride, dilation))
    if padding == "same":
        return -(-n // stride)
    pad = 0 if padding == "valid" else int(padding)
    if pad < 0:
        raise ParamError("padding", "an integer >= 0, 'same' or 'valid'", padding)
    span = effective_kernel(kernel, dilation)
    room = n + 2 * pad - span
    if not ceil_mode:
        out = room // stride + 1
    else:  # PyTorch: round up, but the last window must start inside the input or the left padding
        out = -(-room // stride) + 1
        if (out - 1) * stride >= n + pad:
            out -= 1
    if out < 1:
        raise ParamError(
            param,
            f"a (dilated) kernel that fits the padded input: span {span} = {dilation}*({kernel}-1)+1 "
            f"> input {n} + 2*{pad}",
            kernel,
        )
    return out


def same_padding(n: int, kernel: int, stride: int = 1, dilation: int = 1) -> tuple[int, int]:
    """Zeros added before and after for Keras' ``padding="same"`` (the extra one goes after)."""
    out = -(-n // stride)
    total = max((out - 1) * stride + effective_kernel(kernel, dilation) - n, 0)
    return total // 2, total - total // 2


def pads(n: int, kernel: int, stride: int = 1, padding: int | str = 0, dilation: int = 1) -> tuple[int, int]:
    """Zeros added before and after along one axis: ``p`` both sides for an int, none for
    ``"valid"``, Keras' split for ``"same"``."""
    if padding == "same":
        return same_padding(n, kernel, stride, dilation)
    pad = 0 if padding == "valid" else int(padding)
    return pad, pad
