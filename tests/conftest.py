"""Shared fixtures. HOME is moved to a temporary folder so no test reads or writes the user's files.

With ``NNEXAM_NO_HEAVY=1`` torch, keras and scikit-learn look uninstalled (``sys.modules`` holds
``None`` for them: ``import torch`` raises ModuleNotFoundError and ``importlib.util.find_spec`` says
None), so ``pytest -m "not torch and not keras and not sklearn"`` proves every test needing them is
marked (tests/test_markers.py runs exactly that). A comma list hides only those, e.g.
``NNEXAM_NO_HEAVY=sklearn pytest -m "not sklearn"`` finds torch tests that use the digits unmarked.
"""

from __future__ import annotations

import importlib.util
import os
import sys

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

HEAVY = {"torch": "torch", "keras": "keras", "sklearn": "scikit-learn"}  # marker/module -> distribution
_hide = os.environ.get("NNEXAM_NO_HEAVY", "")
HIDDEN = set(HEAVY) if _hide == "1" else {m.strip() for m in _hide.split(",") if m.strip()}
if HIDDEN - set(HEAVY):
    raise pytest.UsageError(f"NNEXAM_NO_HEAVY={_hide!r}: expected 1 or a comma list of {', '.join(HEAVY)}")
for _name in HIDDEN:
    sys.modules[_name] = None  # type: ignore[assignment]


def has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("NNEXAM_CACHE", str(home / "cache"))


@pytest.fixture
def one_thread():
    """Tiny torch ops run ~10x faster on one thread (and do not fight the other xdist worker)."""
    import torch

    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # A test marked torch/keras/sklearn fails loudly in CI if the extra is missing (never silently
    # skipped there); NNEXAM_NO_HEAVY hides them on purpose, so their tests are skipped even in CI.
    for item in items:
        for mod, dist in HEAVY.items():
            if item.get_closest_marker(mod) and not has(mod) and (mod in HIDDEN or not os.environ.get("CI")):
                item.add_marker(pytest.mark.skip(reason=f"{mod} not installed (pip install {dist!r}, or 'nnexam[torch]')"))
