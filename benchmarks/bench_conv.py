"""Convolution families: draw and solve time per instance.

    python benchmarks/bench_conv.py [--n 10000] [--runs 3]

For conv2d-output, conv-output-size and receptive-field: draw N seeded variants (timed apart:
rejection sampling on the known mistakes included), then solve each (exact answer and worked
steps). Prints, per family, the median over --runs runs of the median and 95th percentile per
instance. The differential tests run at scale with ``NNEXAM_DIFF_N=10000 pytest tests/test_conv*.py
tests/test_receptive_field.py``.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

FAMILIES = ("conv2d-output", "conv-output-size", "receptive-field")


def one_run(type_id: str, n: int, seed: int) -> tuple[float, float, float]:
    """(median draw ms, median solve ms, p95 solve ms)."""
    from questions import registry

    fam = registry.get(type_id)
    draws, solves, variants = [], [], []
    for s in range(n):
        t = time.perf_counter()
        variants.append(fam.draw(random.Random(seed * 1_000_003 + s)))
        draws.append(time.perf_counter() - t)
    for p in variants:
        t = time.perf_counter()
        fam.solve(p)
        solves.append(time.perf_counter() - t)
    solves.sort()
    return statistics.median(draws) * 1e3, statistics.median(solves) * 1e3, solves[int(0.95 * (n - 1))] * 1e3


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000, help="instances per family and run")
    ap.add_argument("--runs", type=int, default=3, help="runs; the median is reported")
    args = ap.parse_args()
    print(f"{'family':<18} {'draw ms':>8} {'solve ms':>9} {'p95 ms':>8}   ({args.n} instances, median of {args.runs} runs)")
    for type_id in FAMILIES:
        runs = [one_run(type_id, args.n, r) for r in range(args.runs)]
        draw, solve, p95 = (statistics.median(r[i] for r in runs) for i in range(3))
        print(f"{type_id:<18} {draw:>8.3f} {solve:>9.3f} {p95:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
