"""report.json: the AuditResult itself, dumped by pydantic (never through a template)."""

from __future__ import annotations

from auditor.findings import AuditResult


def render_json(result: AuditResult) -> str:
    """The JSON report (schema_version 1)."""
    return result.model_dump_json(indent=2) + "\n"
