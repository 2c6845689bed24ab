"""Solve time of the dense families (dense-forward, softmax, cross-entropy) on random instances.

    .venv/bin/python benchmarks/bench_dense.py [--n 10000] [--repeat 3] [--family softmax]

Instances come from each family's generator with fixed seeds (drawing is not timed); each solve
(exact answer and worked steps) is timed alone, in wall-clock and in CPU time (the latter is what
to compare on a shared, loaded machine). Prints, per family, the median over the repeats of the
median and 95th-percentile wall time, the median CPU time and the wall time for all N solves.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from questions import registry  # noqa: E402

FAMILIES = ("dense-forward", "softmax", "cross-entropy")


def run(type_id: str, n: int) -> tuple[float, float, float, float]:
    """(median wall, p95 wall, median cpu, total wall) seconds for solving n generated instances."""
    family = registry.get(type_id)
    instances = [family.module.sample(random.Random(seed)) for seed in range(n)]
    times, cpu = [], []
    for p in instances:
        t, c = time.perf_counter(), time.process_time()
        family.solve(p)
        times.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], statistics.median(cpu), sum(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000, help="instances per family")
    ap.add_argument("--repeat", type=int, default=3, help="runs per family (the median is printed)")
    ap.add_argument("--family", choices=FAMILIES, action="append", help="only these families")
    args = ap.parse_args()
    print(f"{'family':<15} {'n':>7} {'median solve':>13} {'p95 solve':>10} {'median cpu':>11} {'all n':>9}")
    for type_id in args.family or FAMILIES:
        runs = [run(type_id, args.n) for _ in range(args.repeat)]
        med, p95, cpu, total = (statistics.median(r[i] for r in runs) for i in range(4))
        print(f"{type_id:<15} {args.n:>7} {med * 1e3:>10.2f} ms {p95 * 1e3:>7.2f} ms {cpu * 1e3:>8.2f} ms {total:>7.1f} s")


if __name__ == "__main__":
    main()
