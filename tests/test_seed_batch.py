"""Seed-batched training (torch backend): each seed's result equals its own sequential run, for an
MLP and a small convnet, SGD with momentum, Adam and RMSprop, BatchNormalization and Dropout; models
with layers that cannot be batched fall back to sequential runs and say why. ``--device``."""

from __future__ import annotations

import pytest
from nnexam.grader import datasets
from nnexam.grader.backends.base import Data, TrainConfig
from nnexam.questions.errors import NnexamError
from nnexam.questions.model_analyser import analyse

pytestmark = [pytest.mark.torch, pytest.mark.sklearn]

MLP = ("model = keras.Sequential([keras.Input((64,)), layers.Dense(24, activation='relu'), layers.Dropout(0.3), "
       "layers.Dense(10, activation='softmax')])")
CNN = ("model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, padding='same', activation='relu'), "
       "layers.BatchNormalization(), layers.MaxPooling2D(2), layers.Dropout(0.25), layers.Flatten(), "
       "layers.Dense(10, activation='softmax')])")
TORCH_MLP = "net = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 10))"
RANK3 = ("model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(3, 3, strides=2, padding='same', "
         "activation='tanh'), layers.Dense(5, activation='relu'), layers.AveragePooling2D(2, padding='same'), "
         "layers.GlobalAveragePooling2D(), layers.Dense(10, activation='softmax')])")
TORCH_CNN = "net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Dropout(0.5), nn.Linear(64, 10))"
TORCH_LINEAR_ON_MAPS = ("net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Linear(8, 5), nn.Flatten(), "
                        "nn.Linear(160, 10))")  # a Linear on the last axis of feature maps
IMAGE_INPUT = {TORCH_CNN: [1, 8, 8], TORCH_LINEAR_ON_MAPS: [1, 8, 8]}
BINARY = ("model = keras.Sequential([keras.Input((64,)), layers.Dense(16, activation='relu'), layers.BatchNormalization(), "
          "layers.Dense(1, activation='sigmoid')])")
TORCH_BN = "net = nn.Sequential(nn.Linear(64, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 10))"
CASES = [
    (MLP, TrainConfig(optimizer="sgd", learning_rate=0.05, momentum=0.9, epochs=2, validation_split=0.2)),
    (CNN, TrainConfig(optimizer="adam", batch_size=16, epochs=2, validation_split=0.2)),
    (CNN, TrainConfig(optimizer="sgd", learning_rate=0.05, momentum=0.9, nesterov=True, epochs=1)),
    (TORCH_MLP, TrainConfig(optimizer="rmsprop", epochs=2, validation_split=0.25, from_logits=True)),
    (RANK3, TrainConfig(optimizer="adam", epochs=2, validation_split=0.2)),
    (TORCH_CNN, TrainConfig(optimizer="sgd", momentum=0.5, epochs=1, validation_split=0.2, from_logits=True)),
    (TORCH_LINEAR_ON_MAPS, TrainConfig(optimizer="adam", epochs=1, validation_split=0.2, from_logits=True)),
    (BINARY, TrainConfig(optimizer="adam", epochs=2, validation_split=0.2, loss="binary_crossentropy")),
]


@pytest.fixture(scope="module")
def torch_backend():
    import torch
    from nnexam.grader.backends import registry

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield registry.get("torch")
    torch.set_num_threads(threads)


def _digits(spec, rows: int = 200, binary: bool = False):
    data = datasets.for_model(datasets.load(datasets.DataRef("digits", subset=rows)), spec.input_shape)
    if binary:  # odd vs even digits
        data = Data(data.x_train, data.y_train % 2, data.x_test, data.y_test % 2, 2)
    return data


def _same(seq, batched) -> None:
    assert len(seq) == len(batched)
    for hs, hb in zip(seq, batched):
        assert len(hs.epochs) == len(hb.epochs) and hs.device == hb.device == "cpu"
        for es, eb in zip(hs.epochs, hb.epochs):
            assert es.keys() == eb.keys()
            assert all(abs(es[k] - eb[k]) <= 1e-5 for k in es), (es, eb)
        assert hs.test.keys() == hb.test.keys() and all(abs(hs.test[k] - hb.test[k]) <= 1e-5 for k in hs.test)


