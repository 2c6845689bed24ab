"""pooling: textbook cases, mistakes, bad input, the generator, and differential tests against
F.max_pool2d/F.avg_pool2d and their float64 autograd (ties included), Keras' pooling layers, and an
explicitly padded reference for Keras' 'same' (``NNEXAM_DIFF_N`` instances, 300 by default)."""

from __future__ import annotations

import json
import os
import random
from fractions import Fraction

import pytest
from nnexam.questions import doc, registry
from nnexam.questions.errors import ParamError
from nnexam.questions.exact import params_json

FAM = registry.get("pooling")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))
X4 = [[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12], [13, 14, 15, 16]]


def solve(**raw):
    return FAM.solve(FAM.parse(raw))


# --- textbook cases ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,part,expected",
    [
        (dict(input=X4, kernel=2), "output", ((6, 8), (14, 16))),
        (dict(input=X4, kernel=2, mode="avg"), "output", ((Fraction(7, 2), Fraction(11, 2)), (Fraction(23, 2), Fraction(27, 2)))),
        (dict(input=X4, kernel=3, stride=1), "output", ((11, 12), (15, 16))),
        (dict(input=X4, kernel=2, grad_output=[[1, 2], [3, 4]]), "input_gradient",
         ((0, 0, 0, 0), (0, 1, 0, 2), (0, 0, 0, 0), (0, 3, 0, 4))),
        # overlapping windows: 16 is the maximum of both windows of the last row: their gradients add
        (dict(input=[[1, 2, 3], [4, 16, 5]], kernel=2, stride=1, grad_output=[[1, 2]]), "input_gradient", ((0, 0, 0), (0, 3, 0))),
        # ties: the first maximum in row-major order takes the gradient (PyTorch)
        (dict(input=[[7, 7], [7, 7]], kernel=2, grad_output=[[5]]), "input_gradient", ((5, 0), (0, 0))),
        # ceil_mode keeps a last partial window; floor drops it
        (dict(input=[[1, 2, 3]], kernel=[1, 2], ceil_mode=True), "output", ((2, 3),)),
        (dict(input=[[1, 2, 3]], kernel=[1, 2]), "output", ((2,),)),
        # PyTorch padding: an average counts the padding cells unless count_include_pad is false
        (dict(input=[[4, 8], [0, 4]], kernel=2, padding=1, mode="avg"), "output", ((1, 2), (0, 1))),
        (dict(input=[[4, 8], [0, 4]], kernel=2, padding=1, mode="avg", count_include_pad=False), "output", ((4, 8), (0, 4))),
        # Keras 'same': the extra padding goes at the bottom/right, averages over real cells only
        (dict(input=[[1, 3, 5]], kernel=2, padding="same", mode="avg"), "output", ((2, 5),)),
        # two channels pool separately
        (dict(input=[[[1, 2], [3, 4]], [[8, 7], [6, 5]]], kernel=2), "output", (((4,),), ((8,),))),
    ],
    ids=["max", "avg", "overlap", "grad", "grad-overlap-adds", "ties", "ceil", "floor", "pad-counted", "pad-not-counted",
         "same", "channels"],
)  # fmt: skip
def test_textbook(raw, part, expected):
    assert solve(**raw)[part] == expected


def test_steps_and_statement_show_windows_and_convention():
    p = FAM.parse(dict(input=X4, kernel=2, padding=1, mode="avg", grad_output=[[1] * 3] * 3))
    steps = doc.plain(FAM.solve(p).steps)
    assert "y[1,1] = (1) / 4 = 1/4" in steps
    text = doc.plain(FAM.statement(p))
    assert "count_include_pad=True" in text and "PyTorch" in text
    assert "Keras" in doc.plain(FAM.statement(FAM.parse(dict(input=X4, kernel=3, padding="same"))))


# --- mistakes ---------------------------------------------------------------------------------


def _wrong(**raw) -> dict:
    return {m.id: w for m, w in FAM.mistake_answers(FAM.parse(raw))}


