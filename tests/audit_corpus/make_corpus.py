"""Writes the labelled audit corpus: reports in the forms students hand in, each with its truth.

    KERAS_BACKEND=torch .venv/bin/python tests/audit_corpus/make_corpus.py

The truth never comes from nnexam: parameter counts, output shapes and summary tables come from
Keras itself (``count_params``, ``model.summary()``), steps per epoch, output sizes, receptive
fields, convolutions, dense passes, softmax, sigmoid, cross-entropy and early stopping from the
textbook formulas below (numpy and ``math``), each written out here by hand. A report holds
several experiments (baseline, lr changes, momentum), each with its own log; the planted mistakes
are the ones students make (a forgotten bias, log base 10, ceil for floor, a sum added wrong, an
accuracy that is not in the log). ``NAME.truth.yaml`` lists, by line, every planted mistake (its
verdict and, where a family names it, the mistake id) and every correct number.
"""

from __future__ import annotations

import math
import os
import random
import re
from pathlib import Path

import numpy as np
import yaml

os.environ.setdefault("KERAS_BACKEND", "torch")
import keras  # noqa: E402
from keras import layers as L  # noqa: E402

HERE = Path(__file__).parent
FORMATS = ("md", "notebook.txt", "pdf.txt", "tex", "txt")
DATASETS = {"mnist": ((28, 28, 1), 60000, "MNIST"), "fashion-mnist": ((28, 28, 1), 60000, "Fashion-MNIST"),
            "cifar10": ((32, 32, 3), 50000, "CIFAR-10")}

# Models: (name, needs image input, layer constructors as (keras class, args, kwargs))
MODELS = {
    "mlp": [("Flatten", (), {}), ("Dense", (128,), {"activation": "relu"}), ("Dense", (10,), {"activation": "softmax"})],
    "mlp2": [("Flatten", (), {}), ("Dense", (256,), {"activation": "relu"}), ("Dropout", (0.2,), {}),
             ("Dense", (128,), {"activation": "relu"}), ("Dense", (10,), {"activation": "softmax"})],
    "cnn": [("Conv2D", (16, (3, 3)), {"activation": "relu"}), ("MaxPooling2D", ((2, 2),), {}),
            ("Conv2D", (32, (3, 3)), {"activation": "relu"}), ("MaxPooling2D", ((2, 2),), {}), ("Flatten", (), {}),
            ("Dense", (64,), {"activation": "relu"}), ("Dense", (10,), {"activation": "softmax"})],
    "cnn_bn": [("Conv2D", (32, 3), {"padding": "same", "activation": "relu"}), ("BatchNormalization", (), {}),
               ("MaxPooling2D", (), {}), ("Conv2D", (64, 3), {"padding": "same", "activation": "relu"}),
               ("BatchNormalization", (), {}), ("MaxPooling2D", (), {}), ("Conv2D", (64, 3), {"activation": "relu"}),
               ("Flatten", (), {}), ("Dropout", (0.5,), {}), ("Dense", (10,), {"activation": "softmax"})],
    "cnn_small": [("Conv2D", (8, 5), {"activation": "relu"}), ("MaxPooling2D", (), {}), ("Flatten", (), {}),
                  ("Dense", (10,), {"activation": "softmax"})],
    "prose": [("Conv2D", (16, 3), {"activation": "relu"}), ("MaxPooling2D", (), {}), ("Flatten", (), {}),
              ("Dense", ("num_classes",), {"activation": "softmax"})],
}


def keras_model(key: str, shape: tuple[int, ...]) -> tuple[keras.Model, list[dict]]:
    """The model built by Keras, and per layer: name, type, output shape, params (Keras' own counts)."""
    made = []
    for cls, args, kw in MODELS[key]:
        args = tuple(10 if a == "num_classes" else a for a in args)
        made.append(getattr(L, cls)(*args, **kw))
    model = keras.Sequential([keras.Input(shape), *made])
    info = [{"name": lay.name, "type": type(lay).__name__, "shape": tuple(lay.output.shape)[1:],
             "params": lay.count_params(), "cls": cls, "args": args, "kw": kw}
            for lay, (cls, args, kw) in zip(model.layers, MODELS[key])]
    return model, info


