"""Write the answer corpus: answers as students write them, each labelled with a careful grader's verdict.

Run from the repository root: ``python tests/answer_corpus/make_corpus.py``. Keys are real keys
(``nnexam generate``'s key.json entries for one-question exams, stored in ``keys/`` so that the
corpus does not move when a family draws differently). The answers are written here from the
key's numbers (floats and ints, never through the grader's parser) in the forms students use;
the labels follow from the numbers alone: the right value in any form is ``correct``, a known
mistake's value ``partial`` with its id, a clearly different number ``incorrect``, and text with
no value in it ``unreadable``.
"""

from __future__ import annotations

import json
import math
import random
import re
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from grader_keys import key_data  # noqa: E402

BANK = str(HERE.parents[1] / "examples" / "bank.toml")
SEEDS = (1, 2, 3)
REL, ABS = 0.01, 0.001  # the default tolerance a human grader applies to decimals
FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
UNREADABLE = ["I don't know", "see my working on paper", "?", "no idea, sorry", "-"]


def close(a: float, b: float) -> bool:
    return abs(a - b) <= max(ABS, REL * abs(b))


def flat(v: Any) -> list[Any]:
    return [x for item in v for x in flat(item)] if isinstance(v, list) else [v]


def same(a: Any, b: Any, exact: bool) -> bool:
    fa, fb = flat(a), flat(b)
    if len(fa) != len(fb) or _dims(a) != _dims(b):
        return False
    return all((x == y) if exact or isinstance(x, str) else close(float(x), float(y)) for x, y in zip(fa, fb))


def _dims(v: Any) -> Any:
    return [len(v), *(_dims(v[0]) if v and isinstance(v[0], list) else [])] if isinstance(v, list) else []


def num(x: Any, digits: int = 4) -> str:
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    return f"{x:.{digits}f}" if abs(x) >= 0.01 else f"{x:.6f}"


def unicode_minus(s: str) -> str:
    return s.replace("-", "\u2212")


# ---------------------------------------------------------------------------------------------
# forms of one value, per kind: (form name, text)

def integer_forms(n: int, rng: random.Random) -> list[tuple[str, str]]:
    out = [("plain", str(n)), ("unit", f"{n} steps" if n < 1000 else f"{n:,} params"), ("label", f"n = {n}"),
           ("chain", f"{n - 3} + 3 = {n}"), ("latex", f"${n}$"), ("paren-latex", f"\\( {n} \\)"), ("period", f"{n}."),
           ("decimal", f"{n}.0"), ("words", f"The answer is {n}"), ("approx-mark", f"≈ {n}"), ("fullwidth", str(n).translate(FULLWIDTH)),
           ("total", f"Total params: {n:,}"), ("trailing-words", f"{n} total trainable params"), ("note", f"{n} (exact)")]
    if n >= 1000:
        out += [("thousands", f"{n:,}"), ("thin-space", f"{n:,}".replace(",", "\u202f")), ("nbsp", f"{n:,}".replace(",", "\u00a0")),
                ("latex-thousands", f"{n:,}".replace(",", "{,}")), ("kb-note", f"Total params: {n:,} ({n * 4 / 1024:.2f} KB)")]
    if n >= 2:
        a = rng.randint(1, n - 1)
        out.append(("sum-chain", f"{a} + {n - a} = {n}"))
    if n and n % 1000 == 0:
        out.append(("k-suffix", f"{n // 1000}k"))
    if n < 0:
        out.append(("unicode-minus", unicode_minus(str(n))))
    return out


def approx_integer_forms(n: int) -> list[tuple[str, str, int]]:
    """Rounded counts (``23.6M``): readable, not exact -> incorrect (value, for the check)."""
    out = []
    if n >= 10_000 and n % 100:
        k = round(n / 1000, 1)
        out.append(("k-rounded", f"{k}k", round(k * 1000)))
    if n >= 1_000_000 and n % 100_000:
        m = round(n / 1e6, 1)
        out.append(("M-rounded", f"{m}M", round(m * 1e6)))
    if n >= 1000 and n % 100:
        out.append(("approx-rounded", f"≈ {round(n, -2)}", round(n, -2)))
    return [(f, t, v) for f, t, v in out if v != n]


