"""What both human-readable formats show, arranged for templates: groups, anchors, counts."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from auditor.findings import AuditResult, AuditRun, Finding, RolePairing, Severity
from auditor.findings.model import KIND_PRIORITY, FindingKind, GrantGroup, ServiceGroup
from auditor.match import RULE_ENV, RULE_EXACT, RULE_SERVICE
from auditor.model.documents import action_count, indented
from auditor.names import sanitized
from auditor.report.policy_diff import DiffLine, marked_difference

GRANT_ACTIONS_SHOWN = 8
TOTAL_SERVICES_SHOWN = 6
SERVICE_ROWS_SHOWN = 25

ICONS = {
    Severity.CRITICAL: "🟥",
    Severity.HIGH: "🟧",
    Severity.MEDIUM: "🟨",
    Severity.LOW: "🟦",
    Severity.INFO: "⬜",
}


@dataclass(frozen=True)
class GrantRow:
    """One provenance row: which account, policy and statement grant which actions."""

    account: str
    policy: str
    policy_type: str
    statement: str
    effect: str
    resource: str
    conditions: list[str]
    actions: str


@dataclass(frozen=True)
class FindingView:
    """A finding with its anchor and the strings templates print verbatim."""

    finding: Finding
    number: int
    anchor: str
    expected_json: str | None
    actual_json: str | None
    action_total: str
    grants: list[GrantRow]
    patterns: list[str]
    """The patterns as written, when they say more than the actions (wildcards, NotAction)."""
    services: list[ServiceGroup]
    """The services with the most actions concerned, at most SERVICE_ROWS_SHOWN."""
    services_more: int
    diff: list[DiffLine]
    """Expected against actual, both canonical, line by line; empty unless the finding has both documents."""
    open: bool = False
    """Shown expanded: the first few findings of a report; the rest are folded."""


@dataclass(frozen=True)
class SeverityGroup:
    """Findings of one severity, in report order."""

    severity: Severity
    icon: str
    items: list[FindingView] = field(default_factory=list)

    @property
    def roles(self) -> list[tuple[str, list[FindingView]]]:
        """The group's findings by role, roles in the order their first finding appears."""
        by_role: dict[str, list[FindingView]] = {}
        for item in self.items:
            by_role.setdefault(item.finding.role, []).append(item)
        return list(by_role.items())

    @property
    def anchor(self) -> str:
        """The section's anchor, for the navigation."""
        return f"{self.prefix}severity-{self.severity.value}"

    prefix: str = ""


@dataclass(frozen=True)
class ReportView:
    """The whole report, ready for a template."""

    result: AuditResult
    groups: list[SeverityGroup]
    items: list[FindingView]
    counts: list[tuple[Severity, str, int]]
    headline: FindingView | None
    """The first unwaived finding: the first row of the table."""
    waived: list[FindingView]
    prefix: str = ""
    """Before every anchor of this comparison (the target's name, when a report has several)."""

    @property
    def roles(self) -> list[tuple[str, str, int]]:
        """Each role with findings, its anchor and how many: the navigation's role list."""
        counted: dict[str, int] = {}
        for item in self.items:
            counted[item.finding.role] = counted.get(item.finding.role, 0) + 1
        return [(role, self.role_anchor(role), count) for role, count in sorted(counted.items())]

    @property
    def pair_counts(self) -> list[tuple[str, int]]:
        """How many role pairs each rule made (and how many roles stayed unpaired), most first."""
        counted = Counter(pair.rule or "unpaired" for pair in self.result.pairs)
        return sorted(counted.items(), key=lambda kv: (-kv[1], kv[0]))

    @property
    def pairs_shown(self) -> list[RolePairing]:
        """Every pair of a small comparison; of a large one, those not paired by their name (the surprises)."""
        if len(self.result.pairs) <= PAIRS_SHOWN:
            return list(self.result.pairs)
        return [pair for pair in self.result.pairs if pair.rule not in PLAIN_RULES]

    def role_anchor(self, role: str) -> str:
        """The anchor of a role's first finding group."""
        return f"{self.prefix}role-{slug(role)}"


