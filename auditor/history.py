"""What changed since the previous run of a scheduled audit: new, persisting (since when) and resolved."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import ReportError
from auditor.findings import AuditResult, Finding, FindingHistory

_DATED = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")


def previous_run(reports: Path, before: date) -> tuple[date, Path] | None:
    """The most recent dated run folder (`reports/YYYY-MM-DD/`) strictly before `before`, if any."""
    if not reports.is_dir():
        return None
    runs = sorted((day, path) for path in reports.iterdir() if (day := _run_date(path)) is not None and day < before)
    return runs[-1] if runs else None


def _run_date(path: Path) -> date | None:
    # Only folders named as a run names them; anything else there (2026-13-45, notes/) is not a run.
    if not _DATED.match(path.name) or not path.is_dir():
        return None
    try:
        return date.fromisoformat(path.name)
    except ValueError:
        return None


def load_result(path: Path) -> AuditResult | None:
    """A comparison's report.json from a previous run; None if that run had no such comparison."""
    if not path.is_file():
        return None
    try:
        return AuditResult.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError) as exc:
        raise ReportError(f"{path}: cannot read the previous run's report ({type(exc).__name__})") from None


def mark(result: AuditResult, previous: AuditResult | None, previous_date: date | None, today: date) -> AuditResult:
    """Mark each finding new or persisting (with its first-seen date) and list what was resolved.

    History follows grants, not findings: a finding that gained an action is `new` (naming the new
    actions) and keeps the first-seen date of what it already had.
    """
    seen_since: dict[str, date] = {}
    for finding in previous.findings if previous else []:
        first = finding.history.first_seen if finding.history else (previous_date or today)
        for unit in finding.units:
            seen_since[unit] = min(first, seen_since.get(unit, first))
    marked = [
        finding.model_copy(update={"history": _history(finding, seen_since, today)}) for finding in result.findings
    ]
    current = {unit for finding in result.findings for unit in finding.units}
    resolved = [f for f in (previous.findings if previous else []) if not current.intersection(f.units)]
    return result.model_copy(update={"findings": marked, "resolved": resolved, "previous_run": previous_date})


def _history(finding: Finding, seen_since: dict[str, date], today: date) -> FindingHistory:
    known = [seen_since[unit] for unit in finding.units if unit in seen_since]
    fresh = [i for i, unit in enumerate(finding.units) if unit not in seen_since]
    if not fresh:
        return FindingHistory(status="persisting", first_seen=min(known))
    grew = [finding.actions[i] for i in fresh] if known and len(finding.units) == len(finding.actions) else []
    return FindingHistory(status="new", first_seen=min(known, default=today), new_actions=grew)
