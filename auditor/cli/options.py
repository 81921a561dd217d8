"""Options several commands share."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from auditor.cli.console import setup_logging, state
from auditor.findings import Severity
from auditor.report import DEFAULT_FORMATS, FORMATS

SEVERITIES = [severity.value for severity in Severity]

config_option = click.option(
    "-c",
    "--config",
    "config_path",
    type=click.Path(path_type=Path),
    default=Path("config.yaml"),
    show_default=True,
    help="Configuration file.",
)


format_option = click.option(
    "-f",
    "--format",
    "formats",
    default=",".join(DEFAULT_FORMATS),
    show_default=True,
    help=f"Comma-separated report formats: {', '.join(FORMATS)}.",
)
fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default="high",
    show_default=True,
    help="Exit 1 if any unwaived finding is at or above this severity.",
)


F = TypeVar("F", bound=Callable[..., Any])


def _verbose(ctx: click.Context, _: click.Parameter, value: int) -> None:
    # Before or after the subcommand: the count given last wins, and a bare group -v still counts.
    if value:
        setup_logging(value)


def _quiet(ctx: click.Context, _: click.Parameter, value: bool) -> None:
    if value:
        state.quiet = True


def output_options(command: F) -> F:
    """-v/--verbose and -q/--quiet, accepted before the subcommand and after it."""
    command = click.option(
        "-q", "--quiet", is_flag=True, expose_value=False, callback=_quiet, help="Print nothing but errors."
    )(command)
    return click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=_verbose,
        help="Log progress (-v) or every AWS request (-vv); credentials masked.",
    )(command)


def format_list(text: str) -> list[str]:
    return [fmt.strip() for fmt in text.split(",") if fmt.strip()]
