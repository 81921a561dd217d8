"""Role pairs and their policy changes -> findings with kind, severity, facts and remediation."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from auditor.diff import PolicyChange
from auditor.findings import remediation
from auditor.findings.grants import GrantDelta, Scope, ScopeChange, compare_grants
from auditor.findings.model import Finding, FindingKind, PolicyRef, Remediation, Severity
from auditor.findings.severity import grant_severity, worst
from auditor.iamdb import describe
from auditor.match import RolePair
from auditor.model.normalized import NormalizedAccount, NormalizedPolicy, NormalizedRole
from auditor.normalize.placeholders import AccountContext

_IMPACT = {
    FindingKind.ROLE_MISSING: "Workloads in {target} that expect this role cannot assume it.",
    FindingKind.ROLE_EXTRA: "A role {baseline} does not have widens what can act in {target}; confirm it is wanted.",
    FindingKind.POLICY_MISSING: "Calls that rely on these permissions fail with AccessDenied in {target}; "
    "behaviour differs from {baseline} in ways that are hard to trace.",
    FindingKind.POLICY_EXTRA: "{target} grants more than {baseline}: exposure that {baseline} does not carry.",
    FindingKind.PERMISSIONS_MISSING: "Calls that need these actions fail with AccessDenied in {target}.",
    FindingKind.PERMISSIONS_EXTRA: "{target} grants actions that {baseline} does not: exposure to review.",
    FindingKind.RESOURCE_DRIFT: "The same actions apply to different resources in {target}: "
    "either calls fail there or they reach more than intended.",
    FindingKind.CONDITION_DRIFT: "The same actions are allowed under different conditions in {target}.",
    FindingKind.TRUST_DRIFT: "Different principals can assume this role in {target} than in {baseline}.",
    FindingKind.BOUNDARY_DRIFT: "The permissions boundary caps what the role can do; "
    "a different boundary in {target} changes that cap.",
    FindingKind.UNREADABLE: "The auditor could not read this policy, so it cannot say whether it drifted.",
}


@dataclass(frozen=True)
class Sides:
    """Both accounts with their placeholder contexts, to move documents from one to the other."""

    baseline: NormalizedAccount
    target: NormalizedAccount

    @property
    def base_context(self) -> AccountContext:
        """Placeholders of the baseline account."""
        return AccountContext(self.baseline.account_id, self.baseline.env)

    @property
    def target_context(self) -> AccountContext:
        """Placeholders of the target account."""
        return AccountContext(self.target.account_id, self.target.env)

    def for_target(self, document: Any) -> Any:
        """A baseline document rewritten with the target's account ID and env, keys in conventional order."""
        return remediation.conventional_order(self.base_context.retarget(document, self.target_context))

    def target_name(self, baseline_name: str) -> str:
        """What a baseline role or ARN would be called in the target."""
        return self.target_context.from_placeholders(self.base_context.to_placeholders(baseline_name))

    def impact(self, kind: FindingKind) -> str:
        """The why-this-matters sentence for a kind, with the account names filled in."""
        return _IMPACT[kind].format(baseline=self.baseline.name, target=self.target.name)


def classify(pair: RolePair, changes: list[PolicyChange], sides: Sides) -> list[Finding]:
    """All findings for one role pair."""
    if pair.target is None and pair.baseline is not None:
        return [_role_missing(pair.baseline, sides)]
    if pair.baseline is None and pair.target is not None:
        return [_role_extra(pair.target, sides)]
    assert pair.baseline is not None and pair.target is not None
    found: list[Finding] = []
    for change in changes:
        found.extend(_policy_findings(pair.baseline, pair.target, change, sides))
    return found


