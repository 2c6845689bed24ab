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


def _check_outputs(inputs: Sequence[str], json_out: str | None, curves: str | None = None) -> None:
    """Refused before any analysis or training: an output that would overwrite an input, or that
    cannot be written (a missing folder, a folder that is a file)."""
    from nnexam.questions.files import check_output_dir, check_output_file

    if json_out:
        check_output_file(json_out, inputs, "JSON output")
    if curves:
        check_output_dir(curves, inputs, "curves")


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
@click.argument("claims_file", metavar="CLAIMS.yaml", type=click.Path(dir_okay=False))
@click.option("--backend", default=None, help="Training backend (default: torch).")
@click.option("--json", "json_out", metavar="OUT.json", default=None, help='Write {"claims": [...]} to this file.')
@click.option("--seeds", type=click.IntRange(1, 50), default=3, show_default=True, help="Training runs per configuration.")
@click.option("--data-dir", default=None, help="Folder with the dataset files (IDX .gz for mnist / fashion-mnist).")
@click.option("--curves", metavar="DIR", default=None, help="Write training curves (SVG, one per metric) here.")
@click.option("--max-train-minutes", type=_MINUTES, default=None, metavar="MINUTES",
              help=_MINUTES_HELP + " [default: 30]")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def verify_cmd(claims_file: str, backend: str | None, json_out: str | None, seeds: int, data_dir: str | None,
               curves: str | None, max_train_minutes: float | None, quiet: bool) -> None:
    """Confirm or refute each claim of CLAIMS.yaml: counts and steps exactly, metrics by training.

    \b
    Example:
      nnexam verify examples/claims.yaml --json verdicts.json --curves curves/
    """
    from nnexam.grader import claims

    _check_outputs([claims_file], json_out, curves)
    cf = claims.read(claims_file, data_dir=data_dir)
    verdicts, histories = claims.verify(cf, backend=backend, seeds=seeds, show_progress=not quiet,
                                        max_train_minutes=max_train_minutes)
    _print(verdicts)
    if json_out:
        _write_json(json_out, verdicts)
    if curves and histories:
        for path in _curves(curves, histories, Path(claims_file).stem):
            click.echo(f"wrote {path}")


@click.command("audit")
@click.argument("report", type=click.Path(dir_okay=False))
@click.option("--bind", "binds", multiple=True, metavar="NAME=VALUE", help="Fill a name the code leaves free (JSON value).")
@click.option("--json", "json_out", metavar="OUT.json", default=None, help='Write {"claims": [...]} to this file.')
@click.option("--train", is_flag=True, help="Also reproduce the report's accuracies by training (minutes).")
@click.option("--backend", default=None, help="Training backend for --train (default: torch).")
@click.option("--seeds", type=click.IntRange(1, 50), default=3, show_default=True, help="Training runs for --train.")
@click.option("--data-dir", default=None, help="Folder with the dataset files for --train.")
@click.option("--max-train-minutes", type=_MINUTES, default=None, metavar="MINUTES",
              help=_MINUTES_HELP + " [default: 30]")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def audit_cmd(report: str, binds: tuple[str, ...], json_out: str | None, train: bool, backend: str | None, seeds: int,
              data_dir: str | None, max_train_minutes: float | None, quiet: bool) -> None:
    """Find the checkable numbers in REPORT (Markdown, text, PDF) and check each.

    \b
    Model code, model.summary() tables, training logs, stated totals and
    arithmetic; each finding says where it is (line, table, layer).
    Example:
      nnexam audit examples/report.md --json findings.json
    """
    from nnexam.grader import claims
    from nnexam.grader.audit import audit
    from nnexam.questions.errors import ParamError
    from nnexam.questions.files import regular_file
    from nnexam.questions.params import set_values

    regular_file(report, "report")  # a device or FIFO would hang the reader
    _check_outputs([report], json_out)
    try:
        bindings = set_values(binds, option="--bind")
    except ParamError as err:
        raise click.BadParameter(str(err), param_hint="--bind") from None
    if max_train_minutes is not None:  # the audit's training goes through claims.verify
        claims.DEFAULT_MAX_TRAIN_MINUTES = max_train_minutes
    verdicts = audit(report, bindings=bindings, train=train, backend=backend, seeds=seeds, data_dir=data_dir,
                     show_progress=not quiet)
    _print(verdicts)
    if json_out:
        _write_json(json_out, verdicts)
