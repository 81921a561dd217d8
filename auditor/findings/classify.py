"""Role pairs and their differences -> findings: kind, severity and facts (the fixes come after, in fixes/)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from auditor.diff import PolicyChange, RoleDiff
from auditor.effective import allows_no_more, effective_permissions, policy_grants
from auditor.findings.make import make_finding, plural, policy_ref
from auditor.findings.model import Finding, FindingKind, Severity
from auditor.findings.permissions import permission_findings, restructured
from auditor.findings.severity import grant_severity, worst
from auditor.findings.sides import Sides
from auditor.findings.trust import deleted_principals, trust_findings
from auditor.iamdb import is_known
from auditor.match import RolePair
from auditor.model.normalized import NormalizedPolicy, NormalizedRole


def classify(pair: RolePair, diff: RoleDiff, sides: Sides) -> list[Finding]:
    """All findings for one role pair."""
    found: list[Finding] = []
    if pair.baseline is not None and pair.target is None:
        found.append(_role_missing(pair.baseline, sides))
    elif pair.baseline is None and pair.target is not None:
        found.append(_role_extra(pair.target, sides))
    elif pair.baseline is not None and pair.target is not None:
        if pair.baseline.has_unreadable or pair.target.has_unreadable:
            found.extend(_unreadable_policies(pair.baseline, pair.target, sides))
        found.extend(_pair_findings(pair.baseline, pair.target, diff, sides))
        moved = None if diff.unbounded else restructured(pair.baseline, pair.target, diff, found, sides)
        found.extend([moved] if moved else [])
    if pair.baseline is not None and pair.target is not None and not diff.changes:
        return found  # identical roles: nothing drifted, whatever both may share
    if pair.target is not None and (pair.baseline is None or any(c.section == "trust" for c in diff.changes)):
        deleted = deleted_principals(pair.target, sides)
        found.extend([deleted] if deleted else [])
    unknown = _unknown_actions(pair, sides)
    return found + ([unknown] if unknown else [])


def _pair_findings(base: NormalizedRole, target: NormalizedRole, diff: RoleDiff, sides: Sides) -> Iterator[Finding]:
    for change in diff.changes:
        if change.section == "trust":
            yield from trust_findings(base, target, sides)
        elif change.baseline and change.target and (change.baseline.unreadable or change.target.unreadable):
            continue  # reported by _unreadable_policies
        elif change.section == "boundary" and not _same_cap(change):
            yield _boundary_drift(base, target, change, sides, _grants_unchanged(diff))
        elif _undocumented(change):
            yield from _structural(base, target, change, sides)
    yield from permission_findings(base, target, diff, sides)


def _unreadable_policies(base: NormalizedRole, target: NormalizedRole, sides: Sides) -> Iterator[Finding]:
    """Every policy the auditor could not read on either role: unknown, so never reported as missing."""
    for section in ("managed", "boundary"):
        old_policies = base.managed if section == "managed" else {"b": base.boundary} if base.boundary else {}
        new_policies = target.managed if section == "managed" else {"b": target.boundary} if target.boundary else {}
        for key in sorted(old_policies.keys() | new_policies.keys()):
            old, new = old_policies.get(key), new_policies.get(key)
            if (old and old.unreadable) or (new and new.unreadable):
                yield _unreadable(base, target, old, new, sides)


def _same_cap(change: PolicyChange) -> bool:
    old, new = change.baseline, change.target
    if old is None or new is None or old.document is None or new.document is None:
        return False
    return policy_grants(old) == policy_grants(new)


def _undocumented(change: PolicyChange) -> bool:
    # A policy on one side whose document is not available (an AWS managed policy from a GAAD file)
    # cannot be weighed grant by grant; its attachment still is a fact.
    policy = change.baseline or change.target
    return (change.baseline is None) != (change.target is None) and policy is not None and policy.document is None


def _structural(base: NormalizedRole, target: NormalizedRole, change: PolicyChange, sides: Sides) -> Iterator[Finding]:
    common = {"baseline_role": base.name, "target_role": target.name}
    if change.baseline is not None:
        policy = change.baseline
        yield make_finding(
            FindingKind.POLICY_MISSING,
            Severity.HIGH,
            sides,
            policy=policy_ref(policy),
            title=f"Managed policy {policy.name} is missing on {target.name}",
            message=f"{sides.baseline.name}'s {base.name} has {policy.arn} attached; {target.name} does not.",
            **common,
        )
    elif change.target is not None:
        policy = change.target
        yield make_finding(
            FindingKind.POLICY_EXTRA,
            Severity.MEDIUM,
            sides,
            policy=policy_ref(policy),
            title=f"Managed policy {policy.name} on {target.name} is not in {sides.baseline.name}",
            message=f"{sides.target.name}'s {target.name} has {policy.arn} attached; {base.name} does not.",
            **common,
        )


def _role_missing(base: NormalizedRole, sides: Sides) -> Finding:
    wanted = sides.target_role(base)
    name = wanted.name
    return make_finding(
        FindingKind.ROLE_MISSING,
        Severity.HIGH,
        sides,
        actions=_allowed(base),
        baseline_role=base.name,
        target_role=None,
        title=f"Role {name} is missing in {sides.target.name}",
        message=f"{sides.baseline.name} has the role {base.name}; {sides.target.name} has no role that pairs with it "
        f"(expected {name}).",
        expected_document=wanted.trust,
        details=[f"inline policy {key}" for key in wanted.inline] + [f"managed policy {arn}" for arn in wanted.managed],
    )


def _role_extra(target: NormalizedRole, sides: Sides) -> Finding:
    actions = _allowed(target)
    return make_finding(
        FindingKind.ROLE_EXTRA,
        worst([grant_severity(actions)], floor=Severity.MEDIUM),
        sides,
        actions=actions,
        baseline_role=None,
        target_role=target.name,
        title=f"Role {target.name} exists only in {sides.target.name}",
        message=f"{sides.target.name} has the role {target.name} ({plural(len(actions), 'action')} allowed); "
        f"{sides.baseline.name} has no role that pairs with it.",
    )


def _allowed(role: NormalizedRole) -> list[str]:
    return sorted(effective_permissions(role).allowed_actions())


def _grants_unchanged(diff: RoleDiff) -> bool:
    """True when both roles, boundaries applied, allow the same requests: a boundary change capped nothing yet."""
    delta = diff.permissions
    return delta is not None and not delta.missing and not delta.extra


def _boundary_drift(
    base: NormalizedRole, target: NormalizedRole, change: PolicyChange, sides: Sides, unchanged: bool
) -> Finding:
    old, new = change.baseline, change.target
    # Without effect on today's grants, a boundary only caps what may be granted later: a guardrail, not access.
    note = " Current grants are unchanged;" if unchanged else ""
    if old and not new:
        severity = Severity.LOW if unchanged else Severity.HIGH
        message = f"{base.name} has the permissions boundary {old.arn}; {target.name} has none."
        message += f"{note} the cap on future grants is gone." if unchanged else ""
    elif new and not old:
        severity = Severity.INFO if unchanged else Severity.LOW
        message = f"{target.name} has the permissions boundary {new.arn}; {base.name} has none."
        message += f"{note} the boundary caps only future grants." if unchanged else ""
    else:
        assert old is not None and new is not None
        # Tighter and without effect today: it only caps future grants harder. Looser or other: the cap moved.
        tighter = unchanged and old.document is not None and new.document is not None and allows_no_more(new, old)
        severity = Severity.INFO if tighter else Severity.LOW if unchanged else Severity.MEDIUM
        message = f"The permissions boundary of {target.name} ({new.arn}) differs from {base.name}'s."
        if unchanged:
            later = "it caps future grants more tightly" if tighter else "the cap on future grants differs"
            message += f"{note} {later}."
    policy = new or old
    assert policy is not None
    expected = sides.for_target(old.raw) if old and old.raw else None
    return make_finding(
        FindingKind.BOUNDARY_DRIFT,
        severity,
        sides,
        baseline_role=base.name,
        target_role=target.name,
        policy=policy_ref(policy),
        title=f"Permissions boundary of {target.name} differs from {sides.baseline.name}",
        message=message,
        expected_document=expected,
        actual_document=new.raw if new else None,
    )


def _unreadable(
    base: NormalizedRole,
    target: NormalizedRole,
    old: NormalizedPolicy | None,
    new: NormalizedPolicy | None,
    sides: Sides,
) -> Finding:
    in_target = new is not None and new.unreadable is not None
    which = new if in_target else old
    assert which is not None
    account = sides.target.name if in_target else sides.baseline.name
    return make_finding(
        FindingKind.UNREADABLE,
        Severity.MEDIUM,
        sides,
        baseline_role=base.name,
        target_role=target.name,
        policy=policy_ref(which),
        title=f"Policy {which.name} could not be read in {account}",
        message=f"{which.unreadable} (role {target.name if in_target else base.name} in {account}).",
    )


def _unknown_actions(pair: RolePair, sides: Sides) -> Finding | None:
    lines = []
    for side, role in (("baseline", pair.baseline), ("target", pair.target)):
        for policy, pattern in _patterns(role):
            if not is_known(pattern) and pattern != "*":
                lines.append(f"{sides.name(side)}: {pattern} in {policy.type} policy {policy.name}")
    if not lines:
        return None
    role = pair.target or pair.baseline
    assert role is not None
    return make_finding(
        FindingKind.UNKNOWN_ACTION,
        Severity.INFO,
        sides,
        baseline_role=pair.baseline.name if pair.baseline else None,
        target_role=pair.target.name if pair.target else None,
        title=f"{plural(len(lines), 'action')} unknown to the IAM dataset on {role.name}",
        message="These actions are not in the IAM action dataset: a typo, or an action newer than the dataset. "
        "They are compared as written.",
        details=sorted(set(lines)),
    )


def _patterns(role: NormalizedRole | None) -> Iterable[tuple[NormalizedPolicy, str]]:
    if role is None:
        return
    for policy in [*role.inline.values(), *role.managed.values()]:
        for statement in policy.document.statements if policy.document else ():
            for pattern in (*statement.actions, *statement.not_actions):
                yield policy, pattern
