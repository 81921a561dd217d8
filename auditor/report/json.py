"""report.json: the AuditResult itself, dumped by pydantic (never through a template)."""

from __future__ import annotations

from auditor.findings import AuditRun


def render_json(run: AuditRun) -> str:
    """The JSON report (schema_version 1): the comparison itself, or the run (several targets, or an account unread)."""
    document = run.comparisons[0] if len(run.comparisons) == 1 and not run.unreadable else run
    return document.model_dump_json(indent=2) + "\n"
