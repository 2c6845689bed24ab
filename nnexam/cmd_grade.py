"""``nnexam grade KEY.json SUBMISSION... --out grades.csv [--feedback DIR] [--json results.json] [--report DIR]``.

Thin: reads, judges and writes through :mod:`grader`. Exit 0 once grading is done (even when
students are wrong or some files could not be read: those are listed on stderr and in the
report); exit 1 when the key cannot be used.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


@click.command("grade")
@click.argument("key", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("submissions", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path), help="The gradebook CSV to write.")
@click.option("--feedback", "feedback_dir", type=click.Path(file_okay=False, path_type=Path), help="Write feedback per student (Markdown, HTML) here.")
@click.option("--pdf", is_flag=True, help="Also write each student's feedback as PDF (Typst).")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path), help="Write the results as JSON here.")
@click.option("--report", "report_dir", type=click.Path(file_okay=False, path_type=Path), help="Write the instructor report (Markdown, HTML, SVG) here.")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=None,
              help="Worker processes (default: min(2, CPUs); batches under 200 submissions run in one).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
def grade_cmd(key: Path, submissions: tuple[Path, ...], out: Path, feedback_dir: Path | None, pdf: bool,
              json_path: Path | None, report_dir: Path | None, jobs: int | None, quiet: bool) -> None:
    """Grade submissions (YAML/JSON answer sheets, CSV exports, Markdown/text/PDF, folders, zip
    archives) against KEY.json: a gradebook row per student, feedback naming the mistakes."""
    from nnexam.grader import gradebook
    from nnexam.grader.judge import grade_batch
    from nnexam.grader.key import load_key
    from nnexam.grader.submissions import read_submissions
    from nnexam.questions.files import check_output_dir, check_output_file, write_all_atomic
    from nnexam.render import feedback, report

    inputs = (key, *submissions)  # refused before any work: an output that would overwrite an input
    check_output_file(out, inputs, "gradebook")
    if json_path is not None:
        check_output_file(json_path, inputs, "JSON results")
    if feedback_dir is not None:
        check_output_dir(feedback_dir, inputs, "feedback")
    if report_dir is not None:
        check_output_dir(report_dir, inputs, "report")
    outs = [p.resolve() for p in (out, json_path) if p is not None]
    if len(set(outs)) < len(outs):
        raise click.UsageError("--out and --json name the same file")
    answer_key = load_key(key)
    batch = read_submissions(submissions)
    show = not quiet and len(batch.submissions) > 1
    with click.progressbar(length=len(batch.submissions), label="grading", file=sys.stderr,
                           hidden=not show) as bar:
        graded = grade_batch(answer_key, batch, progress=bar.update, jobs=jobs or min(2, os.cpu_count() or 1))
    # feedback and report first; the gradebook and its JSON last, renamed into place together: a run
    # stopped before the end leaves the previous gradebook (each file is whole, old or new)
    if feedback_dir is not None:
        feedback.write_feedback(feedback_dir, answer_key, graded.results, pdf=pdf)
    if report_dir is not None:
        report.write_report(report_dir, answer_key, graded.results, graded.problems)
    results = [(out, gradebook.gradebook_csv(answer_key, graded.results))]
    if json_path is not None:
        results.append((json_path, gradebook.results_json_text(graded.results, graded.problems)))
    write_all_atomic(results)
    for p in graded.problems:
        click.echo(f"{'problem' if p.fatal else 'warning'}: {p}", err=True)
    n_graded = sum(r.status == "graded" for r in graded.results)
    bad = sum(p.fatal for p in graded.problems)
    click.echo(f"graded {n_graded} submission(s); {bad} problem(s); gradebook: {out}")
