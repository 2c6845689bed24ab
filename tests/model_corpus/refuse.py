"""Model code that cannot be analysed without running it: sizes read from files, the environment, the
command line or ``input()``; models loaded from disk or the hub; sizes that depend on data, randomness or
a tuner; ``eval``/``exec``; unknown local modules; ``while`` loops over data. The analyser must refuse
each (``expect="refuse"``), naming the line and what would make it work; an answer is a silent guess."""

from __future__ import annotations

from typing import Any

from . import Case, dedent


def R(id: str, framework: str, source: str, pattern: str, **kw: Any) -> Case:  # noqa: N802
    return Case(id=f"refuse-{id}", framework=framework, source=dedent(source), pattern=pattern,  # type: ignore[arg-type]
                expect="refuse", **kw)  # fmt: skip


CASES: list[Case] = [
    R("json-config", "keras", """
        import json
        import keras
        from keras import layers
        cfg = json.load(open("config.json"))
        model = keras.Sequential([keras.Input((784,)), layers.Dense(cfg["hidden"], activation="relu"), layers.Dense(10)])
    """, "refuse-file"),
    R("yaml-config-torch", "torch", """
        import yaml
        import torch.nn as nn
        with open("config.yaml") as f:
            config = yaml.safe_load(f)
        model = nn.Sequential(nn.Linear(config["in"], config["hidden"]), nn.ReLU(), nn.Linear(config["hidden"], 1))
    """, "refuse-file"),
    R("input-layers", "keras", """
        import keras
        from keras import layers
        n_layers = int(input("How many hidden layers? "))
        model = keras.Sequential()
        model.add(keras.Input((20,)))
        for _ in range(n_layers):
            model.add(layers.Dense(32, activation="relu"))
        model.add(layers.Dense(1))
    """, "refuse-input"),
    R("input-sizes-torch", "torch", """
        import torch.nn as nn
        sizes = [int(s) for s in input("sizes: ").split()]
        model = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(sizes, sizes[1:])])
    """, "refuse-input"),
    R("while-accuracy", "keras", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((10,)), layers.Dense(8), layers.Dense(1)])
        model.compile("adam", "mse")
        while model.evaluate(x_val, y_val) > 0.1:
            model.pop()
            model.add(layers.Dense(16))
            model.add(layers.Dense(1))
            model.fit(x_train, y_train, epochs=5)
    """, "refuse-while"),
    R("while-loader-torch", "torch", """
        import torch.nn as nn
        model = nn.Sequential(nn.Linear(4, 4))
        batches = iter(train_loader)
        while next(batches, None) is not None:
            model.append(nn.Linear(4, 4))
    """, "refuse-while"),
    R("eval-layer", "keras", """
        import keras
        from keras import layers
        spec = "layers.Dense(64, activation='relu')"
        model = keras.Sequential([keras.Input((10,)), eval(spec), layers.Dense(1)])
    """, "refuse-eval"),
    R("exec-file", "torch", """
        import torch.nn as nn
        exec(open("model_def.py").read())
        model = build()
    """, "refuse-eval"),
    R("load-model-h5", "keras", """
        import keras
        model = keras.models.load_model("my_model.h5")
    """, "refuse-load"),
    R("load-model-then-add", "keras", """
        from tensorflow import keras
        from tensorflow.keras.models import load_model
        from tensorflow.keras.layers import Dense
        base = load_model("base.keras")
        base.trainable = False
        model = keras.Sequential([base, Dense(10)])
    """, "refuse-load"),
    R("model-from-json", "keras", """
        from keras.models import model_from_json
        with open("model.json") as f:
            model = model_from_json(f.read())
    """, "refuse-load"),
    R("torch-load", "torch", """
        import torch
        model = torch.load("model.pth")
    """, "refuse-load"),
    R("torch-hub", "torch", """
        import torch
        model = torch.hub.load("pytorch/vision:v0.10.0", "resnet18", pretrained=True)
    """, "refuse-load"),
    R("jit-load", "torch", """
        import torch
        model = torch.jit.load("scripted.pt")
    """, "refuse-load"),
    R("pickle-load", "torch", """
        import pickle
        with open("model.pkl", "rb") as f:
            model = pickle.load(f)
    """, "refuse-load"),
    R("random-width", "keras", """
        import random
        import keras
        from keras import layers
        units = random.choice([32, 64, 128])
        model = keras.Sequential([keras.Input((8,)), layers.Dense(units), layers.Dense(1)])
    """, "refuse-random"),
    R("numpy-random-depth", "torch", """
        import numpy as np
        import torch.nn as nn
        depth = np.random.randint(2, 6)
        model = nn.Sequential(*[nn.Linear(16, 16) for _ in range(depth)])
    """, "refuse-random"),
    R("env-var", "keras", """
        import os
        import keras
        from keras import layers
        hidden = int(os.environ.get("HIDDEN", "64"))
        model = keras.Sequential([keras.Input((5,)), layers.Dense(hidden), layers.Dense(1)])
    """, "refuse-environment"),
    R("argparse", "torch", """
        import argparse
        import torch.nn as nn
        parser = argparse.ArgumentParser()
        parser.add_argument("--hidden", type=int, default=128)
        args = parser.parse_args()
        model = nn.Sequential(nn.Linear(784, args.hidden), nn.ReLU(), nn.Linear(args.hidden, 10))
    """, "refuse-environment"),
    R("sys-argv", "keras", """
        import sys
        import keras
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(int(sys.argv[1]))])
    """, "refuse-environment"),
    R("classes-from-listdir", "keras", """
        import os
        import keras
        from keras import layers
        num_classes = len(os.listdir("data/train"))
        model = keras.Sequential([keras.Input((64, 64, 3)), layers.Flatten(), layers.Dense(num_classes)])
    """, "refuse-data"),
    R("classes-from-unique", "keras", """
        import numpy as np
        import keras
        from keras import layers
        (x_train, y_train), _ = keras.datasets.cifar10.load_data()
        num_classes = len(np.unique(y_train))
        model = keras.Sequential([keras.Input((32, 32, 3)), layers.Flatten(), layers.Dense(num_classes)])
    """, "refuse-data"),
    R("vocab-from-tokenizer", "keras", """
        from keras.preprocessing.text import Tokenizer
        import keras
        from keras import layers
        tokenizer = Tokenizer()
        tokenizer.fit_on_texts(texts)
        vocab_size = len(tokenizer.word_index) + 1
        model = keras.Sequential([keras.Input((100,)), layers.Embedding(vocab_size, 64), layers.LSTM(32), layers.Dense(1)])
    """, "refuse-data"),
    R("torch-features-from-csv", "torch", """
        import pandas as pd
        import torch.nn as nn
        df = pd.read_csv("train.csv")
        X = df.drop(columns=["target"]).values
        model = nn.Sequential(nn.Linear(X.shape[1], 32), nn.ReLU(), nn.Linear(32, 1))
    """, "refuse-data"),
    R("torch-vocab-len", "torch", """
        import torch.nn as nn
        vocab = build_vocab_from_iterator(yield_tokens(train_iter))
        model = nn.Sequential(nn.Embedding(len(vocab), 100), nn.Flatten(), nn.Linear(100 * 20, 4))
    """, "refuse-data"),
    R("xtrain-shape-no-input", "keras", """
        import keras
        from keras import layers
        (X_train, y_train), _ = keras.datasets.boston_housing.load_data()
        model = keras.Sequential([layers.Dense(64, activation="relu", input_shape=X_train.shape[1:]), layers.Dense(1)])
    """, "refuse-data"),
    R("local-module", "keras", """
        from my_models import build_model
        model = build_model(num_classes=10)
    """, "refuse-unknown"),
    R("getattr-layer-name", "keras", """
        import keras
        from keras import layers
        layer_name = config_layer_name()
        model = keras.Sequential([keras.Input((10,)), getattr(layers, layer_name)(32), layers.Dense(1)])
    """, "refuse-unknown"),
    R("keras-tuner", "keras", """
        import keras
        from keras import layers

        def build_model(hp):
            model = keras.Sequential()
            model.add(keras.Input((784,)))
            model.add(layers.Dense(hp.Int("units", min_value=32, max_value=512, step=32), activation="relu"))
            model.add(layers.Dense(10, activation="softmax"))
            return model

        model = build_model(tuner_hp)
    """, "refuse-tuner"),
    R("optuna", "torch", """
        import torch.nn as nn

        def define_model(trial):
            n_layers = trial.suggest_int("n_layers", 1, 3)
            layers = []
            in_features = 28 * 28
            for i in range(n_layers):
                out_features = trial.suggest_int("n_units_l{}".format(i), 4, 128)
                layers.append(nn.Linear(in_features, out_features))
                in_features = out_features
            layers.append(nn.Linear(in_features, 10))
            return nn.Sequential(*layers)

        model = define_model(study_trial)
    """, "refuse-tuner"),
    R("huge-loop", "torch", """
        import torch.nn as nn
        layers = []
        for _ in range(10 ** 9):
            layers.append(nn.Linear(2, 2))
        model = nn.Sequential(*layers)
    """, "refuse-bounds"),
    R("huge-comprehension", "keras", """
        import keras
        from keras import layers
        model = keras.Sequential([keras.Input((4,))] + [layers.Dense(4) for _ in range(10_000_000)])
    """, "refuse-bounds"),
    R("importlib", "torch", """
        import importlib
        arch = importlib.import_module("models." + arch_name)
        model = arch.Net()
    """, "refuse-unknown"),
]