def _policy_findings(
    base: NormalizedRole, target: NormalizedRole, change: PolicyChange, sides: Sides
) -> Iterator[Finding]:
    if change.section == "trust":
        yield _trust_drift(base, target, sides)
    elif change.section == "boundary":
        yield _boundary_drift(base, target, change, sides)
    elif change.target is None and change.baseline is not None:
        yield _policy_missing(base, target, change.baseline, sides)
    elif change.baseline is None and change.target is not None:
        yield _policy_extra(base, target, change.target, sides)
    elif change.baseline is not None and change.target is not None:
        if change.baseline.unreadable or change.target.unreadable:
            yield _unreadable(base, target, change.baseline, change.target, sides)
        else:
            yield from _grant_findings(base, target, change.baseline, change.target, sides)


def _ref(policy: NormalizedPolicy) -> PolicyRef:
    return PolicyRef(name=policy.name, type=policy.type, arn=policy.arn)


def _finding(kind: FindingKind, severity: Severity, sides: Sides, **facts: Any) -> Finding:
    actions = facts.pop("actions", [])
    for key in ("expected_document", "actual_document"):
        facts[key] = remediation.conventional_order(facts.get(key))
    return Finding(
        kind=kind,
        severity=severity,
        actions=actions,
        explanations=[describe(action) for action in actions],
        impact=sides.impact(kind),
        **facts,
    )


def _role_missing(base: NormalizedRole, sides: Sides) -> Finding:
    name = sides.target_name(base.name)
    inline = {key: sides.for_target(p.raw) for key, p in base.inline.items() if p.raw is not None}
    managed = [sides.target_name(p.arn) for p in base.managed.values() if p.arn]
    boundary = sides.target_name(base.boundary.arn) if base.boundary and base.boundary.arn else None
    trust = sides.for_target(base.trust.raw) if base.trust and base.trust.raw else None
    return _finding(
        FindingKind.ROLE_MISSING,
        Severity.HIGH,
        sides,
        baseline_role=base.name,
        target_role=None,
        title=f"Role {name} is missing in {sides.target.name}",
        message=f"{sides.baseline.name} has the role {base.name}; {sides.target.name} has no role that pairs with it "
        f"(expected {name}).",
        expected_document=trust,
        details=[f"inline policy {key}" for key in inline] + [f"managed policy {arn}" for arn in managed],
        remediation=remediation.role_create(name, base.path, trust, inline, managed, boundary),
    )


def _role_extra(target: NormalizedRole, sides: Sides) -> Finding:
    actions = _allowed_actions([*target.inline.values(), *target.managed.values()])
    return _finding(
        FindingKind.ROLE_EXTRA,
        worst([grant_severity(actions)], floor=Severity.MEDIUM),
        sides,
        baseline_role=None,
        target_role=target.name,
        title=f"Role {target.name} exists only in {sides.target.name}",
        message=f"{sides.target.name} has the role {target.name}; "
        f"{sides.baseline.name} has no role that pairs with it.",
        actions=_display(actions, [*target.inline.values(), *target.managed.values()]),
        remediation=remediation.role_review(target.name),
    )


def _policy_missing(base: NormalizedRole, target: NormalizedRole, policy: NormalizedPolicy, sides: Sides) -> Finding:
    actions = _display(_allowed_actions([policy]), [policy])
    expected = sides.for_target(policy.raw) if policy.raw is not None else None
    label = "Inline policy" if policy.type == "inline" else "Managed policy"
    if policy.type == "inline" and expected is not None:
        fix = remediation.inline_put(target.name, policy.name, expected)
    else:
        fix = remediation.managed_attach(target.name, sides.target_name(policy.arn or policy.name))
    count = f" ({len(actions)} action{'s' * (len(actions) != 1)})" if actions else ""
    return _finding(
        FindingKind.POLICY_MISSING,
        Severity.HIGH,
        sides,
        baseline_role=base.name,
        target_role=target.name,
        policy=_ref(policy),
        title=f"{label} {policy.name} is missing on {target.name}",
        message=f"{sides.baseline.name}'s {base.name} has the {policy.type} policy {policy.name}{count}; "
        f"{sides.target.name}'s {target.name} does not.",
        actions=actions,
        expected_document=expected,
        remediation=fix,
    )


