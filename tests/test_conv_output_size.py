"""conv-output-size: textbook cases, mistakes, follow-on, bad input, generator, and differential
tests against real PyTorch modules (nn.Conv2d, nn.MaxPool2d with dilation and ceil_mode) and Keras layers
(Conv2D, MaxPooling2D, AveragePooling2D, 'same'/'valid')."""

from __future__ import annotations

import functools
import json
import os
import random

import pytest
from click.testing import CliRunner
from nnexam.questions import registry
from nnexam.questions.errors import NnexamError, ParamError
from nnexam.questions.exact import params_json

FAM = registry.get("conv-output-size")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))


LENET = [{"kernel": 5}, {"op": "pool", "kernel": 2}, {"kernel": 5}, {"op": "pool", "kernel": 2}]


def solve(**raw):
    a = FAM.solve(FAM.parse(raw))
    return a["output"], a["sizes"]


@pytest.mark.parametrize(
    "raw,output",
    [
        ({"input": 28, "kernel": 5}, 24),
        ({"input": [224, 224], "kernel": 7, "stride": 2, "padding": 3}, (112, 112)),
        ({"input": [112, 112], "op": "pool", "kernel": 3, "stride": 2, "padding": 1}, (56, 56)),
        ({"input": 227, "kernel": 11, "stride": 4}, 55),
        ({"input": 28, "op": "pool", "kernel": 2}, 14),
        ({"input": 7, "op": "pool", "kernel": 2}, 3),
        ({"input": 7, "op": "pool", "kernel": 2, "ceil_mode": True}, 4),
        ({"input": 5, "op": "pool", "kernel": 2, "stride": 2, "padding": 1, "ceil_mode": True}, 3),
        ({"input": 32, "kernel": 3, "stride": 2, "padding": "same"}, 16),
        ({"input": 7, "kernel": 3, "stride": 2, "padding": "same"}, 4),
        ({"input": 7, "kernel": 3, "stride": 2, "padding": "valid"}, 3),
        ({"input": 7, "kernel": 3, "dilation": 2}, 3),
        ({"input": [32, 30], "kernel": [5, 3], "stride": [1, 2]}, (28, 14)),
        ({"input": [32, 32], "layers": LENET}, (5, 5)),
    ],
    ids=["mnist-5x5", "resnet-stem", "resnet-pool", "alexnet", "pool-2", "pool-odd", "ceil-mode", "ceil-mode-drop",
         "same-s2", "same-odd", "valid-s2", "dilated", "rect", "lenet"],
)
def test_textbook(raw, output):
    assert solve(**raw)[0] == output


def test_sizes_after_each_layer():
    out, sizes = solve(input=[32, 32], layers=LENET)
    assert sizes == ((28, 28), (14, 14), (10, 10), (5, 5))
    out, sizes = solve(input=32, layers=LENET)
    assert out == 5 and sizes == (28, 14, 10, 5)


def test_steps_show_the_floor():
    from nnexam.questions import doc

    a = FAM.solve(FAM.parse({"input": 224, "kernel": 7, "stride": 2, "padding": 3}))
    assert "floor((224 + 2 · 3 - 7)/(2)) + 1 = floor((223)/(2)) + 1 = 111 + 1 = 112" in doc.plain(a.steps)


def test_mistakes_are_named_and_differ():
    p = FAM.parse({"input": 224, "kernel": 7, "stride": 2, "padding": 3})
    wrong = {m.id: w["output"] for m, w in FAM.mistake_answers(p)}
    assert wrong == {"used-ceil": 113, "forgot-padding": 109, "padding-once": 111, "forgot-plus-one": 111}
    p = FAM.parse({"input": 30, "layers": [{"kernel": 3, "stride": 2, "padding": "same"}, {"op": "pool", "kernel": 2},
                                            {"kernel": 3, "dilation": 2}]})
    wrong = {m.id: w for m, w in FAM.mistake_answers(p)}
    assert FAM.solve(p)["sizes"] == (15, 7, 3)
    assert wrong["same-means-input"]["sizes"] == (30, 15, 11)
    assert wrong["pool-stride-one"]["sizes"] == (15, 14, 10)
    assert wrong["forgot-dilation"]["sizes"] == (15, 7, 5)
    assert wrong["used-ceil"]["sizes"] == (15, 8, 4)
    assert wrong["forgot-padding"]["sizes"] == (14, 7, 3)
    c = FAM.parse({"input": 7, "op": "pool", "kernel": 2, "ceil_mode": True})
    assert {m.id: w["output"] for m, w in FAM.mistake_answers(c)}["forgot-ceil-mode"] == 3


