"""Shard runs made one: the report.json of N `compare --shard K/N` runs, or the parts of N `audit --shard K/N`
runs, merged into the run one unsharded run makes."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import Field, ValidationError

from auditor.config import AuditSpec, Config
from auditor.errors import ReportError, SourceError, UsageError
from auditor.findings import AuditRun, Stats
from auditor.model.base import Frozen, describe_validation_error
from auditor.shards import Shard
from auditor.store import HistoryStore

PartFormat = Literal["iam-drift-auditor-shard-part"]


class AuditPart(Frozen):
    """One configured audit's run in one shard: `audit` is its index in the config's `audits`."""

    audit: int = Field(ge=0)
    run: AuditRun


class ShardPart(Frozen):
    """What `audit --shard K/N` leaves for `audit --merge N`: its runs, unmarked (marking needs every shard)."""

    format: PartFormat = "iam-drift-auditor-shard-part"
    shard: int = Field(ge=1)
    shards: int = Field(ge=1)
    started_at: datetime
    audits: list[AuditSpec]
    """The config's audits when the shard ran: shards of different configs do not merge."""
    parts: list[AuditPart]


def part_name(shard: Shard) -> str:
    """The file a shard's part is kept in: `shard-K-of-N.json`."""
    return f"shard-{shard.index}-of-{shard.count}.json"


def read_parts(store: HistoryStore, shards: int) -> list[ShardPart]:
    """The parts of shards 1..N at `store`; SourceError names each missing one (its accounts were not read)."""
    names = {k: part_name(Shard(k, shards)) for k in range(1, shards + 1)}
    texts = {k: store.get(name) for k, name in names.items()}
    missing = [names[k] for k, text in texts.items() if text is None]
    if missing:
        raise SourceError(
            f"{store.location}: no {', '.join(missing)}: that shard's run failed or has not finished, so its "
            "accounts were not read; nothing was merged",
            "rerun the missing shard with `auditor audit --shard K/N`, then merge again",
        )
    parts = []
    for k, text in texts.items():
        assert text is not None
        where = f"{store.location}/{names[k]}"
        try:
            part = ShardPart.model_validate_json(text)
        except ValidationError as exc:
            raise ReportError(f"{where}: not a shard part of this version: {describe_validation_error(exc)}") from None
        if (part.shard, part.shards) != (k, shards):
            raise ReportError(f"{where}: holds shard {part.shard}/{part.shards}, not {k}/{shards}")
        parts.append(part)
    return parts


def merge_parts(config: Config, parts: Sequence[ShardPart]) -> tuple[datetime, list[AuditRun]]:
    """The start and the runs of one unsharded audit from the parts of its N shards, in the config's order."""
    for part in parts:
        if part.audits != config.audits:
            raise UsageError(
                f"shard {part.shard}/{part.shards} ran with other `audits` than this config's: merge with the "
                "config the shards ran with"
            )
    runs = []
    for index, spec in enumerate(config.audits):
        found = [p.run for part in parts for p in part.parts if p.audit == index]
        if found:
            runs.append(merge_runs(found, order=spec.targets))
    return min(part.started_at for part in parts), runs


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


def merge_runs(runs: Sequence[AuditRun], order: Sequence[str] = ()) -> AuditRun:
    """One run from shard runs of the same baseline: comparisons and unreadable accounts in `order` (target
    names), else by name; API calls summed, and a waiver stale only if no shard used it."""
    if not runs:
        raise UsageError("name at least one shard run to merge")
    first = runs[0]
    for run in runs[1:]:
        if (run.baseline.name, run.baseline.account_id) != (first.baseline.name, first.baseline.account_id):
            raise UsageError(
                f"shard runs of different baselines: {first.baseline.name} ({first.baseline.account_id}) and "
                f"{run.baseline.name} ({run.baseline.account_id})"
            )
    place = {name: index for index, name in enumerate(order)}
    comparisons = sorted(
        (c for run in runs for c in run.comparisons), key=lambda c: (place.get(c.target.name, 0), c.target.name)
    )
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
        unreadable=sorted((u for run in runs for u in run.unreadable), key=lambda u: (place.get(u.name, 0), u.name)),
        stale_waivers=stale,
        stats=stats,
    )
