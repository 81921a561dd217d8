"""AccountSnapshot -> NormalizedAccount: every identity placeholdered, documents canonical when needed.

Each role gets a signature first: the SHA-256 of its policies with `${Account}` and `${Env}` in place (the
same rewrite canonicalization applies, at the same places), encoded with sorted keys (see `signing`).
Canonical form is a function of that rewritten text, so equal signatures mean equal meaning, and the
comparison builds canonical documents only for roles whose signatures differ: a few percent of a large
account. (The price: a malformed document that is identical in both accounts is not noticed.)
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import Any

import orjson

from auditor.errors import PolicyFormatError, SnapshotFormatError
from auditor.model.arns import is_aws_managed
from auditor.model.documents import decode_document, depth_bounded
from auditor.model.normalized import NormalizedAccount, NormalizedPolicy, NormalizedRole, PolicyType, RoleParts
from auditor.model.policy import PolicyDocument
from auditor.model.snapshot import AccountSnapshot, ManagedPolicyRecord, RoleRecord
from auditor.normalize.placeholders import AccountContext
from auditor.normalize.policy import canonical_document
from auditor.normalize.signing import Signer


def normalize_account(
    snapshot: AccountSnapshot, name: str, env: str, tokens: tuple[str, ...] = (), origin: str = ""
) -> NormalizedAccount:
    """Normalize every role of a snapshot; a malformed document raises, naming `origin`, role and policy.

    `env` is the account's primary env token; `tokens` all of them (default: just `env`).
    """
    account = _without_roles(snapshot, name, env, tokens)
    normalizer = _AccountNormalizer(_context(account), origin)
    return replace(account, roles={role.name: normalizer.role(role) for role in snapshot.roles.values()})


def _without_roles(snapshot: AccountSnapshot, name: str, env: str, tokens: tuple[str, ...]) -> NormalizedAccount:
    return NormalizedAccount(
        name=name,
        env=env,
        env_tokens=tokens or (env,),
        account_id=snapshot.account_id,
        collected_at=snapshot.collected_at,
        source=snapshot.source,
        roles={},
    )


def _context(account: NormalizedAccount) -> AccountContext:
    return AccountContext(account.account_id, account.env, account.env_tokens)


PortableRole = tuple[str, str, str, dict[str, str], bytes, bool, bytes | memoryview]
"""name, ARN, path, tags, signature, has_unreadable, and the role's record as JSON (or pickled plain data)."""


@dataclass(frozen=True, slots=True)
class PortableAccount:
    """A normalized account in a form another process hands over cheaply: every role's signature, and each
    record as bytes, read back only for the few roles whose policies differ (pickling the whole snapshot
    costs more than reading the file)."""

    account: NormalizedAccount
    """The account without its roles: names, env tokens, ID and where it was read from."""
    origin: str
    roles: list[PortableRole]


def portable_account(
    snapshot: AccountSnapshot,
    name: str,
    env: str,
    tokens: tuple[str, ...] = (),
    origin: str = "",
    records: bool = True,
) -> PortableAccount:
    """`normalize_account` for another process: the signatures computed here, the canonical forms left for
    `restore_account` to build where they are needed. Without `records`, each role's is b"": the process that
    read the snapshot gives them as they are asked for (`role_records`)."""
    account = _without_roles(snapshot, name, env, tokens)
    normalizer = _AccountNormalizer(_context(account), origin)
    roles: list[PortableRole] = []
    for record in snapshot.roles.values():
        role = normalizer.role(record)
        packed = _packed(record) if records else b""
        roles.append((role.name, role.arn, role.path, role.tags, role.signature, role.has_unreadable, packed))
    return PortableAccount(account, origin, roles)


def role_records(snapshot: AccountSnapshot, names: Iterable[str]) -> list[bytes]:
    """The records of these roles of `snapshot`, as `portable_account` writes them."""
    return [_packed(snapshot.roles[name]) for name in names]


RecordSource = Callable[[list[str]], list[bytes]]
"""Where the records of an account's roles are taken from, by name, when its PortableAccount came without them."""


def restore_account(portable: PortableAccount, source: RecordSource | None = None) -> NormalizedAccount:
    """The NormalizedAccount a `PortableAccount` stands for; a role's record is validated again when its
    canonical policies are first needed. With `source`, the records are taken from it: those the account's
    `gather` names in one exchange, any other as its policies are built."""
    normalizer = _AccountNormalizer(_context(portable.account), portable.origin)
    taken: dict[str, bytes | memoryview] = {}

    def gather(names: Iterable[str]) -> None:
        if source is not None:
            wanted = [name for name in dict.fromkeys(names) if name not in taken]
            if wanted:
                taken.update(zip(wanted, source(wanted), strict=True))

    def record(name: str, plain: bytes | memoryview) -> RoleRecord:
        if source is not None:
            gather([name])
            plain = taken[name]
        return _record(plain)

    def role(item: PortableRole) -> NormalizedRole:
        name, arn, path, tags, signature, unreadable, plain = item
        return NormalizedRole(
            name, arn, path, tags, signature, lambda: normalizer.parts(record(name, plain)), unreadable
        )

    roles = {item[0]: role(item) for item in portable.roles}
    return replace(portable.account, roles=roles, gather=gather if source is not None else None)


