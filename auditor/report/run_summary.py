"""A scheduled run's summary.md (a ticket body: short, new findings first) and its index pages."""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime

from auditor.findings import AuditResult, AuditRun, Finding, Severity, UnreadableAccount
from auditor.report.html import html_environment
from auditor.report.markdown import markdown_environment
from auditor.report.trend import TrendPoint, trend_chart
from auditor.report.view import finding_anchors

__all__ = ["TrendPoint", "render_index", "render_summary", "render_ticket"]

SUMMARY_LIMIT = 58 * 1024
"""Ticket systems cap bodies around 64 KB; the summary stays below with room for a title."""


@dataclass(frozen=True)
class Line:
    """One finding in the summary, with a link into its comparison's report."""

    finding: Finding
    comparison: str
    link: str | None
    """Into the report that was written (md, else html, else json); None when none of them was."""


@dataclass(frozen=True)
class Row:
    """One comparison's counts."""

    result: AuditResult
    folder: str
    new: int
    persisting: int
    links: list[tuple[str, str]]
    """(format, path) of each report written for the comparison, and of no other."""

    @property
    def counts(self) -> list[tuple[Severity, int]]:
        """Unwaived findings per severity."""
        return [(severity, self.result.summary.count(severity)) for severity in Severity]


# The reports a comparison folder may hold, in the order links to them are offered.
REPORT_FILES = (("md", "report.md"), ("html", "report.html"), ("json", "report.json"))


def render_summary(
    runs: list[AuditRun],
    started_at: datetime,
    previous: datetime | None,
    folder_of: Callable[[AuditResult], str],
    written: Collection[str] = ("report.md", "report.html", "report.json"),
) -> str:
    """summary.md: counts per comparison, new findings first with links, then resolved; under 58 KB.

    `written`: the report files each comparison folder holds; links point at those alone."""
    rows, new, resolved = _collect(runs, folder_of, written)
    unread = _unread(runs)
    template = markdown_environment().get_template("summary.md.j2")
    shown_new, shown_resolved = len(new), len(resolved)
    while True:
        text = template.render(
            rows=rows,
            started_at=started_at,
            previous=previous,
            new=new[:shown_new],
            resolved=resolved[:shown_resolved],
            more_new=len(new) - shown_new,
            more_resolved=len(resolved) - shown_resolved,
            unread=unread,
        )
        if len(text.encode("utf-8")) <= SUMMARY_LIMIT or (shown_new == 0 and shown_resolved == 0):
            return text
        # Resolved findings give way first, then the least severe new ones (the lists are sorted worst first).
        if shown_resolved:
            shown_resolved //= 2
        else:
            shown_new = shown_new * 3 // 4


def render_ticket(run: AuditRun, result: AuditResult, started_at: datetime, previous: datetime | None) -> str:
    """One comparison's part of summary.md, without links (a ticket cannot follow them into the run's folder)."""
    alone = run.model_copy(update={"comparisons": [result], "unreadable": []})
    return render_summary([alone], started_at, previous, lambda _: "", written=())


def render_index(
    runs: list[AuditRun],
    started_at: datetime,
    folder_of: Callable[[AuditResult], str],
    written: Collection[str] = ("report.md", "report.html", "report.json"),
    trend: list[TrendPoint] | None = None,
) -> dict[str, str]:
    """index.md and index.html: every comparison of the run with its counts and links to the reports written,
    and the trend over the runs in `trend` (oldest first, this one last)."""
    rows, _, _ = _collect(runs, folder_of, written)
    trend = trend or []
    facts = {
        "rows": rows,
        "started_at": started_at,
        "severities": list(Severity),
        "unread": _unread(runs),
        "trend": trend[::-1],
        "chart": trend_chart(trend) if len(trend) > 1 else None,
    }
    return {
        "index.md": markdown_environment().get_template("index.md.j2").render(**facts),
        "index.html": html_environment().get_template("index.html.j2").render(**facts),
    }


def _unread(runs: list[AuditRun]) -> list[UnreadableAccount]:
    return [account for run in runs for account in run.unreadable]


def _collect(
    runs: list[AuditRun], folder_of: Callable[[AuditResult], str], written: Collection[str]
) -> tuple[list[Row], list[Line], list[Line]]:
    rows, new, resolved = [], [], []
    files = [(label, name) for label, name in REPORT_FILES if name in written]
    # Findings link into the first report that has anchors for them: Markdown, else HTML; JSON has none.
    target = next((name for _, name in files if name != "report.json"), None)
    for run in runs:
        for result in run.comparisons:
            folder = folder_of(result)
            name = f"{result.baseline.name} vs {result.target.name}"
            anchors = finding_anchors(result)
            fresh = [f for f in result.findings if not f.waived and f.is_new]
            at = f"{folder}/{target}" if target else None
            new += [Line(f, name, f"{at}#{anchors[f.fingerprint]}" if at else None) for f in fresh]
            resolved += [Line(f, name, at) for f in result.resolved]
            counted = [f for f in result.findings if not f.waived]
            links = [(label, f"{folder}/{file}") for label, file in files]
            rows.append(Row(result, folder, len(fresh), len(counted) - len(fresh), links))
    # Worst comparisons first, so that an organization's table opens on the accounts to look at; ties keep the
    # config's order (or, for an organization, the members' names).
    rows.sort(key=lambda row: [-getattr(row.result.summary, s.value) for s in Severity] + [-row.new])
    new.sort(key=lambda line: line.finding.urgency)
    resolved.sort(key=lambda line: line.finding.urgency)
    return rows, new, resolved
