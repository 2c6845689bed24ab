"""Claims files: reading (errors name the line), static claims exactly, training claims against a band
of seeds (margin), end to end on digits through both backends, and the training cache."""

from __future__ import annotations

import textwrap

import pytest
from nnexam.grader import claims, train_cache
from nnexam.grader.backends.base import History, TrainConfig
from nnexam.questions.errors import InputError
from nnexam.questions.model_analyser import analyse

BN_MODEL = """model = keras.Sequential([keras.Input((8, 8, 1)), layers.Conv2D(4, 3, padding="same"),
    layers.BatchNormalization(), layers.Flatten(), layers.Dense(10, activation="softmax")])"""


def write(tmp_path, text: str):
    p = tmp_path / "claims.yaml"
    p.write_text(textwrap.dedent(text))
    return p


GOOD = """\
model: |
  model = keras.Sequential([keras.Input((64,)), layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")])
dataset: {name: digits, subset: 400}
training: {optimizer: adam, batch_size: 32, epochs: 2, validation_split: 0.25}
claims:
  - {what: total_params, value: "1,210"}
  - {what: val_accuracy, value: 0.5, epoch: 2}
"""


def test_read_a_claims_file(tmp_path):
    cf = claims.read(write(tmp_path, GOOD))
    assert cf.spec.total == 1210
    assert cf.config == TrainConfig(optimizer="adam", batch_size=32, epochs=2, validation_split=0.25)
    assert cf.data.subset == 400
    assert [c.where for c in cf.claims] == ["claims[1] (line 6)", "claims[2] (line 7)"]


@pytest.mark.parametrize("text,match", [
    ("model: [unclosed\n", r"claims.yaml:\d+: not valid YAML"),
    (GOOD.replace("what: total_params", "what: params_total"), r"claims.yaml:6: unknown claim 'params_total'"),
    (GOOD.replace("optimizer: adam", "optimiser: adam"), r"claims.yaml:4: .*training.optimiser"),
    (GOOD.replace("optimizer: adam", "optimizer: adagrad"), r"claims.yaml:4: .*one of sgd, adam, rmsprop"),
    (GOOD.replace("epoch: 2", "epoch: last-but-one"), r"claims.yaml:7: epoch must be"),
    (GOOD.replace("digits", "imagenet"), r"claims.yaml:3: .*dataset"),
    (GOOD.replace("layers.Dense(16", "layers.Dense(units"), r"claims.yaml:1: "),
    ("claims: []\nmodel: x\n", r"claims.yaml"),
], ids=["yaml", "unknown-claim", "unknown-training-key", "optimizer", "epoch", "dataset", "model", "empty"])
def test_unusable_files_name_file_and_line(tmp_path, text, match):
    with pytest.raises(InputError, match=match):
        claims.read(write(tmp_path, text))


def _claim(what, value, **kw):
    return claims.Claim(what, value, "here", **kw)


SPEC = analyse(BN_MODEL)
CFG = TrainConfig(batch_size=32, epochs=5, validation_split=0.2)
STATIC = [
    # id, claim, verdict, expected
    ("total", _claim("total_params", 2626), "confirmed", 2626),
    ("total-commas", _claim("total_params", "2,626"), "confirmed", 2626),
    ("total-wrong", _claim("total_params", 2616), "refuted", 2626),
    ("trainable", _claim("trainable_params", 2618), "confirmed", 2618),
    ("non-trainable", _claim("non_trainable_params", 8), "confirmed", 8),
    ("non-trainable-wrong", _claim("non_trainable_params", 0), "refuted", 8),
    ("layer-by-name", _claim("layer_params", 2570, layer="dense"), "confirmed", 2570),
    ("layer-by-index", _claim("layer_params", 40, layer=1), "confirmed", 40),
    ("layer-forgot-bias", _claim("layer_params", 36, layer=1), "refuted", 40),
    ("layer-unknown", _claim("layer_params", 36, layer="conv9"), "unverifiable", None),
    ("shape-string", _claim("output_shape", "(None, 8, 8, 4)", layer="conv2d"), "confirmed", [8, 8, 4]),
    ("shape-list", _claim("output_shape", [256], layer=3), "confirmed", [256]),
    ("shape-wrong", _claim("output_shape", [6, 6, 4], layer=1), "refuted", [8, 8, 4]),
    ("model-output", _claim("output_shape", [None, 10]), "confirmed", [10]),
    ("steps-after-split", _claim("steps_per_epoch", 36), "confirmed", 36),  # floor(1437*0.8)=1149 -> 36
    ("steps-ignoring-split", _claim("steps_per_epoch", 45), "refuted", 36),
    ("updates", _claim("total_updates", 180), "confirmed", 180),
    ("train-samples", _claim("train_samples", 1149), "confirmed", 1149),
    ("dataset-size", _claim("dataset_size", 1437), "confirmed", 1437),
]


@pytest.mark.parametrize("claim,verdict,expected", [s[1:] for s in STATIC], ids=[s[0] for s in STATIC])
def test_static_claims_are_exact(claim, verdict, expected):
    v = claims.check_static(claim, SPEC, CFG, 1437)
    assert (v.verdict, v.expected) == (verdict, expected), v.evidence


