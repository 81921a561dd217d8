"""AccountSnapshot -> NormalizedAccount: every document canonical, every identity placeholdered."""

from __future__ import annotations

from typing import Any

from auditor.errors import PolicyFormatError
from auditor.model.documents import decode_document
from auditor.model.normalized import NormalizedAccount, NormalizedPolicy, NormalizedRole, PolicyType
from auditor.model.policy import PolicyDocument
from auditor.model.snapshot import AccountSnapshot, ManagedPolicyRecord, RoleRecord
from auditor.normalize.placeholders import AccountContext
from auditor.normalize.policy import canonical_document


def normalize_account(
    snapshot: AccountSnapshot, name: str, env: str, tokens: tuple[str, ...] = ()
) -> NormalizedAccount:
    """Normalize every role of a snapshot; PolicyFormatError names the role and policy at fault.

    `env` is the account's primary env token; `tokens` all of them (default: just `env`).
    """
    tokens = tokens or (env,)
    normalizer = _AccountNormalizer(AccountContext(snapshot.account_id, env, tokens))
    return NormalizedAccount(
        name=name,
        env=env,
        env_tokens=tokens,
        account_id=snapshot.account_id,
        collected_at=snapshot.collected_at,
        source=snapshot.source,
        roles={role.name: normalizer.role(role) for role in snapshot.roles.values()},
    )


class _AccountNormalizer:
    """Normalizes the roles of one account, each managed policy once however many roles attach it."""

    def __init__(self, context: AccountContext) -> None:
        self._context = context
        self._managed: dict[tuple[str, str], tuple[Any, NormalizedPolicy]] = {}

    def role(self, role: RoleRecord) -> NormalizedRole:
        """One role in canonical form."""
        inline = {
            name: self._document_policy(role, name, "inline", f"inline policy {name!r}", document)
            for name, document in role.inline_policies.items()
        }
        managed = [self._managed_policy(role, record, "managed") for record in role.managed_policies]
        trust = None
        if role.trust_policy is not None:
            trust = self._document_policy(role, "trust policy", "trust", "trust policy", role.trust_policy)
        boundary = None
        if role.permissions_boundary is not None:
            boundary = self._managed_policy(role, role.permissions_boundary, "boundary")
        # model_construct: every part was built and checked here; validating again would copy every document.
        return NormalizedRole.model_construct(
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
        self, role: RoleRecord, name: str, kind: PolicyType, label: str, document: Any
    ) -> NormalizedPolicy:
        return NormalizedPolicy.model_construct(
            name=name,
            type=kind,
            arn=None,
            key=name,
            document=self._canonical(role, label, document),
            raw=decode_document(document),
            unreadable=None,
        )

    def _managed_policy(self, role: RoleRecord, record: ManagedPolicyRecord, kind: PolicyType) -> NormalizedPolicy:
        cached = self._managed.get((kind, record.arn))
        # One ARN has one default version per account; the check guards against hand-edited snapshots.
        if cached is not None and cached[0] == record.document and cached[1].unreadable == record.unreadable:
            return cached[1]
        document = None
        if record.document is not None:
            label = f"{'permissions boundary' if kind == 'boundary' else 'managed policy'} {record.arn}"
            document = self._canonical(role, label, record.document)
        policy = NormalizedPolicy.model_construct(
            name=record.name,
            type=kind,
            arn=record.arn,
            key=self._context.to_placeholders(record.arn),
            document=document,
            raw=decode_document(record.document) if record.document is not None else None,
            unreadable=record.unreadable,
        )
        self._managed[(kind, record.arn)] = (record.document, policy)
        return policy

    def _canonical(self, role: RoleRecord, label: str, document: Any) -> PolicyDocument:
        try:
            return canonical_document(document, self._context.to_placeholders)
        except PolicyFormatError as exc:
            raise PolicyFormatError(f"role {role.name!r}, {label}: {exc}") from None
