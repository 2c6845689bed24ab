"""conv2d-output: textbook cases, mistakes, bad input, generator, and differential tests against
torch.nn.functional.conv2d (float64) and a real Keras Conv2D."""

from __future__ import annotations

import json
import os
import random

import pytest
import sympy as sp
from click.testing import CliRunner
from nnexam.questions import registry
from nnexam.questions.conv_arith import pads
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import params_json

FAM = registry.get("conv2d-output")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))


D2L_X = [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
D2L_K = [[0, 1], [2, 3]]


def out(**raw):
    return [[sp.Rational(v) for v in row] for row in FAM.solve(FAM.parse(raw))["output"]]


@pytest.mark.parametrize(
    "raw,expected",
    [
        ({"input": D2L_X, "kernel": D2L_K}, [[19, 25], [37, 43]]),
        ({"input": D2L_X, "kernel": D2L_K, "bias": 1}, [[20, 26], [38, 44]]),
        ({"input": D2L_X, "kernel": D2L_K, "padding": 1, "stride": 2}, [[0, 8], [21, 43]]),
        ({"input": D2L_X, "kernel": D2L_K, "padding": "valid"}, [[19, 25], [37, 43]]),
        # 'same', stride 1, even kernel: Keras puts the extra zero at the bottom/right
        ({"input": D2L_X, "kernel": D2L_K, "padding": "same"}, [[19, 25, 10], [37, 43, 16], [7, 8, 0]]),
        ({"input": D2L_X, "kernel": [[1, 0], [0, -1]], "dilation": 2}, [[-8]]),
        ({"input": [[1, 2, 0], [0, 1, 3], [2, 1, 0]], "kernel": [[1, 0], [0, -1]], "bias": "1/2"},
         [[sp.Rational(1, 2), sp.Rational(-1, 2)], [sp.Rational(-1, 2), sp.Rational(3, 2)]]),
        ({"input": [[1, 2, 3, 4]], "kernel": [[1, -1]], "stride": 2}, [[-1, -1]]),
    ],
    ids=["d2l", "bias", "pad1-stride2", "valid", "same-even-kernel", "dilation", "fraction-bias", "row-vector"],
)
def test_textbook(raw, expected):
    assert out(**raw) == expected


def test_steps_show_every_window_sum_and_the_padded_input():
    from nnexam.questions import doc

    a = FAM.solve(FAM.parse({"input": D2L_X, "kernel": D2L_K, "padding": 1, "stride": 2}))
    text = doc.plain(a.steps)
    assert "X_pad = [[0, 0, 0, 0, 0], [0, 0, 1, 2, 0]" in text
    assert "y_2,2 = 0 · 4 + 1 · 5 + 2 · 7 + 3 · 8 = 43" in text
    assert text.count("y_") == 4


def test_mistakes_are_named_and_differ():
    p = FAM.parse({"input": D2L_X, "kernel": D2L_K, "padding": 1, "stride": 2, "bias": 1})
    wrong = {m.id: w["output"] for m, w in FAM.mistake_answers(p)}
    assert wrong["flipped-kernel"][0][0] == 1  # 3·0 + 1 = padding corner with the flipped kernel
    assert wrong["forgot-padding"] == ((20,),)
    assert len(wrong["forgot-stride"]) == 4  # 4x4 output with stride 1
    assert wrong["forgot-bias"] == ((0, 8), (21, 43))
    assert wrong["transposed-output"] == ((1, 22), (9, 44))
    assert "forgot-dilation" not in wrong
    assert FAM.distinguishable(p, FAM.solve(p)) is None
    d = FAM.parse({"input": D2L_X, "kernel": [[1, 0], [0, -1]], "dilation": 2})
    assert {m.id: w for m, w in FAM.mistake_answers(d)}["forgot-dilation"]["output"] == ((-4, -4), (-4, -4))


@pytest.mark.parametrize(
    "raw,param",
    [
        ({"input": [[1, 2], [3, 4]], "kernel": [[1, 0, 2], [0, -1, 1]]}, "kernel"),
        ({"input": [[1, 2, 3]] * 3, "kernel": [[1, 1]] * 2, "dilation": 3}, "kernel"),
        ({"input": [[1, 2], [3]], "kernel": [[1]]}, "input"),
        ({"input": [[1, "x"], [3, 4]], "kernel": [[1]]}, r"input\[1\]\[2\]"),
        ({"input": [1, 2, 3], "kernel": [[1]]}, "input"),
        ({"input": [[1, 2], [3, 4]], "kernel": [[1]], "padding": -1}, "padding"),
        ({"input": [[1, 2], [3, 4]], "kernel": [[1]], "padding": "full"}, "padding"),
        ({"input": [[1, 2], [3, 4]], "kernel": [[1]], "stride": 0}, "stride"),
        ({"input": [[1, 2], [3, 4]], "kernel": [[1]], "stride": 1.5}, "stride"),
        ({"input": [[1, 2], [3, 4]], "kernel": [[1]], "bias": "a"}, "bias"),
        ({"kernel": [[1]]}, "input"),
    ],
    ids=["kernel-too-big", "dilated-too-big", "ragged", "not-a-number", "flat-list", "negative-padding", "bad-padding",
         "stride-0", "stride-float", "bias", "missing-input"],
)
def test_bad_params_name_the_parameter(raw, param):
    with pytest.raises(ParamError, match=param):
        FAM.parse(raw)


def test_kernel_too_big_names_the_sizes_on_the_cli():
    from nnexam.cli import cli

    r = CliRunner().invoke(cli, ["answer", "conv2d-output", "--set", "input=[[1,2],[3,4]]", "--set", "kernel=[[1,0,2],[0,1,1]]"])
    assert r.exit_code == 1
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    assert "2x3 kernel" in r.output and "2x2 input" in r.output


def test_generator_is_seeded_and_valid():
    a = [FAM.draw(random.Random(s)) for s in range(40)]
    assert a == [FAM.draw(random.Random(s)) for s in range(40)]
    assert len({(p.input, p.kernel) for p in a}) == 40
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p  # exam files store params as JSON
        assert all(-2 <= v <= 3 for row in p.input + p.kernel for v in row)
    opts = {"divides": True, "strides": [2], "paddings": [0, 1], "square": False, "dilations": [1, 2]}
    for s in range(20):
        p = FAM.draw(random.Random(s), options=opts)
        for n, k in ((len(p.input), len(p.kernel)), (len(p.input[0]), len(p.kernel[0]))):
            assert (n + 2 * p.padding - p.dilation * (k - 1) - 1) % p.stride == 0


def test_impossible_options_are_a_param_error():
    with pytest.raises(ParamError, match="options"):
        FAM.draw(random.Random(0), options={"size_min": 2, "size_max": 2, "kernel_min": 5, "kernel_max": 5})


def _random_instance(rng: random.Random) -> dict:
    h, w = rng.randint(1, 9), rng.randint(1, 9)
    kh, kw = rng.randint(1, 4), rng.randint(1, 4)

    def value() -> str:
        return f"{rng.randint(-9, 9)}/{rng.choice((1, 1, 2, 4))}"

    return {
        "input": [[value() for _ in range(w)] for _ in range(h)],
        "kernel": [[value() for _ in range(kw)] for _ in range(kh)],
        "stride": rng.choice((1, 1, 2, 3)),
        "padding": rng.choice((0, 0, 1, 2, "same", "valid")),
        "dilation": rng.choice((1, 1, 2, 3)),
        "bias": value(),
    }


@pytest.mark.torch
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_differential_against_torch_conv2d(one_thread):
    import torch
    import torch.nn.functional as F

    rng = random.Random(7)
    checked = 0
    while checked < DIFF_N:
        raw = _random_instance(rng)
        x = torch.tensor([[float(sp.Rational(v)) for v in r] for r in raw["input"]], dtype=torch.float64)[None, None]
        k = torch.tensor([[float(sp.Rational(v)) for v in r] for r in raw["kernel"]], dtype=torch.float64)[None, None]
        b = torch.tensor([float(sp.Rational(raw["bias"]))], dtype=torch.float64)
        s, pad, d = raw["stride"], raw["padding"], raw["dilation"]
        (top, bottom) = pads(x.shape[2], k.shape[2], s, pad, d)
        (left, right) = pads(x.shape[3], k.shape[3], s, pad, d)
        xp = F.pad(x, (left, right, top, bottom))
        try:
            ref = F.conv2d(xp, k, b, stride=s, dilation=d)[0, 0]
        except RuntimeError:  # kernel larger than the padded input
            with pytest.raises(ParamError, match="kernel"):
                FAM.parse(raw)
            continue
        if isinstance(pad, int) or s == 1:  # torch's own padding ('same' only with stride 1)
            assert torch.equal(ref, F.conv2d(x, k, b, stride=s, padding=pad, dilation=d)[0, 0])
        got = FAM.solve(FAM.parse(raw))["output"]
        assert [[float(v) for v in row] for row in got] == ref.tolist(), raw
        checked += 1


@pytest.mark.keras
def test_differential_against_a_real_keras_conv2d():
    """'same' with strides and even kernels: Keras' own padding split."""
    import keras
    import numpy as np

    rng = random.Random(11)
    for _ in range(12):
        raw = _random_instance(rng)
        raw["padding"] = rng.choice(("same", "valid"))
        if raw["stride"] > 1:
            raw["dilation"] = 1  # Keras rejects strides > 1 with dilation_rate > 1
        try:
            p = FAM.parse(raw)
        except ParamError:
            continue
        kh, kw = len(p.kernel), len(p.kernel[0])
        layer = keras.layers.Conv2D(1, (kh, kw), strides=raw["stride"], padding=raw["padding"], dilation_rate=raw["dilation"])
        x = np.array([[float(v) for v in r] for r in p.input], dtype="float32")[None, :, :, None]
        layer.build(x.shape)
        layer.set_weights([np.array([[float(v) for v in r] for r in p.kernel], dtype="float32")[:, :, None, None],
                           np.array([float(p.bias)], dtype="float32")])
        ref = keras.ops.convert_to_numpy(layer(x))[0, :, :, 0]
        got = np.array([[float(v) for v in row] for row in FAM.solve(p)["output"]])
        assert got.shape == ref.shape and np.allclose(got, ref, atol=1e-4), raw
