"""Scheduled audits: every comparison in `audits:`, each marked against the previous run, kept as one run."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from pathlib import Path

from auditor.config import Config
from auditor.errors import HistoryError, UsageError
from auditor.findings import AuditResult, AuditRun, Severity
from auditor.history import load_result, mark
from auditor.names import safe_name
from auditor.pipeline import RunOptions, compare_many, compare_organization, shard_key
from auditor.report import Deferred, RenderOptions, masked, render_pieces
from auditor.report.run_summary import TrendPoint, render_index, render_summary, render_ticket
from auditor.report.sarif import sarif_location
from auditor.shards import Shard
from auditor.store import (
    RUN_RECORD,
    TICKET,
    ComparisonRecord,
    HistoryStore,
    RunRecord,
    named_by_day,
    new_run_id,
    read_record,
    run_order,
    runs_before,
)
from auditor.store.local import LocalStore

TREND_RUNS = 12
"""Runs the index's chart shows: this one and the latest earlier ones that wrote a record."""


@dataclass(frozen=True)
class EarlierRun:
    """A run before this one: its id, when it started, and its record (None for a run named by day only)."""

    run_id: str
    started_at: datetime
    record: RunRecord | None


@dataclass(frozen=True)
class AuditOutcome:
    """One scheduled run: its id and start, the runs of each configured audit, and what it was compared with."""

    run_id: str
    started_at: datetime
    runs: list[AuditRun]
    previous: EarlierRun | None
    """The latest run any comparison was marked against; None on a first run."""
    earlier: list[EarlierRun]
    """The latest earlier runs that wrote a record, oldest first: the trend before this run."""

    @property
    def complete(self) -> bool:
        """Every account was read: a run that is not is marked so in its record, summary and index."""
        return not any(run.unreadable for run in self.runs)


def run_audits(
    config: Config, history: HistoryStore, now: datetime, progress: Callable[[str, int, int], None] | None = None
) -> AuditOutcome:
    """Run every configured audit, marking each comparison against the latest earlier run in `history`
    that compared the same pair."""
    return mark_audits(list(compare_audits(config, now, progress).values()), history, now)


def compare_audits(
    config: Config, now: datetime, progress: Callable[[str, int, int], None] | None = None, shard: Shard | None = None
) -> dict[int, AuditRun]:
    """Each configured audit's run by its index in `audits`, unmarked; with `shard`, only the targets that fall
    in it (an audit left with none is left out)."""
    if not config.audits:
        raise UsageError("the config has no audits; add `audits: [{baseline: prod, targets: [dev]}]`")
    runs = {}
    for index, spec in enumerate(config.audits):
        options = RunOptions(progress=progress, shard=shard)
        if spec.all_accounts:
            runs[index] = compare_organization(config, spec.baseline, now, options)
            continue
        targets = [t for t in spec.targets if shard is None or shard.holds(shard_key(config.account(t)))]
        if targets:
            runs[index] = compare_many(config, spec.baseline, targets, now=now, options=options)
    return runs


def mark_audits(runs: list[AuditRun], history: HistoryStore, now: datetime) -> AuditOutcome:
    """Mark each comparison against the latest earlier run in `history` that compared the same pair."""
    ids = history.run_ids()
    run_id = new_run_id(now, ids)
    earlier = _Earlier(history, ids, run_id)
    marked_runs, used = [], []
    for run in runs:
        marked = []
        for result in run.comparisons:
            against = _previous(history, earlier, comparison_folder(result))
            if against is None:
                marked.append(mark(result, None, None, now.date()))
            else:
                used.append(against[0])
                day = against[0].started_at.date()
                marked.append(mark(result, against[1], day, now.date(), against[0].run_id))
        marked_runs.append(run.model_copy(update={"comparisons": marked}))
    recorded = list(islice((run for run in earlier if run.record is not None), TREND_RUNS - 1))
    latest = max(used, key=lambda run: run.started_at, default=None)
    return AuditOutcome(run_id, now.astimezone(UTC), marked_runs, latest, recorded[::-1])


class _Earlier:
    """The runs before this one, latest first, each record read only when a caller gets that far."""

    def __init__(self, history: HistoryStore, ids: list[str], run_id: str) -> None:
        self._pending = iter(runs_before(ids, run_id))
        self._history = history
        self._seen: list[EarlierRun] = []

    def __iter__(self) -> Iterator[EarlierRun]:
        yield from self._seen
        for run_id in self._pending:
            record = read_record(self._history, run_id)
            # A run with a full id and no record was cut short (a crash, an interrupted upload): never a baseline.
            if record is None and not named_by_day(run_id):
                continue
            order = run_order(run_id)
            assert order is not None  # runs_before keeps run ids only
            self._seen.append(EarlierRun(run_id, order[0], record))
            yield self._seen[-1]