@dataclass(frozen=True)
class SummaryRow:
    """One comparison's line in a run's summary table: its result and its counts, without its view."""

    result: AuditResult
    counts: list[tuple[Severity, str, int]]


class Views(Sequence[ReportView]):
    """Each comparison's view, built when a template reaches it: a report of hundreds of targets holds one
    comparison's view at a time (the last one, which a single comparison's compact Markdown reuses)."""

    def __init__(self, run: AuditRun) -> None:
        self._results = run.comparisons
        self._several = len(run.comparisons) > 1
        self._last: tuple[int, ReportView] | None = None

    def __len__(self) -> int:
        return len(self._results)

    @overload
    def __getitem__(self, index: int) -> ReportView: ...

    @overload
    def __getitem__(self, index: slice) -> list[ReportView]: ...

    def __getitem__(self, index: int | slice) -> ReportView | list[ReportView]:
        if isinstance(index, slice):
            return [self._view(at) for at in range(len(self._results))[index]]
        return self._view(range(len(self._results))[index])  # a negative index counts from the end

    def __iter__(self) -> Iterator[ReportView]:
        return (self._view(at) for at in range(len(self._results)))

    def _view(self, at: int) -> ReportView:
        if self._last is None or self._last[0] != at:
            result = self._results[at]
            self._last = (at, build_view(result, f"{result.target.name}-" if self._several else ""))
        return self._last[1]


@dataclass(frozen=True)
class RunView:
    """One or more comparisons with the same baseline, each a ReportView (built as it is reached)."""

    run: AuditRun
    views: Sequence[ReportView]

    @property
    def single(self) -> bool:
        """True when the run compares one target: the report is that comparison alone."""
        return len(self.run.comparisons) == 1 and not self.run.unreadable

    @property
    def targets(self) -> list[str]:
        """Every target of the run, compared or not."""
        return [result.target.name for result in self.run.comparisons] + [u.name for u in self.run.unreadable]

    @property
    def rows(self) -> list[SummaryRow]:
        """The summary table: a row per comparison."""
        return [SummaryRow(result, counts(result)) for result in self.run.comparisons]

    @property
    def severities(self) -> list[Severity]:
        """Severities present in the run, worst first (the filter's choices)."""
        present = {finding.severity for result in self.run.comparisons for finding in result.findings}
        return [severity for severity in Severity if severity in present]

    @property
    def kinds(self) -> list[FindingKind]:
        """Finding kinds present in the run, most urgent first (the filter's choices)."""
        present = {finding.kind for result in self.run.comparisons for finding in result.findings}
        return [kind for kind in KIND_PRIORITY if kind in present]


def build_run_view(run: AuditRun) -> RunView:
    """Arrange a run for the templates; anchors carry the target's name when there are several targets."""
    return RunView(run=run, views=Views(run))


def counts(result: AuditResult) -> list[tuple[Severity, str, int]]:
    """Findings per severity, with the severity's icon, worst first."""
    return [(severity, ICONS[severity], result.summary.count(severity)) for severity in Severity]


PAIRS_SHOWN = 50
"""Up to this many role pairs are all listed; beyond, the HTML lists the pairs no name rule made (report.json
has them all)."""
PLAIN_RULES = frozenset({RULE_EXACT, RULE_ENV, RULE_SERVICE})

OPEN_FINDINGS = 3
"""Findings shown expanded at the top of a report; the others are folded (expand all, or open one)."""


