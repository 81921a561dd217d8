"""What the command line shows: summaries with a table per comparison, progress, the API call table, and logging;
every string from an account passes through auditor.terminal and auditor.redact first."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from auditor.findings import AuditResult, AuditRun, Finding, Severity
from auditor.gc_pause import frozen
from auditor.redact import RedactingFilter, for_terminal

if TYPE_CHECKING:  # rich is imported where a table or a bar is drawn: a --quiet run draws none (0.02 s of start-up)
    from rich.console import Console
    from rich.table import Table

STALE_SHOWN = 10
SHOWN = 10
"""Findings listed per comparison on the console, or comparisons in an overview; the report has them all."""
DETAILED = 5
"""Comparisons shown one by one; beyond this (an organization), one table of the worst comparisons."""
COLOURS = {
    Severity.CRITICAL: "bold red",
    Severity.HIGH: "red",
    Severity.MEDIUM: "yellow",
    Severity.LOW: "blue",
    Severity.INFO: "dim",
}


class _State:
    quiet = False
    """--quiet: nothing but errors."""
    stdout_taken = False
    """A report goes to stdout (`-o -`): everything else goes to stderr, so stdout stays that report alone."""


state = _State()


def _console(err: bool = False) -> Console:
    from rich.console import Console

    # NO_COLOR (no-color.org) turns off every escape code, bold included; rich alone would keep the styles.
    plain = bool(os.environ.get("NO_COLOR"))
    return Console(
        stderr=err or state.stdout_taken,
        highlight=False,
        color_system=None if plain else "auto",
        no_color=plain,
        soft_wrap=True,
    )


def print_summary(run: AuditRun, paths: list[Path], threshold: Severity, see: str = "the report") -> None:
    """Per comparison: a line naming it, a table of counts (new and persisting when history is known), and the
    most urgent findings at or above `threshold`, new first, with how many more the report holds. Beyond
    DETAILED comparisons (an organization), one table of the worst ones instead."""
    for result in run.comparisons:
        for warning in result.warnings:
            say(f"warning: {result.baseline.name} vs {result.target.name}: {warning}", err=True)
    if state.quiet:
        return  # the rest is not an error
    if len(run.comparisons) > DETAILED:
        _print_overview(run, see)
    else:
        for result in run.comparisons:
            _print_comparison(result, threshold, see)
    if run.stale_waivers:
        entries = [str(w.entry) for w in run.stale_waivers]
        shown = ", ".join(entries[:STALE_SHOWN]) + (
            f" and {len(entries) - STALE_SHOWN} more" if len(entries) > STALE_SHOWN else ""
        )
        say(f"stale waivers (matched nothing): {shown}; see the report")
    for path in paths:
        say(f"report: {path}")


def _print_comparison(result: AuditResult, threshold: Severity, see: str) -> None:
    s = result.summary
    counts = ", ".join(f"{s.count(severity)} {severity.value}" for severity in Severity)
    waived = f", {s.waived} waived" if s.waived else ""
    say(
        f"{result.baseline.name} ({result.baseline.account_id}) vs {result.target.name} "
        f"({result.target.account_id}): {s.roles_compared} roles compared, "
        f"{len(result.findings) - s.waived} findings ({counts}){waived}"
    )
    _print(_table(result))
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
        _print(_line(finding))
    if len(listed) > SHOWN:
        say(f"  ...and {len(listed) - SHOWN} more at or above {threshold.value} (see {see})")


def _print_overview(run: AuditRun, see: str) -> None:
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    results = sorted(run.comparisons, key=lambda r: [-r.summary.count(s) for s in Severity])  # worst first
    found = sum(1 for r in results if any(r.summary.count(s) for s in Severity))
    say(f"{run.baseline.name} ({run.baseline.account_id}) vs {len(results)} accounts: {found} with findings")
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("account")
    for severity in Severity:
        table.add_column(severity.value, justify="right", style=COLOURS[severity])
    history = any(f.history for r in results for f in r.findings)
    if history:
        table.add_column("new", justify="right")
    for result in results[:SHOWN]:
        cells = [str(result.summary.count(severity)) for severity in Severity]
        new = [str(sum(1 for f in result.findings if not f.waived and f.is_new))] if history else []
        table.add_row(escape(for_terminal(result.target.name)), *cells, *new)
    _print(table)
    if len(results) > SHOWN:
        say(f"  ...and {len(results) - SHOWN} more accounts (see {see})")


def _table(result: AuditResult) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, show_edge=False)
    table.add_column("")
    for severity in Severity:
        table.add_column(severity.value, justify="right", style=COLOURS[severity])
    table.add_column("waived", justify="right")
    unwaived = [f for f in result.findings if not f.waived]
    rows = [("findings", unwaived)]
    if any(f.history for f in unwaived):
        rows += [("new", [f for f in unwaived if f.is_new]), ("persisting", [f for f in unwaived if not f.is_new])]
    for label, findings in rows:
        cells = [str(sum(f.severity is severity for f in findings)) for severity in Severity]
        waived = str(result.summary.waived) if label == "findings" else ""
        table.add_row(label, *cells, waived)
    return table


def _line(finding: Finding) -> str:
    from rich.markup import escape

    mark = " (new)" if finding.is_new else ""
    tag = escape(f"[{finding.severity.value}]")
    return f"  [{COLOURS[finding.severity]}]{tag}[/]{mark} {escape(for_terminal(finding.title))}"


def _print(renderable: Table | str) -> None:
    if not state.quiet:
        _console().print(renderable)


def say(text: str, err: bool = False) -> None:
    """Print one line of output: credentials masked, control characters shown as escapes (see auditor.terminal).
    With --quiet only errors (err=True) are printed; with a report on stdout, everything goes to stderr."""
    if state.quiet and not err:
        return
    click.echo(for_terminal(text), err=err or state.stdout_taken)


@contextmanager
def progress() -> Iterator[Callable[[str, int, int], None]]:
    """A progress bar on stderr for each step of a run, e.g. reading and comparing each account (terminal only)."""
    if state.quiet:
        yield lambda step, done, total: None
        return
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import Progress

    console = Console(stderr=True)
    # Redrawn at each step, not by a thread of its own: a run forks worker and helper processes, which it
    # may do only while no other thread runs (see auditor.forking).
    bar = Progress(console=console, transient=True, auto_refresh=False, disable=not console.is_terminal)
    task = bar.add_task("reading accounts", total=None)
    shown = False

    def advance(step: str, done: int, total: int) -> None:
        nonlocal shown
        if not shown:
            bar.start()
            shown = True
        bar.update(task, completed=done, total=total, description=escape(for_terminal(step)), refresh=True)

    try:
        yield advance
    finally:
        if shown:
            bar.stop()


@contextmanager
def rendering(text: str) -> Iterator[None]:
    """While reports are rendered: a line on stderr saying so (terminal only), and everything alive as the block
    begins out of the collector's sight (see auditor.gc_pause.frozen)."""
    with frozen():
        if state.quiet:
            yield
            return
        from rich.console import Console
        from rich.live import Live
        from rich.text import Text

        console = Console(stderr=True)
        if not console.is_terminal:
            yield
            return
        # Drawn once, not redrawn by a thread of its own (a spinner's): the reports are rendered in forked helper
        # processes, which may be forked only while no other thread runs (see auditor.forking).
        with Live(Text(f"{for_terminal(text)}...", style="dim"), console=console, auto_refresh=False, transient=True):
            yield


def print_stats(run: AuditRun) -> None:
    """The AWS API calls the run made, per operation."""
    if state.quiet:
        return
    from rich.markup import escape
    from rich.table import Table

    table = Table("AWS API operation", "calls", title="API calls")
    for operation, count in run.stats.api_calls.items():
        table.add_row(escape(for_terminal(operation)), str(count))
    table.add_row("total", str(sum(run.stats.api_calls.values())))
    _print(table)


def setup_logging(verbose: int) -> None:
    """Log to stderr through the redacting filter: warnings; -v progress; -vv every AWS request."""
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
