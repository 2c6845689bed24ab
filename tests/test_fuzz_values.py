"""Hostile input: 100,000 random and adversarial strings through the value parser and comparators.

No exception escapes, no answer takes more than 100 ms of CPU, and nothing is executed (eval,
exec, os.system, subprocess and sympy's text parser are booby-trapped while the fuzz runs).
"""

from __future__ import annotations

import builtins
import gc
import os
import random
import subprocess
import time

import pytest
import sympy.parsing.sympy_parser
from nnexam.grader.compare import matches
from nnexam.grader.values import MISSING, Unreadable, parse_answer

N = int(os.environ.get("NNEXAM_FUZZ_N", "100000"))
KINDS = {  # kind -> a key value to compare against
    "number": parse_answer("1/(1 + exp(-4))", "number"),
    "integer": parse_answer("3612", "integer"),
    "vector": parse_answer("[-1, 3/2]", "vector"),
    "matrix": parse_answer("[[1, 2], [3, 4]]", "matrix"),
    "shape": parse_answer("[7, 7, 32]", "shape"),
    "expression": parse_answer("(A - Y)*X.T", "expression"),
    "choice": parse_answer("B", "choice"),
    "table": [{"name": "dense", "params": 10}],
}
ADVERSARIAL = [
    "9**9**9", "10^10^10", "9^9^9^9", "2**2**2**2**2**2", "(10^1000)^(10^1000)", "1e99999999", "10**-99999",
    "(" * 1000 + "1" + ")" * 1000, "[" * 1000 + "]" * 1000, "{" * 500, "-" * 5000 + "1", "x" * 1_000_000, "1" * 1_000_000,
    "1," * 300_000, "[1 2] " * 50_000, "__import__('os').system('touch /tmp/pwned')", "eval('1')", "exec('import os')",
    "().__class__.__bases__[0].__subclasses__()", "lambda: 0", "import os", "os.system('ls')", "open('/etc/passwd').read()",
    r"\input{/etc/passwd}", r"\include{x}", r"\def\a{\a}\a", r"\newcommand{\x}{1}", r"\write18{ls}", r"\immediate\write18{id}",
    r"\catcode`\^=7", r"\begin{bmatrix}" * 200, r"\frac" * 500, r"\sqrt" * 800 + "2", r"e^{e^{e^{e^{e^{e^{9}}}}}}",
    "exp(exp(exp(exp(100))))", "sin(10^300)", "tanh(1e308)", "log(0)", "0^0", "0/0", "1/0", "sqrt(-1)", "(-8)^(1/3)",
    "max(" + ",".join(["x"] * 5000) + ")", "Max(" * 100, "σ" * 10000, "ᵀ" * 5000, "²" * 5000, "\u202e\u0000\ufeff",
    "𝟘𝟙𝟚", "١٢٣", "Ⅻ", "½", "∞", "NaN", "nan", "inf", "-inf", "1e308*1e308", "&a [*a, *a]", "!!python/object:os.system",
    "a: &a [1]\nb: [*a, *a, *a]", "{{1,2},{3,4}}", "[[1, 2], [3]]", "[[[[[[[[1]]]]]]]]", "(None, None)", "1x2x3x4x5x6x7x8",
    "%" * 100, "97%%", "1,2,3,4,5,6", "1 000 000 000 000", "0x1F", "0b101", "1_000", "١٫٥", "—1", "−1", "+-+-1",
    "A^T^T^T^T" * 100, "X'" * 500, "(A-Y)*X.T" * 100, r"\left(" * 100, "\\" * 1000, "$" * 1000, "`" * 1000,
]
ALPHABET = "0123456789+-*/^()[]{}.,;: xyzAWXYTe%\\_'ᵀσ·×−²πδ\n\t"
WORDS = ["frac", "sqrt", "left", "right", "cdot", "exp", "ln", "log", "sigma", "tanh", "relu", "max", "begin{bmatrix}",
         "end{bmatrix}", "\\\\", "&", "**", "e^", "1e", "None", "T", "top", "mathrm{", "operatorname"]


def _strings(rng: random.Random) -> list[str]:
    out = list(ADVERSARIAL)
    seeds = ["[[12 -7] [3 40]]", r"\frac{1}{1+e^{-4}}", "1,204,352", "(None, 7, 7, 32)", r"W^T \delta", "97%",
             r"\begin{bmatrix} 1 & 2 \\ 3 & 4 \end{bmatrix}", "3/4", "[0.1 0.2 0.7]", "sigma(z)(1-sigma(z))"]
    while len(out) < N:
        roll = rng.random()
        if roll < 0.3:
            out.append("".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 40))))
        elif roll < 0.55:
            out.append("".join(rng.choice(WORDS + list(ALPHABET)) for _ in range(rng.randint(1, 25))))
        elif roll < 0.8:
            s = list(rng.choice(seeds))
            for _ in range(rng.randint(1, 4)):
                i = rng.randrange(len(s) + 1)
                op = rng.random()
                if op < 0.4:
                    s.insert(i, rng.choice(ALPHABET))
                elif op < 0.7 and s:
                    del s[min(i, len(s) - 1)]
                elif s:
                    s[min(i, len(s) - 1)] = rng.choice(ALPHABET)
            out.append("".join(s))
        else:
            out.append("".join(chr(rng.randint(0, 0x2FFF)) for _ in range(rng.randint(0, 30))))
    return out


@pytest.fixture
def nothing_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    """eval/exec of text, shell commands, processes and sympy's text parser all fail loudly.
    (exec of compiled module code stays allowed: that is Python importing a module.)"""

    def trap(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"executed: {args!r:.80}")

    def text_trap(original: object) -> object:
        def guarded(source: object, *args: object, **kwargs: object) -> object:
            if isinstance(source, str | bytes):
                raise AssertionError(f"executed text: {source!r:.80}")
            return original(source, *args, **kwargs)  # type: ignore[operator]

        return guarded

    monkeypatch.setattr(builtins, "eval", text_trap(builtins.eval))
    monkeypatch.setattr(builtins, "exec", text_trap(builtins.exec))
    for target, name in ((os, "system"), (os, "popen"), (subprocess, "Popen"), (sympy.parsing.sympy_parser, "parse_expr")):
        monkeypatch.setattr(target, name, trap)


@pytest.mark.slow
def test_fuzz_value_parser(nothing_runs: None) -> None:
    rng = random.Random(20260314)
    kinds = list(KINDS)
    slowest = (0.0, "")

    def cpu_time(text: str, kind: str) -> float:
        gc.disable()  # as timeit does: a collection of the whole worker's heap is no string's cost
        try:
            start = time.thread_time()
            value = parse_answer(text, kind, expected=KINDS[kind] if kind == "number" else None)
            if value is not MISSING and not isinstance(value, Unreadable):
                matches(kind, value, KINDS[kind])
            return time.thread_time() - start
        finally:
            gc.enable()

    for i, text in enumerate(_strings(rng)):
        kind = kinds[i % len(kinds)]
        spent = cpu_time(text, kind)
        if spent > slowest[0]:
            slowest = (spent, f"{kind}: {text[:60]!r}")
    assert slowest[0] < 0.1, slowest
    assert not os.path.exists("/tmp/pwned")
