"""The one place that knows the shape of `GetAccountAuthorizationDetails` output.

Live collection and offline GAAD files both pass through `snapshot_from_gaad`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from auditor.errors import InputFormatError, PolicyFormatError
from auditor.model.arns import is_aws_managed, policy_name
from auditor.model.base import error_location
from auditor.model.documents import decode_document
from auditor.model.snapshot import AccountSnapshot, JsonObject, ManagedPolicyRecord, RoleRecord

GAAD_KEYS = frozenset({"RoleDetailList", "Policies", "UserDetailList", "GroupDetailList"})


class _Lenient(BaseModel):
    # AWS adds fields over time; we read what we need and ignore the rest.
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Attached(_Lenient):
    PolicyName: str | None = None
    PolicyArn: str


class _Boundary(_Lenient):
    PermissionsBoundaryArn: str


class _Tag(_Lenient):
    Key: str
    Value: str


class _InlinePolicy(_Lenient):
    PolicyName: str
    PolicyDocument: JsonObject | str


class _Role(_Lenient):
    RoleName: str
    Arn: str
    Path: str = "/"
    AssumeRolePolicyDocument: JsonObject | str | None = None
    RolePolicyList: list[_InlinePolicy] = Field(default_factory=list)
    AttachedManagedPolicies: list[_Attached] = Field(default_factory=list)
    PermissionsBoundary: _Boundary | None = None
    Tags: list[_Tag] = Field(default_factory=list)


class _Version(_Lenient):
    Document: JsonObject | str
    IsDefaultVersion: bool


class _Policy(_Lenient):
    Arn: str
    PolicyName: str | None = None
    PolicyVersionList: list[_Version] = Field(default_factory=list)


class _Gaad(_Lenient):
    RoleDetailList: list[_Role] = Field(default_factory=list)
    Policies: list[_Policy] = Field(default_factory=list)


def looks_like_gaad(data: Any) -> bool:
    """True if `data` has the top-level keys of a GAAD response."""
    return isinstance(data, dict) and bool(GAAD_KEYS & set(data)) and "format" not in data


def snapshot_from_gaad(
    data: Mapping[str, Any],
    *,
    collected_at: datetime,
    source: str,
    account_id: str | None = None,
    extra_policies: Mapping[str, ManagedPolicyRecord] | None = None,
) -> AccountSnapshot:
    """Build a snapshot from GAAD data; `extra_policies` supplies documents GAAD left out (AWS managed)."""
    try:
        gaad = _Gaad.model_validate(data)
    except ValidationError as exc:
        raise InputFormatError(_describe(exc, data)) from None
    _unique("policy", [policy.Arn for policy in gaad.Policies])
    _unique("role", [role.RoleName for role in gaad.RoleDetailList])
    documents = {policy.Arn: _default_document(policy) for policy in gaad.Policies}
    extra = extra_policies or {}
    roles = {role.RoleName: _role(role, documents, extra) for role in gaad.RoleDetailList}
    return AccountSnapshot(
        account_id=account_id or _account_of(gaad),
        collected_at=collected_at,
        source=source,
        roles=dict(sorted(roles.items())),
    )


def _default_document(policy: _Policy) -> JsonObject | None:
    document = next((v.Document for v in policy.PolicyVersionList if v.IsDefaultVersion), None)
    try:
        return decode_document(document)  # type: ignore[no-any-return]
    except PolicyFormatError as exc:
        raise InputFormatError(f"policy {policy.Arn}: {exc}") from None


def _record(
    arn: str, name: str | None, documents: Mapping[str, Any], extra: Mapping[str, ManagedPolicyRecord]
) -> ManagedPolicyRecord:
    if arn in extra:
        return extra[arn]
    document = documents.get(arn)
    unreadable = None
    if document is None and not is_aws_managed(arn):
        # A customer managed policy whose document the data lacks must not read as "no permissions".
        unreadable = "its document is not in the GetAccountAuthorizationDetails data"
    return ManagedPolicyRecord(name=name or policy_name(arn), arn=arn, document=document, unreadable=unreadable)


def _unique(what: str, names: list[str]) -> None:
    # IAM names are unique per account; two entries of one name mean a damaged file, and either could win.
    repeated = next((name for name, count in Counter(names).items() if count > 1), None)
    if repeated is not None:
        raise InputFormatError(f"{what} {repeated!r} appears more than once")


def _role(role: _Role, documents: Mapping[str, Any], extra: Mapping[str, ManagedPolicyRecord]) -> RoleRecord:
    _unique(f"role {role.RoleName!r}: inline policy", [policy.PolicyName for policy in role.RolePolicyList])
    attached = [_record(a.PolicyArn, a.PolicyName, documents, extra) for a in role.AttachedManagedPolicies]
    boundary = None
    if role.PermissionsBoundary is not None:
        boundary = _record(role.PermissionsBoundary.PermissionsBoundaryArn, None, documents, extra)
    try:
        trust = decode_document(role.AssumeRolePolicyDocument)
        inline = {p.PolicyName: decode_document(p.PolicyDocument) for p in role.RolePolicyList}
    except PolicyFormatError as exc:
        raise InputFormatError(f"role {role.RoleName!r}: {exc}") from None
    return RoleRecord(
        name=role.RoleName,
        arn=role.Arn,
        path=role.Path,
        trust_policy=trust,
        inline_policies=inline,
        managed_policies=sorted(attached, key=lambda record: record.arn),
        permissions_boundary=boundary,
        tags={tag.Key: tag.Value for tag in role.Tags},
    )


def _account_of(gaad: _Gaad) -> str:
    # A GAAD file can mention other accounts (trusted principals); the roles' own ARNs say whose it is.
    ids = Counter(arn.split(":")[4] for arn in (r.Arn for r in gaad.RoleDetailList) if arn.count(":") >= 5)
    if not ids:
        raise InputFormatError("no role ARN to take the account ID from; give the account ID explicitly")
    return ids.most_common(1)[0][0]


def _describe(exc: ValidationError, data: Mapping[str, Any]) -> str:
    error = exc.errors()[0]
    loc = error["loc"]
    where = error_location(loc)
    role = ""
    if len(loc) >= 2 and loc[0] == "RoleDetailList" and isinstance(loc[1], int):
        entry = data.get("RoleDetailList", [])[loc[1]]
        if isinstance(entry, dict) and isinstance(entry.get("RoleName"), str):
            role = f"role {entry['RoleName']!r}: "
    return f"{role}{where}: {error['msg']}"
