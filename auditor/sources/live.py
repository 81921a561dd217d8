"""Read an account through the IAM API: assume the auditor's role, page GAAD, fetch AWS managed documents."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import boto3
import botocore.config
import botocore.exceptions
from pydantic import ValidationError

from auditor.config import ResolvedAccount
from auditor.errors import AssumeRoleError, InputFormatError, SourceError
from auditor.model.gaad import policy_name, snapshot_from_gaad
from auditor.model.snapshot import AccountSnapshot, ManagedPolicyRecord
from auditor.sources.calls import ApiCalls
from auditor.sources.guard import install_read_only_guard

SESSION_NAME = "iam-drift-auditor"
GAAD_FILTER = ["Role", "LocalManagedPolicy"]
GAAD_PAGE_SIZE = 1000
_DENIED = frozenset({"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"})
_THROTTLED = frozenset({"Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException"})
DEFAULT_MAX_ATTEMPTS = 10


class ManagedPolicyCache:
    """AWS managed policy documents are the same in every account: fetch each once per run."""

    def __init__(self) -> None:
        self._records: dict[str, ManagedPolicyRecord] = {}
        self._lock = threading.Lock()

    def get(self, iam: Any, arn: str) -> ManagedPolicyRecord:
        """The policy's default document, from cache or from IAM; unreadable policies are not cached."""
        with self._lock:
            cached = self._records.get(arn)
        if cached is not None:
            return cached
        record = _fetch_managed(iam, arn)
        if record.unreadable is None:
            with self._lock:
                self._records[arn] = record
        return record


@dataclass(frozen=True)
class ClientFactory:
    """Makes every AWS client of a run: read-only guard, retries, call counting, extra event hooks."""

    calls: ApiCalls | None = None
    max_attempts: int | None = None
    hooks: tuple[tuple[str, Callable[..., Any]], ...] = ()
    """(botocore event, handler) pairs registered on every client, e.g. to instrument or inject faults."""

    def client(self, session: boto3.Session, service: str) -> Any:
        """A guarded, retrying, counted client; the endpoint comes from boto3's own AWS_ENDPOINT_URL support."""
        # AWS_MAX_ATTEMPTS is the SDKs' standard knob; an explicit Config would otherwise silently override it.
        attempts = self.max_attempts or int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        config = botocore.config.Config(retries={"mode": "adaptive", "total_max_attempts": attempts})
        made = install_read_only_guard(session.client(service, config=config))
        for event, handler in self.hooks:
            made.meta.events.register(event, handler)
        return self.calls.attach(made) if self.calls is not None else made


def collect_live(
    account: ResolvedAccount, cache: ManagedPolicyCache, now: datetime, factory: ClientFactory | None = None
) -> AccountSnapshot:
    """Everything the comparison needs from one live account; SourceError if it cannot be read."""
    factory = factory or ClientFactory()
    session, account_id = open_session(account, factory)
    iam = factory.client(session, "iam")
    try:
        gaad = read_authorization_details(iam)
    except SourceError as exc:
        raise SourceError(f"account {account.name!r}: {exc}", exc.fix) from exc.__cause__
    extra = {arn: cache.get(iam, arn) for arn in sorted(_aws_managed_arns(gaad))}
    try:
        return snapshot_from_gaad(gaad, collected_at=now, source="live", account_id=account_id, extra_policies=extra)
    except (InputFormatError, ValidationError) as exc:
        raise SourceError(f"account {account.name!r}: unexpected GetAccountAuthorizationDetails data: {exc}") from exc


def client(session: boto3.Session, service: str) -> Any:
    """A guarded, retrying client with default settings."""
    return ClientFactory().client(session, service)