def number_forms(x: float, exact: str) -> list[tuple[str, str]]:
    d4 = num(x)
    out = [("plain", d4), ("6g", f"{x:.6g}"), ("3sig", f"{x:.3g}"), ("approx-sign", f"≈ {d4}"), ("tilde", f"~{x:.3g}"),
           ("latex-approx", f"\\approx {d4}"), ("latex", f"$ {d4} $"), ("sci", f"{x:.4e}"), ("label", f"L = {d4}"),
           ("note", f"{d4} (natural log)"), ("unit", f"{d4} nats"), ("exact", exact), ("chain", f"{exact} ≈ {d4}"),
           ("ln", exact.replace("log(", "ln(")), ("latex-ln", exact.replace("log(", "\\ln(")),
           ("sentence", f"the loss is {d4}")]
    if "." in d4:
        out.append(("value-decimal", f"{exact} ({d4})"))
    if "." in d4 and len(d4.split(".")[1]) != 3:
        out.append(("decimal-comma", d4.replace(".", ",")))
    t = math.floor(abs(x) * 10_000) / 10_000
    if t and abs(t - abs(x)) <= max(ABS, REL * abs(x)):
        out.append(("truncated", f"{'-' if x < 0 else ''}{t:.4f}..."))
    if x < 0:
        out.append(("unicode-minus", unicode_minus(d4)))
    if abs(x) <= 1 and abs(x) >= 0.01:
        out.append(("percent", f"{x * 100:.2f}%"))
    return out


def vector_forms(v: list[Any]) -> list[tuple[str, str]]:
    e = [num(x) for x in v]
    out = [("list", "[" + ", ".join(e) + "]"), ("numpy-print", "[" + " ".join(e) + "]"), ("bare", ", ".join(e)),
           ("matlab", "[" + "; ".join(e) + "]"), ("array", "array([" + ", ".join(e) + "])"),
           ("tensor", "tensor([" + ", ".join(e) + "])"), ("label", "z = [" + ", ".join(e) + "]"),
           ("bmatrix", "\\begin{bmatrix} " + " \\\\ ".join(e) + " \\end{bmatrix}"),
           ("pmatrix-row", "\\begin{pmatrix} " + " & ".join(e) + " \\end{pmatrix}"),
           ("left-right", "\\left[\\begin{array}{c} " + " \\\\ ".join(e) + " \\end{array}\\right]"),
           ("np-array", "np.array([" + ", ".join(e) + "])"), ("unicode-minus", unicode_minus("[" + ", ".join(e) + "]")),
           ("approx", "≈ [" + ", ".join(e) + "]"), ("spaces", "[ " + " , ".join(e) + " ]"),
           ("transposed-row", "[" + " ".join(e) + "]^T")]
    if len(v) > 1:
        out.append(("column-lines", "\n".join(e)))
    if any(isinstance(x, float) and not x.is_integer() for x in v):
        out.append(("3sig", "[" + ", ".join(f"{x:.3g}" for x in v) + "]"))
    return out


