"""early-stopping: textbook cases, mistakes, generator, and differential tests against the real
keras.callbacks.EarlyStopping (driven epoch by epoch on a stub model, and inside a real fit())."""

from __future__ import annotations

import os
import random

import pytest
from click.testing import CliRunner
from nnexam.questions import registry
from nnexam.questions.errors import NnexamError, ParamError

from nnexam.cli import cli

FAM = registry.get("early-stopping")
N = int(os.environ.get("NNEXAM_DIFF_N", "300"))


def solve(**raw):
    return FAM.solve(FAM.parse(raw)).as_dict()


@pytest.mark.parametrize(
    "raw,expected",
    [
        # (stopped_epoch, best_epoch, epochs_run, weights_from_epoch)
        ({"monitor": [0.5, 0.4, 0.45, 0.3]}, (3, 2, 3, 3)),
        ({"monitor": [1.0, 0.9, 0.85, 0.84], "patience": 1, "min_delta": 0.1}, (2, 1, 2, 2)),
        ({"monitor": [1.0, 0.89, 0.85, 0.84], "patience": 1, "min_delta": 0.1}, (3, 2, 3, 3)),
        ({"monitor": [0.8, 0.7, 0.6, 0.5, 0.55], "patience": 3, "baseline": 0.4}, (5, 4, 5, 5)),
        ({"monitor": [0.8, 0.7, 0.6, 0.5, 0.55], "patience": 3}, (0, 4, 5, 5)),
        ({"monitor": [0.3, 0.2, 0.9, 0.95, 0.97, 0.99], "patience": 2, "start_from_epoch": 2}, (5, 3, 5, 5)),
        ({"monitor": [0.5, 0.4, 0.45, 0.41], "patience": 5, "restore_best_weights": True}, (0, 2, 4, 2)),
        ({"monitor": [0.5, 0.4, 0.45, 0.46, 0.47], "patience": 2, "restore_best_weights": True}, (4, 2, 4, 2)),
        ({"monitor": [0.6, 0.7, 0.69, 0.71], "patience": 1, "min_delta": 0.02, "monitor_name": "val_accuracy"}, (3, 2, 3, 3)),
        ({"monitor": [0.6, 0.7, 0.69, 0.71], "patience": 1, "mode": "min"}, (2, 1, 2, 2)),
        ({"monitor": [3, 3, 3], "patience": 1}, (2, 1, 2, 2)),  # equal is no improvement
        ({"monitor": [0.5, 0.4], "patience": 0, "min_delta": -0.2}, (2, 1, 2, 2)),  # Keras uses |min_delta|
    ],
    ids=["patience-0", "min-delta-tie", "min-delta-beaten", "baseline-never-beaten", "same-without-baseline",
         "start-from-epoch", "restore-without-stop", "restore-with-stop", "auto-max", "explicit-min", "plateau",
         "negative-min-delta"],
)
def test_textbook(raw, expected):
    a = solve(**raw)
    assert (a["stopped_epoch"], a["best_epoch"], a["epochs_run"], a["weights_from_epoch"]) == expected


def test_steps_show_the_epoch_table():
    a = FAM.solve(FAM.parse({"monitor": [1.0, 0.9, 0.85, 0.84], "patience": 1, "min_delta": 0.1}))
    from nnexam.questions import doc

    text = doc.plain(a.steps)
    assert "needs < 0.9" in text and "wait 1 >= patience 1: stop" in text
    assert "Epoch 2: early stopping" in text


BASE = {"monitor": [0.9, 0.8, 0.85, 0.7, 0.75, 0.72, 0.74, 0.69], "patience": 2}


