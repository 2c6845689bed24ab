"""conv-cost: textbook layers (VGG, MobileNet), mistakes, follow-on, bad input, the generator, and a
differential test against PyTorch: ``nn.Conv2d``'s output shape and parameters' ``numel()``, and
``FlopCounterMode``'s FLOPs (``NNEXAM_DIFF_N`` instances, 300 by default)."""

from __future__ import annotations

import json
import os
import random

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from nnexam.questions import doc, registry
from nnexam.questions.errors import NnexamError, ParamError
from nnexam.questions.exact import params_json

from nnexam.cli import cli

FAM = registry.get("conv-cost")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))

# Anything a spec file or --set could hold: numbers, text, booleans, nulls, nested lists.
SCALARS = st.one_of(st.integers(-5, 5), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=4), st.booleans(), st.none())
JUNK = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4), max_leaves=16)


def solve(**raw):
    return FAM.solve(FAM.parse(raw)).as_dict()


@pytest.mark.parametrize(
    "raw,expected",
    [
        # VGG-16 conv1_1: 224x224x3 -> 64 filters 3x3 'same'; 1,792 parameters, 86.7 M MACs
        (dict(input=[224, 224, 3], filters=64, kernel=3, padding="same"),
         dict(output_shape=(224, 224, 64), params=1792, macs=86_704_128, flops=173_408_256, output_bytes=12_845_056)),
        # AlexNet conv1: 227x227x3, 96 filters 11x11 stride 4 -> 55x55x96, 34,944 parameters, 105.4 M MACs
        (dict(input=[227, 227, 3], filters=96, kernel=11, stride=4),
         dict(output_shape=(55, 55, 96), params=34_944, macs=105_415_200)),
        # MobileNet depthwise 3x3 on 112x112x32: 9 x 32 weights + 32 biases, 9 · 32 · 112² MACs
        (dict(input=[112, 112, 32], filters=32, kernel=3, padding=1, groups=32),
         dict(output_shape=(112, 112, 32), params=320, macs=3_612_672)),
        # pointwise 1x1, no bias, float16
        (dict(input=[7, 7, 512], filters=1024, kernel=1, bias=False, bytes_per_value=2),
         dict(params=524_288, macs=25_690_112, output_bytes=100_352)),
        # rectangular kernel and stride, dilation
        (dict(input=[10, 20, 2], filters=4, kernel=[3, 5], stride=[1, 2], dilation=2),
         dict(output_shape=(6, 6, 4), params=124, macs=6 * 6 * 4 * 30)),
    ],
    ids=["vgg-conv1", "alexnet-conv1", "depthwise", "pointwise-fp16", "rectangular"],
)
def test_textbook(raw, expected):
    got = solve(**raw)
    for k, v in expected.items():
        assert got[k] == v, k
    assert got["flops"] == 2 * got["macs"]


def test_steps_and_statement_show_the_counts():
    p = FAM.parse(dict(input=[32, 32, 3], filters=64, kernel=3, padding="same", stride=2))
    text = doc.plain(FAM.solve(p).steps)
    assert "params = 64 · 27 + 64 = 1792" in text and "MACs = 16 · 16 · 64 · 27 = 442368" in text
    assert "FLOPs = 2 · 442368 = 884736" in text
    st = doc.plain(FAM.statement(p))
    assert "32×32×3" in st and "64 filters" in st and "'same'" in st


NET = dict(input=[8, 8, 4], filters=8, kernel=3, groups=2)  # 6x6x8; C/g = 2; params 8·18 + 8 = 152; MACs 36·8·18 = 5184


