"""Every test that needs torch, keras or scikit-learn says so with its marker: the rest of the suite
passes with those three hidden (conftest's NNEXAM_NO_HEAVY=1 makes them unimportable), as on a
machine with only the core install."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_unmarked_suite_passes_without_torch_keras_and_sklearn():
    env = dict(os.environ, NNEXAM_NO_HEAVY="1")
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-n", "2",
           "-m", "not torch and not keras and not sklearn", "--deselect", "tests/test_markers.py"]
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    tail = "\n".join(done.stdout.splitlines()[-25:])
    assert done.returncode == 0, tail
    assert " passed" in tail and "failed" not in tail, tail
