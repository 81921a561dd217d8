"""Options several commands share."""

from __future__ import annotations

from pathlib import Path

import click

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
