"""Solve time per question family, draw time, and `nnexam` start-up.

    python benchmarks/bench_solve.py [--n 10000] [--draws 200] [--runs 3] [--only TYPE ...]

For every registered family: N seeded random instances from its generator (not timed), then
solve() timed on each, in wall-clock and CPU time (CPU time is what to compare on a shared,
loaded machine); the median over --runs runs of the per-solve median and 95th percentile.
``draw`` is Family.draw (the generator plus the checks that every known mistake changes the
answer), what `nnexam generate` pays per question. Start-up: wall time of `nnexam --help` and of
a whole `nnexam answer` in a fresh process (median of 9), for a family that never imports sympy
and for one that needs it. Targets (issue 2): `nnexam answer` start-up < 0.5 s,
median solve < 5 ms for every numeric family, VGG-16 (benchmarks/bench_param_count.py) < 20 ms.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SKIP = {"true-false", "multiple-choice"}  # need a bank file; nothing to compute


def solve_run(type_id: str, n: int, run: int) -> tuple[float, float, float]:
    """(median wall, p95 wall, median CPU) seconds per solve over n fresh instances."""
    from nnexam.questions import registry

    fam = registry.get(type_id)
    variants = [fam.module.sample(random.Random(run * 1_000_003 + seed)) for seed in range(n)]
    walls, cpus = [], []
    for p in variants:
        w, c = time.perf_counter(), time.process_time()
        fam.module.solve(p)  # the module's own solve: Family.solve remembers recent params
        cpus.append(time.process_time() - c)
        walls.append(time.perf_counter() - w)
    walls.sort()
    return statistics.median(walls), walls[int(0.95 * (len(walls) - 1))], statistics.median(cpus)


def draw_median(type_id: str, n: int) -> float:
    from nnexam.questions import registry

    fam = registry.get(type_id)
    times = []
    for seed in range(n):
        t = time.perf_counter()
        fam.draw(random.Random(10**9 + seed))
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def startup(cmd: list[str], runs: int) -> float:
    walls = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls)


def imports_sympy(cmd: list[str]) -> bool:
    """Whether the command loads sympy (Python's import-time log names every module it imports)."""
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    log = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env).stderr
    return any(line.rstrip().endswith("| sympy") for line in log.splitlines())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000, help="instances per family and run")
    ap.add_argument("--draws", type=int, default=200, help="Family.draw calls per family")
    ap.add_argument("--runs", type=int, default=3, help="runs; medians are reported")
    ap.add_argument("--only", nargs="*", help="type ids to run")
    ap.add_argument("--startup-runs", type=int, default=9, help="fresh processes per start-up figure (median)")
    args = ap.parse_args()
    from nnexam.questions import registry

    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    exe = str(Path(sys.executable).with_name("nnexam"))
    k = args.startup_runs
    print(f"{'command (fresh process)':<58} {'median s':>9}")
    print(f"{'nnexam --help':<58} {startup([exe, '--help'], k):>9.3f}")
    label = 'python -c "import sympy" (for comparison)'
    print(f"{label:<58} {startup([sys.executable, '-c', 'import sympy'], k):>9.3f}")
    for type_id in registry.names():
        if type_id in SKIP:
            continue
        cmd = [exe, "answer", type_id, "--seed", "1"]
        label = f"nnexam answer {type_id} --seed 1 ({'sympy' if imports_sympy(cmd) else 'no sympy'})"
        print(f"{label:<58} {startup(cmd, k):>9.3f}", flush=True)
    print()
    print(f"{'family':<18} {'n':>6} {'solve median ms':>16} {'p95 ms':>8} {'CPU ms':>8} {'draw ms':>8}")
    for type_id in args.only or registry.names():
        if type_id in SKIP:
            continue
        runs = [solve_run(type_id, args.n, r) for r in range(args.runs)]
        med = statistics.median(r[0] for r in runs) * 1e3
        p95 = statistics.median(r[1] for r in runs) * 1e3
        cpu = statistics.median(r[2] for r in runs) * 1e3
        draw = draw_median(type_id, args.draws) * 1e3
        print(f"{type_id:<18} {args.n:>6} {med:>16.3f} {p95:>8.3f} {cpu:>8.3f} {draw:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
