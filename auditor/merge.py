"""Shard runs made one: the report.json of N `--shard K/N` runs merged into the run one unsharded run makes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from auditor.errors import ReportError, UsageError
from auditor.findings import AuditRun, Stats
from auditor.model.base import describe_validation_error


def read_run(path: str | os.PathLike[str]) -> AuditRun:
    """A report.json (or the folder holding one) written by this version; ReportError names the file."""
    path = Path(path)
    if path.is_dir():
        path = path / "report.json"
    try:
        return AuditRun.model_validate_json(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ReportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except ValidationError as exc:
        raise ReportError(f"{path}: not a report.json of this version: {describe_validation_error(exc)}") from None


def merge_runs(runs: Sequence[AuditRun]) -> AuditRun:
    """One run from shard runs of the same baseline: comparisons and unreadable accounts by target name, API
    calls summed, and a waiver stale only if no shard used it."""
    if not runs:
        raise UsageError("name at least one shard run to merge")
    first = runs[0]
    for run in runs[1:]:
        if (run.baseline.name, run.baseline.account_id) != (first.baseline.name, first.baseline.account_id):
            raise UsageError(
                f"shard runs of different baselines: {first.baseline.name} ({first.baseline.account_id}) and "
                f"{run.baseline.name} ({run.baseline.account_id})"
            )
    comparisons = sorted((c for run in runs for c in run.comparisons), key=lambda c: c.target.name)
    targets = [c.target.name for c in comparisons]
    if len(set(targets)) != len(targets):
        repeated = sorted({t for t in targets if targets.count(t) > 1})
        raise UsageError(f"{repeated[0]!r} is in more than one shard run; merge each shard once")
    calls: dict[str, int] = {}
    for run in runs:
        for operation, count in run.stats.api_calls.items():
            calls[operation] = calls.get(operation, 0) + count
    stats = Stats(api_calls=dict(sorted(calls.items())))
    stale = [w for w in first.stale_waivers if all(w in run.stale_waivers for run in runs[1:])]
    return AuditRun(
        baseline=first.baseline,
        generated_at=min(run.generated_at for run in runs),
        comparisons=[c.model_copy(update={"stale_waivers": stale, "stats": stats}) for c in comparisons],
        unreadable=sorted((u for run in runs for u in run.unreadable), key=lambda u: u.name),
        stale_waivers=stale,
        stats=stats,
    )
