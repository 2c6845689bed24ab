"""The claims logic with a fake backend: no torch, keras or scikit-learn needed. Bands, verdicts,
the registry's choice of backend and the training cache are the grader's own logic."""

from __future__ import annotations

import pytest
from fake_backend import FakeBackend
from nnexam.grader import claims
from nnexam.grader.backends import registry

MODEL = "model = keras.Sequential([keras.Input((4,)), layers.Dense(3, activation='relu'), layers.Dense(2, activation='softmax')])"


@pytest.fixture
def fake(monkeypatch, tmp_path):
    be = FakeBackend()
    monkeypatch.setattr(registry, "_all", lambda: {"fake": be})
    monkeypatch.setenv("NNEXAM_CACHE", str(tmp_path / "cache"))
    return be


def _claims_file(tmp_path, claims_yaml: str):
    rows = "\n".join(f"{i % 5},{(i * 3) % 7},{i % 2},{(i * 5) % 3},{i % 2}" for i in range(100))
    (tmp_path / "data.csv").write_text("a,b,c,d,label\n" + rows + "\n")
    claim_lines = "".join(f"  {line.strip()}\n" for line in claims_yaml.splitlines() if line.strip())
    text = (f'model: "{MODEL}"\ndataset: {tmp_path / "data.csv"}\n'
            "training: {optimizer: sgd, batch_size: 10, epochs: 3, validation_split: 0.2}\nclaims:\n" + claim_lines)
    path = tmp_path / "claims.yaml"
    path.write_text(text)
    return claims.read(path)


def test_training_claims_are_judged_against_the_seed_band(fake, tmp_path):
    # val_accuracy at epoch 3 is 0.78, 0.79, 0.80 over seeds 0-2; at epoch 1 it is 0.68-0.70
    cf = _claims_file(tmp_path, """\
        - {what: val_accuracy, value: 0.79, epoch: 3}
        - {what: val_accuracy, value: 0.99, epoch: 3}
        - {what: accuracy, value: "70%", epoch: 1}
        - {what: total_params, value: 23}
        - {what: steps_per_epoch, value: 8}
        """)
    verdicts, histories = claims.verify(cf, seeds=3)
    assert [v.verdict for v in verdicts] == ["consistent", "implausible", "consistent", "confirmed", "confirmed"]
    assert len(histories) == 3 and sorted(fake.trained) == [0, 1, 2]
    assert "fake" in verdicts[0].evidence and "0.99" not in verdicts[0].evidence


def test_a_rerun_trains_nothing(fake, tmp_path):
    cf = _claims_file(tmp_path, "- {what: val_accuracy, value: 0.79, epoch: 3}\n")
    first, _ = claims.verify(cf, seeds=2)
    assert len(fake.trained) == 2
    again, _ = claims.verify(cf, seeds=2)
    assert len(fake.trained) == 2 and [v.verdict for v in again] == [v.verdict for v in first]


def test_static_claims_do_not_train(fake, tmp_path):
    cf = _claims_file(tmp_path, "- {what: total_params, value: 24}\n- {what: steps_per_epoch, value: 8}\n")
    verdicts, histories = claims.verify(cf)
    assert [v.verdict for v in verdicts] == ["refuted", "confirmed"] and histories == [] and fake.trained == []
    assert "23" in verdicts[0].evidence  # 4*3+3 + 3*2+2
