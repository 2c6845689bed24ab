"""`nnexam list` / `nnexam answer` through click's runner, and start-up time."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from click.testing import CliRunner

from nnexam.cli import cli


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def test_list_names_every_registered_type():
    from nnexam.questions import registry

    r = run("list")
    assert r.exit_code == 0
    for name in registry.names():
        assert name in r.output


def test_answer_json_shape():
    r = run("answer", "training-steps", "--set", "samples=60000", "--set", "batch_size=128", "--set", "epochs=10", "--json")
    assert r.exit_code == 0, r.output
    out = json.loads(r.output)
    assert out["type"] == "training-steps"
    assert out["params"]["samples"] == 60000
    assert out["parts"]["steps_per_epoch"] == {"exact": "469", "value": 469}
    assert out["parts"]["total_updates"]["value"] == 4690


def test_answer_text_shows_steps():
    r = run("answer", "training-steps", "--set", "samples=1000", "--set", "batch_size=32")
    assert r.exit_code == 0
    assert "ceil(1000 / 32) = 32" in r.output


def test_bad_input_is_one_line_exit_1():
    r = run("answer", "training-steps", "--set", "samples=abc", "--set", "batch_size=3")
    assert r.exit_code == 1
    assert "parameter 'samples'" in r.output
    assert "Traceback" not in r.output
    r = run("answer", "trainig-steps")
    assert r.exit_code == 1 and "training-steps" in r.output
    r = run("answer", "training-steps", "--set", "nonsense")
    assert r.exit_code == 1 and "NAME=VALUE" in r.output


def test_help_is_fast_and_imports_nothing_heavy():
    code = "import sys; from nnexam.cli import main; sys.argv=['nnexam','--help']\ntry: main()\nexcept SystemExit: pass\nprint(sorted(m for m in ('sympy','torch','keras','numpy') if m in sys.modules))"
    best = 9.0
    for _ in range(5):  # best of 5: the suite runs on 2 busy cores
        t = time.perf_counter()
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        best = min(best, time.perf_counter() - t)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert best < 0.5, f"nnexam --help took {best:.2f}s"