def test_follow_on_from_students_sizes():
    p = FAM.parse({"input": [32, 32], "layers": LENET})
    assert FAM.follow_on(p, {"sizes": [[27, 27], [13, 13], [9, 9], [4, 4]]}) == {
        "output": (4, 4), "sizes": ((28, 28), (13, 13), (9, 9), (4, 4))}
    assert FAM.follow_on(p, {"sizes": [[28, 28]]}) == {}
    assert FAM.follow_on(p, {"sizes": "nonsense"}) == {}
    q = FAM.parse({"input": 32, "layers": LENET})
    assert FAM.follow_on(q, {"sizes": [27, 13, 9, 4]})["sizes"] == (28, 13, 9, 4)


@pytest.mark.parametrize(
    "raw,param",
    [
        ({"input": 4, "kernel": 5}, "kernel"),
        ({"input": 8, "kernel": 3, "dilation": 4}, "kernel"),
        ({"input": 28, "layers": [{"kernel": 5}, {"kernel": 30}]}, r"layers\[2\]\.kernel"),
        ({"input": 28, "kernel": 3, "padding": -1}, "padding"),
        ({"input": 28, "kernel": 3, "padding": "full"}, "padding"),
        ({"input": 28.5, "kernel": 3}, "input"),
        ({"input": "abc", "kernel": 3}, "input"),
        ({"input": [28, 28, 3], "kernel": 3}, "input"),
        ({"input": 28, "kernel": 2.5}, "kernel"),
        ({"input": 28, "kernel": 3, "stride": 0}, "stride"),
        ({"input": 28, "kernel": [3, 3]}, "kernel"),
        ({"input": 28}, "kernel"),
        ({"input": 28, "kernel": 3, "layers": [{"kernel": 3}]}, "layers"),
        ({"input": 28, "kernel": 3, "ceil_mode": True}, "ceil_mode"),
        ({"input": 28, "op": "pool", "kernel": 2, "padding": 2}, "padding"),
        ({"input": 28, "op": "pool", "kernel": 2, "padding": "same", "ceil_mode": True}, "padding"),
        ({"input": 28, "layers": [{"kernel": 3, "size": 2}]}, r"layers\[1\]\.size"),
        ({"input": 28, "layers": []}, "layers"),
    ],
    ids=["kernel-too-big", "dilated-too-big", "stack-too-deep", "negative-padding", "bad-padding", "float-size",
         "text-size", "three-dims", "float-kernel", "stride-0", "pair-for-1d", "no-kernel", "both-forms",
         "ceil-mode-conv", "pool-padding", "ceil-same", "unknown-key", "empty-stack"],
)
def test_bad_params_name_the_parameter(raw, param):
    with pytest.raises(NnexamError, match=param):  # ParamError, or UnknownNameError for an unknown key
        FAM.parse(raw)


def test_cli_error_is_one_line():
    from nnexam.cli import cli

    r = CliRunner().invoke(cli, ["answer", "conv-output-size", "--set", "input=4", "--set", "kernel=5"])
    assert r.exit_code == 1
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    assert "parameter 'kernel'" in r.output and "span 5" in r.output


def test_generator_is_seeded_and_valid():
    a = [FAM.draw(random.Random(s)) for s in range(60)]
    assert a == [FAM.draw(random.Random(s)) for s in range(60)]
    assert len({repr(p) for p in a}) > 55
    assert any(p.layers is None for p in a) and any(p.layers is not None for p in a)
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p  # exam files store params as JSON
    for s in range(30):
        p = FAM.draw(random.Random(s), options={"divides": True, "dims": 1, "layers_min": 2, "layers_max": 4})
        assert isinstance(p.input, int)
        assert all(m.id != "used-ceil" for m, _ in FAM.mistake_answers(p))
        p = FAM.draw(random.Random(s), options={"ceil_mode": True, "square": False, "layers_min": 3})
        assert FAM.distinguishable(p, FAM.solve(p)) is None


