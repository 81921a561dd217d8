"""What changed since the previous run of a scheduled audit: new, persisting (since when) and resolved."""

from __future__ import annotations

from datetime import date
from types import UnionType
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from auditor.errors import ReportError
from auditor.findings import AuditResult, Finding, FindingHistory
from auditor.findings.result import RESULT_SCHEMA_VERSION
from auditor.model.base import describe_validation_error
from auditor.model.documents import loads_strict


def load_result(text: str, where: str) -> AuditResult:
    """A comparison's report.json from a previous run (`where` names it in messages).

    Read tolerantly: fields this version does not know (written by a later one) are ignored; schema_version 1
    (the comparison object alone) and 2 (the run object, one comparison) are read; any other version is refused
    in one line that names it and the versions this one reads.
    """
    try:
        data = loads_strict(text)
        version = data.get("schema_version") if isinstance(data, dict) else None
        if version == RESULT_SCHEMA_VERSION and isinstance(data, dict):
            comparisons = data.get("comparisons")
            if not isinstance(comparisons, list) or len(comparisons) != 1:
                raise ValueError("expected one comparison")
            data = comparisons[0]
        elif version != 1 or not isinstance(data, dict) or "comparisons" in data:
            raise ReportError(
                f"{where}: the previous run's report has schema_version {version!r}; this version of "
                f"iam-drift-auditor reads schema_version 1 and {RESULT_SCHEMA_VERSION} (run the audit with the "
                "version that wrote it, or start the history afresh)"
            )
        return AuditResult.model_validate(known_fields(data, AuditResult))
    except (ValueError, ValidationError) as exc:
        raise ReportError(f"{where}: cannot read the previous run's report ({_reason(exc)})") from None


def _reason(exc: Exception) -> str:
    return describe_validation_error(exc) if isinstance(exc, ValidationError) else str(exc).splitlines()[0]


def known_fields(data: Any, annotation: Any) -> Any:
    """`data` without the keys the model behind `annotation` does not declare, at every depth."""
    origin = get_origin(annotation)
    if origin in (Union, UnionType):
        models = [arg for arg in get_args(annotation) if isinstance(arg, type) and issubclass(arg, BaseModel)]
        return known_fields(data, models[0]) if len(models) == 1 else data
    if origin is list and isinstance(data, list):
        (item,) = get_args(annotation) or (Any,)
        return [known_fields(value, item) for value in data]
    if origin is dict and isinstance(data, dict):
        _, item = get_args(annotation) or (Any, Any)
        return {key: known_fields(value, item) for key, value in data.items()}
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) and isinstance(data, dict):
        fields = annotation.model_fields
        return {key: known_fields(value, fields[key].annotation) for key, value in data.items() if key in fields}
    return data


def mark(
    result: AuditResult,
    previous: AuditResult | None,
    previous_date: date | None,
    today: date,
    previous_id: str | None = None,
) -> AuditResult:
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
    update = {"findings": marked, "resolved": resolved, "previous_run": previous_date, "previous_run_id": previous_id}
    return result.model_copy(update=update)


def _history(finding: Finding, seen_since: dict[str, date], today: date) -> FindingHistory:
    known = [seen_since[unit] for unit in finding.units if unit in seen_since]
    fresh = [i for i, unit in enumerate(finding.units) if unit not in seen_since]
    if not fresh:
        return FindingHistory(status="persisting", first_seen=min(known))
    grew = [finding.actions[i] for i in fresh] if known and len(finding.units) == len(finding.actions) else []
    return FindingHistory(status="new", first_seen=min(known, default=today), new_actions=grew)
