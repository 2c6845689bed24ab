"""Shared fixtures. HOME is moved to a temporary folder so no test reads or writes the user's files."""

from __future__ import annotations

import importlib.util
import os

import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")


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
    # A test marked torch/keras fails loudly in CI if the extra is missing (never silently skipped there).
    for item in items:
        for mod in ("torch", "keras"):
            if item.get_closest_marker(mod) and not has(mod) and not os.environ.get("CI"):
                item.add_marker(pytest.mark.skip(reason=f"{mod} not installed (pip install 'nnexam[{mod}]')"))
