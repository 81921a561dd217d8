"""Turn a kept run into tickets: one per comparison, opened, commented on and closed as drift comes and goes."""

from __future__ import annotations

from dataclasses import dataclass

from auditor.errors import TicketError
from auditor.findings import Severity
from auditor.store import TICKET, ComparisonRecord, HistoryStore, RunRecord, read_record, run_order


def load_run(store: HistoryStore, run_id: str | None = None) -> tuple[RunRecord, dict[str, str]]:
    """A kept run's record (the latest run by default) and each comparison's ticket text."""
    if run_id is None:
        run_id = store.latest()
        if run_id is None:
            raise TicketError(f"{store.location}: no run yet (no `latest`); run `auditor audit` first")
    if run_order(run_id) is None:
        raise TicketError(f"{store.location}: {run_id!r} is not a run id (like 2026-11-30T060000Z)")
    record = read_record(store, run_id)
    if record is None:
        raise TicketError(f"{store.location}/{run_id}: no run.json; the run was cut short or is not a run")
    texts = {}
    for comparison in record.comparisons:
        text = store.read(run_id, f"{comparison.folder}/{TICKET}")
        if text is None:
            raise TicketError(f"{store.location}/{run_id}/{comparison.folder}/{TICKET}: missing")
        texts[comparison.folder] = text
    return record, texts


def marker(folder: str) -> str:
    """The hidden line that ties a ticket to one comparison (`prod-vs-dev`), so no second ticket is opened."""
    return f"<!-- iam-drift-auditor:{folder} -->"


def run_marker(run_id: str) -> str:
    """The hidden line that says which run wrote a ticket or comment, so a rerun of the step posts nothing twice."""
    return f"<!-- iam-drift-auditor-run:{run_id} -->"


@dataclass(frozen=True)
class Decision:
    """What a run means for one comparison's ticket."""

    comparison: ComparisonRecord
    new: int
    """Unwaived findings at or above the threshold that the previous run did not have."""
    remaining: int
    """Unwaived findings at or above the threshold, new or not."""

    @property
    def action(self) -> str:
        """`report` (open a ticket, or comment on the open one), `close` (if one is open) or `none`."""
        if self.new:
            return "report"
        return "close" if not self.remaining else "none"


def decisions(record: RunRecord, threshold: str) -> list[Decision]:
    """One decision per comparison the run made (a target it could not read has none, and its ticket stays)."""
    levels = [s.value for s in Severity if s.at_least(Severity(threshold))]
    return [
        Decision(c, sum(c.new.get(s, 0) for s in levels), sum(c.findings.get(s, 0) for s in levels))
        for c in record.comparisons
    ]


def ticket_title(decision: Decision, threshold: str) -> str:
    """The title of a new ticket: which account drifted from which, and how much."""
    c = decision.comparison
    return f"IAM drift: {c.target} differs from {c.baseline} ({decision.new} new at {threshold} or above)"


def ticket_body(decision: Decision, run: RunRecord, text: str, reports_url: str | None) -> str:
    """The comparison's summary under its markers, with where the full reports are."""
    where = f"**Reports:** run `{run.run_id}`" + (f", {reports_url}" if reports_url else "")
    return f"{marker(decision.comparison.folder)}\n{run_marker(run.run_id)}\n{where}\n\n{text}"


def closing_comment(decision: Decision, run: RunRecord, threshold: str, reports_url: str | None) -> str:
    """Why the ticket is closed: the run in which nothing at or above the threshold remained."""
    where = f" ({reports_url})" if reports_url else ""
    return (
        f"{run_marker(run.run_id)}\nResolved: run `{run.run_id}`{where} finds no drift at {threshold} or above "
        f"between {decision.comparison.baseline} and {decision.comparison.target}."
    )