def test_steps_evidence_names_the_implied_dataset_size():
    v = claims.check_static(_claim("steps_per_epoch", 1875), SPEC, CFG, 1437)
    assert "1875 steps of batch 32 would need 59,969-60,000 training rows" in v.evidence.replace("1,875", "1875")


def hist(acc: list[float], val: list[float] | None = None, test: float | None = None) -> History:
    epochs = []
    for i, a in enumerate(acc):
        e = {"accuracy": a, "loss": 2 * (1 - a)}
        if val:
            e.update(val_accuracy=val[i], val_loss=2 * (1 - val[i]))
        epochs.append(e)
    return History(tuple(epochs), {"accuracy": test, "loss": 1.0} if test is not None else {})


CF = claims.ClaimsFile("x", SPEC, claims.datasets.DataRef("digits"), TrainConfig(epochs=3, validation_split=0.2), ())
RUNS = [hist([0.5, 0.70, 0.80], [0.45, 0.66, 0.78], 0.77), hist([0.5, 0.71, 0.81], [0.46, 0.68, 0.79], 0.78),
        hist([0.4, 0.72, 0.82], [0.40, 0.70, 0.80], 0.79)]
TRAINING = [
    ("final-inside", _claim("accuracy", 0.81), "consistent"),
    ("final-percent", _claim("accuracy", "81%"), "consistent"),
    ("final-percent-number", _claim("accuracy", 81.5), "consistent"),
    ("final-in-margin", _claim("accuracy", 0.835), "consistent"),  # floor 0.02 above 0.82
    ("final-too-high", _claim("accuracy", 0.95), "implausible"),
    ("final-too-low", _claim("accuracy", 0.60), "implausible"),
    ("epoch-2", _claim("val_accuracy", 0.68, epoch=2), "consistent"),
    ("epoch-2-high", _claim("val_accuracy", 0.80, epoch=2), "implausible"),
    ("best", _claim("val_accuracy", 0.79, epoch="best"), "consistent"),
    ("test", _claim("test_accuracy", 0.78), "consistent"),
    ("test-high", _claim("test_accuracy", 0.9), "implausible"),
    ("loss", _claim("loss", 0.38), "consistent"),  # 2*(1-0.81); floor 10 %
    ("loss-low", _claim("loss", 0.1), "implausible"),
    ("epoch-beyond", _claim("accuracy", 0.8, epoch=9), "unverifiable"),
    ("not-a-number", _claim("accuracy", "high"), "unverifiable"),
    ("learns", _claim("learns", True), "consistent"),
    ("does-not-learn", _claim("does_not_learn", True), "implausible"),
]


@pytest.mark.parametrize("claim,verdict", [t[1:] for t in TRAINING], ids=[t[0] for t in TRAINING])
def test_training_claims_against_the_band(claim, verdict):
    v = claims.check_training(claim, CF, RUNS, "torch", 1149, 0.1)
    assert v.verdict == verdict, v.evidence
    if verdict != "unverifiable":
        assert "3 seeds with the torch backend, 3 epochs" in v.evidence


def test_evidence_text_reads_like_feedback():
    v = claims.check_training(_claim("accuracy", 0.95), CF, RUNS, "torch", 1149, 0.1)
    assert v.evidence.startswith("reproduced 0.800-0.820 after the last epoch over 3 seeds with the torch backend, 3 epochs, SGD lr 0.01")
    assert "claimed 0.950; 0.130 above" in v.evidence


def test_margin_is_three_sd_or_the_floor():
    assert claims.margin([0.80, 0.801, 0.802], "accuracy") == 0.02
    assert claims.margin([0.5, 0.6, 0.7], "accuracy") == pytest.approx(0.3)
    assert claims.margin([1.0, 1.0], "val_loss") == pytest.approx(0.1)
    assert claims.margin([0.05, 0.05], "loss") == 0.02


def test_no_learning_is_near_chance():
    stuck = [hist([0.1, 0.11, 0.12], [0.1, 0.1, 0.11]) for _ in range(3)]
    assert claims.check_training(_claim("does_not_learn", True), CF, stuck, "torch", 1149, 0.1).verdict == "consistent"
    assert claims.check_training(_claim("learns", True), CF, stuck, "torch", 1149, 0.1).verdict == "implausible"


E2E = """\
model: |
  model = keras.Sequential([keras.Input((64,)), layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")])
dataset: digits
training: {optimizer: adam, learning_rate: 0.01, epochs: 3, validation_split: 0.2}
claims:
  - {what: total_params, value: 1210}
  - {what: steps_per_epoch, value: 36}
  - {what: val_accuracy, value: 0.9}
  - {what: val_accuracy, value: 0.3, epoch: 3}
  - {what: test_accuracy, value: 0.99}
  - {what: learns, value: true}
"""