def matrix_forms(m: list[list[Any]]) -> list[tuple[str, str]]:
    rows = [[num(x) for x in r] for r in m]
    width = max(len(c) for r in rows for c in r)
    out = [("nested", "[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"),
           ("numpy-print", "[" + "\n ".join("[" + " ".join(c.rjust(width) for c in r) + "]" for r in rows) + "]"),
           ("array", "array([" + ",\n       ".join("[" + ", ".join(r) + "]" for r in rows) + "])"),
           ("matlab", "[" + "; ".join(" ".join(r) for r in rows) + "]"),
           ("bmatrix", "\\begin{bmatrix} " + " \\\\ ".join(" & ".join(r) for r in rows) + " \\end{bmatrix}"),
           ("pmatrix", "$\\begin{pmatrix} " + " \\\\ ".join(" & ".join(r) for r in rows) + " \\end{pmatrix}$"),
           ("tensor", "tensor([" + ", ".join("[" + ", ".join(c + ("." if "." not in c else "") for c in r) + "]" for r in rows)
            + "])"),
           ("label", "W = [" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"),
           ("unicode-minus", unicode_minus("[" + ", ".join("[" + ", ".join(r) + "]" for r in rows) + "]"))]
    if len(rows) > 1:
        out.append(("row-lines", "\n".join(" ".join(r) for r in rows)))
    return out


def shape_forms(s: list[Any]) -> list[tuple[str, str]]:
    if s and isinstance(s[0], list):  # a list of shapes
        return [("nested", "[" + ", ".join("[" + ", ".join(map(str, r)) + "]" for r in s) + "]"),
                ("tuples", "[" + ", ".join("(" + ", ".join(map(str, r)) + ")" for r in s) + "]"),
                ("label", "sizes = [" + ", ".join("(" + ", ".join(map(str, r)) + ")" for r in s) + "]")]
    dims = [str(x) for x in s]
    out = [("tuple", "(" + ", ".join(dims) + ")"), ("list", "[" + ", ".join(dims) + "]"), ("none-batch", "(None, " + ", ".join(dims) + ")"),
           ("sentence", "Output is (" + ",".join(dims) + ")"), ("label", "shape: (" + ", ".join(dims) + ")")]
    if len(dims) > 1:
        out += [("x", " x ".join(dims)), ("times", "×".join(dims)), ("pixels", " x ".join(dims) + " pixels"),
                ("by", " by ".join(dims)),
                ("W-H-chain", f"W_out = H_out = {dims[0]}" if len(set(dims)) == 1 else "(" + ", ".join(dims) + ")")]
    return out


GRADIENT_RIGHT = {
    "dL/dW": ["(A - Y)*X^T", "(a - y) x^T", "(A-Y)X'", "(A − Y)·Xᵀ", "grad_W = (A - Y) @ X.T",
              "\\frac{\\partial L}{\\partial W} = (A - Y) X^{\\top}", "\\left(A - Y\\right) \\cdot X^T",
              "\\sum_i (a_i - y_i) x_i^T", "\\sum_{i=1}^{m} (a_i - y_i) x_i^{T}", "(\\hat{y} - y) x^T", "A X^T - Y X^T",
              "dL/dW = (A-Y) X^T", "(A - Y)(X)^T", "(A - Y) \\times X^\\top"],
    "dL/db": ["(A - Y)*1_m", "(a - y) 1_m", "sum(A - Y)", "\\sum_i (a_i - y_i)", "db = (A - Y) 1_m", "(A-Y)·1_m",
              "\\frac{\\partial L}{\\partial b} = \\sum_{i} (\\hat{y}_i - y_i)", "A 1_m - Y 1_m"],
}
GRADIENT_WRONG = {"dL/dW": ["X^T (A - Y)", "(A + Y) X^T", "A X^T", "W X + b"], "dL/db": ["A + Y", "(A + Y) 1_m", "Y 1_m"]}


def mistake_expression_forms(text: str) -> list[str]:
    t = text.replace(".T", "^T")
    if "HadamardProduct" in t:
        return [text, t]
    return [text, t.replace("*", " "), re.sub(r"\b([AYX])\b", lambda m: m.group(1).lower(), t)]


# ---------------------------------------------------------------------------------------------

def cases_for(key_name: str, data: dict, rng: random.Random) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    q = data["students"][0]["questions"][0]
    model = (q.get("params") or {}).get("model")

    def add(part: dict, form: str, text: str, verdict: str, mistakes: tuple[str, ...] = ()) -> None:
        out.append({"key": key_name, "part": part["id"], "kind": part["kind"], "form": form, "answer": text,
                    "verdict": verdict, "mistakes": list(mistakes)})

    for part in q["parts"]:
        kind, value = part["kind"], part["value"]
        exact_kind = kind in ("integer", "shape")
        mist = [(m["id"], m["value"]) for m in part["mistakes"]]

        def label(v: Any, value: Any = value, exact_kind: bool = exact_kind, mist: list = mist) -> tuple[str, tuple[str, ...]]:
            if same(v, value, exact_kind):
                return "correct", ()
            ids = tuple(i for i, mv in mist if isinstance(mv, list) == isinstance(v, list) and not isinstance(mv, str)
                        and same(v, mv, exact_kind))
            return ("partial", ids) if ids else ("incorrect", ())

        if kind == "integer":
            n = int(value)
            for f, t in integer_forms(n, rng):
                add(part, f, t, "correct")
            for f, t, v in approx_integer_forms(n):
                add(part, f, t, *label(v))
            for w in (n + 1, n * 2 + 7):
                verdict, ids = label(w)
                add(part, "wrong", str(w), verdict, ids)
                add(part, "wrong-unit", f"{w:,} params", verdict, ids)
            add(part, "chain-disagrees", f"{n + 5} = {n}", "correct")
            for mid, mv in mist:
                verdict, ids = label(int(mv))
                add(part, f"mistake:{mid}", f"{int(mv)}", verdict, ids)
                add(part, f"mistake-words:{mid}", f"= {int(mv)} steps" if int(mv) < 1000 else f"{int(mv):,} params", verdict, ids)
        elif kind == "number":
            x = float(value)
            for f, t in number_forms(x, part["exact"]):
                add(part, f, t, "correct")
            w = x + 0.5 * max(1.0, abs(x)) + 0.37
            add(part, "wrong", num(w), *label(w))
            add(part, "wrong-chain", f"{part['exact']} ≈ {num(w)}", *label(w))
            add(part, "wrong-approx", f"≈ {num(-w)}", *label(-w))
            for mid, mv in mist:
                if isinstance(mv, int | float):
                    add(part, f"mistake:{mid}", num(float(mv)), *label(float(mv)))
                    add(part, f"mistake-approx:{mid}", f"≈ {float(mv):.4g}", *label(float(mv)))
        elif kind in ("vector", "matrix") and value and not isinstance(value[0], list) and kind == "vector":
            for f, t in vector_forms(value):
                add(part, f, t, "correct")
            wrong = [value[0] + 1 + abs(value[0])] + list(value[1:])
            add(part, "wrong", "[" + ", ".join(num(x) for x in wrong) + "]", *label(wrong))
            add(part, "wrong-matlab", "[" + "; ".join(num(x) for x in wrong) + "]", *label(wrong))
            for mid, mv in mist:
                if isinstance(mv, list) and all(isinstance(x, int | float) for x in mv):
                    add(part, f"mistake:{mid}", "[" + ", ".join(num(float(x)) for x in mv) + "]", *label([float(x) for x in mv]))
        elif kind in ("vector", "matrix"):
            for f, t in matrix_forms(value):
                add(part, f, t, "correct")
            wrong = [list(r) for r in value]
            wrong[0][0] = wrong[0][0] + 1 + abs(wrong[0][0])
            add(part, "wrong", json.dumps(wrong), *label(wrong))
            t = [list(r) for r in zip(*value)]
            if len(value) >= 2 and len(value[0]) >= 2 and not same(t, value, False) and not label(t)[1]:
                add(part, "transposed", "[" + ", ".join("[" + ", ".join(num(x) for x in r) + "]" for r in t) + "]",
                    "partial", ("transposed",))
            for mid, mv in mist:
                if isinstance(mv, list) and mv and isinstance(mv[0], list):
                    add(part, f"mistake:{mid}", "[" + ", ".join("[" + ", ".join(num(float(x)) for x in r) + "]" for r in mv) + "]",
                        *label([[float(x) for x in r] for r in mv]))
        elif kind == "shape":
            for f, t in shape_forms(value):
                add(part, f, t, "correct")
            wrong = json.loads(json.dumps(value))
            if wrong and isinstance(wrong[0], list):
                wrong[0][0] += 1
            else:
                wrong[0] += 1
            add(part, "wrong", json.dumps(wrong), *label(wrong))
            for mid, mv in mist:
                add(part, f"mistake:{mid}", json.dumps(mv), *label(mv))
        elif kind == "expression":
            for t in GRADIENT_RIGHT.get(part["part"], []):
                add(part, "notation", t, "correct")
            if model == "logistic":
                add(part, "sigma-z", "(\\sigma(z) - y) x^T" if part["part"] == "dL/dW" else "(σ(Z) - Y) 1_m", "correct")
            for t in GRADIENT_WRONG.get(part["part"], []):
                add(part, "wrong", t, "incorrect")
            for mid, mv in mist:
                ids = tuple(i for i, v in mist if v == mv)
                for t in mistake_expression_forms(mv):
                    add(part, f"mistake:{mid}", t, "partial", ids)
        elif kind == "choice":
            right = str(value)
            if right in ("true", "false"):
                forms = [right, right.upper(), right[0].upper(), right.capitalize() + ", because the statement holds",
                         "yes" if right == "true" else "no", f"The answer is {right}", f"Answer: {right.capitalize()}"]
                wrong_forms = ["false" if right == "true" else "true"]
            else:
                forms = [right, right.lower(), f"({right.lower()})", f"{right})", f"Answer: {right}", f"{right}. (see above)",
                         f"The answer is {right}"]
                wrong_forms = [c for c in part["choices"] if c != right][:2]
            for t in forms:
                add(part, "choice", t, "correct")
            for t in wrong_forms:
                verdict, ids = ("partial", tuple(i for i, v in mist if v == t)) if any(v == t for _, v in mist) else ("incorrect", ())
                add(part, "wrong", t, verdict, ids)
        elif kind == "table":
            add(part, "json", json.dumps(value), "correct")
            add(part, "yaml", part["exact"], "correct")
            wrong = json.loads(json.dumps(value))
            wrong[0]["params"] = int(wrong[0]["params"]) + 1
            add(part, "wrong", json.dumps(wrong), "incorrect")
        if kind != "table":
            add(part, "unreadable", rng.choice(UNREADABLE), "unreadable")
    return out


def main() -> None:
    keys = HERE / "keys"
    keys.mkdir(exist_ok=True)
    rng = random.Random(12)
    cases: list[dict[str, Any]] = []
    from nnexam.questions import registry

    for family in registry.names():
        for seed in SEEDS:
            extra = {"options": {"bank": BANK}} if family in ("true-false", "multiple-choice") else {}
            try:
                data = key_data([{"id": "q1", "type": family, "points": 4, **extra}], seed=seed)
            except Exception as err:  # noqa: BLE001 - a family this installation lacks
                print(f"skipped {family}: {err}")
                break
            for s in data["students"]:
                s.pop("file", None)
            name = f"{family}-{seed}"
            (keys / f"{name}.json").write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            cases += cases_for(name, data, rng)
    with open(HERE / "answers.jsonl", "w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    print(f"{len(cases)} answers")


if __name__ == "__main__":
    main()
