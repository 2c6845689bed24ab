"""The distribution installs exactly one top-level package, ``nnexam``, holding the repository's
layer folders (``questions/`` -> ``nnexam.questions``, ...), and works from the wheel alone."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"nnexam": "nnexam", "questions": "nnexam.questions", "grader": "nnexam.grader", "templates": "nnexam.templates"}


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_package_folder_is_listed_under_its_nnexam_name() -> None:
    """A new subpackage that pyproject.toml forgets would be missing from the wheel."""
    setup = _pyproject()["tool"]["setuptools"]
    assert setup["package-dir"] == {v: k for k, v in FOLDERS.items()}
    found = set()
    for folder, name in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *rel)))
    assert set(setup["packages"]) == found


def test_entry_point_groups_and_builtin_families_use_the_nnexam_names() -> None:
    from nnexam.questions import registry

    assert all(module.startswith("nnexam.questions.") for module in registry.BUILTIN.values())
    groups = _pyproject()["project"]["entry-points"]
    assert set(groups) == {"nnexam.question_types.v1", "nnexam.backends.v1", "nnexam.executors.v1"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "-q", "-w", str(out)],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    (whl,) = out.glob("nnexam-*.whl")
    return whl


@pytest.mark.slow
def test_the_wheel_holds_only_nnexam_with_every_template(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert {n.split("/")[0] for n in names} == {"nnexam", f"{wheel.name.split('-')[0]}-{wheel.name.split('-')[1]}.dist-info"}
    shipped = {n.removeprefix("nnexam/templates/") for n in names if n.startswith("nnexam/templates/")}
    templates = {p.name for p in (ROOT / "templates").iterdir() if p.is_file() and p.suffix in (".j2", ".typ", ".css", ".py")}
    assert templates <= shipped


@pytest.mark.slow
def test_the_unpacked_wheel_runs_and_the_bare_folder_names_do_not_import(wheel: Path, tmp_path: Path) -> None:
    """Run from the wheel's files only (not the checkout): a command that renders templates works,
    and ``import questions`` fails."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "import nnexam.questions.registry, nnexam.grader.judge, nnexam.templates\n"
        "assert nnexam.questions.registry.__file__.startswith(sys.argv[1]), nnexam.questions.registry.__file__\n"
        "assert str(nnexam.templates.DIRECTORY).startswith(sys.argv[1])\n"
        "for bare in ('questions', 'grader', 'templates'):\n"
        "    try:\n"
        "        __import__(bare)\n"
        "    except ImportError:\n"
        "        continue\n"
        "    raise SystemExit(f'import {bare} worked')\n"
        "from nnexam.cli import main\n"
        "sys.argv = ['nnexam', 'generate', sys.argv[2], '--out', sys.argv[3], '--format', 'md']\n"
        "main()\n"
    )
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-c", code, str(site), str(ROOT / "examples" / "exam.toml"), str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout[-1000:] + done.stderr[-2000:]
    assert (out / "key.json").is_file() and list(out.rglob("*.md"))