def _random_layers(rng: random.Random, *, keras_padding: bool) -> list[dict]:
    layers = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.35:
            k = rng.randint(1, 4)
            layer = {"op": "pool", "kernel": k}
            if rng.random() < 0.5:
                layer["stride"] = rng.randint(1, 3)
            if keras_padding:
                layer["padding"] = rng.choice(("same", "valid"))
            else:
                layer["padding"] = rng.randint(0, k // 2)
                layer["ceil_mode"] = rng.random() < 0.5
                layer["dilation"] = rng.choice((1, 1, 2))
        else:
            layer = {"kernel": rng.randint(1, 7), "stride": rng.randint(1, 3), "dilation": rng.choice((1, 1, 2, 3))}
            layer["padding"] = rng.choice(("same", "valid")) if keras_padding else rng.randint(0, 3)
            if keras_padding and layer["stride"] > 1:
                layer["dilation"] = 1  # Keras rejects strides > 1 with dilation_rate > 1
        layers.append(layer)
    return layers


@pytest.mark.torch
def test_differential_against_torch_modules(one_thread):
    import torch
    from torch import nn

    def module(layer: dict) -> nn.Module:
        if layer.get("op") == "pool":
            return nn.MaxPool2d(layer["kernel"], layer.get("stride"), layer["padding"], layer["dilation"],
                                ceil_mode=layer["ceil_mode"])
        return nn.Conv2d(1, 1, layer["kernel"], layer["stride"], layer["padding"], layer["dilation"], bias=False)

    rng = random.Random(3)
    checked = errors = 0
    with torch.no_grad():
        while checked < DIFF_N:
            h, w = rng.randint(1, 48), rng.randint(1, 48)
            layers = _random_layers(rng, keras_padding=False)
            try:
                shapes = []
                x = torch.zeros(1, 1, h, w)
                for layer in layers:
                    x = module(layer)(x)
                    shapes.append(tuple(x.shape[2:]))
            except RuntimeError:
                with pytest.raises(ParamError, match="kernel"):
                    FAM.parse({"input": [h, w], "layers": layers})
                errors += 1
                continue
            a = FAM.solve(FAM.parse({"input": [h, w], "layers": layers}))
            assert a["sizes"] == tuple(shapes), (h, w, layers)
            one_d = FAM.solve(FAM.parse({"input": h, "layers": layers}))
            assert one_d["output"] == shapes[-1][0]
            checked += 1
    assert errors > 10  # the kernel-too-big path was exercised too


@pytest.mark.torch
def test_torch_same_and_valid_strings_stride_one(one_thread):
    from torch import nn

    rng = random.Random(5)
    for _ in range(50):
        n, k, d = rng.randint(1, 30), rng.randint(1, 6), rng.randint(1, 3)
        pad = rng.choice(("same", "valid"))
        try:
            out = nn.Conv2d(1, 1, k, 1, pad, d)(__import__("torch").zeros(1, 1, n, n)).shape[-1]
        except RuntimeError:
            continue
        assert solve(input=n, kernel=k, padding=pad, dilation=d)[0] == out


@pytest.mark.keras
def test_differential_against_keras_layers():
    import keras

    @functools.cache
    def keras_layer(key: tuple) -> keras.layers.Layer:  # layers are slow to build; configurations repeat
        op, kernel, stride, padding, dilation = key
        if op == "pool":
            cls = keras.layers.MaxPooling2D if kernel % 2 else keras.layers.AveragePooling2D
            return cls(kernel, stride, padding=padding)
        return keras.layers.Conv2D(1, kernel, stride, padding=padding, dilation_rate=dilation)

    def layer_of(layer: dict) -> keras.layers.Layer:
        return keras_layer((layer.get("op"), layer["kernel"], layer.get("stride"), layer["padding"], layer.get("dilation")))

    rng = random.Random(4)
    checked = 0
    while checked < DIFF_N:
        h, w = rng.randint(1, 48), rng.randint(1, 48)
        layers = _random_layers(rng, keras_padding=True)
        shape, sizes = (None, h, w, 1), []
        try:
            for layer in layers:
                shape = layer_of(layer).compute_output_shape(shape)
                sizes.append(tuple(shape[1:3]))
                if min(shape[1:3]) < 1:
                    raise ValueError(f"empty output {shape}")
        except ValueError:  # Keras: the window does not fit
            with pytest.raises(ParamError, match="kernel"):
                FAM.parse({"input": [h, w], "layers": layers})
            continue
        assert FAM.solve(FAM.parse({"input": [h, w], "layers": layers}))["sizes"] == tuple(sizes), (h, w, layers)
        checked += 1


@pytest.mark.keras
def test_a_few_keras_layers_really_run():
    import keras
    import numpy as np

    rng = random.Random(8)
    for _ in range(8):
        h, w = rng.randint(4, 20), rng.randint(4, 20)
        layers = _random_layers(rng, keras_padding=True)
        try:
            p = FAM.parse({"input": [h, w], "layers": layers})
        except ParamError:
            continue
        model = keras.Sequential([keras.Input((h, w, 1))] + [
            keras.layers.MaxPooling2D(x["kernel"], x.get("stride"), padding=x["padding"]) if x.get("op") == "pool"
            else keras.layers.Conv2D(1, x["kernel"], x["stride"], padding=x["padding"], dilation_rate=x["dilation"])
            for x in layers])
        y = model(np.zeros((1, h, w, 1), dtype="float32"))
        assert FAM.solve(p)["output"] == tuple(y.shape[1:3])
