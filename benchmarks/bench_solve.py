"""Solve time per question family, and `nnexam` start-up.

    python benchmarks/bench_solve.py [--n 10000] [--runs 5]

For every registered family: draw N seeded random variants (not timed), then time solve() on
each; report the median and 95th percentile per solve. Start-up: wall time of `nnexam --help`
and of a whole `nnexam answer` in a fresh process, median of --runs runs. Targets (issue 2):
start-up < 0.5 s, median solve < 5 ms for every numeric family.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SKIP = {"true-false", "multiple-choice"}  # need a bank file; nothing to compute


def bench_family(type_id: str, n: int) -> tuple[float, float, int]:
    from questions import registry

    fam = registry.get(type_id)
    variants = []
    for seed in range(n):
        variants.append(fam.draw(random.Random(seed)))
    times = []
    for p in variants:
        t = time.perf_counter()
        fam.solve(p)
        times.append(time.perf_counter() - t)
    times.sort()
    return statistics.median(times) * 1e3, times[int(0.95 * (len(times) - 1))] * 1e3, len(set(variants))


def startup(cmd: list[str], runs: int) -> float:
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000, help="instances per family")
    ap.add_argument("--runs", type=int, default=5, help="runs for start-up medians")
    ap.add_argument("--only", nargs="*", help="type ids to run")
    args = ap.parse_args()
    from questions import registry

    exe = str(Path(sys.executable).with_name("nnexam"))
    print(f"{'command':<58} {'median s':>9}")
    print(f"{'nnexam --help':<58} {startup([exe, '--help'], args.runs):>9.3f}")
    ans = [exe, "answer", "training-steps", "--set", "samples=60000", "--set", "batch_size=32"]
    print(f"{'nnexam answer training-steps ...':<58} {startup(ans, args.runs):>9.3f}")
    ans = [exe, "answer", "dense-forward", "--seed", "1"]
    if "dense-forward" in registry.names():
        print(f"{'nnexam answer dense-forward --seed 1':<58} {startup(ans, args.runs):>9.3f}")
    print()
    print(f"{'family':<20} {'instances':>9} {'distinct':>9} {'median ms':>10} {'p95 ms':>8}")
    for type_id in args.only or registry.names():
        if type_id in SKIP:
            continue
        med, p95, distinct = bench_family(type_id, args.n)
        print(f"{type_id:<20} {args.n:>9} {distinct:>9} {med:>10.3f} {p95:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
