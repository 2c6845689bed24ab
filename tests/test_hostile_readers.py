"""Property tests for every reader of user files (issue 14): random bytes, random nesting and random
unicode never crash a reader. Each reader either returns plain values or raises the one error the
command line turns into a message (InputError / ReadError); the submission reader never raises at
all (a bad file is a Problem). Examples per test are listed in EXAMPLES (11,000 in all, about a minute on
one core); HYPOTHESIS_EXAMPLES_SCALE=10 runs 110,000 (HANDOFF.md has the last such run)."""

from __future__ import annotations

import json
import os
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from nnexam.grader import submissions
from nnexam.grader.values import ReadError
from nnexam.questions import files
from nnexam.questions.errors import InputError, NnexamError
from nnexam.questions.yaml_load import load_yaml

SCALE = int(os.environ.get("HYPOTHESIS_EXAMPLES_SCALE", "1"))
EXAMPLES = {"yaml": 2000, "json": 2000, "toml": 1500, "nesting": 400, "submission": 3000, "markdown": 1000,
            "claims": 300, "tree": 800}  # 11,000 in all


def _settings(name: str) -> settings:
    return settings(max_examples=EXAMPLES[name] * SCALE, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.function_scoped_fixture])


# text that looks like our formats: structural characters, YAML/JSON/TOML punctuation, digits, letters
SYNTAX = "[]{}()<>:,;-#&*!|>'\"%@`=.+_~? \n\t\\0123456789eE" + string.ascii_letters[:12]
structured_text = st.one_of(
    st.text(alphabet=SYNTAX, max_size=300),
    st.text(max_size=200),  # any unicode
    st.binary(max_size=300).map(lambda b: b.decode("utf-8", "replace")),
)

leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
plain_values = st.recursive(leaf, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                          st.dictionaries(st.text(max_size=8), inner, max_size=4)),
                            max_leaves=30)


@_settings("yaml")
@given(structured_text)
def test_yaml_loader_is_total(text: str) -> None:
    try:
        load_yaml(text, "x.yaml")
    except InputError:
        pass


@_settings("json")
@given(structured_text)
def test_json_loader_is_total(text: str) -> None:
    try:
        files.load_json(text, "x.json")
    except InputError:
        pass


@_settings("toml")
@given(structured_text)
def test_toml_loader_is_total(text: str) -> None:
    try:
        files.load_toml(text, "x.toml")
    except InputError:
        pass


@_settings("nesting")
@given(st.integers(0, 400) | st.just(3000), st.sampled_from(["[", "{a: ", "- ", "a = [", '{"a": ']), st.sampled_from(["yaml", "json", "toml"]))
def test_any_nesting_is_a_message_not_a_recursion_error(depth: int, opener: str, fmt: str) -> None:
    text = opener * depth + "1"
    if fmt == "yaml" and opener == "- ":
        text = "".join("  " * i + "- \n" for i in range(depth)) + "  " * depth + "1\n"
    load = {"yaml": load_yaml, "json": files.load_json, "toml": files.load_toml}[fmt]
    try:
        load(text, "x")
    except InputError as err:
        assert "x" in str(err)


@_settings("tree")
@given(plain_values)
def test_well_formed_values_round_trip_through_json_and_yaml(value: Any) -> None:
    """The strict readers accept what a well-behaved writer produces (no false refusals): JSON
    exactly, YAML through safe_dump (quoted strings stay strings)."""
    import yaml

    assert files.load_json(json.dumps(value), "x") == value
    assert load_yaml(yaml.safe_dump(value), "x") == value


@_settings("submission")
@given(st.binary(max_size=400) | structured_text.map(str.encode),
       st.sampled_from([".yaml", ".json", ".csv", ".tsv", ".md", ".txt"]))
def test_submission_reader_never_raises(data: bytes, suffix: str) -> None:
    batch = submissions.Batch()
    submissions.read_bytes("f" + suffix, suffix, data, batch)
    for sub in batch.submissions:
        assert isinstance(sub.student, str)
    for p in batch.problems:
        assert str(p)


@_settings("markdown")
@given(st.lists(st.one_of(
    st.builds(lambda k, v: f"q{k}.part: {v}", st.integers(0, 20), st.text(max_size=30)),
    st.builds(lambda n, s: "student:" + " " * n + s, st.integers(0, 2000), st.text(max_size=10)),
    st.text(alphabet=" \t[](){}`#*-|\\", max_size=60),
    st.just("```"),
), max_size=30))
def test_markdown_lines_never_raise(lines: list[str]) -> None:
    batch = submissions.Batch()
    submissions.read_bytes("f.md", ".md", "\n".join(lines).encode(), batch)
    assert batch.submissions or batch.problems


@pytest.fixture(scope="module")
def claims_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("claims")


MODEL = "model = keras.Sequential([keras.Input((4,)), layers.Dense(2)])"
CLAIM_KEYS = ["model", "input_shape", "bindings", "dataset", "training", "claims", "name"]


@_settings("claims")
@given(st.one_of(
    structured_text,
    st.dictionaries(st.sampled_from(CLAIM_KEYS), plain_values, max_size=6).map(json.dumps),
    st.builds(lambda t, c: json.dumps({"model": MODEL, "training": t, "claims": c}),
              st.dictionaries(st.sampled_from(["optimizer", "loss", "epochs", "batch_size", "beta_1", "metrics",
                                               "learning_rate", "nesterov", "momentum"]), plain_values, max_size=4),
              st.lists(st.dictionaries(st.sampled_from(["what", "value", "epoch", "layer"]), plain_values, max_size=4),
                       max_size=3)),
))
def test_claims_reader_is_total(claims_dir: Path, text: str) -> None:
    from nnexam.grader import claims

    path = claims_dir / "c.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        claims.read(path)
    except (NnexamError, ReadError):
        pass
