"""``nnexam generate``: exams and answer keys, one variant per student."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click


def _formats(text: str) -> tuple[str, ...]:
    from nnexam.render.outputs import FORMATS

    names = tuple(dict.fromkeys(n.strip().lower() for n in text.split(",") if n.strip()))
    bad = [n for n in names if n not in FORMATS]
    if bad or not names:
        from nnexam.questions.errors import UnknownNameError

        raise UnknownNameError("format", bad[0] if bad else text, FORMATS)
    return names


def _work(job: object, student: object, writer: object = None) -> dict:
    """One student, in a worker process (or in this one, with its PDF writer). Errors come back as
    plain NnexamError (always picklable)."""
    from nnexam.questions.errors import NnexamError
    from nnexam.render import outputs

    try:
        return outputs.student(job, student, writer)  # type: ignore[arg-type]
    except NnexamError as err:
        raise NnexamError(str(err)) from None


@click.command("generate")
@click.argument("exam_file", metavar="EXAM.toml", type=click.Path(dir_okay=False))
@click.option("--roster", type=click.Path(dir_okay=False), help="CSV with a column id (or student, student_id), optional name, email.")
@click.option("--seed", type=int, default=None, help="Replace the exam file's seed.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False), help="Output folder.")
@click.option("--format", "formats", default="pdf,md,html,moodle", show_default=True, help="Comma-separated: pdf, md, html, moodle.")
@click.option("--templates", "templates_dir", type=click.Path(file_okay=False, exists=True), help="Folder whose files replace the package's templates one by one.")
@click.option("--jobs", type=click.IntRange(min=1, max=64), default=None, help="Worker processes (default: min(2, CPUs)).")
def generate_cmd(
    exam_file: str, roster: str | None, seed: int | None, out_dir: str, formats: str, templates_dir: str | None, jobs: int | None
) -> None:
    """One exam and answer key per student, a class key, key.json, answer sheets and Moodle XML.

    \b
    Writes into OUT: exams/ID.pdf, keys/ID.pdf (and .md/.html), sheets/ID.yaml,
    class-key.pdf, key.json (read by `nnexam grade`) and moodle.xml.
    Variants are deterministic from (exam seed, student id): same inputs, same bytes.

    \b
    Example:
      nnexam generate examples/exam.toml --roster examples/roster.csv --out exam-out
    """
    from nnexam.questions import exam
    from nnexam.questions.files import check_output_dir
    from nnexam.render.outputs import check_replaceable

    names = _formats(formats)
    out = Path(os.path.realpath(out_dir))
    inputs = [p for p in (exam_file, roster, templates_dir) if p]
    check_output_dir(out, inputs, "output")  # before any work
    check_replaceable(out)
    templates = Path(templates_dir) if templates_dir else None
    if templates is not None:
        _check_templates(templates)
    spec = exam.load(exam_file, seed=seed)
    students = exam.load_roster(roster) if roster else exam.anonymous()
    generate(spec, students, out, names, templates, jobs)
    click.echo(f"{len(students)} variant(s) of {len(spec.questions)} question(s) written to {out_dir}", err=True)


def _check_templates(folder: Path) -> None:
    """Every file of a ``--templates`` folder lies inside it: a link pointing outside would let a
    template read (``#read``, ``include``) any file the user can."""
    from nnexam.questions.errors import InputError

    root = Path(os.path.realpath(folder))
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        for name in (*dirnames, *filenames):
            path = Path(dirpath) / name
            if path.is_symlink():
                target = Path(os.path.realpath(path))
                if target != root and root not in target.parents:
                    raise InputError(str(path), f"a link pointing outside the templates folder ({target}); copy the file in instead")


def generate(spec: object, students: tuple, out: Path, formats: tuple[str, ...], templates: Path | None = None,
             jobs: int | None = None) -> None:
    """Every output file for ``students`` (the command's work, callable from benchmarks), written into
    a fresh staging folder next to ``out`` and swapped in whole at the end: an interrupted run leaves
    the previous folder untouched (never new exams beside an old key.json)."""
    import shutil

    from nnexam.questions.errors import InputError
    from nnexam.questions.exam_variant import key_json
    from nnexam.questions.files import write_atomic
    from nnexam.render import outputs

    outputs.check_replaceable(out)  # also for callers other than the command: never swap away foreign files
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = outputs.staging_dir(out)
        outputs.prepare(staging, formats)
    except OSError as err:
        raise InputError(str(out), f"cannot create the output folder: {err.strerror or err}") from None
    job = outputs.Job(exam=spec, formats=formats, out=staging, templates=templates)  # type: ignore[arg-type]
    cpus = os.cpu_count() or 1
    workers = min(jobs or min(2, cpus), len(students))
    # in-process (one student, or --jobs 1): spare cores compile the PDFs in threads
    writer = outputs.PdfWriter(threads=min(2, cpus) if workers <= 1 else 1)
    try:
        results = _run(job, students, workers, writer)
        write_atomic(staging / "key.json", key_json(spec, [r["key"] for r in results]))  # type: ignore[arg-type]
        outputs.class_files(job, results, writer)
        writer.finish()
        outputs.swap_in(staging, out)
    except BaseException:
        writer.finish(check=False)
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _run(job: object, students: tuple, workers: int, writer: object) -> list[dict]:
    """Every student's results in roster order, over ``workers`` processes, with a progress bar."""
    show = len(students) > 1
    with click.progressbar(length=len(students), label="Generating", file=sys.stderr, hidden=not show) as bar:
        if workers <= 1:
            results = []
            for s in students:
                results.append(_work(job, s, writer))
                bar.update(1)
            return results
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from nnexam.gcpolicy import skip_exit_collection

        # spawn: a fresh interpreter per worker, never a fork of a process whose typst threads run
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=skip_exit_collection) as pool:
            futures = [pool.submit(_work, job, s) for s in students]
            try:
                results = []
                for f in futures:
                    results.append(f.result())
                    bar.update(1)
            except BaseException:
                pool.shutdown(cancel_futures=True)
                raise
            return results