@pytest.mark.parametrize("code,cfg", CASES, ids=["mlp-dropout-sgd-momentum", "cnn-bn-dropout-adam",
                                                 "cnn-bn-dropout-nesterov", "torch-mlp-dropout-rmsprop",
                                                 "dense-on-feature-maps-avgpool-same", "torch-cnn-dropout", "torch-linear-on-feature-maps",
                                                 "bn-binary-crossentropy"])
def test_seed_batched_runs_equal_the_sequential_runs(torch_backend, code, cfg):
    from nnexam.grader.backends import torch_batched

    spec = analyse(code, IMAGE_INPUT[code]) if code in IMAGE_INPUT else analyse(code)
    assert torch_batched.blocker(spec) is None
    data = _digits(spec, binary=cfg.loss == "binary_crossentropy")
    seeds = [0, 1, 5]
    sequential = [torch_backend.train(spec, data, cfg, s) for s in seeds]
    batched = torch_backend.train_seeds(spec, data, cfg, seeds)
    _same(sequential, batched)
    # the seeds really differ (own initialisation, data order and dropout masks)
    assert sequential[0].epochs[-1]["loss"] != sequential[1].epochs[-1]["loss"]


@pytest.mark.parametrize("code,cfg", [CASES[1], CASES[4], CASES[5]], ids=["cnn-bn-dropout-adam", "dense-on-feature-maps",
                                                                           "torch-cnn-dropout"])
def test_the_gpus_grouped_convolution_equals_the_sequential_runs(torch_backend, monkeypatch, code, cfg):
    """On a GPU all seeds' convolutions run as one grouped convolution (channels side by side); CI has no
    GPU, so the same path is forced on the CPU here."""
    from nnexam.grader.backends import torch_batched

    monkeypatch.setattr(torch_batched, "GROUPED_CONV_ON_CPU", True)
    calls = []
    conv2d = torch_batched.F.conv2d
    monkeypatch.setattr(torch_batched.F, "conv2d", lambda *a, **k: calls.append(a[-1]) or conv2d(*a, **k))
    spec = analyse(code, IMAGE_INPUT[code]) if code in IMAGE_INPUT else analyse(code)
    data = _digits(spec)
    seeds = [0, 1, 5]
    sequential = [torch_backend.train(spec, data, cfg, s) for s in seeds]
    calls.clear()
    _same(sequential, torch_backend.train_seeds(spec, data, cfg, seeds))
    assert 3 in calls  # groups = 1 x 3 seeds: the grouped path ran


ROWWISE = ("model = keras.Sequential([keras.Input((64,)), layers.Dense(16, activation='tanh'), "
           "layers.Dense(12, activation='softmax'), layers.Dense(10), layers.Activation('softmax')])")


def test_row_wise_activations_between_stacked_layers(torch_backend):
    """A softmax inside the network (along the features, not element-wise) and a softmax head as its own layer."""
    spec = analyse(ROWWISE)
    cfg = TrainConfig(optimizer="adam", epochs=2, validation_split=0.2)
    data = _digits(spec)
    _same([torch_backend.train(spec, data, cfg, s) for s in (2, 3)], torch_backend.train_seeds(spec, data, cfg, [2, 3]))


@pytest.mark.parametrize("loss", ["sparse_categorical_crossentropy", "categorical_crossentropy"])
def test_clipped_cross_entropy_batches_agree(torch_backend, monkeypatch, loss):
    """Keras clips probabilities to [1e-7, 1 - 1e-7]; the sequential loop clamps only the batches that need
    it, the batched loss always clamps. A large rate saturates the softmax, so both kinds of batch occur."""
    from nnexam.grader.backends import torch_train

    seen: list[bool] = []
    check = torch_train.clipped
    monkeypatch.setattr(torch_train, "clipped", lambda lp, t: seen.append(check(lp, t)) or seen[-1])
    spec = analyse(MLP)
    cfg = TrainConfig(optimizer="sgd", learning_rate=3.0, epochs=3, validation_split=0.2, loss=loss)
    data = _digits(spec, 300)
    sequential = [torch_backend.train(spec, data, cfg, s) for s in (0, 4)]
    assert True in seen and False in seen, "the case must exercise both the clipped and the unclipped loss"
    _same(sequential, torch_backend.train_seeds(spec, data, cfg, [0, 4]))


