"""receptive-field: textbook stacks, mistakes, bad input, generator, and a differential test against
autograd: the nonzero input gradient of one output unit of an all-ones conv stack."""

from __future__ import annotations

import json
import os
import random

import pytest
from click.testing import CliRunner
from nnexam.questions import registry
from nnexam.questions.errors import NnexamError
from nnexam.questions.exact import params_json

FAM = registry.get("receptive-field")
DIFF_N = int(os.environ.get("NNEXAM_DIFF_N", "300"))



def conv(k, s=None, d=1, op="conv"):
    layer = {"kernel": k, "dilation": d, "op": op}
    if s is not None:
        layer["stride"] = s
    return layer


@pytest.mark.parametrize(
    "layers,rf,jump",
    [
        ([conv(3)], 3, 1),
        ([conv(3)] * 2, 5, 1),
        ([conv(3)] * 3, 7, 1),  # VGG: three 3x3 convs see 7x7
        ([conv(3), conv(3), conv(2, op="pool"), conv(3), conv(3), conv(2, op="pool")], 16, 4),  # VGG blocks 1-2
        ([conv(7, 2), conv(3, 2, op="pool")], 11, 4),  # ResNet stem
        ([conv(11, 4), conv(3, 2, op="pool"), conv(5)], 51, 8),  # AlexNet conv1-pool1-conv2
        ([conv(3, d=1), conv(3, d=2), conv(3, d=4)], 15, 1),  # Yu & Koltun: 3, 7, 15
        ([conv(2, d=1), conv(2, d=2), conv(2, d=4), conv(2, d=8)], 16, 1),  # WaveNet block
        ([conv(1, 2)], 1, 2),
    ],
    ids=["one-3x3", "two-3x3", "vgg-three-3x3", "vgg-blocks", "resnet-stem", "alexnet", "dilated-context",
         "wavenet", "strided-1x1"],
)
def test_textbook(layers, rf, jump):
    a = FAM.solve(FAM.parse({"layers": layers}))
    assert (a["rf"], a["jump"]) == (rf, jump)


def test_steps_show_the_recurrence():
    from nnexam.questions import doc

    text = doc.plain(FAM.solve(FAM.parse({"layers": [conv(7, 2), conv(3, 2, op="pool"), conv(3, d=2)]})).steps)
    assert "11 + 4 · 4 = 27" in text and "2 · (3 - 1) + 1 = 5" in text


def test_mistakes_are_named_and_differ():
    p = FAM.parse({"layers": [conv(3, 2), conv(3, d=2), conv(3)]})
    a = FAM.solve(p)
    assert (a["rf"], a["jump"]) == (15, 2)
    wrong = {m.id: w for m, w in FAM.mistake_answers(p)}
    assert wrong == {"forgot-dilation": {"rf": 11}, "forgot-jump": {"rf": 9}, "multiplied-kernels": {"rf": 45},
                     "off-by-one": {"rf": 14}}
    assert FAM.distinguishable(p, a) is None
    plain = FAM.parse({"layers": [conv(3)]})
    assert [m.id for m, _ in FAM.mistake_answers(plain)] == ["off-by-one"]


@pytest.mark.parametrize(
    "raw,param",
    [
        ({"layers": []}, "layers"),
        ({"layers": [{"kernel": 0}]}, r"layers\[1\]\.kernel"),
        ({"layers": [{"kernel": 3}, {"kernel": 2.5}]}, r"layers\[2\]\.kernel"),
        ({"layers": [{"kernel": 3, "stride": -1}]}, r"layers\[1\]\.stride"),
        ({"layers": [{"kernel": 3, "op": "max"}]}, r"layers\[1\]\.op"),
        ({"layers": [{"stride": 2}]}, r"layers\[1\]\.kernel"),
        ({"layers": [{"kernel": 3, "padding": 1}]}, r"layers\[1\]\.padding"),
        ({"layers": "conv3"}, "layers"),
        ({}, "layers"),
    ],
    ids=["empty", "kernel-0", "float-kernel", "negative-stride", "unknown-op", "no-kernel", "unknown-key",
         "not-a-list", "missing"],
)
def test_bad_params_name_the_parameter(raw, param):
    with pytest.raises(NnexamError, match=param):
        FAM.parse(raw)


