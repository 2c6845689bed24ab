"""The size arithmetic shared by the conv families and the model analyser (exact integers)."""

from __future__ import annotations

import pytest
from nnexam.questions.conv_arith import conv_out, effective_kernel, pads, same_padding
from nnexam.questions.errors import ParamError


@pytest.mark.parametrize(
    "args,kwargs,out",
    [
        ((28, 5), {}, 24),
        ((224, 7, 2, 3), {}, 112),
        ((7, 3, 2, "same"), {}, 4),
        ((7, 3, 2, "valid"), {}, 3),
        ((7, 3, 1, 0, 2), {}, 3),
        ((7, 2, 2), {"ceil_mode": True}, 4),
        ((5, 2, 2, 1), {"ceil_mode": True}, 3),  # the last window would start in the right padding
        ((2, 3, 3), {"ceil_mode": True}, 1),  # PyTorch keeps a window larger than the input
        ((None, 3), {}, None),
    ],
    ids=["mnist", "resnet-stem", "same", "valid", "dilated", "ceil", "ceil-drop", "ceil-larger-window", "unknown"],
)
def test_conv_out(args, kwargs, out):
    assert conv_out(*args, **kwargs) == out


@pytest.mark.parametrize("args", [(4, 5), (8, 3, 1, 0, 4), (2, 5, 3, 0)], ids=["too-big", "dilated", "ceil-too-big"])
def test_kernel_that_does_not_fit(args):
    with pytest.raises(ParamError, match="span"):
        conv_out(*args, ceil_mode=len(args) == 4)


def test_padding_amounts():
    assert effective_kernel(3, 2) == 5
    assert same_padding(7, 3, 2) == (1, 1)
    assert same_padding(8, 3, 2) == (0, 1)  # the extra zero goes after, as Keras/TensorFlow
    assert same_padding(3, 2) == (0, 1)
    assert pads(5, 3, 1, 2) == (2, 2)
    assert pads(5, 3, 1, "valid") == (0, 0)
    assert pads(8, 3, 2, "same") == (0, 1)
