"""The layers import downward only: questions <- grader <- the CLI and renderers (``nnexam/``).

Every import statement of every module is read with ``ast`` (top-level and inside functions, so a
lazy import cannot hide an upward dependency), and the repository's own folder names are never
imported bare: the installed distribution has one top-level package, ``nnexam``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"questions": 0, "grader": 1, "nnexam": 2}  # folder -> height
BARE = ("questions", "grader", "templates")


def _layer_of_module(name: str) -> int | None:
    """Height of an imported ``nnexam...`` module; None for anything outside the project."""
    parts = name.split(".")
    if parts[0] != "nnexam":
        return None
    if len(parts) > 1 and parts[1] in ("questions", "grader"):
        return LAYERS[parts[1]]
    if len(parts) > 1 and parts[1] == "templates":
        return 0  # data files: anyone may read them
    return LAYERS["nnexam"]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "nnexam":  # from nnexam import grader / questions / cli
                out += [(node.lineno, f"nnexam.{a.name}") for a in node.names]
            else:
                out.append((node.lineno, node.module))
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append((node.lineno, "." * node.level + (node.module or "")))
    return out


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


@pytest.mark.parametrize("folder", sorted(LAYERS))
def test_no_import_points_up_a_layer(folder: str) -> None:
    height = LAYERS[folder]
    upward = []
    for path in _sources(folder):
        for line, name in _imports(path):
            other = _layer_of_module(name)
            if other is not None and other > height:
                upward.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not upward, "imports that point up a layer:\n" + "\n".join(upward)


@pytest.mark.parametrize("folder", ["questions", "grader", "nnexam", "templates", "tests", "benchmarks", "examples"])
def test_the_layer_folders_are_imported_only_through_nnexam(folder: str) -> None:
    """``import questions`` works only from a checkout; the installed package is nnexam.questions.
    Relative imports are refused too, so every module names its layer the same way (tests' own
    helper packages, such as tests/model_corpus/, import their siblings relatively: they run both
    as ``model_corpus`` under pytest and as ``python -m tests.model_corpus.report``)."""
    bad = []
    for path in _sources(folder):
        for line, name in _imports(path):
            if name.split(".")[0] in BARE or (name.startswith(".") and folder != "tests"):
                bad.append(f"{path.relative_to(ROOT)}:{line} imports {name}")
    assert not bad, "\n".join(bad)


def test_the_walker_sees_an_upward_import_inside_a_function(tmp_path: Path) -> None:
    """The check itself can fail: a lazy upward import in a function body is found."""
    src = tmp_path / "m.py"
    src.write_text("def f():\n    from nnexam.render import base\n    import nnexam.grader.judge\n", encoding="utf-8")
    found = {name for _, name in _imports(src)}
    assert found == {"nnexam.render", "nnexam.grader.judge"}
    assert _layer_of_module("nnexam.render") == 2 and _layer_of_module("nnexam.grader.judge") == 1
    assert _layer_of_module("numpy") is None
