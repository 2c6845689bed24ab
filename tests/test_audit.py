"""Auditing reports written the way students write them: each summary layout (Keras 3 box drawing,
Keras 2 '=====' with wrapped names, tab-separated PDF text with broken lines, Markdown tables), old
and new training logs, stated totals and arithmetic; each finding with its place."""

from __future__ import annotations

import pytest
from nnexam.grader.audit import audit_report, logs, reader, rows, summary

KERAS3 = """\
Model: "sequential"
┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ conv2d_2 (Conv2D)               │ (None, 8, 8, 16)       │           160 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ batch_normalization             │ (None, 8, 8, 16)       │            64 │
│ (BatchNormalization)            │                        │               │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ max_pooling2d_2 (MaxPooling2D)  │ (None, 4, 4, 16)       │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ flatten_1 (Flatten)             │ (None, 256)            │             0 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_1 (Dense)                 │ (None, 32)             │         8,224 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense_2 (Dense)                 │ (None, 10)             │           330 │
└─────────────────────────────────┴────────────────────────┴───────────────┘
 Total params: 8,778 (34.29 KB)
 Trainable params: 8,746 (34.16 KB)
 Non-trainable params: 32 (128.00 B)
"""
KERAS3_CODE = """\
```python
model = keras.Sequential([
    keras.Input((8, 8, 1)),
    layers.Conv2D(16, 3, padding="same"),
    layers.BatchNormalization(),
    layers.MaxPooling2D(),
    layers.Flatten(),
    layers.Dense(32, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
```
"""
KERAS2 = """\
Model: "sequential"
_________________________________________________________________
 Layer (type)                Output Shape              Param #
=================================================================
 conv2d (Conv2D)             (None, 26, 26, 32)        320

 max_pooling2d (MaxPooling2D  (None, 13, 13, 32)       0
 )

 conv2d_1 (Conv2D)           (None, 11, 11, 64)        18496

 max_pooling2d_1 (MaxPooling  (None, 5, 5, 64)         0
 2D)

 flatten (Flatten)           (None, 1600)              0

 dense (Dense)               (None, 10)                16010

=================================================================
Total params: 34,826
Trainable params: 34,826
Non-trainable params: 0
_________________________________________________________________
"""
KERAS22 = """\
_________________________________________________________________
Layer (type)                 Output Shape              Param #
=================================================================
conv2d_1 (Conv2D)            (None, 26, 26, 8)         80
_________________________________________________________________
max_pooling2d_1 (MaxPooling2 (None, 13, 13, 8)         0
_________________________________________________________________
batch_normalization_1 (Batch (None, 13, 13, 8)         32
_________________________________________________________________
flatten_1 (Flatten)          (None, 1352)              0
_________________________________________________________________
dense_1 (Dense)              (None, 4)                 5412
=================================================================
Total params: 5,524
Trainable params: 5,508
Non-trainable params: 16
_________________________________________________________________
"""
PDF_TABS = "conv2d_3 (Conv2D)\t(None, 30, 30,\n16)\t448\nmax_pooling2d_3 (MaxPooling2D)\t(None, 15, 15, 16)\t0\nflatten_3 (Flatten)\t(None, 3600)\t0\ndense_5 (Dense)\t(None, 10)\t36010\nTotal params: 36,458\n"
MARKDOWN = """\
| Layer (type) | Output Shape | Param # |
|---|---|---|
| dense (Dense) | (None, 128) | 100,480 |
| dropout (Dropout) | (None, 128) | 0 |
| dense_1 (Dense) | (None, 10) | 1,280 |
"""


def run(text: str, **kw):
    return audit_report(reader.from_text(text, "r.md"), **kw)


def by(verdicts, what):
    return [v for v in verdicts if v.what == what]