def code_lines(key: str, shape, style: int, var: str = "model") -> list[str]:
    def call(cls, args, kw, first):
        parts = [("num_classes" if a == "num_classes" else repr(a)) for a in args]
        parts += [f"{k}={v!r}" for k, v in kw.items()]
        if first and style == 1:
            parts.append(f"input_shape={shape!r}")
        return f"{cls}({', '.join(parts)})"
    out = []
    if style == 0:
        out.append(f"{var} = keras.Sequential([")
        out.append(f"    keras.Input(shape={shape!r}),")
        for cls, args, kw in MODELS[key]:
            out.append(f"    layers.{call(cls, args, kw, False)},")
        out.append("])")
    else:
        out.append(f"{var} = Sequential()")
        for i, (cls, args, kw) in enumerate(MODELS[key]):
            out.append(f"{var}.add({call(cls, args, kw, i == 0)})")
    return out


def keras2_table(info: list[dict], total: int, trainable: int) -> list[str]:
    out = ['Model: "sequential"', "_" * 65, " Layer (type)                Output Shape              Param #   ", "=" * 65]
    for lay in info:
        name = f" {lay['name']} ({lay['type']})"
        shp = "(None, " + ", ".join(str(d) for d in lay["shape"]) + ")"
        if len(name) > 28:
            out.append(f"{name[:28]:<29}{shp:<26}{lay['params']}")
            out.append(" " + name[28:])
        else:
            out.append(f"{name:<29}{shp:<26}{lay['params']}")
        out.append("")
    out += ["=" * 65, f"Total params: {total:,}", f"Trainable params: {trainable:,}",
            f"Non-trainable params: {total - trainable:,}", "_" * 65]
    return out


def keras3_table(model) -> list[str]:
    buf: list[str] = []
    model.summary(print_fn=lambda s, line_break=False: buf.append(s))
    return "".join(buf).rstrip("\n").split("\n")


def fake_series(rng: random.Random, kind: str, epochs: int) -> list[dict]:
    """Plausible per-epoch metrics of one run (any numbers will do: the log is the evidence)."""
    out = []
    for e in range(epochs):
        t = (e + 1) / epochs
        if kind == "diverge":
            acc, vacc, loss = 0.09 + rng.random() * 0.03, 0.09 + rng.random() * 0.03, 2.30 + rng.random() * 0.02
        elif kind == "slow":
            acc, vacc = 0.20 + 0.35 * t + rng.random() * 0.02, 0.22 + 0.35 * t + rng.random() * 0.02
            loss = 2.2 - 0.9 * t
        else:
            top = 0.93 if kind == "momentum" else 0.90
            acc = top - 0.25 * (1 - t) ** 2 + rng.random() * 0.004
            vacc = top - 0.02 - 0.2 * (1 - t) ** 2 + rng.random() * 0.006
            loss = 0.25 + 0.6 * (1 - t) ** 2
        vloss = loss + 0.03 + rng.random() * 0.02
        out.append({"accuracy": round(acc, 4), "loss": round(loss, 4), "val_accuracy": round(vacc, 4), "val_loss": round(vloss, 4)})
    return out


def log_lines(series: list[dict], steps: int, new_style: bool, broken: bool) -> list[str]:
    out = []
    n = len(series)
    for e, m in enumerate(series, start=1):
        out.append(f"Epoch {e}/{n}")
        if new_style:
            line = (f"{steps}/{steps} ━━━━━━━━━━━━━━━━━━━━ {3 + e % 3}s {2 + e % 2}ms/step - accuracy: {m['accuracy']:.4f} - "
                    f"loss: {m['loss']:.4f} - val_accuracy: {m['val_accuracy']:.4f} - val_loss: {m['val_loss']:.4f}")
        else:
            line = (f"{steps}/{steps} [==============================] - {3 + e % 3}s {2 + e % 2}ms/step - loss: {m['loss']:.4f} - "
                    f"accuracy: {m['accuracy']:.4f} - val_loss: {m['val_loss']:.4f} - val_accuracy: {m['val_accuracy']:.4f}")
        if broken and len(line) > 90:
            cut = line.rfind(" - ", 0, 90)
            out += [line[:cut + 2], line[cut + 3:]]
        else:
            out.append(line)
    return out


# ---- hand computations: truth by the textbook formula, wrong answers by the named mistake ----