def test_cli_error_is_one_line():
    from nnexam.cli import cli

    r = CliRunner().invoke(cli, ["answer", "receptive-field", "--set", 'layers=[{"kernel": 0}]'])
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1 and "layers[1].kernel" in r.output


def test_generator_is_seeded_and_valid():
    a = [FAM.draw(random.Random(s)) for s in range(60)]
    assert a == [FAM.draw(random.Random(s)) for s in range(60)]
    assert len(set(a)) > 55
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p  # exam files store params as JSON
        assert 2 <= len(p.layers) <= 4


def _extent(layers: list[dict], dims: int) -> tuple[int, int]:
    """(receptive field, jump) measured by autograd: all-ones weights, gradient of one central output unit."""
    import torch
    import torch.nn.functional as F

    rf = FAM.solve(FAM.parse({"layers": layers}))
    n = int(rf["rf"]) + 4 * int(rf["jump"]) + 3
    x = torch.zeros((1, 1) + (n,) * dims, dtype=torch.float64, requires_grad=True)
    y = x
    for layer in layers:
        s = layer.get("stride", layer["kernel"] if layer["op"] == "pool" else 1)
        w = torch.ones((1, 1) + (layer["kernel"],) * dims, dtype=torch.float64)
        conv = F.conv1d if dims == 1 else F.conv2d
        y = conv(y, w, stride=s, dilation=layer["dilation"])  # a pool sees the same window as an all-ones conv
    mid = y.shape[-1] // 2
    unit = y[0, 0, mid] if dims == 1 else y[0, 0, mid, mid]
    (g,) = torch.autograd.grad(unit, x, retain_graph=True)
    nz = g[0, 0].nonzero()
    extent = int(nz[:, -1].max() - nz[:, -1].min() + 1)
    if dims == 2:
        assert int(nz[:, 0].max() - nz[:, 0].min() + 1) == extent
    # the jump: the neighbouring unit's field starts `jump` pixels later
    if y.shape[-1] > mid + 1:
        nxt = y[0, 0, mid + 1] if dims == 1 else y[0, 0, mid, mid + 1]
        (g2,) = torch.autograd.grad(nxt, x)
        jump = int(g2[0, 0].nonzero()[:, -1].min() - nz[:, -1].min())
    else:
        jump = -1
    return extent, jump


def _random_stack(rng: random.Random) -> list[dict]:
    layers = []
    for _ in range(rng.randint(1, 5)):
        if rng.random() < 0.25:
            layers.append(conv(rng.randint(1, 3), rng.choice((None, 1, 2)), rng.choice((1, 1, 2)), op="pool"))
        else:
            layers.append(conv(rng.randint(1, 5), rng.choice((None, 1, 2, 3)), rng.choice((1, 1, 2, 3))))
    return layers


@pytest.mark.torch
def test_differential_against_autograd_1d(one_thread):
    rng = random.Random(21)
    jumps = 0
    for _ in range(DIFF_N):
        layers = _random_stack(rng)
        a = FAM.solve(FAM.parse({"layers": layers}))
        extent, jump = _extent(layers, 1)
        assert extent == a["rf"], layers
        assert jump in (-1, a["jump"]), layers
        jumps += jump != -1
    assert jumps > 0.9 * DIFF_N


@pytest.mark.torch
def test_differential_against_autograd_2d(one_thread):
    rng = random.Random(22)
    for _ in range(25):
        layers = _random_stack(rng)
        a = FAM.solve(FAM.parse({"layers": layers}))
        assert _extent(layers, 2)[0] == a["rf"], layers
