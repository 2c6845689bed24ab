"""param-count: textbook instances, every known mistake, the generator, the CLI, and drawn exam models
rebuilt in Keras."""

from __future__ import annotations

import json
import random

import pytest
from click.testing import CliRunner
from nnexam.questions import doc, registry
from nnexam.questions.errors import ParamError

from nnexam.cli import cli

FAM = registry.get("param-count")

MNIST = """model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
    layers.MaxPooling2D(pool_size=(2, 2)),
    layers.Flatten(),
    layers.Dropout(0.5),
    layers.Dense(num_classes, activation="softmax"),
])"""

CNN = 'm = Sequential([Input((8, 8, 3)), Conv2D(4, 3, padding="same"), BatchNormalization(), MaxPooling2D(), Flatten(), Dense(5)])'
RNN = "m = Sequential([Input((10, 3)), LSTM(4, return_sequences=True), GRU(2)])"
SEP = "m = Sequential([Input((5, 5, 2)), SeparableConv2D(4, 3)])"


def test_mnist_convnet_parts_and_steps():
    p = FAM.parse({"model": MNIST, "bindings": {"num_classes": 10}})
    a = FAM.solve(p)
    assert (a["total"], a["trainable"], a["non_trainable"]) == (34826, 34826, 0)
    assert a["layers"][0] == {"name": "conv2d", "type": "Conv2D", "output_shape": (26, 26, 32), "params": 320}
    assert a["layers"][-1]["params"] == 16010
    text = doc.plain(a.steps)
    assert "(3*3*1 + 1)*32 = 320" in text and "(3*3*32 + 1)*64 = 18496" in text and "(1600 + 1)*10 = 16010" in text
    assert "320 + 18,496 + 16,010 = 34,826" in text
    statement = FAM.statement(p)
    assert any(isinstance(b, doc.Code) and "Conv2D(32" in b.text for b in statement)
    assert "num_classes = 10" in doc.plain(statement)


@pytest.mark.parametrize(
    "model,expected",
    [
        (CNN, {"forgot-bias": 444, "forgot-fan-in": 66, "forgot-bn-non-trainable": 445, "bn-all-trainable": 453,
               "counted-pooling-params": 469, "flatten-size-wrong": 213, "forgot-padding": 313}),
        (RNN, {"forgot-bias": 176 - 4 * 4 - 3 * 2 * 2, "forgot-fan-in": None, "lstm-forgot-gates": 48, "gru-one-bias": 170}),
        (SEP, {"separable-as-full-conv": 76, "forgot-fan-in": 9 + 4 + 4, "forgot-bias": 26}),
    ],
    ids=["cnn", "rnn", "separable"],
)  # fmt: skip
def test_mistakes_give_their_totals(model, expected):
    p = FAM.parse({"model": model})
    wrong = {m.id: w for m, w in FAM.mistake_answers(p)}
    for mid, total in expected.items():
        if total is None:
            assert mid not in wrong
        else:
            assert wrong[mid]["total"] == total, mid
    assert set(wrong) <= set(expected) | {"forgot-bias", "forgot-fan-in"}
    assert FAM.distinguishable(p, FAM.solve(p)) is None


def test_bn_mistakes_change_the_split():
    p = FAM.parse({"model": CNN})
    wrong = {m.id: w for m, w in FAM.mistake_answers(p)}
    assert (wrong["bn-all-trainable"]["trainable"], wrong["bn-all-trainable"]["non_trainable"]) == (453, 0)
    assert wrong["forgot-bn-non-trainable"]["non_trainable"] == 0
    assert FAM.solve(p)["non_trainable"] == 8


def test_every_mistake_has_a_message():
    assert {m.id for m in FAM.mistakes} >= {"forgot-bias", "forgot-fan-in", "forgot-bn-non-trainable", "counted-pooling-params",
                                             "flatten-size-wrong", "lstm-forgot-gates"}  # fmt: skip
    assert all(m.message.endswith(".") for m in FAM.mistakes)


def test_tables_vgg_and_torch_sources():
    tables = json.dumps([{"type": "Dense", "units": 3}, {"type": "Dense", "units": 1}])
    p = FAM.parse({"model": tables, "input_shape": "[4]"})
    assert FAM.solve(p)["total"] == 15 + 4
    assert any(isinstance(b, doc.Table) for b in FAM.statement(p))
    assert FAM.solve(FAM.parse({"model": "VGG-16"}))["total"] == 138357544
    torch = FAM.parse({"model": "from torch import nn\nm = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1))"})
    assert FAM.solve(torch)["total"] == 19
    assert not FAM.mistake_answers(torch)


