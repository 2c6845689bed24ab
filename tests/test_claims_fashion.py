"""The known Fashion-MNIST result, reproduced on the real data (slow; runs in CI): Dense(32, sigmoid) +
Dense(10, softmax), SGD lr 0.01, batch 32, 5 epochs on all 60,000 training images. Measured with the
torch backend (3 seeds): training accuracy 0.789-0.797 after epoch 5, test accuracy 0.786-0.791.
A claim of 0.95 is far above that band and must be judged implausible."""

from __future__ import annotations

import pytest
from nnexam.grader import claims, datasets

pytestmark = [
    pytest.mark.slow,
    pytest.mark.torch,
    pytest.mark.skipif(not (datasets.FASHION_DIR / "train-images-idx3-ubyte.gz").is_file(),
                       reason="Debian's dataset-fashion-mnist is not installed"),
]

CLAIMS = """\
model: |
  model = keras.Sequential([
      keras.Input(shape=(28, 28)),
      layers.Flatten(),
      layers.Dense(32, activation="sigmoid"),
      layers.Dense(10, activation="softmax"),
  ])
dataset: fashion-mnist
training: {optimizer: sgd, learning_rate: 0.01, batch_size: 32, epochs: 5, loss: sparse_categorical_crossentropy}
claims:
  - {what: total_params, value: 25450}
  - {what: steps_per_epoch, value: 1875}
  - {what: accuracy, value: 0.79, epoch: 5}
  - {what: test_accuracy, value: "79%"}
  - {what: accuracy, value: 0.95, epoch: 5}
  - {what: learns, value: true}
"""


def test_known_fashion_mnist_result(tmp_path):
    path = tmp_path / "fashion.yaml"
    path.write_text(CLAIMS)
    verdicts, histories = claims.verify(claims.read(path), seeds=3)
    assert [v.verdict for v in verdicts] == ["confirmed", "confirmed", "consistent", "consistent", "implausible", "consistent"], \
        [v.evidence for v in verdicts]
    final = [h.epochs[-1]["accuracy"] for h in histories]
    test = [h.test["accuracy"] for h in histories]
    assert 0.76 <= min(final) and max(final) <= 0.82, final
    assert 0.76 <= min(test) and max(test) <= 0.82, test
    assert "0.95" in verdicts[4].evidence and "above" in verdicts[4].evidence
