"""A class at once (``nnexam verify DIR...``) with the fake backend: identical configurations train
once, the cache serves a rerun, a bad file is reported and the rest verified, the class report has a
row per file and claim."""

from __future__ import annotations

import csv
import json

import pytest
from click.testing import CliRunner
from fake_backend import FakeBackend
from nnexam.grader import claims, class_verify
from nnexam.grader.backends import registry

from nnexam.cli import cli

LAYERS = ["Dense(3, activation='relu')", "Dense(5, activation='tanh')", "Dense(4, activation='relu')"]


@pytest.fixture
def fake(monkeypatch, tmp_path):
    be = FakeBackend()
    monkeypatch.setattr(registry, "_all", lambda: {"fake": be})
    monkeypatch.setenv("NNEXAM_CACHE", str(tmp_path / "cache"))
    return be


def write_class(folder, n: int = 20, configs: int = 6) -> list:
    """``n`` students, ``configs`` distinct (model, learning rate) pairs; layer names and claims differ per student."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = "\n".join(f"{i % 5},{(i * 3) % 7},{i % 2},{(i * 5) % 3},{i % 2}" for i in range(100))
    (folder.parent / "data.csv").write_text("a,b,c,d,label\n" + rows + "\n")
    paths = []
    for s in range(n):
        c = s % configs
        hidden = LAYERS[c % 3].replace(")", f", name='h{s}')")
        model = f"model = keras.Sequential([keras.Input((4,)), layers.{hidden}, layers.Dense(2, activation='softmax')])"
        text = (f'model: "{model}"\ndataset: {folder.parent / "data.csv"}\n'
                f"training: {{optimizer: sgd, learning_rate: {0.01 * (1 + c // 3)}, batch_size: 10, epochs: 3, "
                "validation_split: 0.2}\nclaims:\n"
                f"  - {{what: val_accuracy, value: {0.70 + 0.01 * s}, epoch: 3}}\n  - {{what: steps_per_epoch, value: 8}}\n")
        path = folder / f"student{s:02d}.yaml"
        path.write_text(text)
        paths.append(path)
    return paths


def test_a_class_trains_each_distinct_configuration_once(fake, tmp_path):
    write_class(tmp_path / "class")
    results, summary = class_verify.verify_class([tmp_path / "class"], seeds=2)
    assert len(results) == 20 and all(r.error is None for r in results)
    assert len(fake.trained) == 6 * 2 and summary.trained == 12 and summary.distinct == 12
    assert summary.requested == 40 and summary.cached == 0 and summary.tasks == 6  # a task = one configuration's seeds
    # each file's verdicts are what verifying it alone gives
    for r in results[:3]:
        alone, _ = claims.verify(claims.read(r.path), seeds=2)
        assert [v.as_dict() for v in r.verdicts] == [v.as_dict() for v in alone]
    again, summary2 = class_verify.verify_class([tmp_path / "class"], seeds=2)
    assert len(fake.trained) == 12 and summary2.trained == 0 and summary2.cached == 12
    assert [[v.as_dict() for v in r.verdicts] for r in again] == [[v.as_dict() for v in r.verdicts] for r in results]


def test_one_bad_file_is_reported_and_the_rest_verified(fake, tmp_path):
    paths = write_class(tmp_path / "class", n=4, configs=2)
    paths[1].write_text(paths[1].read_text().replace("what: steps_per_epoch", "what: steps_per_epok"))
    results, _ = class_verify.verify_class([tmp_path / "class"], seeds=2)
    bad = [r for r in results if r.error]
    assert [r.path for r in bad] == [str(paths[1])]
    assert bad[0].error.startswith(f"{paths[1]}:6: unknown claim 'steps_per_epok'") and "expected one of" in bad[0].error
    assert all(len(r.verdicts) == 2 for r in results if r is not bad[0])
    assert len(fake.trained) == 2 * 2


def test_a_training_failure_stops_only_its_files(fake, tmp_path, monkeypatch):
    paths = write_class(tmp_path / "class", n=4, configs=2)
    real = fake.train

    def train(spec, data, config, seed, progress=None):
        if spec.layers[0].config.get("units") == 5:  # the second configuration's model
            raise RuntimeError("shape mismatch in layer h1")
        return real(spec, data, config, seed, progress)

    monkeypatch.setattr(fake, "train", train)
    results, summary = class_verify.verify_class(paths, seeds=2)
    assert [bool(r.error) for r in results] == [False, True, False, True]
    assert results[1].error == f"{paths[1]}: training failed: shape mismatch in layer h1"
    assert len(summary.failures) == 4 and summary.trained == 2


def test_the_command_writes_one_class_report(fake, tmp_path):
    paths = write_class(tmp_path / "class", n=6, configs=3)
    (tmp_path / "class" / "broken.yaml").write_text("model: [unclosed\n")
    out = tmp_path / "report"
    res = CliRunner().invoke(cli, ["verify", str(tmp_path / "class"), "--seeds", "2", "--class-report", str(out),
                                   "--json", str(tmp_path / "all.json"), "--quiet"], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert f"{tmp_path / 'class' / 'broken.yaml'}:" in res.output and "not valid YAML" in res.output
    assert "12 training runs requested, 6 distinct, 0 cached, 6 trained in 3 tasks" in res.output, res.output[-200:]
    with (out / "class.csv").open() as f:
        table = list(csv.DictReader(f))
    assert len(table) == 6 * 2 + 1 and {r["file"] for r in table} == {str(p) for p in paths} | {
        str(tmp_path / "class" / "broken.yaml")}
    data = json.loads((out / "class.json").read_text())
    assert len(data["claims"]) == 12 and data["training"]["trained"] == 6 and len(data["unusable"]) == 1
    assert all(set(c) == {"file", "what", "where", "claimed", "expected", "verdict", "evidence"} for c in data["claims"])
    assert json.loads((tmp_path / "all.json").read_text())["claims"] == data["claims"]


def test_an_unknown_executor_is_refused_before_anything_runs(fake, tmp_path):
    paths = write_class(tmp_path / "class", n=1, configs=1)
    res = CliRunner().invoke(cli, ["verify", str(paths[0]), "--executor", "slurm", "--quiet"])
    assert res.exit_code == 1 and "unknown executor 'slurm'" in res.output and fake.trained == []


@pytest.mark.sklearn
def test_audit_train_over_a_class_trains_each_distinct_run_once(fake, tmp_path):
    from nnexam.grader.audit import audit
    from test_verify_cli import DIGITS_REPORT

    folder = tmp_path / "reports"
    folder.mkdir()
    for s in range(4):
        text = DIGITS_REPORT if s % 2 else DIGITS_REPORT.replace("layers.Dense(32,", "layers.Dense(16,")
        (folder / f"student{s}.md").write_text(text)
    res = CliRunner().invoke(cli, ["audit", str(folder), "--train", "--seeds", "2", "--quiet",
                                   "--class-report", str(tmp_path / "out")], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "8 training runs requested, 4 distinct, 0 cached, 4 trained in 2 tasks" in res.output
    assert len(fake.trained) == 4
    data = json.loads((tmp_path / "out" / "class.json").read_text())
    mine = [c for c in data["claims"] if c["file"] == str(folder / "student1.md")]
    alone = [v.as_dict() for v in audit(folder / "student1.md", train=True, seeds=2)]
    assert [{k: v for k, v in c.items() if k != "file"} for c in mine] == json.loads(json.dumps(alone, default=str))
    assert any(c["what"] == "trained val_accuracy" and "fake" in c["evidence"] for c in mine)
    assert len(fake.trained) == 4  # the lone audit came from the cache


def test_verbose_says_which_seeds_are_not_batched(fake, tmp_path, monkeypatch):
    paths = write_class(tmp_path / "class", n=2, configs=2)
    notes: list[str] = []
    class_verify.verify_class(paths, seeds=2, log=notes.append)
    assert notes == ["the fake backend trains seeds one after another (no seed batching)"]
    notes.clear()
    monkeypatch.setattr(fake, "batch_blocker", lambda spec, device=None: "layer h (Embedding) is not seed-batched"
                        if spec.layers[0].config.get("units") == 5 else None, raising=False)
    class_verify.verify_class(paths, seeds=2, log=notes.append)
    assert len(notes) == 1 and notes[0].startswith("seeds of ")
    assert notes[0].endswith(" train one after another: layer h (Embedding) is not seed-batched"), notes


def test_an_interrupted_class_keeps_what_finished(fake, tmp_path, monkeypatch):
    paths = write_class(tmp_path / "class", n=2, configs=2)
    real = fake.train

    def train(spec, data, config, seed, progress=None):
        if spec.layers[0].config.get("units") == 5:  # the second configuration
            raise KeyboardInterrupt
        return real(spec, data, config, seed, progress)

    monkeypatch.setattr(fake, "train", train)
    with pytest.raises(KeyboardInterrupt):
        class_verify.verify_class(paths, seeds=2)
    monkeypatch.setattr(fake, "train", real)
    _, summary = class_verify.verify_class(paths, seeds=2)
    assert summary.cached == 2 and summary.trained == 2
