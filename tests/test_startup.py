"""`nnexam answer` start-up: the families without symbolic algebra (and `nnexam list`) never import
sympy, and their plain ``int``/``Fraction`` values print exactly as sympy prints the same
Integer/Rational."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import pytest
import sympy as sp
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from nnexam.questions import doc
from nnexam.questions.exact import exact_str, json_value, params_json, to_exact, to_sympy
from nnexam.questions.family import same

from nnexam.cli import cli

SYMPY_FREE = {
    "training-steps": ["--set", "samples=60000", "--set", "batch_size=32", "--set", "epochs=5"],
    "conv-output-size": ["--seed", "3"],
    "receptive-field": ["--seed", "3"],
    "param-count": ["--seed", "3"],
    "early-stopping": ["--set", "monitor=[0.9, 0.75, 0.8, 0.81]", "--set", "patience=1", "--set", "min_delta=1/100"],
    "conv2d-output": ["--set", 'input=[[1, 0.5, 0], [0, "-1/3", 3], [2, 1, 0]]', "--set", "kernel=[[1, 0], [0, -1]]",
                      "--set", "bias=1/2"],
}

SYMBOLIC = {
    "dense-forward": ["--set", "x=[0.5, -1]", "--set", 'weights=[[1, 2], ["1/3", 0]]', "--set", "activations=sigmoid"],
    "softmax": ["--set", "logits=[1, 0.5, -2]"],
    "cross-entropy": ["--set", "y_true=[1, 0, 0]", "--set", "y_pred=[0.7, 0.2, 0.1]"],
    "quadratic-form": ["--set", "f=1/2 x^2 + 3xy - y^2"],
    "gradient": ["--set", "model=linear-mse", "--set", "X=[[1, 0.5]]", "--set", "y=[[1, 0]]", "--set", 'W=[["1/4"]]', "--set", "b=0.5"],
}

_PROBE = """
import sys
from nnexam.cli import cli
cli(sys.argv[1:], prog_name="nnexam", standalone_mode=False)
print("SYMPY", "sympy" in sys.modules)
"""


def _fresh(args: list[str]) -> tuple[str, bool]:
    """Output of ``nnexam ARGS`` in a fresh interpreter, and whether it imported sympy."""
    run = subprocess.run([sys.executable, "-c", _PROBE, *args], capture_output=True, text=True, timeout=120, check=True)
    out, _, last = run.stdout.rstrip("\n").rpartition("\n")
    return out, last == "SYMPY True"


@pytest.mark.parametrize("type_id", sorted(SYMPY_FREE | SYMBOLIC))
def test_answer_imports_sympy_only_for_symbolic_families(type_id: str) -> None:
    """A fresh `nnexam answer` loads sympy only for the symbolic families (which still solve from
    Fraction parameters), and prints the same bytes as this process, where sympy is loaded."""
    args = ["answer", type_id, *(SYMPY_FREE | SYMBOLIC)[type_id], "--json"]
    out, loaded = _fresh(args)
    assert loaded == (type_id in SYMBOLIC)
    data = json.loads(out)
    assert data["type"] == type_id and data["parts"]
    inproc = CliRunner().invoke(cli, args, prog_name="nnexam")
    assert inproc.exit_code == 0, inproc.output
    assert out == inproc.output.rstrip("\n")


def test_help_and_list_never_import_sympy() -> None:
    out, loaded = _fresh(["--help"])
    assert not loaded and "answer" in out
    out, loaded = _fresh(["list", "--json"])
    assert not loaded and {f["type"] for f in json.loads(out)} >= set(SYMPY_FREE) | set(SYMBOLIC)


def test_exit_skips_the_final_collection_but_finishes_the_rest() -> None:
    """``main`` freezes the heap at exit, after the other atexit handlers ran (they still do), so
    the interpreter's last collection has nothing to walk; output written by the command is there."""
    code = (
        "import atexit, gc, sys\n"
        "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count() > 0, flush=True))\n"
        "from nnexam.cli import main\n"
        "sys.argv = ['nnexam', 'answer', 'training-steps', '--set', 'samples=100', '--set', 'batch_size=32']\n"
        "print('frozen before:', gc.get_freeze_count() > 0)\n"
        "main()\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "frozen before: False" in run.stdout
    assert run.stdout.rstrip().endswith("frozen at exit: True")
    assert "steps_per_epoch = 4" in run.stdout  # ceil(100 / 32), printed before the exit


def test_one_shot_turns_the_collector_off_for_the_command_only(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from nnexam.questions.family import Family

    from nnexam.gcpolicy import one_shot

    @one_shot
    def command(fail: bool) -> bool:
        if fail:
            raise ValueError("bad input")
        return gc.isenabled()

    assert gc.isenabled()
    assert command(False) is False and gc.isenabled()
    with pytest.raises(ValueError):
        command(True)
    assert gc.isenabled()
    # `answer` is such a command: it solves with the collector off, and leaves it on
    seen: list[bool] = []
    solve = Family.solve
    monkeypatch.setattr(Family, "solve", lambda self, params: seen.append(gc.isenabled()) or solve(self, params))
    result = CliRunner().invoke(cli, ["answer", "training-steps", "--set", "samples=100", "--set", "batch_size=32"])
    assert result.exit_code == 0 and "steps_per_epoch = 4" in result.output
    assert seen and not any(seen) and gc.isenabled()


# ---------------------------------------------------------------------------------------------
# int / Fraction printers against sympy's, over many values

_INTS = st.integers(min_value=-(10**40), max_value=10**40)
_FRACTIONS = st.builds(Fraction, _INTS, st.integers(min_value=1, max_value=10**25)) | st.fractions(max_denominator=50)
_NUMBERS = _INTS | _FRACTIONS


def _sympy(x: int | Fraction) -> sp.Rational:
    f = Fraction(x)
    return sp.Rational(f.numerator, f.denominator)


@settings(max_examples=300, deadline=None)
@given(_NUMBERS, st.booleans())
def test_formulas_match_sympy_printers(x: int | Fraction, paren: bool) -> None:
    assert doc.num(x, paren_negative=paren) == doc.expr(_sympy(x), paren_negative=paren)
    assert doc.plain_str(x) == doc.plain_str(_sympy(x))


@settings(max_examples=300, deadline=None)
@given(_NUMBERS)
def test_exact_json_and_params_match_sympy(x: int | Fraction) -> None:
    s = _sympy(x)
    assert exact_str(x) == exact_str(s)
    assert params_json(x) == params_json(s)
    got, want = json_value(x), json_value(s)
    assert type(got) is type(want) and got == want


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(_NUMBERS, min_size=3, max_size=3), min_size=1, max_size=3), st.sampled_from([None, "none"]))
def test_matrices_and_vectors_match_sympy(rows: list[list[int | Fraction]], order: str | None) -> None:
    sym = [[_sympy(x) for x in r] for r in rows]
    assert doc.mat(rows, order) == doc.mat(sp.Matrix(sym), order)
    assert doc.vec(rows[0]) == doc.vec([_sympy(x) for x in rows[0]])
    assert exact_str(tuple(map(tuple, rows))) == exact_str(sp.Matrix(sym))
    assert json_value(tuple(map(tuple, rows))) == json_value(sp.Matrix(sym))


@settings(max_examples=200, deadline=None)
@given(_NUMBERS, _NUMBERS)
def test_same_and_hash_agree_with_sympy(a: int | Fraction, b: int | Fraction) -> None:
    assert same(a, b) == same(_sympy(a), _sympy(b)) == same(a, _sympy(b)) == (a == b)
    assert hash(Fraction(a)) == hash(a)
    assert to_sympy((a, (b,))) == (_sympy(a), (_sympy(b),))


@pytest.mark.parametrize(
    "raw, want",
    [("3", Fraction(3)), ("-0.25", Fraction(-1, 4)), ("1e-3", Fraction(1, 1000)), ("3/4", Fraction(3, 4)),
     (0.1, Fraction(1, 10)), (7, Fraction(7)), (sp.Rational(2, 3), Fraction(2, 3)), (sp.Float(0.5), Fraction(1, 2))],
    ids=["int-text", "decimal", "sci", "fraction", "float", "int", "sympy-rational", "sympy-float"],
)
def test_to_exact_gives_fractions(raw: object, want: Fraction) -> None:
    got = to_exact(raw)
    assert type(got) is Fraction and got == want