def _plain(record: RoleRecord) -> dict[str, Any]:
    # Plain dicts serialize in C; pydantic models one by one through their state. The fields are all there is.
    plain = dict(record.__dict__)
    plain["managed_policies"] = [dict(policy.__dict__) for policy in record.managed_policies]
    if record.permissions_boundary is not None:
        plain["permissions_boundary"] = dict(record.permissions_boundary.__dict__)
    return plain


def _packed(record: RoleRecord) -> bytes:
    # A record is JSON data (loads_strict admits no infinity, which orjson would write as null): orjson writes
    # 10,000 of them in half the time pickle takes, and reads them back faster too.
    plain = _plain(record)
    try:
        return orjson.dumps(plain)
    except orjson.JSONEncodeError:  # integers beyond 64 bits, lone surrogates: rare enough for pickle
        return pickle.dumps(plain, protocol=pickle.HIGHEST_PROTOCOL)


def _record(packed: bytes | memoryview) -> RoleRecord:
    # Bytes from the worker process this run started, never from outside it: a JSON object, or a pickle. The worker
    # validated the record, its documents' depth included, so that check is not walked again here.
    plain = orjson.loads(packed) if packed[:1] == b"{" else pickle.loads(packed)
    with depth_bounded():
        return RoleRecord.model_validate(plain)


class _AccountNormalizer:
    """Normalizes the roles of one account, each managed policy once however many roles attach it."""

    def __init__(self, context: AccountContext, origin: str) -> None:
        self._context = context
        self._origin = origin
        self._managed: dict[tuple[str, str], tuple[Any, NormalizedPolicy]] = {}
        self._signer = Signer(context)
        self._signed: dict[str, tuple[Any, bool, tuple[str, Any]]] = {}

    def role(self, role: RoleRecord) -> NormalizedRole:
        """The role with its signature; its canonical policies are built on first use."""
        records = [*role.managed_policies, *([role.permissions_boundary] if role.permissions_boundary else [])]
        unreadable = any(record.unreadable is not None for record in records)
        try:
            signature = self._signature(role)
        except PolicyFormatError as exc:
            raise PolicyFormatError(f"role {role.name!r}: {exc}") from None
        return NormalizedRole(
            role.name, role.arn, role.path, role.tags, signature, lambda: self.parts(role), unreadable
        )

    def _signature(self, role: RoleRecord) -> bytes:
        entries = sorted(map(self._signed_entry, role.managed_policies), key=itemgetter(0))
        boundary = self._signed_entry(role.permissions_boundary)[1] if role.permissions_boundary else None
        # The signed parts run to kilobytes a role, held for every role of the baseline all run long and sent
        # back by a worker process; no one can write two texts of one digest, so the digest decides as well.
        return self._signer.signature(
            [role.inline_policies, role.trust_policy], [[entry for _, entry in entries], boundary]
        )

    def _signed_entry(self, record: ManagedPolicyRecord) -> tuple[str, Any]:
        """The policy's ARN with placeholders (how entries are ordered), and its entry signed: that ARN, its
        document (None for an AWS managed policy, compared by ARN alone: see NormalizedPolicy.comparable) and
        whether it could not be read."""
        # A customer managed policy is attached to many roles: comparing its document with the one signed last
        # time is one C-level comparison, signing it again a pass over the whole document.
        unreadable = record.unreadable is not None
        cached = self._signed.get(record.arn)
        if (
            cached is not None
            and cached[1] == unreadable
            and (cached[0] is record.document or cached[0] == record.document)
        ):
            return cached[2]
        document = None if is_aws_managed(record.arn) else record.document
        entry = (self._context.to_placeholders(record.arn), self._signer.signed([record.arn, document, unreadable]))
        self._signed[record.arn] = (record.document, unreadable, entry)
        return entry

    def parts(self, role: RoleRecord) -> RoleParts:
        """The role's policies in canonical form; a malformed document names the origin, role and policy."""
        try:
            return self._canonical_parts(role)
        except PolicyFormatError as exc:
            if self._origin:
                raise SnapshotFormatError(f"{self._origin}: {exc}") from None
            raise

    def _canonical_parts(self, role: RoleRecord) -> RoleParts:
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
        return RoleParts(
            inline=inline, managed={policy.key: policy for policy in managed}, trust=trust, boundary=boundary
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
