"""Audit time of a 20-page report (text), without --train: five corpus reports end to end
(about 1,200 lines: Markdown, notebook text, PDF text, LaTeX, plain text), each experiment with its code,
summary table, log, prose claims and hand computations. Prints the median wall and CPU time.

    .venv/bin/python benchmarks/bench_audit.py --runs 7
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "audit_corpus"


def report_text() -> str:
    names = ["r00_md.md", "r01_notebook.txt", "r02_pdf.txt", "r03_tex.tex", "r04_txt.txt"]
    return "\n".join((CORPUS / n).read_text() for n in names)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    from nnexam.grader.audit import audit_report, reader

    text = report_text()
    report = reader.from_text(text, "twenty-pages.txt")
    audit_report(report, bindings={"num_classes": 10})  # warm: imports, the model analyser, the families
    wall, cpu = [], []
    for _ in range(args.runs):
        w, c = time.perf_counter(), time.process_time()
        found = audit_report(report, bindings={"num_classes": 10})
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    print(f"{len(report.lines)} lines ({len(text):,} characters, about {len(report.lines) // 55} pages), {len(found)} findings")
    print(f"audit without --train: median {statistics.median(wall):.3f} s wall, {statistics.median(cpu):.3f} s CPU "
          f"(min {min(wall):.3f} s, {args.runs} runs)")


if __name__ == "__main__":
    main()