def build_view(result: AuditResult, anchor_prefix: str = "") -> ReportView:
    """Arrange a result for the Markdown and HTML templates: most severe first, unwaived and new before the rest,
    so that the headline is the first row."""
    names = {"baseline": result.baseline.name, "target": result.target.name}
    ordered = _ordered(result)
    prefix = slug(anchor_prefix) + "-" if anchor_prefix else ""
    items = _items(ordered, names, prefix)
    groups = [
        SeverityGroup(severity, ICONS[severity], [item for item in items if item.finding.severity == severity], prefix)
        for severity in Severity
    ]
    return ReportView(
        result=result,
        groups=[group for group in groups if group.items],
        items=items,
        counts=counts(result),
        headline=next((item for item in items if not item.finding.waived), None),
        waived=[item for item in items if item.finding.waived],
        prefix=prefix,
    )


def _grant_row(group: GrantGroup, names: dict[str, str]) -> GrantRow:
    shown = ", ".join(group.actions[:GRANT_ACTIONS_SHOWN])
    more = len(group.actions) - GRANT_ACTIONS_SHOWN
    return GrantRow(
        account=names[group.side],
        policy=group.policy,
        policy_type=group.policy_type,
        statement=group.statement,
        effect=group.effect,
        resource=group.resource,
        conditions=group.conditions,
        actions=shown + (f" and {more} more" if more > 0 else ""),
    )


def _ordered(result: AuditResult) -> list[Finding]:
    return sorted(result.findings, key=lambda f: (-f.severity.rank, f.waived, not f.is_new))


def finding_anchors(result: AuditResult) -> dict[str, str]:
    """Each finding's anchor in the comparison's own report (fingerprint -> anchor), without building the view."""
    ordered = _ordered(result)
    return {finding.fingerprint: anchor for finding, anchor in zip(ordered, _anchors(ordered, ""), strict=True)}


def _anchors(findings: list[Finding], prefix: str) -> list[str]:
    seen: Counter[str] = Counter()
    anchors = []
    for finding in findings:
        base = prefix + slug(f"{finding.kind.value}-{finding.role}-{finding.policy.name if finding.policy else ''}")
        seen[base] += 1
        anchors.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return anchors


def _items(findings: list[Finding], names: dict[str, str], prefix: str) -> list[FindingView]:
    items = []
    for number, (finding, anchor) in enumerate(zip(findings, _anchors(findings, prefix), strict=True), start=1):
        items.append(
            FindingView(
                finding=finding,
                number=number,
                anchor=anchor,
                expected_json=_json(finding.expected_document),
                actual_json=_json(finding.actual_document),
                action_total=_action_total(finding),
                grants=[_grant_row(group, names) for group in finding.grants],
                patterns=finding.written_as if any(_is_pattern(p) for p in finding.written_as) else [],
                services=sorted(finding.services, key=lambda g: (-g.count, g.service))[:SERVICE_ROWS_SHOWN],
                services_more=max(0, len(finding.services) - SERVICE_ROWS_SHOWN),
                diff=marked_difference(finding.expected_document, finding.actual_document),
                open=number <= OPEN_FINDINGS,
            )
        )
    return items


def _is_pattern(written: str) -> bool:
    return "*" in written or "?" in written or written.startswith("NotAction ")


def _json(document: object) -> str | None:
    return None if document is None else indented(document)


def _action_total(finding: Finding) -> str:
    if not finding.actions:
        return ""
    services = Counter(action.partition(":")[0] for action in finding.actions)
    ranked = sorted(services.items(), key=lambda kv: (-kv[1], kv[0]))
    parts = ", ".join(f"{count} {service}" for service, count in ranked[:TOTAL_SERVICES_SHOWN])
    if len(ranked) > TOTAL_SERVICES_SHOWN:
        parts += f" and {len(ranked) - TOTAL_SERVICES_SHOWN} more services"
    written = action_count(finding.expected_document) if finding.expected_document else None
    total = written if written is not None and finding.kind.value == "policy_missing" else len(finding.actions)
    return f"{total} permission{'s' * (total != 1)} ({parts})"


def slug(text: str) -> str:
    """A lower-case anchor made of letters, digits and dashes."""
    return sanitized(text, "a-z0-9", fold=True) or "finding"
