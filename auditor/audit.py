"""Scheduled audits: every comparison in `audits:`, each marked against the previous run, written as one run folder."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from auditor.config import Config
from auditor.errors import UsageError
from auditor.findings import AuditResult, AuditRun, Severity
from auditor.history import earlier_runs, load_result, mark
from auditor.names import sanitized
from auditor.pipeline import compare_many
from auditor.report import RenderOptions, render, write_files, write_run
from auditor.report.run_summary import render_index, render_summary


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
    earlier = earlier_runs(reports, today)
    runs = []
    for spec in config.audits:
        run = compare_many(config, spec.baseline, spec.targets, now=now)
        marked = [_marked(result, earlier, today) for result in run.comparisons]
        runs.append(run.model_copy(update={"comparisons": marked}))
    return AuditOutcome(run_date=today, runs=runs, previous=earlier[0][0] if earlier else None)


def write_audit(
    outcome: AuditOutcome,
    config: Config,
    config_path: Path,
    reports: Path,
    formats: Sequence[str],
    threshold: Severity,
) -> tuple[Path, list[Path]]:
    """Render every comparison of the run, its index and summary, write them as one run folder under `reports`
    (atomically: a failed run leaves the previous folder as it was), and point `reports/latest` at it."""
    files: dict[str, str] = {}
    for run in outcome.runs:
        location = sarif_location(config_path, config, run.baseline.name)
        options = RenderOptions(config.report.markdown_limit_kb * 1024, threshold, location)
        for result in run.comparisons:
            for name, text in render(result, formats, options).items():
                files[f"{comparison_folder(result)}/{name}"] = text
    reports_written = {path.rsplit("/", 1)[-1] for path in files}
    files |= render_index(outcome.runs, outcome.run_date, comparison_folder, reports_written)
    files["summary.md"] = render_summary(
        outcome.runs, outcome.run_date, outcome.previous, comparison_folder, reports_written
    )
    folder = reports / outcome.run_date.isoformat()
    written = write_run(folder, files)
    write_files({reports / "latest": outcome.run_date.isoformat() + "\n"})
    return folder, written


def sarif_location(config_path: Path, config: Config, baseline: str) -> str:
    """The file SARIF results point at: the one that defines the baseline (its snapshot, or the config)."""
    snapshot = config.accounts[baseline].snapshot if baseline in config.accounts else None
    path = snapshot or config_path
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def comparison_folder(result: AuditResult) -> str:
    """The folder of one comparison inside a run: `<baseline>-vs-<target>` (file-name safe)."""
    return f"{safe_name(result.baseline.name)}-vs-{safe_name(result.target.name)}"


def _marked(result: AuditResult, earlier: list[tuple[date, Path]], today: date) -> AuditResult:
    # Against the latest earlier run that compared this pair: a run in which the target could not be read
    # has no report for it, and must not make every finding new again (or hide what was resolved).
    for day, folder in earlier:
        previous = load_result(folder / comparison_folder(result) / "report.json")
        if previous is not None:
            return mark(result, previous, day, today)
    return mark(result, None, None, today)


def safe_name(name: str) -> str:
    """A config name made safe for a file name: nothing but letters, digits, `_` and `-`."""
    return sanitized(name, "A-Za-z0-9_-") or "account"
