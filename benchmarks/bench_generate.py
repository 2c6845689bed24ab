"""Benchmark of ``nnexam generate``: a class of 500 students x 10 questions (exams + keys as PDF,
answer sheets, key.json, class key) over the default 2 worker processes, and the latency of one
exam from the command line (interpreter start included).

Run: .venv/bin/python benchmarks/bench_generate.py [--students 500] [--runs 1] [--latency-runs 5]
[--typst-floor 60]. Prints the median of the runs.

``--typst-floor N`` measures the floor under the class figure: N students' exam and key Typst
sources are rendered first (not timed), then only their compilation to PDF is timed over the same
worker processes (spawned and warmed up before the clock starts). Whatever nnexam's Python side
does, a class cannot be generated faster than that.
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
    from nnexam.questions import exam, registry

    data = tomllib.loads((EXAMPLES / "exam.toml").read_text(encoding="utf-8"))
    present = [q for q in data["questions"] if q["type"] in registry.names()]
    data["questions"] = present[:10]
    return exam.parse(data, str(EXAMPLES / "exam.toml"), base=EXAMPLES)


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (worker processes, the CLI): the figure
    that does not depend on what else the machine runs."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def class_run(n: int, jobs: int | None, templates: Path | None = None) -> tuple[float, float]:
    from nnexam.questions.exam import Student

    from nnexam.cmd_generate import generate

    spec = ten_question_exam()
    students = tuple(Student(id=f"s{i:04d}", name=f"Student {i}", file=f"s{i:04d}") for i in range(1, n + 1))
    with tempfile.TemporaryDirectory() as out:
        start, cpu = time.perf_counter(), cpu_seconds()
        generate(spec, students, Path(out), ("pdf",), templates, jobs)
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
    from nnexam.questions import exam

    from nnexam.render import outputs

    spec = exam.load(EXAMPLES / "exam.toml")
    with tempfile.TemporaryDirectory() as out:
        job = outputs.Job(exam=spec, formats=("pdf",), out=Path(out))
        outputs.prepare(Path(out), job.formats)
        start, cpu = time.perf_counter(), cpu_seconds()
        outputs.student(job, exam.Student(id=f"w{i}", file=f"w{i}"))
        return time.perf_counter() - start, cpu_seconds() - cpu


def _warm(source: str, root: Path | None) -> None:
    """Worker initializer: one compile, so that fonts and Typst's caches are loaded before timing."""
    from nnexam.render import typst as typst_format

    typst_format.compile_pdf(source, root)


def _compile_pair(sources: tuple[str, str], root: Path | None = None) -> tuple[float, float, float]:
    """Compile one student's exam and key; (start, end) on the machine-wide monotonic clock, CPU s."""
    from nnexam.render import typst as typst_format

    start, cpu = time.monotonic(), time.process_time()
    for source in sources:
        typst_format.compile_pdf(source, root)
    return start, time.monotonic(), time.process_time() - cpu


def typst_floor(n: int, jobs: int, templates: Path | None = None) -> tuple[float, float]:
    """Seconds of wall and CPU to compile n students' exam + key PDFs over ``jobs`` warm workers."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from nnexam.questions.exam import Student
    from nnexam.questions.exam_variant import build

    from nnexam.render import outputs
    from nnexam.render import typst as typst_format

    spec = ten_question_exam()
    pairs = []
    for i in range(1, n + 1):
        v = build(spec, Student(id=f"s{i:04d}", name=f"Student {i}", file=f"s{i:04d}"))  # type: ignore[arg-type]
        pairs.append(tuple(outputs.document(typst_format.FORMAT, "typ", templates, v, key) for key in (False, True)))
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=ctx, initializer=_warm, initargs=(pairs[0][1], templates)) as pool:
        spans = list(pool.map(_compile_pair, pairs, [templates] * n))
    return max(e for _, e, _ in spans) - min(s for s, _, _ in spans), sum(c for _, _, c in spans)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--students", type=int, default=500)
    ap.add_argument("--runs", type=int, default=1)
    ap.add_argument("--latency-runs", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=None)
    ap.add_argument("--templates", type=Path, default=None, help="a --templates folder to measure instead of the package's")
    ap.add_argument("--typst-floor", type=int, default=60, metavar="N", help="students for the Typst-only floor (0: skip)")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    if args.latency_runs:
        lat = [latency_run() for _ in range(args.latency_runs)]
        from nnexam.questions import exam

        n = len(exam.load(EXAMPLES / "exam.toml").questions)
        print(f"one exam (the example's {n} questions, exam + key + class key PDF, CLI incl. start-up): median "
              f"{med(lat, 0):.2f} s wall, {med(lat, 1):.2f} s CPU over {len(lat)} runs")
        warm_run(0)
        warm = [warm_run(i) for i in range(1, args.latency_runs + 1)]
        print(f"one exam in a warm process (exam + key PDF, answer sheet): median {med(warm, 0):.2f} s wall, "
              f"{med(warm, 1):.2f} s CPU")
    if args.typst_floor:
        jobs = args.jobs or min(2, os.cpu_count() or 1)
        wall, cpu = typst_floor(args.typst_floor, jobs, args.templates)
        per = wall / args.typst_floor
        print(f"Typst alone (exam + key PDF of {args.typst_floor} students, sources rendered beforehand, {jobs} warm "
              f"workers): {wall:.1f} s wall, {cpu / args.typst_floor * 1000:.0f} ms CPU per student; for "
              f"{args.students} students {per * args.students:.1f} s")
    times = [class_run(args.students, args.jobs, args.templates) for _ in range(args.runs)]
    print(f"class: {args.students} students x 10 questions, exams + keys as PDF: median {med(times, 0):.1f} s wall "
          f"over {len(times)} run(s), {med(times, 1):.1f} s CPU in all ({med(times, 1) / args.students * 1000:.0f} ms "
          f"CPU per student; {med(times, 1) / 2:.1f} s on 2 idle cores)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f}")


def med(runs: list[tuple[float, float]], i: int) -> float:
    return statistics.median(r[i] for r in runs)


if __name__ == "__main__":
    main()