def test_each_mistake_is_what_its_name_says():
    w = _wrong(input=X4, kernel=2, grad_output=[[1, 2], [3, 4]])
    assert w["avg-vs-max"]["output"][0][0] == Fraction(7, 2)
    assert w["max-gradient-to-window"]["input_gradient"][0] == (1, 1, 2, 2)
    w = _wrong(input=[[7, 7], [7, 7]], kernel=2, grad_output=[[5]])
    assert w["max-gradient-to-every-tie"]["input_gradient"] == ((5, 5), (5, 5))
    w = _wrong(input=[[1, 2, 3], [4, 16, 5]], kernel=2, stride=1, grad_output=[[1, 2]])
    assert w["overlap-counted-once"]["input_gradient"] == ((0, 0, 0), (0, 1, 0))
    w = _wrong(input=[[1, 2, 3]], kernel=[1, 2], ceil_mode=True)
    assert w["ceil-vs-floor"]["output"] == ((2,),)
    w = _wrong(input=[[4, 8], [0, 4]], kernel=2, padding=1, mode="avg")
    assert w["count-include-pad"]["output"] == ((4, 8), (0, 4))
    assert w["forgot-padding"]["output"] == ((4,),)
    assert "max-gradient-to-window" not in w and "ceil-vs-floor" not in w


