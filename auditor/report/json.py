"""report.json: the AuditRun, dumped by pydantic (never through a template); its JSON Schema is committed."""

from __future__ import annotations

from typing import Any

from auditor.findings import AuditRun
from auditor.findings.result import RESULT_SCHEMA_VERSION

SCHEMA_FILE = "report.schema.json"
"""Beside this module: the JSON Schema of report.json, generated from the models (a test keeps it in step)."""
SCHEMA_ID = f"urn:iam-drift-auditor:report:{RESULT_SCHEMA_VERSION}"


def render_json(run: AuditRun) -> str:
    """The JSON report: the run object in every case (one target, several, an account unread)."""
    return run.model_dump_json(indent=2) + "\n"


def report_schema() -> dict[str, Any]:
    """The JSON Schema report.json follows, as the models define it."""
    schema = AuditRun.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