def _previous(history: HistoryStore, earlier: _Earlier, folder: str) -> tuple[EarlierRun, AuditResult] | None:
    # The latest earlier run that compared this pair: a run that could not read the target has no report for
    # it, and must not make every finding new again nor pass for one in which everything was resolved.
    for run in earlier:
        if run.record is not None and run.record.comparison(folder) is None:
            continue
        name = f"{folder}/report.json"
        text = history.read(run.run_id, name)
        if text is not None:
            return run, load_result(text, f"{history.location}/{run.run_id}/{name}")
    return None


def render_audit(
    outcome: AuditOutcome, config: Config, config_path: Path, formats: Sequence[str], threshold: Severity
) -> dict[str, str | Iterable[str]]:
    """Every file of the run (path inside the run folder -> text), masked and escaped, its record last. Each
    comparison's reports are rendered as they are written, so a run of an organization never holds them all."""
    files: dict[str, str | Iterable[str]] = {}
    for run in outcome.runs:
        location, lines = sarif_location(config_path, config, run.baseline.name)
        options = RenderOptions(config.report.markdown_limit_kb * 1024, threshold, location, lines)
        for result in run.comparisons:
            for name, report in render_pieces(result, formats, options).items():
                files[f"{comparison_folder(result)}/{name}"] = report
    written = {path.rsplit("/", 1)[-1] for path in files}
    previous = outcome.previous.started_at if outcome.previous else None
    for run in outcome.runs:
        for result in run.comparisons:
            files[f"{comparison_folder(result)}/{TICKET}"] = render_ticket(run, result, outcome.started_at, previous)
    record = _record(outcome, written)
    trend = [_point(run.run_id, run.started_at, run.record) for run in outcome.earlier if run.record]
    trend.append(_point(outcome.run_id, outcome.started_at, record))
    files |= render_index(outcome.runs, outcome.started_at, comparison_folder, written, trend)
    files["summary.md"] = render_summary(outcome.runs, outcome.started_at, previous, comparison_folder, written)
    files[RUN_RECORD] = record.model_dump_json(indent=2) + "\n"
    return masked(files)


def write_audit(
    outcome: AuditOutcome,
    files: Mapping[str, str | Iterable[str]],
    reports: Path,
    history: HistoryStore,
) -> list[str]:
    """Write the run to `reports/<run id>/` (swapped in whole) and keep it in `history` if that is elsewhere.

    A run cut short in the history has no record. The history gets the files as written in `reports`, read
    back one at a time rather than rendered again."""
    local = LocalStore(reports)
    places = [local.write_run(outcome.run_id, files)]
    if not (isinstance(history, LocalStore) and history.root.resolve() == reports.resolve()):
        written = {name: Deferred(partial(_written, local, outcome.run_id, name)) for name in files}
        places.append(history.write_run(outcome.run_id, written))
    return places


def _written(local: LocalStore, run_id: str, name: str) -> str:
    text = local.read(run_id, name)
    if text is None:  # written a moment ago: gone only if something else removed it
        raise HistoryError(f"{local.location}/{run_id}/{name}: gone before it could be kept in the history")
    return text


def _record(outcome: AuditOutcome, written: set[str]) -> RunRecord:
    comparisons = []
    for run in outcome.runs:
        for result in run.comparisons:
            counted = [f for f in result.findings if not f.waived]
            comparisons.append(
                ComparisonRecord(
                    folder=comparison_folder(result),
                    baseline=result.baseline.name,
                    target=result.target.name,
                    findings={s.value: sum(f.severity is s for f in counted) for s in Severity},
                    new={s.value: sum(f.severity is s and f.is_new for f in counted) for s in Severity},
                    resolved=len(result.resolved),
                    reports=sorted(written),
                )
            )
    return RunRecord(
        run_id=outcome.run_id,
        started_at=outcome.started_at,
        complete=outcome.complete,
        previous_run_id=outcome.previous.run_id if outcome.previous else None,
        comparisons=comparisons,
        unreadable=[account.name for run in outcome.runs for account in run.unreadable],
    )


def _point(run_id: str, started_at: datetime, record: RunRecord) -> TrendPoint:
    total = {s: sum(c.findings.get(s.value, 0) for c in record.comparisons) for s in Severity}
    new = sum(sum(c.new.values()) for c in record.comparisons)
    resolved = sum(c.resolved for c in record.comparisons)
    return TrendPoint(run_id, started_at, total, new, resolved, record.complete)


def comparison_folder(result: AuditResult) -> str:
    """The folder of one comparison inside a run: `<baseline>-vs-<target>` (file-name safe)."""
    return f"{safe_name(result.baseline.name)}-vs-{safe_name(result.target.name)}"