@pytest.mark.parametrize("text,n_rows,total,kinds", [
    (KERAS3, 6, 8778, ["Conv2D", "BatchNormalization", "MaxPooling2D", "Flatten", "Dense", "Dense"]),
    (KERAS2, 6, 34826, ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dense"]),
    (KERAS22, 5, 5524, ["Conv2D", "MaxPooling2D", "BatchNormalization", "Flatten", "Dense"]),
    (PDF_TABS, 4, 36458, ["Conv2D", "MaxPooling2D", "Flatten", "Dense"]),
    (MARKDOWN, 3, None, ["Dense", "Dropout", "Dense"]),
], ids=["keras3-box", "keras2-rules", "keras2.2-truncated-types", "pdf-tabs-broken", "markdown"])
def test_summary_layouts(text, n_rows, total, kinds):
    (table,) = summary.find_tables(reader.from_text(text).lines)
    assert len(table.rows) == n_rows and table.total == total
    assert [r.kind for r in table.rows] == kinds


def test_keras3_table_with_code_all_confirmed():
    vs = run("Our model:\n" + KERAS3_CODE + "\nIts summary:\n" + KERAS3)
    assert {v.verdict for v in vs} == {"confirmed"}, [(v.where, v.evidence) for v in vs if v.verdict != "confirmed"]
    bn = [v for v in by(vs, "summary_row") if "batch_normalization" in v.where]
    assert bn and bn[0].where.endswith("layer batch_normalization (line 21)")  # the wrapped row, at its first line
    assert by(vs, "non_trainable_params")[0].expected == 32
    assert [v.expected for v in by(vs, "params_size")] == ["34.29 KB", "34.16 KB", "128.00 B"]


def test_a_wrong_row_is_refuted_with_the_code_and_the_row_before():
    wrong = KERAS3.replace("8,224", "8,200")
    vs = run(KERAS3_CODE + wrong)
    (bad,) = [v for v in vs if v.verdict == "refuted" and v.what == "summary_row"]
    assert "layer dense_1" in bad.where and "8,224" in bad.evidence
    assert "(256 + 1) x 32 = 8,224" in bad.evidence  # derived from the row before as well
    totals = [v for v in by(vs, "total_params") if v.verdict == "refuted"]
    assert totals and "= 8,754" in totals[0].evidence  # footer 8,778 vs the rows' 8,754


def test_rows_are_derived_without_code():
    vs = run(KERAS2)
    rows_v = by(vs, "summary_row")
    assert rows_v[0].verdict == "unverifiable"  # no input shape known for the first row
    assert [v.verdict for v in rows_v[1:]] == ["confirmed"] * 5
    assert "(3x3 x 32 + 1) x 64 = 18,496; kernel 3, stride 1, 'valid'" in rows_v[2].evidence
    bound = run(KERAS2, bindings={"input_shape": [28, 28, 1]})
    assert by(bound, "summary_row")[0].verdict == "confirmed"


def test_keras22_truncated_types_checked():
    vs = run(KERAS22, bindings={"input_shape": [28, 28, 1]})
    assert {v.verdict for v in vs} == {"confirmed"}, [(v.where, v.evidence) for v in vs if v.verdict != "confirmed"]
    assert len(by(vs, "summary_row")) == 5 and by(vs, "non_trainable_params")[0].expected == 16


def test_pdf_text_with_tabs_and_broken_shapes():
    vs = run(PDF_TABS, bindings={"input_shape": [32, 32, 3]})
    assert [v.verdict for v in by(vs, "summary_row")] == ["confirmed"] * 4
    assert by(vs, "total_params")[0].verdict == "confirmed"


@pytest.mark.parametrize("shape,verdict,needs", [
    ("(None, 24, 24, 32)", "implausible", "dilation 2"),
    ("(None, 7, 7, 32)", "implausible", "stride 4"),
    ("(None, 27, 27, 32)", "implausible", "asymmetric padding"),
    ("(None, 14, 14, 32)", "confirmed", "stride 2, 'same'"),
    ("(None, 40, 40, 32)", "refuted", "no kernel size"),
], ids=["dilation", "big-stride", "asymmetric", "usual", "impossible"])
def test_unusual_settings_are_named(shape, verdict, needs):
    table = f"input_1 (InputLayer)  [(None, 28, 28, 1)]  0\nconv2d (Conv2D)  {shape}  320\n"
    (v,) = by(run(table), "summary_row")
    assert v.verdict == verdict and needs in v.evidence, v.evidence


def test_unusual_setting_shown_in_code_is_fine():
    code = "```python\nmodel = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(32, 3, dilation_rate=2)])\n```\n"
    table = "conv2d (Conv2D)  (None, 24, 24, 32)  320\n"
    (v,) = by(run(code + table), "summary_row")
    assert v.verdict == "confirmed"


@pytest.mark.parametrize("kind,n_in,n_out,params,verdict,text", [
    ("Dense", (128,), (10,), 1290, "confirmed", "(128 + 1) x 10 = 1,290"),
    ("Dense", (128,), (10,), 1280, "confirmed", "use_bias=False"),
    ("Dense", (128,), (10,), 1300, "refuted", "1,300 would fit 129 inputs"),
    ("Dense", (128,), (10,), 1285, "refuted", "(128 + 1) x 10 = 1,290"),
    ("BatchNormalization", (8, 8, 16), (8, 8, 16), 32, "refuted", "4 x 16 channels"),
    ("Flatten", (5, 5, 64), (1600,), 0, "confirmed", "5 x 5 x 64 = 1,600"),
    ("Flatten", (5, 5, 64), (1500,), 0, "refuted", "1,600"),
    ("GlobalAveragePooling2D", (7, 7, 64), (64,), 0, "confirmed", "64 channels"),
    ("MaxPooling2D", (26, 26, 32), (13, 13, 32), 0, "confirmed", "pool 2, stride 2, 'valid'"),
    ("MaxPooling2D", (26, 26, 32), (13, 13, 32), 10, "refuted", "no weights"),
    ("LSTM", (10, 8), (16,), 1600, "confirmed", "4 x (u(d+u) + u)"),
    ("GRU", (10, 8), (16,), 1248, "confirmed", "reset_after"),
    ("Dropout", (128,), (64,), 0, "refuted", "keeps the shape"),
    ("Conv2D", (28, 28, 1), (26, 26, 32), 330, "refuted", "no square kernel"),
    ("Attention", (4,), (4,), 0, "unverifiable", "not checked"),
], ids=["dense", "dense-no-bias", "dense-wrong-input", "dense-wrong", "bn", "flatten", "flatten-wrong", "gap",
        "pool", "pool-params", "lstm", "gru", "dropout-shape", "conv-params", "unknown"])
def test_row_rules(kind, n_in, n_out, params, verdict, text):
    c = rows.check(kind, n_in, n_out, params)
    assert c.verdict == verdict and text in c.evidence, c.evidence


def test_markdown_table_dense_without_bias_row():
    vs = run(MARKDOWN, bindings={"input_shape": [784]})
    verdicts = [v.verdict for v in by(vs, "summary_row")]
    assert verdicts == ["confirmed", "confirmed", "confirmed"]  # 1,280 = Dense(10, use_bias=False): possible
    assert "use_bias=False" in by(vs, "summary_row")[2].evidence


NEW_LOG = """\
Epoch 1/3
1875/1875 ━━━━━━━━━━━━━━━━━━━━ 12s 6ms/step - accuracy: 0.8201 - loss: 0.5123 - val_accuracy: 0.8544 - val_loss: 0.4011
Epoch 2/3
1875/1875 ━━━━━━━━━━━━━━━━━━━━ 11s 6ms/step - accuracy: 0.8650 - loss: 0.3720 - val_accuracy: 0.8702 - val_loss: 0.3600
Epoch 3/3
1875/1875 ━━━━━━━━━━━━━━━━━━━━ 11s 6ms/step - accuracy: 0.8801 - loss: 0.3301 - val_accuracy: 0.8712 - val_loss: 0.3550
"""
OLD_LOG_BROKEN = """\
Epoch 1/2
  32/1688 [..............................] - ETA: 5s - loss: 2.3102 - acc: 0.0938
1688/1688 [==============================] - 4s 2ms/step - loss: 0.4866 - acc: 0.8287 -
val_loss: 0.3934 - val_acc:
0.8606
Epoch 2/2
1688/1688 [==============================] - 3s 2ms/step - loss: 0.3604 - acc: 0.8690 - val_loss: 0.3521 - val_acc: 0.8733
"""


def test_new_and_old_logs_parse():
    (new,) = logs.find_logs(reader.from_text(NEW_LOG).lines)
    assert [e.steps for e in new.epochs] == [1875] * 3 and new.series("val_accuracy") == [0.8544, 0.8702, 0.8712]
    (old,) = logs.find_logs(reader.from_text(OLD_LOG_BROKEN).lines)
    assert old.epochs[0].steps == 1688 and old.epochs[0].metrics == {"loss": 0.4866, "accuracy": 0.8287, "val_loss": 0.3934, "val_accuracy": 0.8606}
    assert old.series("val_accuracy") == [0.8606, 0.8733]


def test_steps_per_epoch_against_the_dataset_size():
    text = "We train on the 60,000 training images of MNIST.\n" + NEW_LOG
    (v,) = by(run(text), "steps_per_epoch")
    assert v.verdict == "confirmed" and "ceil(60,000 / 32) = 1,875" in v.evidence and "Keras' default" in v.evidence
    fit = "```python\nmodel.fit(x, y, batch_size=32, epochs=2, validation_split=0.1)\n```\nFashion-MNIST.\n"
    vs = run(fit + OLD_LOG_BROKEN)
    (v,) = by(vs, "steps_per_epoch")
    assert v.verdict == "confirmed" and "54,000 of 60,000" in v.evidence
    vs = run(fit.replace("batch_size=32", "batch_size=64") + OLD_LOG_BROKEN)
    (v,) = by(vs, "steps_per_epoch")
    assert v.verdict == "refuted" and v.expected == 844 and "1,688 steps x batch size 64 means 107,969-108,032" in v.evidence
    (v,) = by(run(NEW_LOG), "steps_per_epoch")
    assert v.verdict == "unverifiable" and "59,969-60,000" in v.evidence


def test_epochs_against_fit():
    fit = "```python\nmodel.fit(x, y, epochs=10)\n```\n"
    (v,) = by(run(fit + NEW_LOG), "epochs")
    assert v.verdict == "refuted" and v.expected == 10


@pytest.mark.parametrize("sentence,verdict", [
    ("The final validation accuracy is 87.1%.", "confirmed"),
    ("We reach a validation accuracy of 0.8712 after three epochs.", "confirmed"),
    ("It reached 87.0% validation accuracy in epoch 2.", "confirmed"),  # the log's epoch 2 says 0.8702
    ("It reached 87.0% validation accuracy.", "consistent"),
    ("Our model reached 95% validation accuracy.", "refuted"),
    ("The training accuracy was 88%.", "confirmed"),
], ids=["final", "fraction", "named-epoch", "earlier-epoch", "too-high", "training"])
def test_stated_accuracies_against_the_log(sentence, verdict):
    vs = run(NEW_LOG + "\n" + sentence + "\n")
    found = [v for v in vs if v.what in ("val_accuracy", "accuracy")]
    assert len(found) == 1 and found[0].verdict == verdict, [(v.where, v.evidence) for v in found]
    assert found[0].where.startswith("line 8")


def test_stated_totals_and_arithmetic():
    text = KERAS3_CODE + KERAS3 + """
The first convolution has (3*3*1+1)*16 = 160 parameters and the first dense layer 256 x 32 + 32 = 8,224.
The flattened map has 4*4*16 = 265 values. In total the model has 8,778 parameters,
of which 8,746 are trainable; we also claim 8,778 trainable parameters.
"""
    vs = run(text)
    arith = by(vs, "arithmetic")
    assert [(v.claimed, v.verdict) for v in arith] == [(160, "confirmed"), (8224, "confirmed"), (265, "refuted")]
    assert arith[2].where.startswith("line 34") and arith[2].expected == "256"
    totals = [v for v in vs if v.where.startswith("line")]
    stated = [(v.what, v.claimed, v.verdict) for v in totals if v.what.endswith("params")]
    assert ("total_params", 8778, "confirmed") in stated
    assert ("trainable_params", 8778, "refuted") in stated


def test_pytorch_code_is_found():
    text = "```python\nnet = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))\n```\n" \
           "The network has 101,770 parameters in total.\n"
    (v,) = by(run(text), "total_params")
    assert v.verdict == "confirmed" and "the code: 101,770" in v.evidence


def test_unfenced_code_from_pdf_text():
    text = ("2.1 Model\n  model = Sequential()\n  model.add(Dense(64, activation='relu', input_shape=(784,)))\n"
            "  model.add(Dense(10, activation='softmax'))\nThe model has 50,890 parameters in total.\n")
    (v,) = by(run(text), "total_params")
    assert v.verdict == "confirmed"


def test_unanalysable_code_is_reported_not_fatal():
    vs = run("```python\nmodel = keras.Sequential([layers.Dense(n_units), layers.Dense(10)])\n```\n")
    assert vs and vs[0].what == "model" and vs[0].verdict == "unverifiable" and "n_units" in vs[0].evidence


def test_pdf_report(tmp_path):
    import shutil

    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext not installed")
    import typst

    body = KERAS2.replace("\\", "")
    src = tmp_path / "r.typ"
    src.write_text("#set page(width: 24cm)\n#set text(size: 8pt)\n```\n" + body + "\n```\n\nThe model has 34,826 parameters in total.\n")
    typst.compile(str(src), output=str(tmp_path / "r.pdf"))
    from nnexam.grader.audit import audit

    vs = audit(tmp_path / "r.pdf", bindings={"input_shape": [28, 28, 1]})
    assert [v.verdict for v in by(vs, "summary_row")] == ["confirmed"] * 6
    assert any(v.what == "total_params" and v.where.startswith("line") and v.verdict == "confirmed" for v in vs)


def test_unreadable_pdf_is_an_input_error(tmp_path):
    from nnexam.grader.audit import audit
    from nnexam.questions.errors import InputError

    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 not really")
    with pytest.raises(InputError, match="broken.pdf"):
        audit(bad)


HOSTILE = {
    "digits": "1" * 200_000, "sums": "1+" * 100_000, "equals": "1 = " * 50_000, "commas": "1," * 100_000,
    "accuracy": "accuracy " * 22_000, "brackets": "(" * 200_000, "params": "1 parameters " * 15_000,
    "layers": "first conv layer " * 12_000, "names": "x = [1, 2] " * 20_000, "log": "1/1 [====] - loss: 0.1 " * 9_000,
}


@pytest.mark.parametrize("text", list(HOSTILE.values()), ids=list(HOSTILE))
def test_a_200000_character_line_is_audited_in_linear_time(text):
    import time

    start = time.process_time()
    run(text)
    assert time.process_time() - start < 1.0


def test_a_huge_conv_row_is_bounded():
    import time

    start = time.process_time()
    c = rows.check("Conv2D", (1000, 1000, 1), (1, 1, 1), 1_000_001)
    assert time.process_time() - start < 1.0 and c.verdict in ("refuted", "implausible", "confirmed")


def test_deep_or_long_code_is_unverifiable_not_a_crash():
    deep = "```python\nmodel = Sequential([Dense(" + "(" * 5000 + "1" + ")" * 5000 + ")])\n```\nThe model has 10 parameters in total.\n"
    vs = run(deep)
    assert all(v.verdict != "refuted" for v in vs)
    long = "```python\nmodel = Sequential([" + "Dense(1)," * 20_000 + "])\n```\n"
    run(long)  # too long to read: no exception


def test_train_runs_each_experiment_with_its_own_settings(monkeypatch):
    from nnexam.grader.audit import training

    seen = []
    monkeypatch.setattr(training, "_one", lambda exp, dataset, **kw: seen.append(exp) or [])
    fit = "```python\nmodel.compile(optimizer=SGD(learning_rate={lr}), loss='sparse_categorical_crossentropy')\n" \
          "model.fit(x, y, batch_size={bs}, epochs=3)\n```\n"
    text = ("We use MNIST.\n" + KERAS3_CODE + "## Baseline\n" + fit.format(lr=0.01, bs=32) + NEW_LOG
            + "\nThe test accuracy is 0.88.\n\n## lr = 1\n" + fit.format(lr=1.0, bs=64) + NEW_LOG.replace("1875/1875", "938/938"))
    run(text, train=True)
    assert [(e.setup.learning_rate, e.setup.batch_size) for e in seen] == [(0.01, 32), (1.0, 64)]
    assert seen[0].log is not seen[1].log and seen[0].log.line < seen[1].log.line
    assert [a.value for a in seen[0].accuracies] == [0.88] and not seen[1].accuracies
    assert all(e.model is not None and e.model.spec is not None for e in seen)


def test_pytorch_code_without_input_shape_takes_the_data_sets():
    text = ("We use MNIST.\n```python\nnet = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))\n```\n"
            "The network has 7,850 parameters in total.\n")
    (v,) = by(run(text), "total_params")
    assert v.verdict == "confirmed"  # 784 x 10 + 10
    keras_text = text.replace("nn.Sequential(nn.Flatten(), nn.Linear(784, 10))", "keras.Sequential([layers.Flatten(), layers.Dense(10)])")
    assert by(run(keras_text), "total_params")[0].verdict == "unverifiable"  # Keras: never a guessed shape


def test_fewer_steps_than_the_data_set_gives_is_not_a_false_alarm():
    fit = "MNIST.\n```python\nmodel.fit(x_train[:10000], y_train[:10000], batch_size=32, epochs=3)\n```\n"
    log = NEW_LOG.replace("1875/1875", "313/313")
    (v,) = by(run(fit + log), "steps_per_epoch")
    assert v.verdict == "unverifiable" and "subset" in v.evidence  # 313 x 32 < 60,000: a subset is possible
    (v,) = by(run("The training set has 60,000 images.\n" + fit + log), "steps_per_epoch")
    assert v.verdict == "refuted"  # the report itself says 60,000


@pytest.mark.parametrize("sentence,what,verdict", [
    ("In this model each filter has 9 weights and one bias.", None, None),
    ("The output layer has 128 weights + bias per unit, so 1,300 trainable params in total.", "trainable_params", "refuted"),
    ("The last conv layer has 3 filters of 3x3x1, so it has 27 parameters.", "layer_params", "refuted"),
    ("The last conv layer has 3 filters of 3x3x1 plus a bias each: 30 parameters.", "layer_params", "confirmed"),
    ("The model has 20,320 parameters in total.", "total_params", "confirmed"),
], ids=["per-filter-not-a-claim", "total-after-per-unit", "layer-forgot-bias", "layer", "total"])
def test_prose_counts_are_read_as_written(sentence, what, verdict):
    code = "```python\nmodel = keras.Sequential([keras.Input((28, 28, 1)), layers.Conv2D(3, 3), layers.Flatten(), layers.Dense(10)])\n```\n"
    found = [v for v in run(code + sentence + "\n") if v.where.startswith("line 4")]
    assert [(v.what, v.verdict) for v in found if v.what != "arithmetic"] == ([(what, verdict)] if what else [])


@pytest.mark.parametrize("text,verdict,mistake", [
    ("x = [1, 2], W = [[0.5, -1], [2, 0]], b = [0.1, -0.5]. Then z = Wx + b = [-1.4, 1.5] and a = relu(z) = [0, 1.5].",
     ["confirmed", "confirmed"], None),
    ("x = [1, 2], W = [[0.5, -1], [2, 0]], b = [0.1, -0.5]. Then z = Wx + b = [-1.5, 2] and a = relu(z) = [0, 2].",
     ["refuted", "refuted"], "forgot-bias"),
    ("With EarlyStopping and a patience of 2 on the validation losses 0.5, 0.4, 0.45, 0.46, 0.3, training stops after epoch 4.",
     ["confirmed"], None),
    ("The loss of the true class is -log(0.5) = 0.301 (cross-entropy).", ["refuted"], "log-base-10"),
    ("A 3x3 convolution with padding 1 and stride 2 on a 28x28 input gives a 15x15 output.", ["refuted"], "used-ceil"),
], ids=["dense-right", "dense-forgot-bias", "early-stopping-of", "ce-log10", "size-ceil"])
def test_hand_computations_by_the_families(text, verdict, mistake):
    found = [v for v in run(text + "\n") if v.what in ("dense_forward", "early_stopping", "cross-entropy", "output_size")]
    assert [v.verdict for v in found] == verdict, [(v.verdict, v.evidence) for v in found]
    assert mistake is None or all(mistake in v.evidence for v in found)


def test_a_model_that_cannot_be_read_still_ends_the_previous_experiment():
    first = "```python\nmodel = keras.Sequential([keras.Input((64,)), layers.Dense(10)])\n```\n"
    functional = ("```python\ninputs = keras.Input((28, 28, 1))\nx = layers.Flatten()(inputs)\noutputs = layers.Dense(10)(x)\n"
                  "model = keras.Model(inputs, outputs)\n```\nThe model has 7,850 parameters in total.\n")
    (v,) = by(run(first + functional), "total_params")
    assert v.verdict == "confirmed"  # the functional model, not the Sequential one before it
    subclass = ("```python\nclass Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
                "        self.fc = nn.Linear(784, 10)\n```\nThe network has 7,850 parameters in total.\n")
    (v,) = by(run(first + subclass), "total_params")
    assert v.verdict == "confirmed"  # the analyser reads nn.Module subclasses: 784 * 10 + 10
    loaded = "```python\nmodel = keras.models.load_model('best.keras')\n```\nThe model has 7,850 parameters in total.\n"
    (v,) = by(run(first + loaded), "total_params")
    assert v.verdict == "unverifiable"  # not compared with the 650-parameter model above


def test_a_tf1_log_counts_samples_not_steps():
    log = ("Epoch 1/1\n54000/54000 [==============================] - 10s 185us/sample - loss: 0.2503 - acc: 0.9281"
           " - val_loss: 0.1102 - val_acc: 0.9675\n")
    (v,) = by(run("MNIST, validation_split=0.1.\n```python\nmodel.fit(x, y, epochs=1, validation_split=0.1)\n```\n" + log),
              "steps_per_epoch")
    assert v.verdict == "confirmed" and "counts samples" in v.evidence


def test_evaluate_output_after_the_log_is_not_an_epoch():
    text = NEW_LOG + "313/313 ━━━━━━━━━━━━━━━━━━━━ 1s 2ms/step - accuracy: 0.8655 - loss: 0.3712\n"
    (log,) = logs.find_logs(reader.from_text(text).lines)
    assert log.epochs[-1].steps == 1875 and log.epochs[-1].metrics["accuracy"] == 0.8801
    (v,) = by(run(text + "\nThe final training accuracy is 88.0%.\n"), "accuracy")
    assert v.verdict == "confirmed"


def test_a_bulleted_list_of_optimizers_is_not_a_model():
    text = ("```python\nmodel = keras.Sequential([keras.Input((64,)), layers.Dense(10)])\n```\nWe tried:\n"
            "- SGD(learning_rate=0.1)\n- Adam(learning_rate=0.001)\n\nThe model has 650 parameters in total.\n")
    vs = run(text)
    assert not by(vs, "model") and by(vs, "total_params")[0].verdict == "confirmed"


def test_a_layer_list_in_prose_is_a_model():
    text = ("The CNN is: 1. Conv2D(16, 3, activation='relu') 2. MaxPooling2D() 3. Flatten() "
            "4. Dense(num classes, activation='softmax')\n\nSo the CNN has 27,210 parameters in total.\n")
    (v,) = by(run(text, bindings={"num_classes": 10, "input_shape": [28, 28, 1]}), "total_params")
    assert v.verdict == "confirmed"  # 160 + 13 x 13 x 16 x 10 + 10 (Keras: 27,210)
    (v,) = by(run(text), "total_params")
    assert v.verdict == "unverifiable"  # num classes is not bound: the list cannot be analysed


@pytest.mark.parametrize("text", [
    "After a 3x3 conv and a 2x2 max pooling, a 28x28 input gives a 13x13 output.",
    "For a 28x28 input, a 3x3 conv with stride 1 has a receptive field of 3.",
    "MNIST with batch size 32 and 5 epochs gives 9,375 steps in total.",
], ids=["two-layers-one-sentence", "input-size-is-not-a-layer", "total-updates"])
def test_hand_computations_that_are_not_one_family_instance_are_not_refuted(text):
    assert all(v.verdict not in ("refuted", "implausible") for v in run(text + "\n"))


def test_two_fits_in_one_block_pair_with_their_logs_in_order():
    block = ("MNIST.\n```python\nmodel.fit(x, y, batch_size=32, epochs=3)\nmodel.fit(x, y, batch_size=64, epochs=3)\n```\n")
    second = NEW_LOG.replace("1875/1875", "938/938")
    steps = by(run(block + NEW_LOG + "\n" + second), "steps_per_epoch")
    assert [(v.claimed, v.verdict) for v in steps] == [(1875, "confirmed"), (938, "confirmed")]
    steps = by(run(block + second), "steps_per_epoch")  # one log for two fits: which one printed it is unclear
    assert [v.verdict for v in steps] == ["unverifiable"]  # not refuted with the first fit's batch size


def test_a_results_table_in_markdown_is_not_read_as_claims():
    table = "| run | val accuracy |\n|---|---|\n| lr 0.1 | 95.0% |\n| lr 1 | 10.0% |\n"
    assert not [v for v in run(NEW_LOG + table) if v.what in ("accuracy", "val_accuracy")]


def test_a_jupyter_notebook_is_read_as_markdown(tmp_path):
    import json

    from nnexam.grader.audit import audit

    cells = [
        {"cell_type": "markdown", "source": ["# Lab 1\n", "We use MNIST.\n"]},
        {"cell_type": "code", "source": KERAS3_CODE.replace("```python\n", "").replace("```\n", ""),
         "outputs": [{"output_type": "stream", "name": "stdout", "text": KERAS3.splitlines(keepends=True)}]},
        {"cell_type": "markdown", "source": "In total the model has 8,746 trainable parameters."},
    ]
    nb = tmp_path / "lab.ipynb"
    nb.write_text(json.dumps({"cells": cells, "nbformat": 4, "nbformat_minor": 5, "metadata": {}}))
    vs = audit(nb)
    assert {v.verdict for v in vs} == {"confirmed"}, [(v.where, v.evidence) for v in vs if v.verdict != "confirmed"]
    assert by(vs, "trainable_params") and by(vs, "summary_row")
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json")
    from nnexam.questions.errors import InputError

    with pytest.raises(InputError, match="bad.ipynb"):
        audit(bad)


@pytest.mark.parametrize("sentence,verdict", [
    ("The training set has 60,000 images; with validation_split=0.1 and batch size 32 an epoch has 1,688 steps.", "confirmed"),
    ("The training set has 60,000 images; with batch size 32 an epoch has 1,875 steps.", "confirmed"),
    ("The training set has 60,000 images; with batch size 32 an epoch has 1,874 steps.", "refuted"),
    ("We keep 10% of the 60,000 training images for validation: with batch size 32 an epoch has 1,688 steps.", "confirmed"),
], ids=["split-in-sentence", "no-split", "wrong", "percent-split"])
def test_steps_in_prose_with_a_validation_split(sentence, verdict):
    (v,) = by(run(sentence + "\n"), "steps_per_epoch")
    assert v.verdict == verdict, v.evidence


def test_a_table_of_another_model_with_as_many_layers_is_not_compared():
    other = KERAS3_CODE.replace("layers.Conv2D(16, 3, padding=\"same\")", "layers.Conv2D(8, 5)").replace(
        "layers.Dense(32", "layers.Dense(64")
    vs = run(other + KERAS3)
    assert not [v for v in vs if v.verdict in ("refuted", "implausible")], [(v.where, v.evidence) for v in vs if v.verdict == "refuted"]
    assert by(vs, "summary_layers")[0].verdict == "unverifiable"
    one_typo = run(KERAS3_CODE + KERAS3.replace("8,224", "8,200"))
    assert [v.verdict for v in by(one_typo, "summary_row")].count("refuted") == 1  # one row off: still refuted


def test_latex_numbers_are_read():
    text = ("```python\nnet = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10))\n```\n"
            "The network has \\num{101770} parameters in total and $(784 + 1) \\times 128 = 100{,}480$ of them are in the "
            "first layer.\n")
    vs = run(text)
    assert by(vs, "total_params")[0].verdict == "confirmed" and by(vs, "arithmetic")[0].verdict == "confirmed"


def test_a_page_break_inside_a_table_keeps_one_table():
    lines = KERAS3.splitlines()
    cut = next(i for i, ln in enumerate(lines) if "flatten_1" in ln) - 1
    broken = "\n".join(lines[:cut] + ["", "                     3", "Lab report, group 4"] + lines[cut:]) + "\n"
    (table,) = summary.find_tables(reader.from_text(broken).lines)
    assert len(table.rows) == 6 and table.total == 8778


def test_a_sentence_after_a_log_is_not_log_text():
    text = NEW_LOG + "\nTraining accuracy: 95.0% (epoch 3).\n"
    (v,) = by(run(text), "accuracy")
    assert v.verdict == "refuted" and v.where.startswith("line 8")