def _policy_extra(base: NormalizedRole, target: NormalizedRole, policy: NormalizedPolicy, sides: Sides) -> Finding:
    allowed = _allowed_actions([policy])
    label = "Inline policy" if policy.type == "inline" else "Managed policy"
    if policy.type == "inline":
        fix = remediation.inline_delete(target.name, policy.name)
    else:
        fix = remediation.managed_detach(target.name, policy.arn or policy.name)
    return _finding(
        FindingKind.POLICY_EXTRA,
        worst([grant_severity(allowed)], floor=Severity.LOW),
        sides,
        baseline_role=base.name,
        target_role=target.name,
        policy=_ref(policy),
        title=f"{label} {policy.name} on {target.name} is not in {sides.baseline.name}",
        message=f"{sides.target.name}'s {target.name} has the {policy.type} policy {policy.name}; "
        f"{sides.baseline.name}'s {base.name} does not.",
        actions=_display(allowed, [policy]),
        actual_document=policy.raw,
        remediation=fix,
    )


def _grant_findings(
    base: NormalizedRole, target: NormalizedRole, old: NormalizedPolicy, new: NormalizedPolicy, sides: Sides
) -> Iterator[Finding]:
    delta = compare_grants(old.document, new.document)
    expected = sides.for_target(old.raw) if old.raw is not None else None
    fix = _update_fix(target, new, expected, sides)
    common = {
        "baseline_role": base.name,
        "target_role": target.name,
        "policy": _ref(new),
        "expected_document": expected,
        "actual_document": new.raw,
        "remediation": fix,
    }
    where = f"{new.type} policy {new.name} on {target.name}"
    yield from _missing_and_extra(delta, where, [old, new], sides, common)
    for change in delta.resource_changes:
        yield _scope_finding(FindingKind.RESOURCE_DRIFT, change, where, [old, new], sides, common)
    for change in delta.condition_changes:
        yield _scope_finding(FindingKind.CONDITION_DRIFT, change, where, [old, new], sides, common)


@dataclass(frozen=True)
class _GrantRule:
    """How actions a policy lacks or adds, for one effect, become a finding."""

    side: Literal["missing", "extra"]
    effect: str
    kind: FindingKind
    severity: Callable[[tuple[str, ...]], Severity]
    title: str
    message: str


_GRANT_RULES = (
    _GrantRule(
        "missing",
        "Allow",
        FindingKind.PERMISSIONS_MISSING,
        lambda _: Severity.HIGH,
        "{n} missing from {where}",
        "{baseline} allows {n} that {target} does not allow in {where}.",
    ),
    _GrantRule(
        "extra",
        "Allow",
        FindingKind.PERMISSIONS_EXTRA,
        grant_severity,
        "{n} extra in {where}",
        "{target} allows {n} in {where} that {baseline} does not allow.",
    ),
    # A Deny the target lost lets it allow more; a Deny only the target has takes permissions away.
    _GrantRule(
        "missing",
        "Deny",
        FindingKind.PERMISSIONS_EXTRA,
        lambda actions: worst([grant_severity(actions)], floor=Severity.HIGH),
        "Deny on {n} missing from {where}",
        "{baseline} denies {n} in {where}; {target} does not, so it can allow more.",
    ),
    _GrantRule(
        "extra",
        "Deny",
        FindingKind.PERMISSIONS_MISSING,
        lambda _: Severity.MEDIUM,
        "Extra Deny on {n} in {where}",
        "{target} denies {n} in {where}; {baseline} does not.",
    ),
)


def _missing_and_extra(
    delta: GrantDelta, where: str, policies: list[NormalizedPolicy], sides: Sides, common: dict[str, Any]
) -> Iterator[Finding]:
    for rule in _GRANT_RULES:
        actions = (delta.missing if rule.side == "missing" else delta.extra).get(rule.effect, ())
        if not actions:
            continue
        words = {"n": _n(actions), "where": where, "baseline": sides.baseline.name, "target": sides.target.name}
        yield _finding(
            rule.kind,
            rule.severity(actions),
            sides,
            **common,
            title=rule.title.format(**words),
            message=rule.message.format(**words),
            actions=_display(actions, policies),
        )