@pytest.mark.parametrize(
    "raw,mistake,expected",
    [
        (NET, "flops-as-macs", {"flops": 5184}),
        (NET, "macs-as-flops", {"macs": 10368}),
        (NET, "forgot-input-channels", {"params": 8 * 9 + 8, "macs": 36 * 8 * 9, "flops": 2 * 36 * 8 * 9}),
        (NET, "forgot-groups", {"params": 8 * 36 + 8, "macs": 36 * 8 * 36, "flops": 2 * 36 * 8 * 36}),
        (NET, "bias-in-flops", {"flops": 10368 + 36 * 8}),
        (NET, "forgot-bias-params", {"params": 144}),
        (dict(NET, bias=False), "bias-without-bias", {"params": 152}),
        (NET, "input-size-for-macs", {"macs": 64 * 8 * 18, "flops": 2 * 64 * 8 * 18}),
        (NET, "values-not-bytes", {"output_bytes": 288}),
        (dict(NET, stride=2), "forgot-stride", {"output_shape": (6, 6, 8), "macs": 5184, "flops": 10368, "output_bytes": 1152}),
        (dict(NET, padding=1), "forgot-padding", {"output_shape": (6, 6, 8), "macs": 5184, "flops": 10368, "output_bytes": 1152}),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_each_mistake_is_recognised(raw, mistake, expected):
    p = FAM.parse(raw)
    wrong = {m.id: w for m, w in FAM.mistake_answers(p)}
    assert wrong[mistake] == expected
    assert FAM.distinguishable(p, FAM.solve(p)) is None


def test_mistakes_apply_only_where_they_can():
    p = FAM.parse(dict(input=[8, 8, 1], filters=2, kernel=1, bias=False, bytes_per_value=1))
    ids = {m.id for m, _ in FAM.mistake_answers(p)}
    assert not ids & {"forgot-input-channels", "forgot-groups", "bias-in-flops", "forgot-bias-params",
                      "input-size-for-macs", "values-not-bytes"}
    assert {"flops-as-macs", "macs-as-flops", "bias-without-bias"} <= ids


def test_follow_on_uses_the_students_own_values():
    p = FAM.parse(NET)
    out = FAM.follow_on(p, {"output_shape": (7, 7, 8), "macs": 1000})
    assert out == {"macs": 7 * 7 * 8 * 18, "output_bytes": 7 * 7 * 8 * 4, "flops": 2000}
    assert FAM.follow_on(p, {"output_shape": (7, 7), "macs": "x"}) == {}


@pytest.mark.parametrize(
    "raw,fragment",
    [
        (dict(input=[8, 8], filters=2, kernel=3), "input"),
        (dict(input=[8, 8, 3], filters=4, kernel=3, groups=2), "a divisor of both the input channels C=3"),
        (dict(input=[4, 4, 3], filters=4, kernel=5), "kernel"),
        (dict(input=[8, 8, 3], filters=0, kernel=3), "filters"),
        (dict(input=[8, 8, 3], filters=2, kernel=3, padding="full"), "padding"),
        (dict(input=[8, 8, 3], kernel=3), "filters"),
        (dict(input=[8, 8, 3], filters=2, kernel=3, bias="maybe"), "bias"),
    ],
    ids=["two-dims", "groups", "too-big-kernel", "no-filters", "padding", "missing", "bias"],
)
def test_bad_input_names_the_parameter(raw, fragment):
    with pytest.raises(NnexamError) as err:
        FAM.parse(raw)
    assert fragment in str(err.value)


@given(input=JUNK, filters=JUNK, kernel=JUNK, stride=JUNK, padding=st.one_of(JUNK, st.sampled_from(["same", "valid"])),
       groups=JUNK, bias=JUNK)
@settings(max_examples=100, deadline=None, derandomize=True)
def test_junk_input_is_a_clear_error_or_an_answer(input, filters, kernel, stride, padding, groups, bias):
    try:
        p = FAM.parse({"input": input, "filters": filters, "kernel": kernel, "stride": stride, "padding": padding,
                       "groups": groups, "bias": bias})
    except NnexamError:
        return
    assert FAM.solve(p).names() == ["output_shape", "params", "macs", "flops", "output_bytes"]


def test_cli_answer_and_bad_input():
    r = CliRunner().invoke(cli, ["answer", "conv-cost", "--set", "input=[32,32,3]", "--set", "filters=64", "--set", "kernel=3",
                                 "--set", "padding=same", "--json"])
    assert r.exit_code == 0, r.output
    parts = json.loads(r.output)["parts"]
    assert parts["params"]["value"] == 1792 and parts["output_shape"]["value"] == [32, 32, 64]
    r = CliRunner().invoke(cli, ["answer", "conv-cost", "--set", "input=[8,8,3]", "--set", "filters=4", "--set", "kernel=3",
                                 "--set", "groups=2"])
    assert r.exit_code == 1 and "groups" in r.output and len(r.output.strip().splitlines()) == 1


def test_generator_is_seeded_and_every_mistake_shows():
    a = [FAM.draw(random.Random(s)) for s in range(200)]
    assert a == [FAM.draw(random.Random(s)) for s in range(200)]
    assert len(set(a)) > 150
    assert any(p.groups > 1 for p in a) and any(p.groups == p.input[2] > 1 for p in a)
    assert any(p.bias for p in a) and any(not p.bias for p in a)
    for p in a:
        right = FAM.solve(p).as_dict()
        for m, wrong in FAM.mistake_answers(p):
            assert any(wrong[k] != right[k] for k in wrong), (m.id, p)
    with pytest.raises(ParamError, match="options"):
        FAM.draw(random.Random(0), options={"channels": [1], "groups": "always"})
    only = FAM.draw(random.Random(3), options={"groups": "never", "bias": "false", "bytes": [2]})
    assert only.groups == 1 and not only.bias and only.bytes_per_value == 2


def test_drawn_params_round_trip_through_json():
    for s in range(30):
        p = FAM.draw(random.Random(s))
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p


# --- differential test against PyTorch --------------------------------------------------------


def _random_layer(rng: random.Random) -> dict:
    c = rng.choice([1, 2, 3, 4, 6, 8])
    g = rng.choice([d for d in range(1, c + 1) if c % d == 0])
    f = g * rng.randint(1, 4)
    pair = lambda lo, hi: rng.randint(lo, hi) if rng.random() < 0.7 else [rng.randint(lo, hi), rng.randint(lo, hi)]  # noqa: E731
    return dict(input=[rng.randint(1, 24), rng.randint(1, 24), c], filters=f, kernel=pair(1, 5), stride=pair(1, 3),
                padding=rng.choice([0, 1, 2, "same", "valid", [0, 2]]), dilation=pair(1, 2), groups=g,
                bias=rng.random() < 0.5, bytes_per_value=rng.choice([1, 2, 4, 8]))


@pytest.mark.torch
def test_differential_against_torch(one_thread):
    import torch
    import torch.nn.functional as F
    from nnexam.questions.conv_arith import same_padding
    from torch.utils.flop_counter import FlopCounterMode

    rng = random.Random(20261205)
    checked = 0
    while checked < DIFF_N:
        raw = _random_layer(rng)
        try:
            p = FAM.parse(raw)
        except ParamError as err:
            assert "kernel" in str(err)
            continue
        got = FAM.solve(p).as_dict()
        two = lambda v: tuple(v) if isinstance(v, tuple) else (v, v)  # noqa: E731
        (kh, kw), (sh, sw), (dh, dw) = two(p.kernel), two(p.stride), two(p.dilation)
        h, w, c = p.input
        x = torch.zeros(1, c, h, w, dtype=torch.float64)
        if p.padding == "same":
            (top, bottom), (left, right) = same_padding(h, kh, sh, dh), same_padding(w, kw, sw, dw)
            x, pad = F.pad(x, (left, right, top, bottom)), 0
        else:
            pad = 0 if p.padding == "valid" else two(p.padding)
        conv = torch.nn.Conv2d(c, p.filters, (kh, kw), (sh, sw), pad, (dh, dw), p.groups, bias=p.bias, dtype=torch.float64)
        with FlopCounterMode(display=False) as counter:
            y = conv(x)
        assert got["output_shape"] == (y.shape[2], y.shape[3], y.shape[1]), raw
        assert got["params"] == sum(t.numel() for t in conv.parameters()), raw
        assert got["flops"] == counter.get_total_flops(), raw
        assert got["macs"] * 2 == got["flops"]
        assert got["output_bytes"] == y.numel() * p.bytes_per_value
        checked += 1


def test_the_grader_carries_a_wrong_shape_forward():
    from grader_keys import key_data
    from nnexam.grader.judge import judge_student
    from nnexam.grader.key import parse_key

    key = parse_key(key_data([{"id": "q1", "type": "conv-cost", "points": 5, "params": NET}]), "key.json")
    answers = {"q1.output_shape": "[7, 7, 8]", "q1.params": "152", "q1.macs": str(7 * 7 * 8 * 18),
               "q1.flops": str(2 * 7 * 7 * 8 * 18), "q1.output_bytes": str(7 * 7 * 8 * 4)}
    got = {p.part: p for p in judge_student(key, key.variant("s"), "s", answers).parts}
    assert got["q1.output_shape"].verdict == "incorrect" and got["q1.params"].verdict == "correct"
    assert all(got[k].verdict == "correct" and got[k].carried_forward for k in ("q1.macs", "q1.flops", "q1.output_bytes"))
    answers["q1.macs"] = "5184"  # right MACs, FLOPs as MACs: the known mistake
    got = {p.part: p for p in judge_student(key, key.variant("s"), "s", dict(answers, **{"q1.flops": "5184"})).parts}
    assert got["q1.flops"].mistake == "flops-as-macs"


@pytest.mark.parametrize("type_id", ["conv-cost", "classification-metrics"])
def test_answer_never_imports_sympy(type_id):
    """The integer and Fraction families start without sympy (~0.5 s of imports)."""
    from test_startup import _fresh

    out, loaded = _fresh(["answer", type_id, "--seed", "3", "--json"])
    assert not loaded and json.loads(out)["type"] == type_id


@pytest.mark.keras
def test_differential_against_keras_conv2d():
    """Keras' own 'same'/'valid' output shapes and count_params (the torch test pads 'same' by our rule)."""
    import keras

    rng = random.Random(7)
    checked = 0
    while checked < max(DIFF_N // 3, 50):
        raw = _random_layer(rng)
        raw["padding"] = rng.choice(["same", "valid"])
        if raw["dilation"] != 1 and raw["stride"] != 1:
            raw["stride"] = 1  # Keras refuses strides > 1 with dilation > 1
        try:
            p = FAM.parse(raw)
        except ParamError:
            continue
        got = FAM.solve(p).as_dict()
        layer = keras.layers.Conv2D(p.filters, p.kernel, strides=p.stride, padding=p.padding, dilation_rate=p.dilation,
                                    groups=p.groups, use_bias=p.bias)
        shape = layer.compute_output_shape((1, *p.input))
        layer.build((1, *p.input))
        assert got["output_shape"] == tuple(shape[1:]), raw
        assert got["params"] == layer.count_params(), raw
        checked += 1