def corr2d(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    kh, kw = k.shape
    return np.array([[int((x[i:i + kh, j:j + kw] * k).sum()) for j in range(x.shape[1] - kw + 1)]
                     for i in range(x.shape[0] - kh + 1)])


def fmt_matrix(m, tex: bool) -> str:
    rows = [[int(v) if float(v).is_integer() else v for v in r] for r in np.asarray(m).tolist()]
    if tex:
        return "\\begin{bmatrix} " + " \\\\ ".join(" & ".join(str(v) for v in r) for r in rows) + " \\end{bmatrix}"
    return "[" + ", ".join("[" + ", ".join(str(v) for v in r) + "]" for r in rows) + "]"


def hand_computations(rng: random.Random, tex: bool, wrong: set[str]) -> list[tuple[str, dict | None]]:
    """(line, truth) pairs; truth: {"value": text, "verdict": ..., "mistake": ...} or None (no claim)."""
    out: list[tuple[str, dict | None]] = []
    m = "$" if tex else ""

    # convolution by hand (cross-correlation, as Keras computes it)
    x = np.array([[rng.randint(0, 3) for _ in range(4)] for _ in range(4)])
    k = np.array([[rng.choice([-1, 0, 1]) for _ in range(2)] for _ in range(2)])
    while (k == k[::-1, ::-1]).all():
        k = np.array([[rng.choice([-1, 0, 1]) for _ in range(2)] for _ in range(2)])
    right = corr2d(x, k)
    flipped = corr2d(x, k[::-1, ::-1])
    shown = flipped if "conv" in wrong and not (flipped == right).all() else right
    bad = shown is flipped
    out.append((f"For the convolution exercise the input is {m}X = {fmt_matrix(x, tex)}{m} and the kernel is "
                 f"{m}K = {fmt_matrix(k, tex)}{m} (stride 1, no padding).", None))
    out.append((f"The output is {m}Y = {fmt_matrix(shown, tex)}{m}.",
                {"value": fmt_matrix(shown, tex), "verdict": "refuted" if bad else "correct",
                 "mistake": "flipped-kernel" if bad else None, "what": "conv2d-output"}))

    # output size with padding and dilation
    n, kk, p, s, d = rng.choice([(32, 5, 2, 2, 2), (28, 3, 1, 2, 2), (64, 3, 0, 2, 3), (30, 5, 1, 3, 1)])
    span = d * (kk - 1) + 1
    true = (n + 2 * p - span) // s + 1
    shown_size, mistake = true, None
    if "size" in wrong:
        for mid, val in (("used-ceil", -(-(n + 2 * p - span) // s) + 1), ("forgot-dilation", (n + 2 * p - kk) // s + 1),
                         ("padding-once", (n + p - span) // s + 1)):
            if val != true:
                shown_size, mistake = val, mid
                break
    out.append((f"A {kk}x{kk} convolution with padding {p}, stride {s} and dilation {d} on a {n}x{n} input gives a "
                f"{shown_size}x{shown_size} output.",
                {"value": f"{shown_size}x{shown_size}", "verdict": "refuted" if mistake else "correct", "mistake": mistake,
                 "what": "conv-output-size"}))

    # receptive field
    strides = rng.choice([(1, 2, 1), (1, 1, 1), (2, 1, 1), (1, 2, 2)])
    r, j = 1, 1
    for st in strides:
        r, j = r + 2 * j, j * st
    shown_rf, mistake = r, None
    if "rf" in wrong:
        no_jump = 1 + 2 * len(strides)
        shown_rf, mistake = (no_jump, "forgot-jump") if no_jump != r else (3 ** len(strides), "multiplied-kernels")
    layer_text = ", ".join(f"3x3 stride {st}" for st in strides)
    out.append((f"Stacking three convolutions ({layer_text}), one unit of the last layer has a receptive field of "
                f"{shown_rf}x{shown_rf} pixels.",
                {"value": str(shown_rf), "verdict": "refuted" if mistake else "correct", "mistake": mistake,
                 "what": "receptive-field"}))

    # dense forward pass, ReLU
    xv = [rng.randint(-2, 3) for _ in range(2)]
    w = [[rng.choice([-1, 0.5, 1, 2]) for _ in range(2)] for _ in range(2)]
    b = [rng.choice([0.5, -1, 1]) for _ in range(2)]
    z = [sum(w[i][q] * xv[q] for q in range(2)) + b[i] for i in range(2)]
    zb = [sum(w[i][q] * xv[q] for q in range(2)) for i in range(2)]
    shown_z = zb if "dense" in wrong and zb != z else z

    def vec(v):
        return "[" + ", ".join(f"{float(t):g}" for t in v) + "]"
    out.append((f"Dense layer by hand: x = {vec(xv)}, W = [{', '.join(vec(r_) for r_ in w)}], b = {vec(b)}.", None))
    out.append((rng.choice(["Then z = Wx + b = {z}.", "So z = W·x + b = {z}.", "We get Wx + b = {z}."]).format(z=vec(shown_z)),
                {"value": vec(shown_z), "verdict": "refuted" if shown_z != z else "correct",
                 "mistake": "forgot-bias" if shown_z != z else None, "what": "dense-forward"}))

    # sigmoid
    zz = rng.choice([0.8, 1.5, -0.5, 2.0])
    sig = 1 / (1 + math.exp(-zz))
    val, mistake = sig, None
    if "sigmoid" in wrong:
        val, mistake = 1 / (1 + math.exp(zz)), "sigmoid-sign"
    sig_text = f"{val:.3f}"
    out.append((f"The sigmoid of the output logit is σ({zz}) {rng.choice(['=', '≈'])} {sig_text}.",
                {"value": sig_text, "verdict": "refuted" if mistake else "correct", "mistake": mistake, "what": "sigmoid"}))

    # softmax
    logits = rng.choice([(2.0, 1.0, 0.1), (1.0, 2.0, 3.0), (0.5, 0.0, -1.0)])
    ex = [math.exp(v) for v in logits]
    sm = [v / sum(ex) for v in ex]
    shown_sm, mistake = sm, None
    if "softmax" in wrong:
        shown_sm, mistake = [1 / (1 + math.exp(-v)) for v in logits], "used-sigmoid"
    out.append((f"softmax([{', '.join(str(v) for v in logits)}]) = [{', '.join(f'{v:.3f}' for v in shown_sm)}]",
                {"value": "[" + ", ".join(f"{v:.3f}" for v in shown_sm) + "]", "verdict": "refuted" if mistake else "correct",
                 "mistake": mistake, "what": "softmax"}))

    # cross-entropy of one sample
    pvec = rng.choice([(0.2, 0.7, 0.1), (0.1, 0.6, 0.3), (0.25, 0.5, 0.25)])
    true_c = 1
    ce = -math.log(pvec[true_c])
    val, mistake, word = ce, None, rng.choice(["ln", "log"])
    if "ce" in wrong:
        val, mistake, word = -math.log10(pvec[true_c]), "log-base-10", "log"
    out.append((f"For one image of class 1 (one-hot y = [0, 1, 0]) the model predicts ŷ = [{', '.join(str(v) for v in pvec)}], "
                f"so the cross-entropy loss is -{word}({pvec[true_c]}) {rng.choice(['=', '≈'])} {val:.3f}.",
                {"value": f"{val:.3f}", "verdict": "refuted" if mistake else "correct", "mistake": mistake, "what": "cross-entropy"}))

    # early stopping (Keras: stop when patience epochs pass without improvement)
    vl = rng.choice([(0.52, 0.44, 0.41, 0.42, 0.43, 0.40, 0.45, 0.46, 0.47), (0.61, 0.50, 0.47, 0.49, 0.48, 0.50, 0.46, 0.47)])
    patience = rng.choice([2, 3])

    def epochs_run(wait_for: int) -> int:
        best, wait = math.inf, 0
        for e, v in enumerate(vl, start=1):
            if v < best:
                best, wait = v, 0
            else:
                wait += 1
                if wait >= wait_for:
                    return e
        return len(vl)

    stop = epochs_run(patience)
    shown_stop, mistake = stop, None
    if "es" in wrong and epochs_run(patience + 1) != stop:  # waiting one epoch more than the patience
        shown_stop, mistake = epochs_run(patience + 1), "patience-plus-one"
    out.append((f"With EarlyStopping(monitor='val_loss', patience={patience}) and the validation losses "
                f"{', '.join(str(v) for v in vl)}, training stops after epoch {shown_stop}.",
                {"value": str(shown_stop), "verdict": "refuted" if mistake else "correct", "mistake": mistake,
                 "what": "early-stopping"}))
    return out


STEP_PHRASES = ["With batch size {bs} one epoch has {n} steps.", "That is {n} iterations per epoch with a batch size of {bs}.",
                "Using batch_size={bs} gives {n} batches per epoch."]
ACC_PHRASES = ["With this setting the model reaches {v}% training accuracy after {ep} epochs.",
               "After {ep} epochs the training accuracy is {v}%.",
               "Training accuracy: {v}% (epoch {ep}).",
               "We reach {v}% training accuracy in epoch {ep}, which is"
               " what we expected for this learning rate."]

# ---- one report ----

class Doc:
    def __init__(self, fmt: str):
        self.fmt = fmt
        self.lines: list[str] = []
        self.truth: list[dict] = []

    @property
    def tex(self) -> bool:
        return self.fmt == "tex"

    def heading(self, text: str, level: int = 2) -> None:
        if self.fmt == "md":
            self.lines += [f"{'#' * level} {text}", ""]
        elif self.fmt == "tex":
            self.lines += [f"\\{'sub' * (level - 2)}section{{{text}}}", ""]
        elif self.fmt == "notebook.txt":
            self.lines += [text, "-" * len(text), ""]
        else:
            self.lines += [text.upper() if level == 2 else text, ""]

    def para(self, text: str, truth: dict | None = None, value: str | None = None) -> None:
        """A prose line; ``truth`` is recorded at the line holding ``value`` (the claimed number)."""
        if self.fmt == "pdf.txt" and len(text) > 95:
            words, cur, parts = text.split(" "), "", []
            for wd in words:
                if cur and len(cur) + len(wd) + 1 > 95:
                    parts.append(cur)
                    cur = wd
                else:
                    cur = f"{cur} {wd}" if cur else wd
            parts.append(cur)
        else:
            parts = [text]
        start = len(self.lines)
        self.lines += parts
        if truth is not None:
            v = value or truth["value"]
            tok = re.compile(r"(?<![\d.])" + re.escape(v) + r"(?![\d])")
            at = next((start + i for i in reversed(range(len(parts))) if tok.search(parts[i])), start + len(parts) - 1)
            self.truth.append({**{k: t for k, t in truth.items() if t is not None}, "line": at + 1})
        self.lines.append("")

    def block(self, lines: list[str], code: bool) -> None:
        if self.fmt == "md":
            self.lines += ["```python" if code else "```", *lines, "```", ""]
        elif self.fmt == "tex":
            env = "lstlisting" if code else "verbatim"
            self.lines += [f"\\begin{{{env}}}", *lines, f"\\end{{{env}}}", ""]
        elif self.fmt == "notebook.txt" and code:
            self.lines += [f"In [{len(self.lines) % 40 + 1}]:", "", *lines, ""]
        elif self.fmt == "pdf.txt":
            self.lines += [("  " + ln) if code else ln for ln in lines] + [""]
        else:
            self.lines += [*lines, ""]


def math_mul(doc: Doc, *parts) -> str:
    sym = " \\times " if doc.tex else rnd_choice(doc, [" x ", " * ", "*", " × "])
    return sym.join(str(p) for p in parts)


def times(doc: Doc) -> str:
    return " \\times " if doc.tex else " x "


def rnd_choice(doc: Doc, options):
    return options[len(doc.lines) % len(options)]


def inline(doc: Doc, text: str) -> str:
    return f"${text}$" if doc.tex else text


def make_report(idx: int) -> tuple[str, str, dict]:
    rng = random.Random(1000 + idx)
    fmt = FORMATS[idx % len(FORMATS)]
    ds = rng.choice(list(DATASETS))
    shape, n_train, ds_name = DATASETS[ds]
    doc = Doc(fmt)
    if fmt == "tex":
        doc.lines += ["\\documentclass{article}", "\\usepackage{amsmath,listings}", "\\begin{document}",
                      f"\\title{{Lab {idx % 6 + 2}: training a classifier on {ds_name}}}", "\\maketitle", ""]
    else:
        doc.lines += [f"Lab {idx % 6 + 2} report: {ds_name}" if fmt != "md" else f"# Lab {idx % 6 + 2} report: {ds_name}", "",
                      f"Student {rng.randint(10000, 99999)}", ""]
    # which mistakes this report plants
    pool = ["conv", "size", "rf", "dense", "sigmoid", "softmax", "ce", "es", "total", "arith", "sum", "acc", "layer", "steps"]
    wrong = set(rng.sample(pool, rng.randint(2, 4)))
    bind: dict = {}

    keys = rng.sample(["mlp", "mlp2", "cnn", "cnn_bn", "cnn_small"], 2)
    if idx % 4 == 3:
        keys[1] = "prose"
        bind["num_classes"] = 10
    holdout = rng.choice([0, 0, 12000 if n_train == 60000 else 10000])
    rows_train = n_train - holdout
    doc.heading("Data")
    if holdout:
        doc.para(f"We hold out {holdout:,} images for validation, so the training set has {rows_train:,} images "
                 f"and the test set 10,000.")
    else:
        doc.para(f"{ds_name} has {n_train:,} training images and 10,000 test images; we keep 10% of the training "
                 f"images for validation (validation_split=0.1).")
    vs = 0.0 if holdout else 0.1
    fit_rows = math.floor(rows_train * (1 - vs))

    exp_no = 0
    finals: list[tuple[str, float]] = []
    for mi, key in enumerate(keys):
        model, info = keras_model(key, shape)
        total = model.count_params()
        trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        doc.heading(f"Model {mi + 1}" + (" (baseline architecture)" if mi == 0 else " (second architecture)"))
        if key == "prose":
            items = []
            for cls, args, kw in MODELS[key]:
                a = ", ".join(["num classes" if x == "num_classes" else repr(x) for x in args] + [f"{k}={v!r}" for k, v in kw.items()])
                items.append(f"{cls}({a})")
            doc.para(f"The second network takes the {shape[0]}x{shape[1]}x{shape[2]} images through these layers:")
            if rng.random() < 0.5:
                for i, it in enumerate(items, start=1):
                    doc.lines.append(f"{i}. {it}")
                doc.lines.append("")
            else:
                doc.para(" ".join(f"{i}. {it}" for i, it in enumerate(items, start=1)))
        else:
            doc.block(code_lines(key, shape, rng.randint(0, 1)), code=True)
        # summary table
        doc.para("model.summary() prints:" if rng.random() < 0.5 else "The summary of this model:")
        doc.block(keras3_table(model) if rng.random() < 0.5 else keras2_table(info, total, trainable), code=False)
        # prose counts about this model
        dense_idx = [i for i, lay in enumerate(info) if lay["type"] == "Dense"]
        conv_idx = [i for i, lay in enumerate(info) if lay["type"] == "Conv2D"]
        if conv_idx:
            i = conv_idx[-1]
            lay = info[i]
            f = lay["shape"][-1]
            kk = MODELS[key][i][1][1]
            kk = kk[0] if isinstance(kk, tuple) else kk
            c_in = shape[-1] if i == conv_idx[0] else info[conv_idx[conv_idx.index(i) - 1]]["shape"][-1]
            right = lay["params"]
            if "layer" in wrong and mi == 0:
                doc.para(f"The last conv layer has {f} filters of {kk}x{kk}x{c_in}, so it has {kk * kk * c_in * f:,} parameters.",
                         {"value": f"{kk * kk * c_in * f:,}", "verdict": "refuted", "mistake": "forgot-bias", "what": "layer_params"})
            else:
                expr = inline(doc, f"({math_mul(doc, kk, kk, c_in)} + 1){times(doc)}{f} = {right:,}")
                doc.para(f"Each filter of the last conv layer has {kk}x{kk}x{c_in} weights and a bias: {expr} parameters.",
                         {"value": f"{right:,}", "verdict": "correct", "what": "arithmetic"})
        if dense_idx:
            i = dense_idx[0]
            lay = info[i]
            d_in = info[i - 1]["shape"][-1] if i > 0 else shape[-1]
            u = lay["shape"][-1]
            if "arith" in wrong and mi == 0:
                claimed = d_in * u
                expr = inline(doc, f"({d_in:,} + 1){times(doc)}{u} = {claimed:,}")
                doc.para(f"The first dense layer has {expr} weights.",
                         {"value": f"{claimed:,}", "verdict": "refuted", "what": "arithmetic"})
            else:
                expr = inline(doc, f"({d_in:,} + 1){times(doc)}{u} = {lay['params']:,}")
                doc.para(f"The first dense layer has {expr} weights.", {"value": f"{lay['params']:,}", "verdict": "correct"})
        nz = [lay["params"] for lay in info if lay["params"]]
        if len(nz) >= 2:
            s = sum(nz)
            shown = s - 100 if "sum" in wrong and mi == 0 else s
            doc.para(f"Adding the layers, {inline(doc, ' + '.join(f'{v:,}' for v in nz) + f' = {shown:,}')} parameters.",
                     {"value": f"{shown:,}", "verdict": "refuted" if shown != s else "correct", "what": "arithmetic"})
        if "total" in wrong and mi == len(keys) - 1:
            units = sum(lay["shape"][-1] for lay in info if lay["type"] == "Dense")
            claimed = total - units
            doc.para(rng.choice(["So the network has {n} trainable parameters in total.",
                                 "Total number of trainable parameters: {n}.",
                                 "This gives {n} trainable parameters in total."]).format(n=f"{claimed:,}"),
                     {"value": f"{claimed:,}", "verdict": "refuted", "mistake": "forgot-bias", "what": "trainable_params"})
        else:
            doc.para(rng.choice(["In total the model has {n} trainable parameters.",
                                 "Total number of trainable parameters: {n}.",
                                 "This gives {n} trainable parameters in total."]).format(n=f"{trainable:,}"),
                     {"value": f"{trainable:,}", "verdict": "correct", "what": "trainable_params"})

        # experiments on this model
        exps = [("baseline", "adam", None, None, "ok")] if mi == 1 else [
            ("baseline", "sgd", 0.01, None, "ok"), ("lr = 1", "sgd", 1.0, None, "diverge"),
            ("lr = 1e-5", "sgd", 1e-5, None, "slow"), ("momentum 0.9", "sgd", 0.01, 0.9, "momentum")][: rng.randint(2, 4)]
        for name, opt, lr, mom, kind in exps:
            exp_no += 1
            doc.heading(f"Experiment {exp_no}: {name}" + ("" if mi == 0 else f" with model {mi + 1}"), 3)
            bs = rng.choice([32, 64, 128])
            epochs = rng.choice([5, 8, 10])
            opt_code = "'adam'" if opt == "adam" else (
                f"SGD(learning_rate={lr!r}" + (f", momentum={mom}" if mom else "") + ")")
            fit = (f"history = model.fit(x_train, y_train, batch_size={bs}, epochs={epochs}, "
                   + ("validation_data=(x_val, y_val))" if holdout else "validation_split=0.1)"))
            doc.block([f"model.compile(optimizer={opt_code}, loss='sparse_categorical_crossentropy', metrics=['accuracy'])",
                       fit], code=True)
            steps = -(-fit_rows // bs)
            series = fake_series(rng, kind, epochs)
            doc.block(log_lines(series, steps, rng.random() < 0.5, fmt == "pdf.txt"), code=False)
            final = series[-1]
            ep = rng.randint(2, epochs)
            if "acc" in wrong and exp_no == 2:
                bogus = round(max(m["accuracy"] for m in series) + 0.05, 3)
                doc.para(rng.choice(ACC_PHRASES).format(v=f"{bogus * 100:.1f}", ep=ep),
                         {"value": f"{bogus * 100:.1f}%", "verdict": "refuted", "what": "accuracy"})
            else:
                v = series[ep - 1]["accuracy"]
                doc.para(rng.choice(ACC_PHRASES).format(v=f"{v * 100:.1f}", ep=ep),
                         {"value": f"{v * 100:.1f}%", "verdict": "correct", "what": "accuracy"})
            doc.para(rng.choice(["The final validation accuracy is {x}.", "Final val accuracy: {x}.",
                                 "The validation accuracy ends at {x}."]).format(x=f"{final['val_accuracy']:.4f}"),
                     {"value": f"{final['val_accuracy']:.4f}", "verdict": "correct", "what": "val_accuracy"})
            if exp_no == 1:
                if "steps" in wrong:
                    shown = fit_rows // bs if fit_rows % bs else fit_rows // bs - 1
                    doc.para(rng.choice(STEP_PHRASES).format(bs=bs, n=f"{shown:,}"),
                             {"value": f"{shown:,}", "verdict": "refuted",
                              "mistake": "floor-steps" if fit_rows % bs else None, "what": "steps_per_epoch"})
                else:
                    doc.para(rng.choice(STEP_PHRASES).format(bs=bs, n=f"{steps:,}"),
                             {"value": f"{steps:,}", "verdict": "correct", "what": "steps_per_epoch"})
            finals.append((name if mi == 0 else f"model {mi + 1}", series[-1]["val_accuracy"]))
    doc.heading("Hand computations")
    for text, t in hand_computations(rng, doc.tex, wrong):
        doc.para(text, t)
    doc.heading("Conclusion")
    (n1, a1), (n2, a2) = finals[0], finals[1]
    doc.para(f"Overall the learning rate matters most: the {n1} run ends at {a1 * 100:.2f}% validation accuracy "
             f"and the {n2} run at {a2 * 100:.1f}%.",
             {"value": f"{a1 * 100:.2f}%", "verdict": "correct", "what": "val_accuracy"})
    doc.truth.append({"value": f"{a2 * 100:.1f}%", "verdict": "correct", "what": "val_accuracy",
                      "line": doc.truth[-1]["line"] + (1 if fmt == "pdf.txt" and f"{a2 * 100:.1f}%" not in doc.lines[doc.truth[-1]["line"] - 1] else 0)})
    if fmt == "tex":
        doc.lines.append("\\end{document}")
    if fmt == "pdf.txt":  # page headers and footers, as pdftotext leaves them
        out, page, shift = [], 1, {}
        for i, ln in enumerate(doc.lines):
            out.append(ln)
            shift[i + 1] = len(out)
            if i and i % 55 == 0:
                out += ["", f"                                   {page}", "\f" + f"Lab report, {ds_name}"]
                page += 1
        for t in doc.truth:
            t["line"] = shift[t["line"]]
        doc.lines = out
    ext = {"md": "md", "notebook.txt": "txt", "pdf.txt": "txt", "tex": "tex", "txt": "txt"}[fmt]
    name = f"r{idx:02d}_{fmt.replace('.txt', '').replace('.', '_')}"
    truth = {"format": fmt, "dataset": ds, "bind": bind or None,
             "planted": [t for t in doc.truth if t["verdict"] != "correct"],
             "correct": [{k: v for k, v in t.items() if k != "verdict"} for t in doc.truth if t["verdict"] == "correct"]}
    return f"{name}.{ext}", "\n".join(doc.lines) + "\n", truth


PDF_SOURCE = r"""#set page(width: 18cm, height: 24cm, margin: 1.5cm)
#set text(size: 10pt)
= Lab 1: an MLP on MNIST (notebook exported to PDF)

We train on the 60,000 MNIST training images, keeping 10% for validation.

```python
model = keras.Sequential([
    keras.Input(shape=(28, 28, 1)),
    layers.Flatten(),
    layers.Dense(128, activation="relu"),
    layers.Dense(10, activation="softmax"),
])
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
history = model.fit(x_train, y_train, batch_size=32, epochs=2, validation_split=0.1)
```

```
Epoch 1/2
1688/1688 ━━━━━━━━━━━━━━━━━━━━ 4s 2ms/step - accuracy: 0.9012 - loss: 0.3478 - val_accuracy: 0.9521 - val_loss: 0.1664
Epoch 2/2
1688/1688 ━━━━━━━━━━━━━━━━━━━━ 3s 2ms/step - accuracy: 0.9586 - loss: 0.1391 - val_accuracy: 0.9650 - val_loss: 0.1203
```

The hidden layer has (784 + 1) x 128 = 100,480 parameters, so the network has 101,632 parameters in total.
After 2 epochs the validation accuracy is 96.5%.

For one image the true class gets probability 0.9, so its cross-entropy loss is -log(0.9) = 0.046.
"""


def pdf_report() -> None:
    """h11: a real PDF (typst), read by pdftotext as the audit reads it; truth lines found in that text.
    Truth by hand: (784 + 1) x 128 = 100,480; the MLP has 100,480 + 1,290 = 101,770 parameters
    (Keras count_params); 101,632 = 101,770 - 128 - 10 forgets both Dense layers' biases;
    54,000 / 32 -> 1,688 steps; final val_accuracy 0.9650; -ln 0.9 = 0.105 (0.046 is log base 10)."""
    import shutil
    import subprocess

    import typst

    pdf = HERE / "h11_notebook.pdf"
    src = HERE / "_h11.typ"
    src.write_text(PDF_SOURCE)
    try:
        typst.compile(str(src), output=str(pdf))
    finally:
        src.unlink()
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext is needed to label the PDF report"
    text = subprocess.run([exe, "-layout", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, check=True).stdout.decode()
    lines = text.replace("\f", "").split("\n")

    def line_of(value: str, after: str = "") -> int:
        tok = re.compile(r"(?<![\d.])" + re.escape(value) + r"(?![\d])")
        return next(i + 1 for i, ln in enumerate(lines) if tok.search(ln) and after in ln)

    truth = {"format": "pdf", "dataset": "mnist", "bind": None,
             "planted": [{"line": line_of("101,632"), "value": "101,632", "verdict": "refuted", "mistake": "forgot-bias",
                          "what": "total_params"},
                         {"line": line_of("0.046"), "value": "0.046", "verdict": "refuted", "mistake": "log-base-10",
                          "what": "cross-entropy"}],
             "correct": [{"line": line_of("100,480"), "value": "100,480", "what": "arithmetic"},
                         {"line": line_of("96.5%"), "value": "96.5%", "what": "val_accuracy"}]}
    (HERE / "h11_notebook.truth.yaml").write_text(yaml.safe_dump(truth, sort_keys=False, allow_unicode=True))


def main() -> None:
    for old in HERE.glob("r[0-9][0-9]_*"):
        old.unlink()
    for idx in range(40):
        name, text, truth = make_report(idx)
        (HERE / name).write_text(text)
        (HERE / (name.rsplit(".", 1)[0] + ".truth.yaml")).write_text(yaml.safe_dump(truth, sort_keys=False, allow_unicode=True))
    pdf_report()


if __name__ == "__main__":
    main()
