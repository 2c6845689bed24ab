"""``nnexam verify`` and ``nnexam audit`` through click's CliRunner: the example files, the JSON shape,
curves, exit codes (0 even with refuted claims, 1 for unusable input naming file and line)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nnexam.cli import cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
KEYS = {"what", "where", "claimed", "expected", "verdict", "evidence"}
VERDICTS = {"confirmed", "refuted", "consistent", "implausible", "unverifiable"}


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.mark.torch
def test_verify_the_example_claims(tmp_path):
    out = tmp_path / "v.json"
    res = invoke("verify", str(EXAMPLES / "claims.yaml"), "--json", str(out), "--curves", str(tmp_path / "curves"), "--quiet")
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert set(data) == {"claims"} and all(set(c) == KEYS and c["verdict"] in VERDICTS for c in data["claims"])
    verdicts = [c["verdict"] for c in data["claims"]]
    assert verdicts == ["confirmed", "refuted", "confirmed", "refuted", "confirmed", "consistent", "consistent",
                        "implausible", "consistent", "implausible"], [c["evidence"] for c in data["claims"]]
    assert "reproduced" in data["claims"][7]["evidence"] and "over 3 seeds with the torch backend" in data["claims"][7]["evidence"]
    assert "implausible" in res.output and "claims[8] (line 27)" in res.output
    svg = (tmp_path / "curves" / "val_accuracy.svg").read_text()
    assert svg.startswith("<svg") and "seed 2" in svg


def test_verify_unusable_file_names_file_and_line(tmp_path):
    bad = tmp_path / "c.yaml"
    bad.write_text("model: |\n  model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])\nclaims:\n  - {what: params, value: 1}\n")
    res = invoke("verify", str(bad))
    assert res.exit_code == 1
    assert f"{bad}:4: unknown claim 'params'" in res.output and "Traceback" not in res.output


@pytest.mark.sklearn
@pytest.mark.torch
def test_verify_unknown_backend_lists_the_installed_ones():
    res = invoke("verify", str(EXAMPLES / "claims.yaml"), "--backend", "jax")
    assert res.exit_code == 1 and "unknown backend 'jax'" in res.output and "torch" in res.output


def test_audit_the_example_report(tmp_path):
    out = tmp_path / "a.json"
    res = invoke("audit", str(EXAMPLES / "report.md"), "--json", str(out))
    assert res.exit_code == 0, res.output
    claims = json.loads(out.read_text())["claims"]
    assert all(set(c) == KEYS for c in claims)
    refuted = {(c["what"], c["where"]) for c in claims if c["verdict"] == "refuted"}
    assert refuted == {
        ("summary_row", "summary table 1 (line 37), layer dense (line 47)"),
        ("total_params", "summary table 1, footer (line 51)"),
        ("arithmetic", "line 57: 5*5*32 = 900"),
        ("val_accuracy", 'line 75: "validation accuracy of 92.4%"'),
    }
    steps = [c for c in claims if c["what"] == "steps_per_epoch"]
    assert steps[0]["verdict"] == "confirmed" and "ceil(54,000 / 64) = 844" in steps[0]["evidence"]
    assert "claimed 0.908, expected 0.908" in res.output  # 90.8 %, not 0.9079999999999999


def test_audit_bindings_and_errors(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("dense (Dense)  (None, 32)  2,080\ndense_1 (Dense)  (None, 10)  330\nTotal params: 2,410\n")
    res = invoke("audit", str(report), "--bind", "input_shape=[64]")
    assert res.exit_code == 0 and "unverifiable" not in res.output and "3 confirmed" in res.output
    assert invoke("audit", str(report), "--bind", "input_shape").exit_code == 2
    res = invoke("audit", str(tmp_path / "missing.md"))
    assert res.exit_code == 1 and "missing.md" in res.output


DIGITS_REPORT = """\
We classify scikit-learn's digits (load_digits), flattened to 64 values.

```python
model = keras.Sequential([keras.Input((64,)), layers.Dense(32, activation="relu"), layers.Dense(10, activation="softmax")])
model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
model.fit(x_train, y_train, epochs=3, validation_split=0.2)
```

```
Epoch 1/3
36/36 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.6000 - loss: 1.2000 - val_accuracy: 0.8500 - val_loss: 0.6000
Epoch 2/3
36/36 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9200 - loss: 0.3000 - val_accuracy: 0.9200 - val_loss: 0.3000
Epoch 3/3
36/36 ━━━━━━━━━━━━━━━━━━━━ 0s 2ms/step - accuracy: 0.9990 - loss: 0.1500 - val_accuracy: 0.9300 - val_loss: 0.2500
```

The test accuracy is 0.99.
"""


@pytest.mark.torch
def test_audit_train_reproduces_the_reports_accuracies(tmp_path):
    report = tmp_path / "digits.md"
    report.write_text(DIGITS_REPORT)
    out = tmp_path / "a.json"
    res = invoke("audit", str(report), "--train", "--seeds", "2", "--json", str(out), "--quiet")
    assert res.exit_code == 0, res.output
    trained = {c["what"]: c for c in json.loads(out.read_text())["claims"] if c["what"].startswith("trained")}
    assert set(trained) == {"trained accuracy", "trained val_accuracy", "trained loss", "trained val_loss", "trained test_accuracy"}
    assert trained["trained val_accuracy"]["verdict"] == "consistent", trained["trained val_accuracy"]["evidence"]
    assert trained["trained accuracy"]["verdict"] == "implausible"  # 0.999 after 3 epochs: no
    assert trained["trained accuracy"]["where"] == "training log, epoch 3 (line 14)"
    assert "Adam lr 0.01" in trained["trained test_accuracy"]["evidence"]


def test_audit_train_without_a_full_setup_says_what_is_missing(tmp_path):
    report = tmp_path / "r.md"
    report.write_text("```python\nmodel = keras.Sequential([keras.Input((64,)), layers.Dense(10)])\n```\n")
    res = invoke("audit", str(report), "--train")
    assert res.exit_code == 0 and "missing: a data set the verifier has" in res.output and "the optimizer (compile)" in res.output
