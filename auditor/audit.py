"""Scheduled audits: every comparison in `audits:`, each marked against the previous run's report."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from auditor.config import Config
from auditor.errors import UsageError
from auditor.findings import AuditResult, AuditRun
from auditor.history import load_result, mark, previous_run
from auditor.names import sanitized
from auditor.pipeline import compare_many


@dataclass(frozen=True)
class AuditOutcome:
    """One scheduled run: its date, the runs of each configured audit, and the run it was compared with."""

    run_date: date
    runs: list[AuditRun]
    previous: date | None


def run_audits(config: Config, reports: Path, now: datetime) -> AuditOutcome:
    """Run every configured audit and mark findings against the latest earlier run under `reports`."""
    if not config.audits:
        raise UsageError("the config has no audits; add `audits: [{baseline: prod, targets: [dev]}]`")
    today = now.date()
    earlier = previous_run(reports, today)
    runs = []
    for spec in config.audits:
        run = compare_many(config, spec.baseline, spec.targets, now=now)
        marked = [_marked(result, earlier, today) for result in run.comparisons]
        runs.append(run.model_copy(update={"comparisons": marked}))
    return AuditOutcome(run_date=today, runs=runs, previous=earlier[0] if earlier else None)


def comparison_folder(result: AuditResult) -> str:
    """The folder of one comparison inside a run: `<baseline>-vs-<target>` (file-name safe)."""
    return f"{safe_name(result.baseline.name)}-vs-{safe_name(result.target.name)}"


def _marked(result: AuditResult, earlier: tuple[date, Path] | None, today: date) -> AuditResult:
    if earlier is None:
        return mark(result, None, None, today)
    previous = load_result(earlier[1] / comparison_folder(result) / "report.json")
    return mark(result, previous, earlier[0] if previous else None, today)


def safe_name(name: str) -> str:
    """A config name made safe for a file name: nothing but letters, digits, `_` and `-`."""
    return sanitized(name, "A-Za-z0-9_-") or "account"