def _scope_finding(
    kind: FindingKind,
    change: ScopeChange,
    where: str,
    policies: list[NormalizedPolicy],
    sides: Sides,
    common: dict[str, Any],
) -> Finding:
    base_ctx, target_ctx = sides.base_context, sides.target_context
    before = [_scope_text(scope, base_ctx, kind) for scope in sorted(change.before, key=_scope_order)]
    after = [_scope_text(scope, target_ctx, kind) for scope in sorted(change.after, key=_scope_order)]
    noun = "resources" if kind == FindingKind.RESOURCE_DRIFT else "conditions"
    return _finding(
        kind,
        _scope_severity(kind, change),
        sides,
        **common,
        title=f"{change.effect} on {_n(change.actions)} has different {noun} in {where}",
        message=f"{sides.baseline.name} and {sides.target.name} both {change.effect.lower()} {_n(change.actions)} "
        f"in {where}, with different {noun}.",
        actions=_display(change.actions, policies),
        details=[f"{sides.baseline.name}: {text}" for text in before]
        + [f"{sides.target.name}: {text}" for text in after],
    )


def _scope_severity(kind: FindingKind, change: ScopeChange) -> Severity:
    allow = change.effect == "Allow"
    if kind == FindingKind.RESOURCE_DRIFT:
        wider = any("*" in s.resources for s in change.after) and not any("*" in s.resources for s in change.before)
        return Severity.HIGH if wider and allow else Severity.MEDIUM
    old = [set(s.conditions) for s in change.before]
    new = [set(s.conditions) for s in change.after]
    dropped = any(any(n < o for o in old) for n in new)
    added = any(any(o < n for n in new) for o in old)
    if dropped and not added:
        return Severity.HIGH if allow else Severity.LOW
    if added and not dropped:
        return Severity.LOW if allow else Severity.HIGH
    return Severity.MEDIUM


def _scope_text(scope: Scope, context: AccountContext, kind: FindingKind) -> str:
    if kind == FindingKind.RESOURCE_DRIFT:
        parts = [f"Resource {', '.join(scope.resources)}" if scope.resources else ""]
        parts.append(f"NotResource {', '.join(scope.not_resources)}" if scope.not_resources else "")
        text = "; ".join(part for part in parts if part) or "no Resource"
    else:
        tests = [f"{c.operator} {c.key} = {', '.join(c.values)}" for c in scope.conditions]
        text = "; ".join(tests) or "no Condition"
    return context.from_placeholders(text)


def _scope_order(scope: Scope) -> str:
    return scope.model_dump_json()


def _trust_drift(base: NormalizedRole, target: NormalizedRole, sides: Sides) -> Finding:
    old, new = _principals(base.trust), _principals(target.trust)
    added = sorted(sides.target_context.from_placeholders(p) for p in new - old)
    removed = sorted(sides.base_context.from_placeholders(p) for p in old - new)
    everyone = any(p.endswith(":*") for p in added)
    expected = sides.for_target(base.trust.raw) if base.trust and base.trust.raw else None
    return _finding(
        FindingKind.TRUST_DRIFT,
        Severity.CRITICAL if everyone else Severity.HIGH,
        sides,
        baseline_role=base.name,
        target_role=target.name,
        policy=PolicyRef(name="trust policy", type="trust"),
        title=f"Trust policy of {target.name} differs from {sides.baseline.name}",
        message=f"The trust policy of {target.name} differs from that of {base.name}"
        + (" and lets any principal assume the role." if everyone else "."),
        details=[f"only in {sides.target.name}: {p}" for p in added]
        + [f"only in {sides.baseline.name}: {p}" for p in removed]
        + ([] if added or removed else ["same principals; actions or conditions differ"]),
        expected_document=expected,
        actual_document=target.trust.raw if target.trust else None,
        remediation=remediation.trust_update(target.name, expected or {}),
    )


