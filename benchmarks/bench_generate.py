"""Benchmark of ``nnexam generate``: a class of 500 students x 10 questions (exams + keys as PDF,
answer sheets, key.json, class key) over the default 2 worker processes, and the latency of one
exam from the command line (interpreter start included).

Run: .venv/bin/python benchmarks/bench_generate.py [--students 500] [--runs 1] [--latency-runs 5]
Prints the median of the runs.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
sys.path.insert(0, str(ROOT))


def ten_question_exam() -> object:
    """The example exam's first 10 questions (all question types present in the package)."""
    from questions import exam, registry

    data = tomllib.loads((EXAMPLES / "exam.toml").read_text(encoding="utf-8"))
    present = [q for q in data["questions"] if q["type"] in registry.names()]
    data["questions"] = present[:10]
    return exam.parse(data, str(EXAMPLES / "exam.toml"), base=EXAMPLES)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (worker processes, the CLI): the figure
    that does not depend on what else the machine runs."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def class_run(n: int, jobs: int | None) -> tuple[float, float]:
    from nnexam.cmd_generate import generate
    from questions.exam import Student

    spec = ten_question_exam()
    students = tuple(Student(id=f"s{i:04d}", name=f"Student {i}", file=f"s{i:04d}") for i in range(1, n + 1))
    with tempfile.TemporaryDirectory() as out:
        start, cpu = time.perf_counter(), cpu_seconds()
        generate(spec, students, Path(out), ("pdf",), None, jobs)
        return time.perf_counter() - start, cpu_seconds() - cpu


def latency_run() -> tuple[float, float]:
    """``nnexam generate`` of the example exam (one student) in a fresh interpreter, this checkout's code."""
    with tempfile.TemporaryDirectory() as out:
        start, cpu = time.perf_counter(), cpu_seconds()
        subprocess.run([sys.executable, "-m", "nnexam", "generate", str(EXAMPLES / "exam.toml"), "--out", out, "--format", "pdf"],
                       check=True, capture_output=True, cwd=ROOT)
        return time.perf_counter() - start, cpu_seconds() - cpu


def warm_run(i: int) -> tuple[float, float]:
    """One student's exam + key (PDF) and answer sheet in a warm process: the work per exam."""
    from nnexam.render import outputs
    from questions import exam

    spec = exam.load(EXAMPLES / "exam.toml")
    with tempfile.TemporaryDirectory() as out:
        job = outputs.Job(exam=spec, formats=("pdf",), out=Path(out))
        outputs.prepare(Path(out), job.formats)
        start, cpu = time.perf_counter(), cpu_seconds()
        outputs.student(job, exam.Student(id=f"w{i}", file=f"w{i}"))
        return time.perf_counter() - start, cpu_seconds() - cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--students", type=int, default=500)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--latency-runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None)
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if args.latency_runs:
        lat = [latency_run() for _ in range(args.latency_runs)]
        from questions import exam

        n = len(exam.load(EXAMPLES / "exam.toml").questions)
        print(f"one exam (the example's {n} questions, exam + key + class key PDF, CLI incl. start-up): median "
              f"{med(lat, 0):.2f} s wall, {med(lat, 1):.2f} s CPU over {len(lat)} runs")
        warm_run(0)
        warm = [warm_run(i) for i in range(1, args.latency_runs + 1)]
        print(f"one exam in a warm process (exam + key PDF, answer sheet): median {med(warm, 0):.2f} s wall, "
              f"{med(warm, 1):.2f} s CPU")
    times = [class_run(args.students, args.jobs) for _ in range(args.runs)]
    print(f"class: {args.students} students x 10 questions, exams + keys as PDF: median {med(times, 0):.1f} s wall "
          f"over {len(times)} run(s), {med(times, 1):.1f} s CPU in all ({med(times, 1) / args.students * 1000:.0f} ms "
          f"CPU per student; {med(times, 1) / 2:.1f} s on 2 idle cores)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def med(runs: list[tuple[float, float]], i: int) -> float:
    return statistics.median(r[i] for r in runs)


if __name__ == "__main__":
    main()
