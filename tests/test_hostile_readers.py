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


# --------------------------------------------------------------------------------------------- the input layer, case by case


@pytest.mark.parametrize(("text", "value"), [
    ("001234", "001234"), ("12:30", "12:30"), ("0x1F", "0x1F"), ("1_000", "1_000"), ("0o17", "0o17"), ("yes", "yes"),
    ("no", "no"), ("on", "on"), ("n", "n"), ("2026-03-14", "2026-03-14"), ("1e-3", "1e-3"), ("+.5", 0.5),
    ("1234", 1234), ("-0", 0), ("0.5", 0.5), ("1.0e-3", 0.001), ("true", True), ("False", False), ("~", None), ("", None),
    ("'001234'", "001234"), ("-.inf", float("-inf")),
])
def test_yaml_scalars_mean_what_they_say(text: str, value: object) -> None:
    got = load_yaml(f"v: {text}\n", "x")["v"]
    assert got == value and type(got) is type(value), (text, got)


@pytest.mark.parametrize(("text", "needle"), [
    ("a: &x 1\nb: *x\n", "aliases"),
    ("a: !!python/object/apply:os.system [ls]\n", "tags"),
    ("a: !!int '3'\n", "tags"),
    ("a: 1\na: 2\n", "duplicate key 'a'"),
    ("a: " + "[" * 70 + "]" * 70 + "\n", "nested more than 64"),
    ("a: " + "1" * 1001 + "\n", "1,001 digits"),
])
def test_yaml_refusals_name_the_construct_and_line(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle) as err:
        load_yaml(text, "sheet.yaml")
    assert str(err.value).startswith("sheet.yaml")


@pytest.mark.parametrize(("text", "needle"), [
    ('{"a": 1, "a": 2}', "duplicate key 'a'"),
    ("[" * 10_000 + "]" * 10_000, "nested more than 64"),
    ("[" * 70 + "]" * 70, "nested more than 64"),
    ("1" * 5000, "5,000 digits"),
    ('{"a": ' + "9" * 1001 + "}", "1,001 digits"),
])
def test_json_refusals(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        files.load_json(text, "k.json")


@pytest.mark.parametrize(("text", "needle"), [
    ("a = " + "1" * 5000, "cannot read"),
    ("a = " + "1" * 1500, "more than 1,000 digits"),
    ("a = " + "[" * 2000 + "]" * 2000, "nested more than 64"),
    ("a = 1\na = 2\n", "not valid TOML"),
])
def test_toml_refusals(text: str, needle: str) -> None:
    with pytest.raises(InputError, match=needle):
        files.load_toml(text, "e.toml")


def test_read_bytes_refuses_devices_fifos_and_never_reads_past_the_limit(tmp_path: Path) -> None:
    fifo = tmp_path / "f.yaml"
    os.mkfifo(fifo)  # nobody writes to it: opening it blocking would hang forever
    for path in (fifo, Path("/dev/zero"), tmp_path):
        with pytest.raises(InputError, match="not a regular file|is a folder"):
            files.read_bytes(path, "submission", 100)
    link = tmp_path / "z.yaml"
    link.symlink_to("/dev/zero")
    with pytest.raises(InputError, match="not a regular file"):
        files.read_bytes(link, "submission", 100)
    big = tmp_path / "big.txt"
    big.write_bytes(b"x" * 101)
    with pytest.raises(InputError, match="larger than 100 bytes"):
        files.read_bytes(big, "submission", 100)
    assert files.read_bytes(big, "submission", 101) == b"x" * 101
    with pytest.raises(InputError, match="no such file"):
        files.read_bytes(tmp_path / "nope", "submission", 100)


def test_write_atomic_replaces_links_and_follows_the_umask(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("keep")
    out = tmp_path / "grades.csv"
    out.symlink_to(victim)
    old = os.umask(0o027)
    try:
        files.write_atomic(out, "new")
    finally:
        os.umask(old)
    assert victim.read_text() == "keep" and not out.is_symlink() and out.read_text() == "new"
    assert (out.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_output_checks(tmp_path: Path) -> None:
    inp = tmp_path / "subs"
    inp.mkdir()
    (tmp_path / "export.csv").write_text("x")
    with pytest.raises(InputError, match="overwrite an input"):
        files.check_output_file(tmp_path / "export.csv", [tmp_path / "export.csv"], "gradebook")
    with pytest.raises(InputError, match="does not exist"):
        files.check_output_file(tmp_path / "no" / "g.csv", [], "gradebook")
    with pytest.raises(InputError, match="is a file"):
        files.check_output_file(tmp_path / "export.csv" / "g.csv", [], "gradebook")
    for folder in (inp, inp / "fb", tmp_path):
        with pytest.raises(InputError, match="input"):
            files.check_output_dir(folder, [inp], "feedback")
    files.check_output_dir(tmp_path / "fb", [inp], "feedback")
    files.check_output_file(tmp_path / "g.csv", [inp, tmp_path / "export.csv"], "gradebook")
