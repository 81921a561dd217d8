"""AccountSnapshot -> NormalizedAccount: every document canonical, every identity placeholdered."""

from __future__ import annotations

from auditor.errors import PolicyFormatError
from auditor.model.normalized import NormalizedAccount, NormalizedPolicy, NormalizedRole, PolicyType
from auditor.model.policy import PolicyDocument
from auditor.model.snapshot import AccountSnapshot, JsonObject, ManagedPolicyRecord, RoleRecord
from auditor.normalize.placeholders import AccountContext
from auditor.normalize.policy import canonical_document, decode_document


def normalize_account(snapshot: AccountSnapshot, name: str, env: str) -> NormalizedAccount:
    """Normalize every role of a snapshot; PolicyFormatError names the role and policy at fault."""
    context = AccountContext(snapshot.account_id, env)
    roles = {role.name: _role(role, context) for role in snapshot.roles.values()}
    return NormalizedAccount(
        name=name,
        env=env,
        account_id=snapshot.account_id,
        collected_at=snapshot.collected_at,
        source=snapshot.source,
        roles=roles,
    )


def _role(role: RoleRecord, context: AccountContext) -> NormalizedRole:
    inline = {
        name: _document_policy(role, name, "inline", f"inline policy {name!r}", doc, context)
        for name, doc in role.inline_policies.items()
    }
    managed = [_managed(role, record, "managed", context) for record in role.managed_policies]
    trust = None
    if role.trust_policy is not None:
        trust = _document_policy(role, "trust policy", "trust", "trust policy", role.trust_policy, context)
    boundary = None
    if role.permissions_boundary is not None:
        boundary = _managed(role, role.permissions_boundary, "boundary", context)
    return NormalizedRole(
        name=role.name,
        arn=role.arn,
        path=role.path,
        inline=inline,
        managed={policy.key: policy for policy in managed},
        trust=trust,
        boundary=boundary,
        tags=role.tags,
    )


def _document_policy(
    role: RoleRecord, name: str, kind: PolicyType, label: str, document: JsonObject, context: AccountContext
) -> NormalizedPolicy:
    return NormalizedPolicy(
        name=name,
        type=kind,
        key=name,
        document=_canonical(role, label, document, context),
        raw=decode_document(document),
    )


def _managed(
    role: RoleRecord, record: ManagedPolicyRecord, kind: PolicyType, context: AccountContext
) -> NormalizedPolicy:
    document = None
    if record.document is not None:
        label = f"{'permissions boundary' if kind == 'boundary' else 'managed policy'} {record.arn}"
        document = _canonical(role, label, record.document, context)
    return NormalizedPolicy(
        name=record.name,
        type=kind,
        arn=record.arn,
        key=context.to_placeholders(record.arn),
        document=document,
        raw=decode_document(record.document) if record.document is not None else None,
        unreadable=record.unreadable,
    )


def _canonical(role: RoleRecord, label: str, document: object, context: AccountContext) -> PolicyDocument:
    try:
        return canonical_document(document, context.to_placeholders)
    except PolicyFormatError as exc:
        raise PolicyFormatError(f"role {role.name!r}, {label}: {exc}") from None
