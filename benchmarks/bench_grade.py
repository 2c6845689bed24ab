"""Benchmark: 5,000 submissions x 20 parts (numbers, vectors, matrices, shapes, expressions mixed;
some written with labels, working and units as students write them) graded against one key, serially and on 2 worker processes. Prints the median of several runs.

    .venv/bin/python benchmarks/bench_grade.py [--students 5000] [--runs 3] [--jobs 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nnexam.grader.judge import grade_batch  # noqa: E402
from nnexam.grader.key import parse_key  # noqa: E402
from nnexam.grader.submissions import Batch, Submission  # noqa: E402
from nnexam.questions import exam as exam_mod  # noqa: E402
from nnexam.questions import exam_variant  # noqa: E402

QUESTIONS = [
    {"id": "q1", "type": "dense-forward", "points": 5},
    {"id": "q2", "type": "conv2d-output", "points": 3},
    {"id": "q3", "type": "conv-output-size", "points": 2},
    {"id": "q4", "type": "training-steps", "points": 2},
    {"id": "q5", "type": "cross-entropy", "points": 2},
    {"id": "q6", "type": "softmax", "points": 2},
    {"id": "q7", "type": "early-stopping", "points": 4},
    {"id": "q9", "type": "gradient", "points": 2},
]
EXPRESSIONS = [  # (key, equivalent student forms, wrong forms)
    ("(A - Y)*X.T", ["(A - Y) X^T", "A X^T - Y X^T", r"(A-Y)X^{\top}"], ["X^T (A - Y)", "(Y - A) X^T"]),
    ("exp(-z)/(1 + exp(-z))**2", [r"\sigma(z)(1-\sigma(z))", "sigma(z)*(1 - sigma(z))"], ["sigma(z)^2", "1 - sigma(z)"]),
]


def build_key() -> dict:
    spec = exam_mod.parse({"exam": {"title": "Benchmark", "seed": 11}, "questions": QUESTIONS}, "bench.toml")
    variant = exam_variant.build(spec, exam_mod.anonymous()[0])
    data = json.loads(exam_variant.key_json(spec, [exam_variant.student_json(variant)]))
    parts = [{"id": f"q8.e{i}", "part": f"e{i}", "kind": "expression", "points": 1, "exact": k, "value": k,
              "tolerance": {"rel": 0.01, "abs": 0.001, "sigfigs": None}, "mistakes": [], "choices": None}
             for i, (k, _, _) in enumerate(EXPRESSIONS)]
    data["questions"].append({"id": "q8", "type": "symbolic", "points": 3, "title": "Expressions"})
    data["students"][0]["questions"].append({"id": "q8", "type": "symbolic", "points": 3, "params": {}, "parts": parts})
    return data


def _decimal(value: object) -> str:
    if isinstance(value, list):
        if value and isinstance(value[0], list):
            return "[" + " ".join("[" + " ".join(f"{x:.4g}" for x in row) + "]" for row in value) + "]"
        return "[" + ", ".join(f"{x:.4g}" for x in value) + "]"
    return f"{value:.5g}" if isinstance(value, float) else str(value)


def answers(data: dict, rng: random.Random) -> dict[str, str]:
    out = {}
    exprs = {f"q8.e{i}": e for i, e in enumerate(EXPRESSIONS)}
    for q in data["students"][0]["questions"]:
        for p in q["parts"]:
            roll = rng.random()
            if p["id"] in exprs:
                _, good, bad = exprs[p["id"]]
                out[p["id"]] = rng.choice(good if roll < 0.7 else bad)
            elif roll < 0.5:
                out[p["id"]] = p["exact"]
            elif roll < 0.6:
                out[p["id"]] = _decimal(p["value"])
            elif roll < 0.7:  # as students write (issue 12): a label or working before the value, a unit after
                out[p["id"]] = rng.choice([f"{p['part']} = {p['exact']}", f"{p['exact']} ≈ {_decimal(p['value'])}",
                                           f"{_decimal(p['value'])} (rounded)"])
            elif roll < 0.85 and p["mistakes"]:
                out[p["id"]] = rng.choice(p["mistakes"])["exact"]
            elif roll < 0.95:
                out[p["id"]] = str(rng.randint(-50, 50))
            else:
                out[p["id"]] = "[1, 2"  # unreadable
    return out


def _cpu() -> float:
    """CPU seconds of this process and its finished workers (independent of other load on the machine)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _clear_caches() -> None:
    """Every run starts cold, as one `nnexam grade` process does."""
    from nnexam.grader import compare, equivalence, values

    for fn in (values._read_text, values._scalar, values._element, values._magnitude, compare.to_float, equivalence._tree, equivalence._key_points):
        fn.cache_clear()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--students", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    args = ap.parse_args()
    data = build_key()
    key = parse_key(data, "bench-key.json")
    n_parts = sum(len(q.parts) for q in key.students["*"].questions)
    rng = random.Random(0)
    batch = Batch(submissions=[Submission(f"s{i:05d}", answers(data, rng), f"s{i:05d}.yaml") for i in range(args.students)])
    for jobs in sorted({1, args.jobs}):
        times = []
        cpu = []
        for _ in range(args.runs):
            _clear_caches()
            start, cpu0 = time.perf_counter(), _cpu()
            graded = grade_batch(key, batch, jobs=jobs)
            times.append(time.perf_counter() - start)
            cpu.append(_cpu() - cpu0)
        assert len(graded.results) == args.students  # noqa: S101 - a benchmark's sanity check
        print(f"{args.students} submissions x {n_parts} parts, jobs={jobs}: median {statistics.median(times):.2f} s "
              f"(runs: {', '.join(f'{t:.2f}' for t in times)}); CPU time median {statistics.median(cpu):.2f} s; "
              f"load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