def test_bad_params_name_the_problem():
    with pytest.raises(ParamError, match="model"):
        FAM.parse({})
    with pytest.raises(ParamError, match=r"layer 1 \(conv2d"):
        FAM.parse({"model": "m = Sequential([Input((2, 2, 1)), Conv2D(1, 3)])"})
    with pytest.raises(ParamError, match="bindings"):
        FAM.parse({"model": "m = Sequential([Input((2,)), Dense(n)])"})
    with pytest.raises(ParamError, match="bindings"):
        FAM.parse({"model": MNIST, "bindings": "[1, 2]"})
    with pytest.raises(ParamError, match="input_shape"):
        FAM.parse({"model": "m = Sequential([Dense(2)])", "input_shape": [0]})


def test_generator_is_seeded_valid_and_varied():
    a = [FAM.draw(random.Random(s)) for s in range(40)]
    b = [FAM.draw(random.Random(s)) for s in range(40)]
    assert a == b
    assert len({p.model for p in a}) > 35
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert 0 < FAM.solve(p)["total"] < 2_000_000


@pytest.mark.parametrize("options", [{"kind": "cnn"}, {"kind": "mlp", "style": "add"}, {"kind": "rnn"}, {"batchnorm": False, "max_blocks": 1}],
                         ids=["cnn", "mlp-add", "rnn", "no-bn"])  # fmt: skip
def test_generator_options(options):
    for seed in range(10):
        p = FAM.draw(random.Random(seed), options=options)
        kinds = {layer["type"] for layer in FAM.solve(p)["layers"]}
        if options.get("kind") == "cnn":
            assert "Conv2D" in kinds
        if options.get("kind") == "rnn":
            assert kinds & {"LSTM", "GRU", "SimpleRNN"}
        if options.get("style") == "add":
            assert "model.add(" in p.model
        if options.get("batchnorm") is False:
            assert "BatchNormalization" not in kinds


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_cli_answer_json_and_text():
    r = run("answer", "param-count", "--set", f"model={MNIST}", "--set", 'bindings={"num_classes": 10}', "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["parts"]["total"] == {"exact": "34826", "value": 34826}
    assert out["parts"]["layers"]["value"][0] == {"name": "conv2d", "type": "Conv2D", "output_shape": [26, 26, 32], "params": 320}
    r = run("answer", "param-count", "--set", "model=VGG-16")
    assert r.exit_code == 0 and "138,357,544" in r.output and "(3*3*512 + 1)*512 = 2359808" in r.output
    r = run("answer", "param-count", "--set", f"model={MNIST}", "--set", 'bindings={"num_classes": 10}')
    table = r.output[r.output.index("Layer (type)"):].splitlines()
    assert table[2].split() == ["conv2d", "(Conv2D)", "(None,", "26,", "26,", "32)", "320"]
    assert table[-3:] == ["Total params: 34,826", "Trainable params: 34,826", "Non-trainable params: 0"]
    assert "{" not in r.output[r.output.index("Answer"):]  # no list of dicts


@pytest.mark.parametrize(
    "model",
    ["m = Sequential([Input((3, 3, 1)), Conv2D(8, 5)])", "print(1)", "m = Sequential([Input((4,)), Dens(3)])", "m = Sequential([Dense(3)])"],
    ids=["kernel", "not-a-model", "unknown-layer", "no-input"],
)
def test_cli_bad_model_is_one_line_exit_1(model):
    r = run("answer", "param-count", "--set", f"model={model}")
    assert r.exit_code == 1
    assert "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1


@pytest.mark.keras
def test_drawn_exam_models_match_keras():
    import math

    import keras

    for seed in range(15):
        p = FAM.draw(random.Random(seed))
        spec = __import__("nnexam.questions.param_count", fromlist=["spec"]).spec(p)
        model = keras.Sequential([keras.Input(shape=spec.input_shape)] + [getattr(keras.layers, x.kind)(**x.config) for x in spec.layers])
        assert model.count_params() == FAM.solve(p)["total"], p.model
        assert sum(math.prod(w.shape) for w in model.non_trainable_weights) == FAM.solve(p)["non_trainable"]
        assert [tuple(x.output.shape[1:]) for x in model.layers] == [x.output_shape for x in spec.layers]


def test_example_file_for_the_demo():
    from pathlib import Path

    code = (Path(__file__).resolve().parents[1] / "examples" / "param_count_mnist_convnet.py").read_text()
    r = run("answer", "param-count", "--set", f"model={code}", "--json")
    assert r.exit_code == 0 and json.loads(r.output)["parts"]["total"]["value"] == 34826