@pytest.mark.parametrize(
    "mistake,extra,wrong",
    [
        ("zero-based-epochs", {}, {"stopped_epoch": 5, "best_epoch": 3}),
        ("min-delta-inclusive", {"monitor": [1.0, 0.9, 0.95, 0.97], "min_delta": 0.1, "patience": 1},
         {"stopped_epoch": 3, "best_epoch": 2}),
        ("forgot-min-delta", {"monitor": [1.0, 0.95, 0.97, 0.99], "min_delta": 0.1, "patience": 1},
         {"stopped_epoch": 3, "best_epoch": 2}),
        ("patience-counts-from-start", {}, {"stopped_epoch": 5, "epochs_run": 5}),
        ("patience-plus-one", {}, {"stopped_epoch": 7, "epochs_run": 7}),
        ("forgot-start-from-epoch", {"monitor": [0.3, 0.2, 0.9, 0.95, 0.97, 0.99], "start_from_epoch": 2},
         {"stopped_epoch": 4, "best_epoch": 2}),
        ("forgot-baseline", {"monitor": [0.8, 0.7, 0.6, 0.5, 0.55], "patience": 3, "baseline": 0.4},
         {"stopped_epoch": 0, "epochs_run": 5}),
        ("restore-ignored", {"restore_best_weights": True}, {"weights_from_epoch": 6}),
        ("restore-only-on-stop", {"monitor": [0.5, 0.4, 0.45], "restore_best_weights": True},
         {"weights_from_epoch": 3}),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_each_mistake_is_recognised(mistake, extra, wrong):
    p = FAM.parse({**BASE, **extra})
    got = dict((m.id, w) for m, w in FAM.mistake_answers(p))
    assert mistake in got, sorted(got)
    for k, v in wrong.items():
        assert got[mistake][k] == v, (k, got[mistake])
    right = FAM.solve(p).as_dict()
    assert any(right[k] != v for k, v in got[mistake].items())


def test_base_case_answer():
    assert solve(**BASE) == {"stopped_epoch": 6, "best_epoch": 4, "epochs_run": 6, "weights_from_epoch": 6}


def test_follow_on_from_students_stop():
    p = FAM.parse(BASE)
    assert FAM.follow_on(p, {"stopped_epoch": 7}) == {"epochs_run": 7, "weights_from_epoch": 7}
    assert FAM.follow_on(p, {"stopped_epoch": 0})["epochs_run"] == 8


@pytest.mark.parametrize(
    "raw,param",
    [
        ({"monitor": []}, "monitor"),
        ({"monitor": "[0.1, x]"}, "monitor"),
        ({"monitor": [0.3, 0.2], "start_from_epoch": 2}, "start_from_epoch"),
        ({"monitor": [0.3, 0.2], "monitor_name": "val_foo"}, "mode"),
        ({"monitor": [0.3, 0.2], "patience": -1}, "patience"),
        ({"monitor": [0.3, 0.2], "baseline": "low"}, "baseline"),
        ({"patience": 2}, "monitor"),
    ],
    ids=["empty", "not-numbers", "start-too-late", "mode-not-inferable", "negative-patience", "bad-baseline", "missing"],
)
def test_bad_params_name_the_parameter(raw, param):
    with pytest.raises(ParamError, match=f"'{param}"):
        FAM.parse(raw)


def test_unknown_mode_lists_choices():
    with pytest.raises(NnexamError, match="'min'"):
        FAM.parse({"monitor": [0.3], "mode": "median"})


def test_cli_bad_input_is_one_line_exit_1():
    r = CliRunner().invoke(cli, ["answer", "early-stopping", "--set", "monitor=[0.3,0.2]", "--set", "start_from_epoch=5"])
    assert r.exit_code == 1
    assert "start_from_epoch" in r.output and "Traceback" not in r.output
    assert len(r.output.strip().splitlines()) == 1


def test_cli_answer_json():
    import json

    r = CliRunner().invoke(cli, ["answer", "early-stopping", "--set", "monitor=[0.5,0.4,0.45,0.3]", "--json"])
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["parts"]["stopped_epoch"] == {"exact": "3", "value": 3}


def test_generator_is_seeded_varied_and_distinguishable():
    a = [FAM.draw(random.Random(s)) for s in range(60)]
    assert a == [FAM.draw(random.Random(s)) for s in range(60)]
    assert len(set(a)) == 60
    stops = sum(1 for p in a if FAM.solve(p)["stopped_epoch"])
    assert 30 < stops < 60
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
        assert all(v.denominator in (1, 2, 4, 5, 10, 20, 25, 50, 100) for v in p.monitor)


@pytest.mark.parametrize(
    "options",
    [
        {"use_min_delta": True, "use_baseline": True, "use_start_from_epoch": True, "restore_best_weights": True},
        {"use_min_delta": True, "mode": "max", "stops": True},
        {"stops": False, "restore_best_weights": True},
        {"decimals": 1, "epochs_min": 5, "epochs_max": 6},
        {"decimals": 3, "patience_min": 0, "patience_max": 0},
    ],
    ids=["all-features", "max-min-delta", "never-stops", "one-decimal", "three-decimals-patience-0"],
)
def test_generator_options_are_honoured(options):
    for s in range(15):
        p = FAM.draw(random.Random(s), options=options)
        ids = {m.id for m, _ in FAM.mistake_answers(p)}
        if options.get("use_min_delta"):
            assert p.min_delta > 0 and {"min-delta-inclusive", "forgot-min-delta"} <= ids
        if options.get("use_baseline"):
            assert p.baseline is not None and "forgot-baseline" in ids
        if options.get("use_start_from_epoch"):
            assert p.start_from_epoch > 0
        if "stops" in options:
            assert bool(FAM.solve(p)["stopped_epoch"]) == options["stops"]
        if options.get("mode") == "max":
            assert p.direction == "max" and p.monitor_name == "val_accuracy"


# ---------------------------------------------------------------------------------------------
# Differential: the real keras.callbacks.EarlyStopping
# ---------------------------------------------------------------------------------------------


class StubModel:
    """What EarlyStopping touches: stop_training, get_weights/set_weights (the weights name the epoch)."""

    def __init__(self) -> None:
        self.stop_training = False
        self.epoch = -1
        self.restored: int | None = None

    def get_weights(self):
        return [self.epoch]

    def set_weights(self, weights):
        self.restored = weights[0]


def random_instance(rng: random.Random) -> dict:
    """Values k/64 (exact in float32, so Keras' tensor comparisons are exact too), with ties."""
    n = rng.randint(2, 16)
    v, values = rng.randint(20, 60), []
    for _ in range(n):
        v = max(0, v + rng.choice((-6, -4, -3, -2, -2, -1, -1, 0, 1, 2, 3)))
        values.append(v)
    raw = {
        "patience": rng.choice((0, 1, 1, 2, 2, 3, 4, 6)),
        "min_delta": rng.choice((0, 0, 1, 2, 4, -2)) / 64,
        "restore_best_weights": rng.random() < 0.5,
        "start_from_epoch": rng.choice((0, 0, 0, 1, 2, 5)) if n > 5 else 0,
    }
    if rng.random() < 0.3:
        raw["baseline"] = rng.randint(min(values) - 3, max(values)) / 64
    kind = rng.choice(("min", "max", "auto-loss", "auto-acc"))
    if kind in ("max", "auto-acc"):
        values = [64 - x for x in values]
        raw["baseline"] = None if "baseline" not in raw else 1 - raw["baseline"]
    raw["mode"] = {"min": "min", "max": "max", "auto-loss": "auto", "auto-acc": "max"}[kind]
    raw["monitor_name"] = "val_accuracy" if kind == "auto-acc" else rng.choice(("val_loss", "loss"))
    raw["monitor"] = [x / 64 for x in values]
    return raw


def keras_outcome(raw: dict) -> dict:
    import keras

    cb = keras.callbacks.EarlyStopping(
        monitor=raw["monitor_name"], patience=raw["patience"], min_delta=raw["min_delta"], mode=raw["mode"],
        baseline=raw.get("baseline"), restore_best_weights=raw["restore_best_weights"],
        start_from_epoch=raw["start_from_epoch"],
    )
    model = StubModel()
    cb.set_model(model)
    cb.on_train_begin()
    run = 0
    for epoch, value in enumerate(raw["monitor"]):
        model.epoch = epoch
        cb.on_epoch_end(epoch, {raw["monitor_name"]: value})
        run = epoch + 1
        if model.stop_training:
            break
    cb.on_train_end()
    return {
        "stopped_epoch": cb.stopped_epoch + 1 if cb.stopped_epoch else 0,
        "best_epoch": cb.best_epoch + 1,
        "epochs_run": run,
        "weights_from_epoch": run if model.restored is None else model.restored + 1,
    }


@pytest.mark.keras
def test_differential_against_keras_callback():
    import warnings

    rng = random.Random(31337)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(N):
            raw = random_instance(rng)
            ours = {k: int(v) for k, v in solve(**raw).items()}
            assert ours == keras_outcome(raw), raw


@pytest.mark.keras
def test_differential_generated_variants_against_keras():
    """The generator's own draws (decimal values) agree with Keras too."""
    for s in range(max(20, N // 5)):
        p = FAM.draw(random.Random(s), options={"use_min_delta": s % 2 == 0, "use_baseline": s % 3 == 0})
        raw = {
            "monitor": [float(v) for v in p.monitor], "patience": p.patience, "min_delta": float(p.min_delta),
            "mode": p.mode, "baseline": None if p.baseline is None else float(p.baseline),
            "restore_best_weights": p.restore_best_weights, "start_from_epoch": p.start_from_epoch,
            "monitor_name": p.monitor_name,
        }
        assert {k: int(v) for k, v in FAM.solve(p).as_dict().items()} == keras_outcome(raw), raw


@pytest.mark.keras
@pytest.mark.slow
def test_inside_a_real_fit():
    """EarlyStopping inside model.fit(): epochs run and restored weights, with val_loss injected per epoch."""
    import keras
    import numpy as np

    class Inject(keras.callbacks.Callback):
        def __init__(self, values):
            super().__init__()
            self.values, self.weights = values, []

        def on_epoch_end(self, epoch, logs=None):
            logs["val_loss"] = self.values[epoch]
            self.weights.append([w.copy() for w in self.model.get_weights()])

    rng = random.Random(7)
    x, y = np.arange(8, dtype="float32").reshape(4, 2), np.ones((4, 1), dtype="float32")
    for _ in range(6):
        raw = random_instance(rng)
        raw["monitor_name"], raw["mode"] = "val_loss", "min"
        raw["baseline"] = None
        raw["monitor"] = sorted(raw["monitor"], reverse=True)[:2] + raw["monitor"]
        raw["restore_best_weights"] = True
        want = {k: int(v) for k, v in solve(**raw).items()}
        model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
        model.compile(optimizer="sgd", loss="mse")
        inject = Inject(raw["monitor"])
        es = keras.callbacks.EarlyStopping(monitor="val_loss", patience=raw["patience"], min_delta=raw["min_delta"],
                                           restore_best_weights=True, start_from_epoch=raw["start_from_epoch"])
        hist = model.fit(x, y, epochs=len(raw["monitor"]), verbose=0, callbacks=[inject, es])
        assert len(hist.history["loss"]) == want["epochs_run"]
        best = inject.weights[want["weights_from_epoch"] - 1]
        for w, b in zip(model.get_weights(), best):
            np.testing.assert_array_equal(w, b)


def test_params_json_round_trip():
    """key.json stores params with params_json; parsing them back gives the same instance."""
    import json

    from nnexam.questions.exact import params_json

    for s in range(10):
        p = FAM.draw(random.Random(s))
        assert FAM.parse(json.loads(json.dumps(params_json(p)))) == p
