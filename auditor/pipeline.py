"""compare(): config and two account names in, AuditResult out. Never prints, exits or writes files."""

from __future__ import annotations

from datetime import UTC, datetime

from auditor.config import Config, ResolvedAccount
from auditor.diff import diff_pair
from auditor.errors import InputFormatError, SnapshotFormatError
from auditor.findings import (
    AccountRef,
    AuditResult,
    Finding,
    FindingKind,
    RolePairing,
    Severity,
    Sides,
    Summary,
    classify,
)
from auditor.iamdb import dataset_version
from auditor.match import match_roles
from auditor.model.normalized import NormalizedAccount
from auditor.model.snapshot import AccountSnapshot
from auditor.normalize import normalize_account
from auditor.sources import ManagedPolicyCache, collect


def compare(config: Config, baseline: str, target: str, now: datetime | None = None) -> AuditResult:
    """Collect both accounts, normalize, match, diff and classify; the clock is injectable for tests."""
    now = now or datetime.now(UTC)
    cache = ManagedPolicyCache()
    base = load_account(config.account(baseline), cache, now)
    other = load_account(config.account(target), cache, now)
    return compare_accounts(base, other, config, now)


def load_account(account: ResolvedAccount, cache: ManagedPolicyCache, now: datetime) -> NormalizedAccount:
    """Collect one account and normalize it; a malformed document names the source, role and policy."""
    snapshot = collect(account, cache, now)
    return normalize(snapshot, account)


def normalize(snapshot: AccountSnapshot, account: ResolvedAccount) -> NormalizedAccount:
    """Normalize a collected snapshot, naming its file in any format error."""
    try:
        return normalize_account(snapshot, account.name, account.env)
    except InputFormatError as exc:
        origin = str(account.snapshot) if account.snapshot else f"account {account.name!r}"
        raise SnapshotFormatError(f"{origin}: {exc}") from None


def compare_accounts(
    baseline: NormalizedAccount, target: NormalizedAccount, config: Config, now: datetime
) -> AuditResult:
    """The comparison proper, on two normalized accounts."""
    sides = Sides(baseline=baseline, target=target)
    pairs = match_roles(baseline, target, config.roles)
    findings = [finding for pair in pairs for finding in classify(pair, diff_pair(pair), sides)]
    findings.sort(key=_order)
    return AuditResult(
        baseline=_ref(baseline),
        target=_ref(target),
        generated_at=now,
        iam_dataset_version=dataset_version(),
        summary=_summary(
            findings,
            pairs_compared=sum(1 for p in pairs if p.baseline and p.target),
            baseline_roles=sum(1 for p in pairs if p.baseline),
            target_roles=sum(1 for p in pairs if p.target),
        ),
        findings=findings,
        pairs=[
            RolePairing(
                baseline_role=p.baseline.name if p.baseline else None,
                target_role=p.target.name if p.target else None,
                rule=p.rule,
            )
            for p in pairs
        ],
    )


# Within one severity, what breaks the target comes first, then what widens it, then the rest.
_KIND_ORDER = [
    FindingKind.POLICY_MISSING,
    FindingKind.PERMISSIONS_MISSING,
    FindingKind.ROLE_MISSING,
    FindingKind.TRUST_DRIFT,
    FindingKind.PERMISSIONS_EXTRA,
    FindingKind.POLICY_EXTRA,
    FindingKind.ROLE_EXTRA,
    FindingKind.CONDITION_DRIFT,
    FindingKind.RESOURCE_DRIFT,
    FindingKind.BOUNDARY_DRIFT,
    FindingKind.UNREADABLE,
    FindingKind.UNKNOWN_ACTION,
    FindingKind.RESTRUCTURED,
]


def _order(finding: Finding) -> tuple[int, int, str, str, str]:
    policy = finding.policy.name if finding.policy else ""
    return (-finding.severity.rank, _KIND_ORDER.index(finding.kind), finding.role, policy, finding.title)


def _summary(findings: list[Finding], pairs_compared: int, baseline_roles: int, target_roles: int) -> Summary:
    counts = {severity.value: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity.value] += 1
    return Summary(roles_compared=pairs_compared, roles_baseline=baseline_roles, roles_target=target_roles, **counts)


def _ref(account: NormalizedAccount) -> AccountRef:
    return AccountRef(
        name=account.name,
        account_id=account.account_id,
        env=account.env,
        source=account.source,
        collected_at=account.collected_at,
    )
