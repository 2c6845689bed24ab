"""The ``nnexam`` command. Subcommands live in their own modules and load only when invoked,
so ``nnexam --help`` never imports sympy, torch or keras.

Errors: every :class:`nnexam.questions.errors.NnexamError` becomes one line on stderr and exit code 1;
usage errors are click's exit code 2.
"""

from __future__ import annotations

import importlib
import importlib.util
import os
import sys

import click

# command name -> "module:attribute"; help text is shown without importing the module.
COMMANDS: dict[str, tuple[str, str]] = {
    "list": ("nnexam.cmd_answer:list_cmd", "The question types, their parameters and parts."),
    "answer": ("nnexam.cmd_answer:answer_cmd", "Solve one instance exactly, with worked steps."),
    "generate": ("nnexam.cmd_generate:generate_cmd", "Exams and answer keys, one variant per student."),
    "grade": ("nnexam.cmd_grade:grade_cmd", "Grade submissions against a key: gradebook and feedback."),
    "verify": ("nnexam.cmd_verify:verify_cmd", "Confirm or refute the claims of a claims file by training."),
    "audit": ("nnexam.cmd_verify:audit_cmd", "Find and check the numeric claims in a free-form report."),
}


def _available(name: str) -> bool:
    module = COMMANDS[name][0].split(":")[0]
    return importlib.util.find_spec(module) is not None


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return [n for n in COMMANDS if _available(n)]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS or not _available(name):
            return None
        module, attr = COMMANDS[name][0].split(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(n, COMMANDS[n][1]) for n in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> object:
        from nnexam.questions.errors import NnexamError

        try:
            return super().invoke(ctx)
        except NnexamError as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(1)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except (RecursionError, OverflowError, MemoryError, ValueError, TypeError, ArithmeticError, OSError) as err:
            # a bound nnexam missed: one line, exit 1, never a traceback (NNEXAM_DEBUG=1 shows it)
            if os.environ.get("NNEXAM_DEBUG"):
                raise
            click.echo(f"error: the input could not be used ({type(err).__name__}: {str(err)[:200]}); "
                       "if the input is valid, please report this", err=True)
            sys.exit(1)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="nnexam")
def cli() -> None:
    """Exact neural-network exam questions: generate, answer, grade, verify.

    Start with `nnexam list`, then `nnexam answer TYPE --set NAME=VALUE`.
    """


def main() -> None:
    from nnexam.gcpolicy import skip_exit_collection

    skip_exit_collection()
    cli(prog_name="nnexam")


if __name__ == "__main__":  # pragma: no cover
    main()
