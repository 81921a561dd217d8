"""What changed since the previous run of a scheduled audit: new, persisting (since when) and resolved."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import ReportError
from auditor.findings import AuditResult, FindingHistory

_DATED = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def previous_run(reports: Path, before: date) -> tuple[date, Path] | None:
    """The most recent dated run folder (`reports/YYYY-MM-DD/`) strictly before `before`, if any."""
    if not reports.is_dir():
        return None
    runs = sorted(
        (date.fromisoformat(path.name), path)
        for path in reports.iterdir()
        if path.is_dir() and _DATED.match(path.name) and date.fromisoformat(path.name) < before
    )
    return runs[-1] if runs else None


def load_result(path: Path) -> AuditResult | None:
    """A comparison's report.json from a previous run; None if that run had no such comparison."""
    if not path.is_file():
        return None
    try:
        return AuditResult.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, ValidationError) as exc:
        raise ReportError(f"{path}: cannot read the previous run's report ({type(exc).__name__})") from None


def mark(result: AuditResult, previous: AuditResult | None, previous_date: date | None, today: date) -> AuditResult:
    """Mark each finding new or persisting (with its first-seen date) and list what was resolved."""
    before = {finding.fingerprint: finding for finding in previous.findings} if previous else {}
    marked = []
    for finding in result.findings:
        old = before.get(finding.fingerprint)
        if old is None:
            history = FindingHistory(status="new", first_seen=today)
        else:
            first = old.history.first_seen if old.history else (previous_date or today)
            history = FindingHistory(status="persisting", first_seen=first)
        marked.append(finding.model_copy(update={"history": history}))
    seen = {finding.fingerprint for finding in result.findings}
    resolved = [finding for fingerprint, finding in before.items() if fingerprint not in seen]
    return result.model_copy(update={"findings": marked, "resolved": resolved, "previous_run": previous_date})
