"""report.json: the AuditRun, dumped by pydantic (never through a template); its JSON Schema is committed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from auditor.findings import AuditRun
from auditor.findings.result import RESULT_SCHEMA_VERSION

SCHEMA_FILE = "report.schema.json"
"""Beside this module: the JSON Schema of report.json, generated from the models (a test keeps it in step)."""
SCHEMA_ID = f"urn:iam-drift-auditor:report:{RESULT_SCHEMA_VERSION}"


def render_json(run: AuditRun) -> str:
    """The JSON report: the run object in every case (one target, several, an account unread)."""
    return run.model_dump_json(indent=2) + "\n"


_COMPARISONS = '"comparisons": []'


def json_pieces(run: AuditRun) -> Iterator[str]:
    """`render_json(run)` in pieces, one comparison at a time: an organization's report is written without the
    whole text (and pydantic's buffer for it) in memory at once."""
    # The other fields as pydantic writes them, around an empty list. The marker cannot come from a string
    # value: inside one, its quotes would read \".
    head, tail = run.model_copy(update={"comparisons": []}).model_dump_json(indent=2).split(_COMPARISONS, 1)
    if not run.comparisons:
        yield f"{head}{_COMPARISONS}{tail}\n"
        return
    yield f'{head}"comparisons": ['
    for index, comparison in enumerate(run.comparisons):
        text = comparison.model_dump_json(indent=2).replace("\n", "\n    ")  # JSON strings hold no raw line break
        yield f"{',' if index else ''}\n    {text}"
    yield f"\n  ]{tail}\n"


def report_schema() -> dict[str, Any]:
    """The JSON Schema report.json follows, as the models define it."""
    schema = AuditRun.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}