def open_session(account: ResolvedAccount, factory: ClientFactory | None = None) -> tuple[boto3.Session, str]:
    """A session acting in the account (assumed role, or the source credentials) and its account ID."""
    try:
        base = boto3.Session(profile_name=account.profile, region_name=account.region or "us-east-1")
    except botocore.exceptions.ProfileNotFound as exc:
        raise SourceError(f"account {account.name!r}: {exc}") from None
    sts = (factory or ClientFactory()).client(base, "sts")
    if account.role_arn is None:
        identity = call_aws(account, "sts:GetCallerIdentity", sts.get_caller_identity)
        return base, identity["Account"]
    params: dict[str, Any] = {"RoleArn": account.role_arn, "RoleSessionName": SESSION_NAME}
    if account.external_id:
        params["ExternalId"] = account.external_id
    try:
        response = call_aws(account, "sts:AssumeRole", sts.assume_role, resource=account.role_arn, **params)
    except SourceError as exc:
        raise AssumeRoleError(
            f"{exc} (role {account.role_arn}; its trust policy must also trust the caller)", exc.fix
        ) from exc.__cause__
    credentials = response["Credentials"]
    assumed = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name=account.region or "us-east-1",
    )
    return assumed, account.role_arn.split(":")[4]


def read_authorization_details(iam: Any) -> dict[str, list[Any]]:
    """All roles and customer managed policies, following `Marker` until `IsTruncated` is false."""
    roles: list[Any] = []
    policies: list[Any] = []
    params: dict[str, Any] = {"Filter": GAAD_FILTER, "MaxItems": GAAD_PAGE_SIZE}
    while True:
        page = call_aws(None, "iam:GetAccountAuthorizationDetails", iam.get_account_authorization_details, **params)
        roles.extend(page.get("RoleDetailList", []))
        policies.extend(page.get("Policies", []))
        if not page.get("IsTruncated"):
            return {"RoleDetailList": roles, "Policies": policies}
        params["Marker"] = page["Marker"]


def _aws_managed_arns(gaad: dict[str, list[Any]]) -> Iterable[str]:
    local = {policy["Arn"] for policy in gaad["Policies"]}
    for role in gaad["RoleDetailList"]:
        arns = [attached["PolicyArn"] for attached in role.get("AttachedManagedPolicies", [])]
        if role.get("PermissionsBoundary"):
            arns.append(role["PermissionsBoundary"]["PermissionsBoundaryArn"])
        yield from (arn for arn in arns if arn not in local)


def _fetch_managed(iam: Any, arn: str) -> ManagedPolicyRecord:
    name = policy_name(arn)
    try:
        policy = iam.get_policy(PolicyArn=arn)["Policy"]
        version = iam.get_policy_version(PolicyArn=arn, VersionId=policy["DefaultVersionId"])
    except botocore.exceptions.ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _DENIED:
            reason = f"AccessDenied on iam:GetPolicy/iam:GetPolicyVersion for {arn}"
        else:
            reason = f"{code or 'error'} reading {arn}: {exc.response.get('Error', {}).get('Message', '')}".strip()
        return ManagedPolicyRecord(name=name, arn=arn, unreadable=reason)
    return ManagedPolicyRecord(
        name=policy.get("PolicyName", name), arn=arn, document=version["PolicyVersion"]["Document"]
    )


def call_aws(account: ResolvedAccount | None, action: str, func: Any, resource: str = "*", **params: Any) -> Any:
    """Call `func`, turning AWS errors into SourceError that names the action (and the statement to add)."""
    where = f"account {account.name!r}: " if account else ""
    try:
        return func(**params)
    except botocore.exceptions.ClientError as exc:
        error = exc.response.get("Error", {})
        code = error.get("Code", "")
        if code in _DENIED:
            statement = json.dumps({"Effect": "Allow", "Action": action, "Resource": resource})
            raise SourceError(
                f"{where}AccessDenied on {action}; add to the auditor's policy: {statement}", statement
            ) from exc
        if code in _THROTTLED:
            raise SourceError(
                f"{where}{action} still throttled after the allowed retries; run again later or raise "
                "aws.max_attempts in the config",
                "aws.max_attempts",
            ) from exc
        raise SourceError(f"{where}{action} failed: {code}: {error.get('Message', '')}".rstrip(": ")) from exc
    except botocore.exceptions.NoCredentialsError as exc:
        raise SourceError(
            f"{where}no AWS credentials found for {action} (set a profile or the standard chain)"
        ) from exc
    except botocore.exceptions.BotoCoreError as exc:
        raise SourceError(f"{where}{action} failed: {exc}") from exc