def test_every_mistake_differs_on_every_drawn_variant():
    from nnexam.questions.family import same

    rng = random.Random(5)
    seen = set()
    for _ in range(200):
        p = FAM.draw(rng)
        right = FAM.solve(p).as_dict()
        for m, wrong in FAM.mistake_answers(p):
            seen.add(m.id)
            assert any(not same(v, right[k]) for k, v in wrong.items()), (m.id, p)
    assert seen == {m.id for m in FAM.mistakes}


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(input=[1, 2, 3], kernel=2), "input"),
        (dict(input=[[1, 2], [3]], kernel=1), "rows of equal length"),
        (dict(input=[[[1, 2]], [[1, 2], [3, 4]]], kernel=1), "channels of one size"),
        (dict(input=X4, kernel=5), "kernel"),
        (dict(input=X4, kernel=2, padding=2), "at most half the kernel"),
        (dict(input=X4, kernel=2, padding="same", ceil_mode=True), "ceil_mode"),
        (dict(input=X4, kernel=2, grad_output=[[1, 2, 3]]), "grad_output"),
        (dict(input=X4, kernel=2, mode="min"), "mode"),
    ],
    ids=["vector", "ragged", "channel-sizes", "kernel-too-big", "padding-too-big", "same-ceil", "grad-shape", "mode"],
)
def test_bad_input_names_the_parameter(raw, fragment):
    from nnexam.questions.errors import NnexamError

    with pytest.raises(NnexamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


# --- generator --------------------------------------------------------------------------------


def test_generator_is_seeded_valid_and_round_trips_through_json():
    a = [FAM.draw(random.Random(s)) for s in range(40)]
    assert a == [FAM.draw(random.Random(s)) for s in range(40)]
    assert {p.mode for p in a} == {"max", "avg"} and any(p.grad_output is not None for p in a)
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p
        assert doc.plain(FAM.statement(p))
    p = FAM.draw(random.Random(1), options={"channels": 3, "gradient": "always", "paddings": ["same"]})
    assert len(FAM.solve(p)["output"]) == 3 and p.padding == "same"
    with pytest.raises(ParamError, match="options"):
        FAM.draw(random.Random(0), options={"size_min": 6, "size_max": 4})


# --- differential tests -----------------------------------------------------------------------


def _random_params(rng: random.Random):
    """Any sizes, kernels, strides, paddings; small values so that ties happen; fractions."""
    while True:
        h, w = rng.randint(1, 7), rng.randint(1, 7)
        kh, kw = rng.randint(1, 4), rng.randint(1, 4)
        pad = rng.choice([0, 1, [1, 0], [0, 2], "same", "valid"])
        c = rng.randint(1, 2)
        x = [[[str(Fraction(rng.randint(-3, 3), rng.choice([1, 2]))) for _ in range(w)] for _ in range(h)] for _ in range(c)]
        raw = dict(input=x if c > 1 else x[0], kernel=[kh, kw], stride=[rng.randint(1, 3), rng.randint(1, 3)], padding=pad,
                   mode=rng.choice(["max", "avg"]), count_include_pad=rng.random() < 0.5,
                   ceil_mode=pad != "same" and rng.random() < 0.4)
        try:
            p = FAM.parse(raw)
        except ParamError:
            continue
        from nnexam.questions.pooling import _out_size

        oh, ow = _out_size(p)
        g = [[[rng.randint(-3, 3) for _ in range(ow)] for _ in range(oh)] for _ in range(c)]
        raw["grad_output"] = g if c > 1 else g[0]
        return FAM.parse(raw)


def _floats(x) -> list:
    return [_floats(v) for v in x] if isinstance(x, tuple) else float(x)


def _batch(p, value):
    """(1, C, H, W) float64 from a matrix or list of matrices."""
    import torch

    t = torch.tensor(_floats(value), dtype=torch.float64)
    return (t.unsqueeze(0) if t.dim() == 3 else t.unsqueeze(0).unsqueeze(0))


def _torch_pool(p, x):
    """PyTorch's own pooling for integer padding; for 'same' an explicit pad (-inf for a max; for an
    average, a pooled mask of real cells divides the pooled sum)."""
    import torch
    import torch.nn.functional as F
    from nnexam.questions.pooling import _geometry

    kh, kw, sh, sw, (top, bottom), (left, right), ceil = _geometry(p)
    if p.padding != "same":
        pad = (top, left)
        if p.mode == "max":
            return F.max_pool2d(x, (kh, kw), (sh, sw), pad, ceil_mode=ceil)
        return F.avg_pool2d(x, (kh, kw), (sh, sw), pad, ceil_mode=ceil, count_include_pad=p.count_include_pad)
    if p.mode == "max":
        return F.max_pool2d(F.pad(x, (left, right, top, bottom), value=float("-inf")), (kh, kw), (sh, sw))
    total = F.avg_pool2d(F.pad(x, (left, right, top, bottom)), (kh, kw), (sh, sw), divisor_override=1)
    count = F.avg_pool2d(F.pad(torch.ones_like(x), (left, right, top, bottom)), (kh, kw), (sh, sw), divisor_override=1)
    return total / count


def _matrices(value) -> list:
    return _floats(value) if isinstance(value[0][0], tuple) else [_floats(value)]


def _assert_close(got, exact, where) -> None:
    import numpy as np

    want = np.array(_matrices(exact))
    assert got.shape == want.shape, (got.shape, want.shape, where)
    assert np.allclose(got, want, rtol=1e-12, atol=1e-12), (got.tolist(), want.tolist(), where)


@pytest.mark.torch
def test_differential_against_torch_pooling_and_autograd(one_thread):
    rng = random.Random(31)
    for i in range(DIFF_N):
        p = FAM.draw(rng, options={"gradient": "always"}) if i % 4 == 0 else _random_params(rng)
        answer = FAM.solve(p)
        x = _batch(p, p.input).requires_grad_(True)
        y = _torch_pool(p, x)
        _assert_close(y[0].detach().numpy(), answer["output"], (i, p))
        y.backward(_batch(p, p.grad_output))
        _assert_close(x.grad[0].numpy(), answer["input_gradient"], (i, p))


@pytest.mark.keras
def test_differential_against_keras_pooling_layers(one_thread):
    """Keras' MaxPooling2D/AveragePooling2D with 'valid' and 'same'. On the torch backend Keras pads an
    odd 'same' by replicating the edge, which an average then counts (TensorFlow does not): those
    averages are checked against the explicit reference above instead."""
    import keras
    import numpy as np
    from nnexam.questions.pooling import _geometry

    rng = random.Random(32)
    checked = 0
    while checked < DIFF_N // 3:
        p = _random_params(rng)
        if p.padding not in ("same", "valid") or p.ceil_mode:
            continue
        kh, kw, sh, sw, rows, cols, _ = _geometry(p)
        if p.mode == "avg" and p.padding == "same" and (rows[0] != rows[1] or cols[0] != cols[1]):
            continue
        layer = (keras.layers.MaxPooling2D if p.mode == "max" else keras.layers.AveragePooling2D)(
            pool_size=(kh, kw), strides=(sh, sw), padding=p.padding, dtype="float64")
        x = np.array(_matrices(p.input)).transpose(1, 2, 0)[None]  # channels last
        got = np.asarray(keras.ops.convert_to_numpy(layer(x)))[0].transpose(2, 0, 1)
        _assert_close(got, FAM.solve(p)["output"], p)
        checked += 1


def test_cli_answer_json_and_bad_input():
    from click.testing import CliRunner

    from nnexam.cli import cli

    args = ["answer", "pooling", "--set", "input=[[1,2],[3,4]]", "--set", "kernel=2", "--set", "grad_output=[[5]]", "--json"]
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 0, r.output
    parts = json.loads(r.output)["parts"]
    assert parts["output"]["value"] == [[4]] and parts["input_gradient"]["exact"] == "[[0, 0], [0, 5]]"
    r = CliRunner().invoke(cli, ["answer", "pooling", "--set", "input=[[1,2],[3,4]]", "--set", "kernel=3"])
    assert r.exit_code == 1 and "kernel" in r.output and len(r.output.strip().splitlines()) == 1
