"""Run ids and run records: how a scheduled run is named, and the record that says whether it completed."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import UTC, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

RUN_RECORD = "run.json"
"""Written last into every run: a run without it was cut short and is never anyone's baseline."""

TICKET = "ticket.md"
"""In each comparison's folder: its part of summary.md, the body of the ticket kept for that comparison."""
LATEST = "latest"
"""Beside the runs: the id of the latest run written."""

_RUN_ID = re.compile(r"^(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})(?:T(?P<time>[0-9]{6})Z)?(?:-(?P<n>[1-9][0-9]{0,3}))?$")


def new_run_id(now: datetime, taken: Collection[str] = ()) -> str:
    """The id of a run started at `now`: its UTC time to the second, `-2`, `-3`... if that id is taken."""
    base = now.astimezone(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    run_id, n = base, 1
    while run_id in taken:
        n += 1
        run_id = f"{base}-{n}"
    return run_id


def run_order(run_id: str) -> tuple[datetime, int] | None:
    """When the run started, and its rank among runs of that second; None if `run_id` names no run.

    A bare date (`2026-11-20`) is a run written by a version that named runs by day: midnight of that day.
    """
    found = _RUN_ID.match(run_id)
    if found is None:
        return None
    try:
        day = datetime.strptime(found["day"], "%Y-%m-%d").replace(tzinfo=UTC)
        at = (
            datetime.strptime(found["day"] + found["time"], "%Y-%m-%d%H%M%S").replace(tzinfo=UTC)
            if found["time"]
            else day
        )
    except ValueError:
        return None  # 2026-13-45: named like a run, but no day is
    return at, int(found["n"] or 1)


def named_by_day(run_id: str) -> bool:
    """A run named by its day alone, by a version that kept no run records."""
    found = _RUN_ID.match(run_id)
    return found is not None and found["time"] is None


def runs_before(run_ids: Collection[str], run_id: str) -> list[str]:
    """The runs among `run_ids` that started before `run_id`, the latest first."""
    order = run_order(run_id)
    dated = [(key, other) for other in run_ids if (key := run_order(other)) is not None]
    return [other for key, other in sorted(dated, reverse=True) if order is None or key < order]


class ComparisonRecord(BaseModel):
    """One comparison of a run, counted: what trends and tickets need without reading its report."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    folder: str = Field(pattern=r"^[A-Za-z0-9_-]+$")
    """`<baseline>-vs-<target>`, file-name safe: a record read back cannot point outside its run."""
    baseline: str
    target: str
    findings: dict[str, int]
    """Unwaived findings per severity."""
    new: dict[str, int]
    """Unwaived findings per severity that the previous run did not have."""
    resolved: int
    reports: list[str]
    """The report files written into the comparison's folder."""


class RunRecord(BaseModel):
    """What a run wrote and whether it completed (every account read); the last file a run writes."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    format: Literal["iam-drift-auditor-run"] = "iam-drift-auditor-run"
    schema_version: int = 1
    run_id: str = Field(pattern=_RUN_ID.pattern)
    started_at: datetime
    complete: bool
    """False when an account could not be read: such a run never serves as the previous run."""
    previous_run_id: str | None = None
    comparisons: list[ComparisonRecord] = Field(default_factory=list)
    unreadable: list[str] = Field(default_factory=list)
    """The accounts that could not be read."""

    def comparison(self, folder: str) -> ComparisonRecord | None:
        """The comparison written to `folder`, if the run had it."""
        return next((c for c in self.comparisons if c.folder == folder), None)
