"""training-steps: textbook cases, mistakes, generator, and a differential test against PyTorch."""

from __future__ import annotations

import random

import pytest
from nnexam.questions import registry

FAM = registry.get("training-steps")


@pytest.mark.parametrize(
    "samples,batch,epochs,drop,steps,total",
    [
        (60000, 32, 5, False, 1875, 9375),  # MNIST, divides
        (60000, 128, 10, False, 469, 4690),  # 468.75 -> 469
        (50000, 64, 1, False, 782, 782),
        (1000, 3, 2, False, 334, 668),
        (1000, 3, 2, True, 333, 666),
        (1, 32, 1, False, 1, 1),
    ],
    ids=["mnist-32", "mnist-128", "cifar-64", "ceil", "drop-last", "one-sample"],
)
def test_textbook(samples, batch, epochs, drop, steps, total):
    p = FAM.parse({"samples": samples, "batch_size": batch, "epochs": epochs, "drop_last": drop})
    a = FAM.solve(p)
    assert a["steps_per_epoch"] == steps
    assert a["total_updates"] == total


def test_mistakes_are_named_and_differ():
    p = FAM.parse({"samples": 1000, "batch_size": 32, "epochs": 3})
    wrong = {m.id: w for m, w in FAM.mistake_answers(p)}
    assert wrong["floor-steps"]["steps_per_epoch"] == 31
    assert wrong["forgot-epochs"]["total_updates"] == 32
    assert wrong["per-sample-updates"]["steps_per_epoch"] == 1000
    assert "used-ceil" not in wrong  # only with drop_last
    assert FAM.distinguishable(p, FAM.solve(p)) is None


def test_follow_on_uses_students_steps():
    p = FAM.parse({"samples": 1000, "batch_size": 32, "epochs": 3})
    assert FAM.follow_on(p, {"steps_per_epoch": 31}) == {"total_updates": 93}


def test_bad_params_name_the_parameter():
    from nnexam.questions.errors import ParamError

    with pytest.raises(ParamError, match="batch_size"):
        FAM.parse({"samples": 10, "batch_size": 0})
    with pytest.raises(ParamError, match="samples"):
        FAM.parse({"batch_size": 3})


def test_generator_is_seeded_and_valid():
    a = [FAM.draw(random.Random(s)) for s in range(50)]
    b = [FAM.draw(random.Random(s)) for s in range(50)]
    assert a == b
    assert len(set(a)) > 40
    for p in a:
        assert FAM.distinguishable(p, FAM.solve(p)) is None
    d = FAM.draw(random.Random(1), options={"divides": True})
    assert d.samples % d.batch_size == 0


@pytest.mark.torch
def test_differential_against_torch_dataloader():
    import torch
    from torch.utils.data import DataLoader, TensorDataset

    rng = random.Random(2024)
    for _ in range(300):
        n, bs = rng.randint(1, 5000), rng.randint(1, 700)
        drop = rng.random() < 0.3 and bs <= n
        p = FAM.parse({"samples": n, "batch_size": bs, "epochs": rng.randint(1, 9), "drop_last": drop})
        loader = DataLoader(TensorDataset(torch.zeros(n, 1)), batch_size=bs, drop_last=drop)
        assert FAM.solve(p)["steps_per_epoch"] == len(loader), (n, bs, drop)
