"""``nnexam verify`` (a claims file) and ``nnexam audit`` (a free-form report): thin wrappers around
:mod:`nnexam.grader.claims` and :mod:`nnexam.grader.audit`. Both print a table of verdicts with their evidence and
exit 0 even when claims are refuted; unusable input is an error naming the file and line (exit 1).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

COLORS = {"confirmed": "green", "consistent": "green", "refuted": "red", "implausible": "red", "unverifiable": "yellow"}


def _short(value: Any, limit: int = 44) -> str:
    text = value if isinstance(value, str) else json.dumps(_tidy(value))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _tidy(value: Any) -> Any:
    """Floats to 12 significant digits for the terminal: a claimed 90.8 % shows as 0.908, not as
    the 0.9079999999999999 that 90.8 / 100 is in binary."""
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, list | tuple):
        return [_tidy(v) for v in value]
    return value


def _print(verdicts: Sequence[Any]) -> None:
    for v in verdicts:
        tag = click.style(f"{v.verdict:<12}", fg=COLORS.get(v.verdict), bold=True)
        click.echo(f"{tag} {v.what:<22} {v.where}")
        click.echo(f"{'':13}claimed {_short(v.claimed)}, expected {_short(v.expected)}")
        click.echo(f"{'':13}{v.evidence}")
    counts: dict[str, int] = {}
    for v in verdicts:
        counts[v.verdict] = counts.get(v.verdict, 0) + 1
    click.echo(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no checkable claims found")


def _write_json(path: str, verdicts: Sequence[Any]) -> None:
    from nnexam.questions.files import write_atomic

    write_atomic(path, json.dumps({"claims": [v.as_dict() for v in verdicts]}, indent=2, default=str) + "\n")


def _check_outputs(inputs: Sequence[str], json_out: str | None, curves: str | None = None,
                   class_report: str | None = None) -> None:
    """Refused before any analysis or training: an output that would overwrite an input, or that
    cannot be written (a missing folder, a folder that is a file)."""
    from nnexam.questions.files import check_output_dir, check_output_file

    if json_out:
        check_output_file(json_out, inputs, "JSON output")
    if curves:
        check_output_dir(curves, inputs, "curves")
    if class_report:
        check_output_dir(class_report, inputs, "class report")


_MINUTES = click.FloatRange(min=0, min_open=True, max=100_000)
_MINUTES_HELP = "Training budget: refuse (with the estimate) runs expected to take longer."


def _curves(folder: str, histories: Sequence[Any], title: str) -> list[Path]:
    """One SVG per logged metric, a line per seed (nnexam.svgplot)."""
    from nnexam.questions.files import write_atomic
    from nnexam.svgplot import line_chart

    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    metrics = sorted({k for h in histories for e in h.epochs for k in e})
    written = []
    for metric in metrics:
        series = {f"seed {i}": h.series(metric) for i, h in enumerate(histories)}
        path = out / f"{metric}.svg"
        write_atomic(path, line_chart(series, title=f"{title}: {metric}", xlabel="epoch", ylabel=metric))
        written.append(path)
    return written


@click.command("verify")
@click.argument("claims_files", metavar="CLAIMS.yaml... | DIR...", nargs=-1, required=True, type=click.Path())
@click.option("--backend", default=None, help="Training backend (default: torch).")
@click.option("--json", "json_out", metavar="OUT.json", default=None,
              help='Write {"claims": [...]} to this file (with "file" per claim for several inputs).')
@click.option("--seeds", type=click.IntRange(1, 50), default=3, show_default=True, help="Training runs per configuration.")
@click.option("--data-dir", default=None, help="Folder with the dataset files (IDX .gz for mnist / fashion-mnist).")
@click.option("--curves", metavar="DIR", default=None, help="Write training curves (SVG, one per metric) here.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--class-report", metavar="DIR", default=None,
              help="Write class.csv and class.json (a row per file and claim) here.")
@click.option("--executor", default=None, help="Where training runs: local (default: this machine's cores) or ray.")
@click.option("--ray-address", default=None, help="Ray cluster to join (auto, ray://host:10001; default RAY_ADDRESS, "
              "else a local Ray).")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default=None,
              help="Where the torch backend trains (default cpu).")
@click.option("--workers", type=click.IntRange(1, 1024), default=None, help="Local worker processes (default: one per core).")
@click.option("--verbose", is_flag=True, help="Say what the training batch needed and which seeds are not batched.")
@click.option("--max-train-minutes", type=_MINUTES, default=None, metavar="MINUTES",
              help=_MINUTES_HELP + " [default: 30]")
def verify_cmd(claims_files: tuple[str, ...], backend: str | None, json_out: str | None, seeds: int, data_dir: str | None,
               curves: str | None, quiet: bool, class_report: str | None, executor: str | None, ray_address: str | None,
               device: str | None, workers: int | None, verbose: bool, max_train_minutes: float | None) -> None:
    """Confirm or refute each claim of CLAIMS.yaml: counts and steps exactly, metrics by training.

    \b
    Several files or folders verify a whole class at once: identical
    trainings run once, the cache is used, one progress bar, one report.
    Example:
      nnexam verify examples/claims.yaml --json verdicts.json --curves curves/
      nnexam verify reports/ --class-report class/ --executor ray --ray-address auto
    """
    from nnexam.grader import class_verify
    from nnexam.questions.errors import InputError, NnexamError

    single = len(claims_files) == 1 and not Path(claims_files[0]).is_dir()
    if single and not Path(claims_files[0]).exists():
        raise InputError(claims_files[0], "claims file not found")
    _check_outputs(claims_files, json_out, curves, class_report)
    log = (lambda text: click.echo(f"note: {text}", err=True)) if verbose else None
    results, summary = class_verify.verify_class(
        claims_files, backend=backend, seeds=seeds, data_dir=data_dir, executor=executor,
        options={"ray_address": ray_address}, device=device, show_progress=not quiet, workers=workers, log=log,
        max_train_minutes=max_train_minutes)
    if not results:
        raise InputError(", ".join(claims_files), "no claims files (*.yaml, *.yml) found")
    if single and results[0].error is not None:
        raise NnexamError(results[0].error)  # names the file and line, as a single file always did
    _report_class(results, summary, single, json_out, class_report, show_summary=verbose or not single)
    for r in results:
        if curves and r.histories:
            folder = curves if single else str(Path(curves) / Path(r.path).stem)
            for p in _curves(folder, r.histories, Path(r.path).stem):
                click.echo(f"wrote {p}")
    if all(r.error is not None for r in results):
        raise InputError(", ".join(claims_files), "no claims file could be used (see above)")


@click.command("audit")
@click.argument("reports", metavar="REPORT... | DIR...", nargs=-1, required=True, type=click.Path())
@click.option("--bind", "binds", multiple=True, metavar="NAME=VALUE", help="Fill a name the code leaves free (JSON value).")
@click.option("--json", "json_out", metavar="OUT.json", default=None,
              help='Write {"claims": [...]} to this file (with "file" per claim for several inputs).')
@click.option("--train", is_flag=True, help="Also reproduce the report's accuracies by training (minutes).")
@click.option("--backend", default=None, help="Training backend for --train (default: torch).")
@click.option("--seeds", type=click.IntRange(1, 50), default=3, show_default=True, help="Training runs for --train.")
@click.option("--data-dir", default=None, help="Folder with the dataset files for --train.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.option("--class-report", metavar="DIR", default=None,
              help="Write class.csv and class.json (a row per report and finding) here.")
@click.option("--executor", default=None, help="Where --train runs: local (default) or ray.")
@click.option("--ray-address", default=None, help="Ray cluster to join (default RAY_ADDRESS, else a local Ray).")
@click.option("--device", type=click.Choice(["cpu", "cuda", "auto"]), default=None, help="Where the torch backend trains.")
@click.option("--max-train-minutes", type=_MINUTES, default=None, metavar="MINUTES",
              help=_MINUTES_HELP + " [default: 30]")
def audit_cmd(reports: tuple[str, ...], binds: tuple[str, ...], json_out: str | None, train: bool, backend: str | None,
              seeds: int, data_dir: str | None, quiet: bool, class_report: str | None, executor: str | None,
              ray_address: str | None, device: str | None, max_train_minutes: float | None) -> None:
    """Find the checkable numbers in REPORT (Markdown, text, PDF) and check each.

    \b
    Model code, model.summary() tables, training logs, stated totals and
    arithmetic; each finding says where it is (line, table, layer).
    Several reports or folders audit a class: --train trains each distinct run once.
    Example:
      nnexam audit examples/report.md --json findings.json
    """
    from nnexam.grader import class_verify
    from nnexam.questions.errors import InputError, NnexamError, ParamError
    from nnexam.questions.params import set_values

    try:
        bindings = set_values(binds, option="--bind")
    except ParamError as err:
        raise click.BadParameter(str(err), param_hint="--bind") from None
    _check_outputs(reports, json_out, None, class_report)
    single = len(reports) == 1 and not Path(reports[0]).is_dir()
    results, summary = class_verify.audit_class(
        reports, bindings=bindings, train=train, backend=backend, seeds=seeds, data_dir=data_dir, executor=executor,
        options={"ray_address": ray_address}, device=device, show_progress=not quiet,
        max_train_minutes=max_train_minutes)
    if not results:
        raise InputError(", ".join(reports), "no reports (*.md, *.txt, *.pdf) found")
    if single and results[0].error is not None:
        raise NnexamError(results[0].error)
    _report_class(results, summary, single, json_out, class_report, show_summary=train and not single)
    if all(r.error is not None for r in results):
        raise InputError(", ".join(reports), "no report could be used (see above)")


def _report_class(results: Sequence[Any], summary: Any, single: bool, json_out: str | None, class_report: str | None,
                  *, show_summary: bool) -> None:
    """Per-file tables (headed by the file when there are several), the batch summary, --json, --class-report."""
    from nnexam.grader import class_verify

    for r in results:
        if not single:
            click.echo(click.style(f"== {r.path}", bold=True))
        if r.error is not None:
            click.echo(f"unusable: {r.error}", err=True)
            continue
        _print(r.verdicts)
    if show_summary:
        click.echo(summary.describe(), err=True)
    if json_out:
        if single:
            _write_json(json_out, results[0].verdicts)
        else:
            rows = [row for row in class_verify.rows(results) if row["verdict"] != "unusable"]
            from nnexam.questions.files import write_atomic

            write_atomic(json_out, json.dumps({"claims": rows}, indent=2, default=str) + "\n")
    if class_report:
        for p in class_verify.write_report(results, summary, class_report):
            click.echo(f"wrote {p}")