@pytest.mark.torch
@pytest.mark.keras
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.parametrize("backend", ["torch", "keras"])
def test_digits_end_to_end(tmp_path, backend):
    cf = claims.read(write(tmp_path, E2E))
    verdicts, histories = claims.verify(cf, backend=backend, seeds=2)
    assert [v.verdict for v in verdicts] == ["confirmed", "confirmed", "consistent", "implausible", "implausible", "consistent"], \
        [v.evidence for v in verdicts]
    assert len(histories) == 2 and all(len(h.epochs) == 3 for h in histories)
    assert f"with the {backend} backend" in verdicts[2].evidence


@pytest.mark.torch
def test_identical_configurations_train_once(tmp_path, monkeypatch):
    cf = claims.read(write(tmp_path, E2E))
    first, h1 = claims.verify(cf, seeds=2)
    files = sorted((train_cache.cache_dir()).glob("*.json"))
    assert len(files) == 2 and not list(train_cache.cache_dir().glob(".tmp-*"))

    def boom(*a, **k):
        raise AssertionError("trained again")

    monkeypatch.setattr(train_cache, "_train", boom)
    # the same model written differently (other layer names, other lines) hits the same entries
    renamed = E2E.replace('layers.Dense(16, activation="relu")', 'layers.Dense(16, activation="relu", name="hidden")')
    again, h2 = claims.verify(claims.read(write(tmp_path, renamed)), seeds=2)
    assert [v.verdict for v in again] == [v.verdict for v in first]
    assert [h.epochs for h in h2] == [h.epochs for h in h1]


def test_cache_key_depends_on_what_determines_a_run():
    spec = analyse("model = keras.Sequential([keras.Input((64,)), layers.Dense(10)])")
    ref = claims.datasets.DataRef("digits")
    base = train_cache.Job(spec, ref, TrainConfig(), 0, "torch")
    k = train_cache.key(base, "fp", "torch-2")
    assert k == train_cache.key(train_cache.Job(spec, ref, TrainConfig(), 0, "torch"), "fp", "torch-2")
    others = [
        train_cache.key(train_cache.Job(spec, ref, TrainConfig(), 1, "torch"), "fp", "torch-2"),
        train_cache.key(base, "fp[:100]", "torch-2"),
        train_cache.key(base, "fp", "torch-3"),
        train_cache.key(train_cache.Job(spec, ref, TrainConfig(learning_rate=0.1), 0, "torch"), "fp", "torch-2"),
        train_cache.key(train_cache.Job(analyse("model = keras.Sequential([keras.Input((64,)), layers.Dense(11)])"),
                                        ref, TrainConfig(), 0, "torch"), "fp", "torch-2"),
    ]
    assert len(set(others + [k])) == 6


@pytest.mark.torch
def test_independent_runs_use_a_process_pool(tmp_path):
    spec = analyse("model = keras.Sequential([keras.Input((64,)), layers.Dense(10, activation='softmax')])")
    ref = claims.datasets.DataRef("digits", subset=200)
    # two configurations: two tasks (a task is one configuration's seeds, trained seed-batched)
    jobs = [train_cache.Job(spec, ref, TrainConfig(epochs=2, learning_rate=lr), s, "torch") for lr in (0.01, 0.02) for s in (0, 1)]
    pooled = train_cache.run(jobs, workers=2)
    for f in train_cache.cache_dir().glob("*.json"):
        f.unlink()
    local = train_cache.run(jobs, workers=1)
    for a, b in zip(pooled, local):
        for ea, eb in zip(a.epochs, b.epochs):
            assert ea == pytest.approx(eb, abs=1e-5)


@pytest.mark.torch
def test_linear_output_trains_from_logits_and_pytorch_models_train(tmp_path):
    text = E2E.replace('model: |\n  model = keras.Sequential([keras.Input((64,)), layers.Dense(16, activation="relu"), layers.Dense(10, activation="softmax")])',
                       "model: |\n  net = nn.Sequential(nn.Linear(64, 16), nn.ReLU(), nn.Linear(16, 10))")
    cf = claims.read(write(tmp_path, text))
    assert cf.spec.source == "torch" and cf.config.from_logits
    verdicts, hist = claims.verify(cf, seeds=1)
    assert verdicts[0].verdict == "confirmed" and hist[0].history["val_accuracy"][-1] > 0.5
    keras_linear = claims.training_config({}, analyse("model = keras.Sequential([keras.Input((4,)), layers.Dense(3)])"))
    assert keras_linear.from_logits
    assert not claims.training_config({"from_logits": False}, cf.spec).from_logits


@pytest.mark.sklearn
def test_static_claims_need_no_backend(tmp_path, monkeypatch):
    from nnexam.grader.backends import registry

    monkeypatch.setattr(registry, "installed", lambda: [])
    text = GOOD.replace("  - {what: val_accuracy, value: 0.5, epoch: 2}\n", "  - {what: steps_per_epoch, value: 10}\n")
    verdicts, histories = claims.verify(claims.read(write(tmp_path, text)))
    assert [v.verdict for v in verdicts] == ["confirmed", "confirmed"] and histories == []  # floor(400*0.75)=300 -> 10
    assert "backend" not in verdicts[0].evidence