def _principals(policy: NormalizedPolicy | None) -> set[str]:
    if policy is None or policy.document is None:
        return set()
    return {f"{s.effect} {p.type}:{p.value}" for s in policy.document.statements for p in s.principals}


def _boundary_drift(base: NormalizedRole, target: NormalizedRole, change: PolicyChange, sides: Sides) -> Finding:
    old, new = change.baseline, change.target
    wanted = sides.target_name(old.arn) if old and old.arn else None
    if old and not new:
        severity, message = (
            Severity.HIGH,
            f"{base.name} has the permissions boundary {old.arn}; {target.name} has none.",
        )
    elif new and not old:
        severity, message = Severity.LOW, f"{target.name} has the permissions boundary {new.arn}; {base.name} has none."
    else:
        severity = Severity.MEDIUM
        message = f"The permissions boundary of {target.name} ({new.arn if new else ''}) differs from {base.name}'s."
    policy = new or old
    assert policy is not None
    return _finding(
        FindingKind.BOUNDARY_DRIFT,
        severity,
        sides,
        baseline_role=base.name,
        target_role=target.name,
        policy=_ref(policy),
        title=f"Permissions boundary of {target.name} differs from {sides.baseline.name}",
        message=message,
        expected_document=sides.for_target(old.raw) if old and old.raw else None,
        actual_document=new.raw if new else None,
        remediation=remediation.boundary_set(target.name, wanted),
    )


def _unreadable(
    base: NormalizedRole, target: NormalizedRole, old: NormalizedPolicy, new: NormalizedPolicy, sides: Sides
) -> Finding:
    which = new if new.unreadable else old
    account = sides.target.name if new.unreadable else sides.baseline.name
    return _finding(
        FindingKind.UNREADABLE,
        Severity.MEDIUM,
        sides,
        baseline_role=base.name,
        target_role=target.name,
        policy=_ref(which),
        title=f"Policy {which.name} could not be read in {account}",
        message=f"{which.unreadable} (role {target.name if new.unreadable else base.name} in {account}).",
        remediation=remediation.grant_read_access(which.arn or which.name),
    )


def _update_fix(target: NormalizedRole, policy: NormalizedPolicy, expected: Any, sides: Sides) -> Remediation:
    if expected is None:
        return Remediation()
    if policy.type == "inline":
        return remediation.inline_put(target.name, policy.name, expected)
    return remediation.managed_update(target.name, policy.arn or policy.name, expected)


def _allowed_actions(policies: Iterable[NormalizedPolicy]) -> list[str]:
    found = {
        action
        for policy in policies
        if policy.document is not None
        for statement in policy.document.statements
        if statement.effect == "Allow"
        for action in statement.action_keys
    }
    return sorted(found)


def _display(actions: Iterable[str], policies: Iterable[NormalizedPolicy]) -> list[str]:
    """Actions as written in the documents (canonical form is case-folded), sorted case-insensitively."""
    spelled: dict[str, str] = {}
    for policy in policies:
        for written in _written_actions(policy.raw):
            spelled.setdefault(written.casefold(), written)
    return sorted((spelled.get(a, a) for a in actions), key=str.casefold)


def _written_actions(raw: Any) -> Iterator[str]:
    if not isinstance(raw, dict):
        return
    statements = raw.get("Statement")
    for statement in statements if isinstance(statements, list) else [statements]:
        if isinstance(statement, dict):
            value = statement.get("Action", [])
            yield from (item for item in (value if isinstance(value, list) else [value]) if isinstance(item, str))


def _n(actions: tuple[str, ...] | list[str]) -> str:
    return f"{len(actions)} action{'s' * (len(actions) != 1)}"
