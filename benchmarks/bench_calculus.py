"""Solve and draw time of the calculus families: early-stopping, gradient, quadratic-form.

    python benchmarks/bench_calculus.py [--n 10000] [--draws 200] [--runs 3]

Solve: N random instances per family (built directly, as an instructor would give them: random
monitor sequences and callback settings; random one-layer models with small rational X, y, W, b;
random quadratics in 1 to 5 variables written as text), solve() timed on each, caches cleared
first. Draw: Family.draw (generator + the check that every mistake changes the answer). Each figure
is the median over --runs runs of the per-instance median (and 95th percentile).
Target (issue 2): median solve under 5 ms for every numeric family.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def early_stopping(rng: random.Random) -> dict:
    n = rng.randint(8, 30)
    v, monitor = rng.randint(40, 120), []
    for _ in range(n):
        v = max(1, v + rng.randint(-8, 4))
        monitor.append(f"{v / 100:.2f}")
    return {
        "monitor": monitor, "patience": rng.randint(0, 5), "min_delta": rng.choice(("0", "0.01", "0.02")),
        "restore_best_weights": rng.random() < 0.5, "start_from_epoch": rng.randint(0, 3),
        "baseline": rng.choice((None, "0.5")), "mode": "min",
    }


def gradient(rng: random.Random) -> dict:
    model = rng.choice(("logistic", "linear-mse", "softmax-ce"))
    n_x, m = rng.randint(1, 4), rng.randint(1, 4)
    n_y = rng.randint(2, 4) if model == "softmax-ce" else 1
    num = lambda: rng.randint(-4, 4) / rng.choice((1, 2))  # noqa: E731
    raw = {
        "model": model, "X": [[num() for _ in range(m)] for _ in range(n_x)],
        "W": [[num() for _ in range(n_x)] for _ in range(n_y)], "b": [num() for _ in range(n_y)],
    }
    if model == "softmax-ce":
        raw["y"] = [rng.randrange(n_y) for _ in range(m)]
    else:
        raw["y"] = [rng.randint(0, 1) if model == "logistic" else num() for _ in range(m)]
    return raw


def quadratic_form(rng: random.Random) -> dict:
    n = rng.randint(1, 5)
    names = [f"x_{i + 1}" for i in range(n)]
    terms = []
    for i in range(n):
        for j in range(i, n):
            if rng.random() < 0.6:
                terms.append(f"{rng.randint(-9, 9)}*{names[i]}*{names[j]}")
        if rng.random() < 0.6:
            terms.append(f"{rng.randint(-9, 9)}/{rng.randint(1, 4)}*{names[i]}")
    terms.append(str(rng.randint(-9, 9)))
    return {"f": " + ".join(terms), "variables": names}


BUILDERS = {"early-stopping": early_stopping, "gradient": gradient, "quadratic-form": quadratic_form}


def clear_caches() -> None:
    from questions import doc, gradient, quadratic_form

    gradient.instance.cache_clear()
    quadratic_form.analyse.cache_clear()
    doc._notations.cache_clear()


def solve_times(type_id: str, n: int, seed: int) -> list[float]:
    from questions import registry

    fam = registry.get(type_id)
    rng = random.Random(seed)
    raws = [BUILDERS[type_id](rng) for _ in range(n)]
    clear_caches()
    times = []
    for raw in raws:
        t = time.perf_counter()
        fam.solve(fam.parse(raw))
        times.append(time.perf_counter() - t)
    return sorted(times)


def draw_times(type_id: str, n: int, seed: int) -> list[float]:
    from questions import registry

    fam = registry.get(type_id)
    times = []
    for s in range(n):
        t = time.perf_counter()
        fam.draw(random.Random(seed * 100_000 + s))
        times.append(time.perf_counter() - t)
    return sorted(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000, help="random instances solved per family")
    ap.add_argument("--draws", type=int, default=200, help="Family.draw calls per family")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--only", nargs="*", choices=list(BUILDERS))
    args = ap.parse_args()
    print(f"{'family':<16} {'what':<6} {'count':>7} {'median ms':>10} {'p95 ms':>8}")
    for type_id in args.only or BUILDERS:
        for what, fn, count in (("parse+solve", solve_times, args.n), ("draw", draw_times, args.draws)):
            runs = [fn(type_id, count, run) for run in range(args.runs)]
            med = statistics.median(statistics.median(r) for r in runs) * 1e3
            p95 = statistics.median(r[int(0.95 * (len(r) - 1))] for r in runs) * 1e3
            print(f"{type_id:<16} {what:<6} {count:>7} {med:>10.3f} {p95:>8.3f}", flush=True)


if __name__ == "__main__":
    main()
