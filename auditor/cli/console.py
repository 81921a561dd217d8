"""What the command line shows: one-line summaries, progress, the API call table, and logging; every line
passes through auditor.terminal and auditor.redact first."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from rich.console import Console
from rich.markup import escape
from rich.progress import Progress
from rich.table import Table

from auditor.findings import AuditResult, AuditRun, Severity
from auditor.redact import RedactingFilter, for_terminal

STALE_SHOWN = 10
SHOWN = 10
"""Findings listed per comparison on the console; the report has them all."""


def print_summary(run: AuditRun, paths: list[Path], threshold: Severity) -> None:
    for result in run.comparisons:
        s = result.summary
        counts = ", ".join(f"{s.count(severity)} {severity.value}" for severity in Severity)
        waived = f", {s.waived} waived" if s.waived else ""
        say(
            f"{result.baseline.name} ({result.baseline.account_id}) vs {result.target.name} "
            f"({result.target.account_id}): {s.roles_compared} roles compared, "
            f"{len(result.findings) - s.waived} findings ({counts}){waived}"
        )
        listed = result.at_or_above(threshold)
        if any(finding.history for finding in result.findings):
            # A scheduled run: what changed since the previous one first, new findings at the top.
            new = [f for f in result.findings if not f.waived and f.is_new]
            since = f" since run {_previous(result)}" if result.previous_run else " (first run)"
            say(
                f"  {len(new)} new, {len(result.findings) - s.waived - len(new)} persisting, "
                f"{len(result.resolved)} resolved{since}"
            )
            listed = sorted(listed, key=lambda f: not f.is_new)
        for finding in listed[:SHOWN]:
            mark = " (new)" if finding.is_new else ""
            say(f"  [{finding.severity.value}]{mark} {finding.title}")
        if len(listed) > SHOWN:
            say(f"  ...and {len(listed) - SHOWN} more at or above {threshold.value}: see the report")
    if run.stale_waivers:
        entries = [str(w.entry) for w in run.stale_waivers]
        shown = ", ".join(entries[:STALE_SHOWN]) + (
            f" and {len(entries) - STALE_SHOWN} more" if len(entries) > STALE_SHOWN else ""
        )
        say(f"stale waivers (matched nothing): {shown}; see the report")
    for path in paths:
        say(f"report: {path}")


def say(text: str, err: bool = False) -> None:
    """Print one line of output: credentials masked, control characters shown as escapes (see auditor.terminal)."""
    click.echo(for_terminal(text), err=err)


@contextmanager
def progress() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on stderr while target accounts are read (shown only on a terminal)."""
    console = Console(stderr=True)
    with Progress(console=console, transient=True, disable=not console.is_terminal) as bar:
        task = bar.add_task("reading accounts", total=None)

        def advance(name: str, done: int, total: int) -> None:
            bar.update(task, completed=done, total=total, description=escape(f"read {for_terminal(name)}"))

        yield advance


def print_stats(run: AuditRun) -> None:
    table = Table("AWS API operation", "calls", title="API calls")
    for operation, count in run.stats.api_calls.items():
        table.add_row(escape(for_terminal(operation)), str(count))
    table.add_row("total", str(sum(run.stats.api_calls.values())))
    Console().print(table)


def setup_logging(verbose: int) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())  # on the handler: every record written passes through it
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("auditor").setLevel(logging.INFO if verbose >= 1 else logging.NOTSET)
    if verbose >= 2:
        root.setLevel(logging.DEBUG)


def _previous(result: AuditResult) -> str:
    # The run id tells two runs of one day apart; a result marked by an older version has only the day.
    return result.previous_run_id or (result.previous_run.isoformat() if result.previous_run else "")