def test_batches_give_every_row_once_per_epoch_in_each_seeds_order(monkeypatch):
    """Chunked gathering (whatever the chunk size) yields exactly each seed's own order, step by step."""
    import torch
    from nnexam.grader.backends import torch_train

    x = torch.arange(23 * 6, dtype=torch.float32).reshape(23, 2, 3).permute(0, 2, 1)  # rows outermost, not contiguous
    y = torch.arange(23)
    order = torch.stack([torch.randperm(23, generator=torch.Generator().manual_seed(s)) for s in (1, 2, 3)])
    for chunk in (1, 100, 1 << 22):
        monkeypatch.setattr(torch_train, "CHUNK_BYTES", chunk)
        got = [(xb.clone(), yb.clone()) for xb, yb in torch_train.batches(x, y, order, 5)]
        assert [len(yb) for _, yb in got] == [15, 15, 15, 15, 9]  # 3 seeds x (5, 5, 5, 5, 3 rows)
        for step, (xb, yb) in enumerate(got):
            rows = len(yb) // 3
            want = order[:, step * 5 : step * 5 + rows].reshape(-1)
            assert torch.equal(yb, want) and torch.equal(xb, x[want]) and xb.stride() == x.stride()


def test_layers_that_cannot_be_batched_fall_back_and_say_why(torch_backend):
    spec = analyse(TORCH_BN)
    why = torch_backend.batch_blocker(spec)
    assert why is not None and "BatchNorm1d" in why
    cfg = TrainConfig(optimizer="sgd", epochs=1, validation_split=0.2, from_logits=True)
    data = _digits(spec, 120)
    _same([torch_backend.train(spec, data, cfg, s) for s in (0, 1)], torch_backend.train_seeds(spec, data, cfg, [0, 1]))


def test_dropout_on_a_gpu_trains_seeds_one_after_another():
    """On a GPU a sequential run's dropout masks come from the CUDA generator, which the batched model
    does not replay: such models train seed by seed there (results equal by construction), and say so."""
    import torch
    from nnexam.grader.backends import torch_batched

    cuda, cpu = torch.device("cuda"), torch.device("cpu")
    why = torch_batched.blocker(analyse(MLP), cuda)
    assert why is not None and "Dropout" in why and "CUDA generator" in why
    assert torch_batched.blocker(analyse(MLP), cpu) is None and torch_batched.blocker(analyse(MLP)) is None
    assert torch_batched.blocker(analyse(BINARY), cuda) is None  # no dropout: batched on a GPU too


def test_device_choice_and_a_clear_message_without_a_gpu(torch_backend, monkeypatch):
    import torch
    from nnexam.grader.backends.torch_backend import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu" and resolve_device(None).type == "cpu"
    with pytest.raises(NnexamError, match="--device cuda: no CUDA GPU is usable on this machine.*use --device cpu"):
        resolve_device("cuda")
    with pytest.raises(NnexamError, match="expected one of cpu, cuda, auto"):
        resolve_device("tpu")


def test_verify_says_where_it_ran_and_refuses_cuda_without_a_gpu(tmp_path, monkeypatch):
    import json

    import torch
    from click.testing import CliRunner

    from nnexam.cli import cli

    monkeypatch.setenv("NNEXAM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    path = tmp_path / "c.yaml"
    path.write_text(f'model: "{MLP}"\ndataset: {{name: digits, subset: 150}}\n'
                    "training: {optimizer: sgd, epochs: 1, validation_split: 0.2}\n"
                    "claims:\n  - {what: val_accuracy, value: 0.5}\n")
    res = CliRunner().invoke(cli, ["verify", str(path), "--device", "cuda", "--seeds", "2", "--quiet"])
    assert res.exit_code == 1 and "--device cuda: no CUDA GPU is usable" in res.output and "Traceback" not in res.output
    res = CliRunner().invoke(cli, ["verify", str(path), "--device", "auto", "--seeds", "2", "--quiet", "--verbose",
                                   "--json", str(tmp_path / "v.json")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "over 2 seeds with the torch backend on cpu" in json.loads((tmp_path / "v.json").read_text())["claims"][0]["evidence"]
    assert "2 training runs requested, 2 distinct, 0 cached, 2 trained in 1 task" in res.output
