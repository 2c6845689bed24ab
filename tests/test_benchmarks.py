"""Every benchmark script still runs, at toy sizes: the figures in benchmarks/README.md are only
worth something if anyone can reproduce them, and a script that broke silently reproduces nothing."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"

# script -> (toy arguments, lines its report must contain)
CASES = {
    "bench_solve.py": (
        ["--n", "20", "--draws", "2", "--runs", "1", "--only", "training-steps", "softmax", "--startup-runs", "1"],
        [r"nnexam answer training-steps --seed 1 \(no sympy\) +\d", r"nnexam answer softmax --seed 1 \(sympy\) +\d",
         r"^softmax +20 +\d"],
    ),
    "bench_param_count.py": (["--n", "3", "--repeat", "1"], [r"VGG-16 from Keras code: +\d"]),
    "bench_grade.py": (["--students", "4", "--runs", "1", "--jobs", "1"], [r"4 submissions x \d+ parts, jobs=1: median"]),
    "bench_backends.py": (["--rows", "128", "--repeats", "1"], [r"torch backend / hand-written torch = +\d"]),
    "bench_class_verify.py": (["--rows", "64", "--repeats", "1", "--files", "2", "--models", "1", "--class-repeats", "1",
                               "--skip-ray"], [r"batched / 1 run = +\d", r"^  local \(.*\): \d"]),
    "bench_generate.py": (
        ["--students", "2", "--latency-runs", "1", "--typst-floor", "2"],
        [r"one exam .*: median \d", r"Typst alone .* 2 students", r"class: 2 students x 10 questions"],
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("script", sorted(CASES))
def test_benchmark_script_runs(script: str) -> None:
    args, expected = CASES[script]
    run = subprocess.run([sys.executable, str(BENCH / script), *args], capture_output=True, text=True, timeout=300,
                         env={**os.environ, "KERAS_BACKEND": "torch"})
    assert run.returncode == 0, run.stderr[-2000:]
    for pattern in expected:
        assert re.search(pattern, run.stdout, re.MULTILINE), f"{script}: no line matching {pattern!r} in\n{run.stdout}"
