"""Read an account through the IAM API: assume the auditor's role, page GAAD, fetch AWS managed documents."""

from __future__ import annotations

import functools
import logging
import os
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast
from urllib.parse import urlsplit

import boto3
import botocore.config
import botocore.exceptions
import botocore.loaders
import botocore.parsers
import botocore.session
from pydantic import ValidationError

from auditor.config import ResolvedAccount
from auditor.errors import AssumeRoleError, InputFormatError, SourceError
from auditor.model.arns import policy_name
from auditor.model.snapshot import AccountSnapshot, ManagedPolicyRecord
from auditor.redact import SECRET_VARIABLES, register_secret
from auditor.sources.calls import DENIED, ApiCalls, call_aws, field
from auditor.sources.gaad import snapshot_from_gaad
from auditor.sources.guard import install_read_only_guard

log = logging.getLogger(__name__)
SESSION_NAME = "iam-drift-auditor"
GAAD_FILTER = ["Role", "LocalManagedPolicy"]
GAAD_PAGE_SIZE = 1000
DEFAULT_MAX_ATTEMPTS = 10
CONNECT_TIMEOUT = 10
READ_TIMEOUT = 60
MAX_PAGES = 1000
"""GAAD pages of 1,000 items: far beyond IAM's quotas (roles and customer managed policies per account)."""
_INSTRUMENTED = "_iam_drift_auditor_instrumented"
_CREDENTIAL_KEYS = ("AccessKeyId", "SecretAccessKey", "SessionToken")
_SESSION_ARGUMENTS = ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")


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


@functools.cache
def _shared_loader() -> Any:
    """One botocore data loader for every session of the process. Each session would otherwise parse the
    service models and endpoint data again: per account, as much CPU as paging a 300-role GAAD, and heap
    churn (a 50-member organization peaked at 392 MiB, 320 with the loader shared; bench/RESULTS.md)."""
    return botocore.loaders.create_loader()


@dataclass(frozen=True)
class ClientFactory:
    """Makes every AWS session and client of a run: read-only guard, retries, call counting, extra event hooks."""

    calls: ApiCalls | None = None
    max_attempts: int | None = None
    hooks: tuple[tuple[str, Callable[..., Any]], ...] = ()
    """(botocore event, handler) pairs registered on every client, e.g. to instrument or inject faults."""

    def session(self, profile: str | None = None, region: str | None = None, **credentials: str) -> boto3.Session:
        """A session whose every client is guarded and counted, including the STS, SSO and web-identity
        clients botocore makes by itself to resolve a profile's credentials."""
        core = botocore.session.Session(profile=profile)
        core.register_component("data_loader", _shared_loader())
        self._instrument(core.register)
        core.set_config_variable("region", region or "us-east-1")
        setattr(core, _INSTRUMENTED, True)
        return boto3.Session(botocore_session=core, region_name=region or "us-east-1", **credentials)

    def client(self, session: boto3.Session, service: str) -> Any:
        """A guarded, retrying, counted client; the endpoint comes from boto3's own AWS_ENDPOINT_URL support."""
        # AWS_MAX_ATTEMPTS is the SDKs' standard knob; an explicit Config would otherwise silently override it.
        attempts = self.max_attempts or int(os.environ.get("AWS_MAX_ATTEMPTS") or DEFAULT_MAX_ATTEMPTS)
        config = botocore.config.Config(
            retries={"mode": "adaptive", "total_max_attempts": attempts},
            connect_timeout=CONNECT_TIMEOUT,
            read_timeout=READ_TIMEOUT,
        )
        # The service is one of a few read-only ones (see guard.py); boto3's typed overloads want a literal name.
        made = cast(Any, session).client(service, config=config)
        _warn_if_cleartext(made.meta.endpoint_url)
        if not getattr(session._session, _INSTRUMENTED, False):  # a session made elsewhere: guard this client
            self._instrument(made.meta.events.register)
        return made

    def _instrument(self, register: Callable[..., Any]) -> None:
        install_read_only_guard(register)
        for event, handler in self.hooks:
            register(event, handler)
        if self.calls is not None:
            self.calls.attach(register)


_warned: set[str] = set()


def cleartext_warning(endpoint: str) -> str | None:
    """What to say about an endpoint that would carry signed requests and IAM data unencrypted; None if safe."""
    parsed = urlsplit(endpoint)
    host = (parsed.hostname or "").casefold()
    if parsed.scheme != "http" or host == "localhost" or host.startswith("127.") or host == "::1":
        return None
    return f"the AWS endpoint {endpoint} is plain http: requests and IAM data travel unencrypted"


def _warn_if_cleartext(endpoint: str) -> None:
    warning = cleartext_warning(endpoint)
    if warning is not None and endpoint not in _warned:
        _warned.add(endpoint)
        log.warning("%s", warning)


def collect_live(
    account: ResolvedAccount, cache: ManagedPolicyCache, now: datetime, factory: ClientFactory | None = None
) -> AccountSnapshot:
    """Everything the comparison needs from one live account; SourceError if it cannot be read."""
    factory = factory or ClientFactory()
    session, account_id = open_session(account, factory)
    iam = factory.client(session, "iam")
    try:
        gaad = read_authorization_details(iam)
        extra = {arn: cache.get(iam, arn) for arn in sorted(_aws_managed_arns(gaad))}
    except SourceError as exc:
        raise SourceError(f"account {account.name!r}: {exc}", exc.fix) from exc.__cause__
    try:
        return snapshot_from_gaad(gaad, collected_at=now, source="live", account_id=account_id, extra_policies=extra)
    except (InputFormatError, ValidationError) as exc:
        raise SourceError(f"account {account.name!r}: unexpected GetAccountAuthorizationDetails data: {exc}") from exc


def client(session: boto3.Session, service: str) -> Any:
    """A guarded, retrying client with default settings."""
    return ClientFactory().client(session, service)


def open_session(account: ResolvedAccount, factory: ClientFactory | None = None) -> tuple[boto3.Session, str]:
    """A session acting in the account (assumed role, or the source credentials) and its account ID."""
    factory = factory or ClientFactory()
    _check_environment_credentials(account)
    try:
        base = factory.session(account.profile, account.region)
        sts = factory.client(base, "sts")
    except botocore.exceptions.ProfileNotFound as exc:
        raise SourceError(f"account {account.name!r}: {exc}") from None
    if account.role_arn is None:
        identity = call_aws(account, "sts:GetCallerIdentity", sts.get_caller_identity)
        _register_credentials(base)
        account_id = field(account, "sts:GetCallerIdentity", identity, "Account")
        if not isinstance(account_id, str) or not re.fullmatch(r"[0-9]{12}", account_id):
            raise SourceError(f"account {account.name!r}: sts:GetCallerIdentity returned no account ID")
        return base, account_id
    params: dict[str, Any] = {"RoleArn": account.role_arn, "RoleSessionName": SESSION_NAME}
    if account.external_id:
        params["ExternalId"] = account.external_id
    try:
        response = call_aws(account, "sts:AssumeRole", sts.assume_role, resource=account.role_arn, **params)
    except SourceError as exc:
        raise AssumeRoleError(
            f"{exc} (role {account.role_arn}; its trust policy must also trust the caller)", exc.fix
        ) from exc.__cause__
    _register_credentials(base)
    credentials = field(account, "sts:AssumeRole", response, "Credentials")
    keys = [field(account, "sts:AssumeRole", credentials, key) for key in _CREDENTIAL_KEYS]
    if not all(isinstance(key, str) and key for key in keys):
        raise SourceError(f"account {account.name!r}: sts:AssumeRole returned malformed credentials")
    register_secret(*keys)
    assumed = factory.session(region=account.region, **dict(zip(_SESSION_ARGUMENTS, keys, strict=True)))
    return assumed, account.role_arn.split(":")[4]


def _check_environment_credentials(account: ResolvedAccount) -> None:
    # A value pasted from a Windows file keeps its CR; botocore would fail later quoting the whole secret.
    for variable in SECRET_VARIABLES:
        value = os.environ.get(variable)
        if value and value != value.strip():
            raise SourceError(f"account {account.name!r}: {variable} has leading or trailing white space (a stray CR?)")


def _register_credentials(session: boto3.Session) -> None:
    # Credentials from a profile, SSO or a web identity are known only once resolved: mask them from now on.
    resolved = session.get_credentials()
    if resolved is not None:
        frozen = resolved.get_frozen_credentials()
        register_secret(frozen.access_key, frozen.secret_key, frozen.token)


def read_authorization_details(iam: Any) -> dict[str, list[Any]]:
    """All roles and customer managed policies, following `Marker` until `IsTruncated` is false.

    A page that repeats an earlier marker, or more pages than any account can fill, is an error, not a loop.
    """
    action = "iam:GetAccountAuthorizationDetails"
    roles: list[Any] = []
    policies: list[Any] = []
    params: dict[str, Any] = {"Filter": GAAD_FILTER, "MaxItems": GAAD_PAGE_SIZE}
    markers: set[str] = set()
    for _ in range(MAX_PAGES):
        page = call_aws(None, action, iam.get_account_authorization_details, **params)
        roles.extend(page.get("RoleDetailList", []))
        policies.extend(page.get("Policies", []))
        if not page.get("IsTruncated"):
            return {"RoleDetailList": roles, "Policies": policies}
        marker = page.get("Marker")
        if not isinstance(marker, str) or not marker:
            raise SourceError(f"{action} said there was more but gave no Marker to read it")
        if marker in markers:
            raise SourceError(f"{action} returned the same Marker twice; the listing would never end")
        markers.add(marker)
        params["Marker"] = marker
    raise SourceError(
        f"{action} still had more after {MAX_PAGES} pages of {GAAD_PAGE_SIZE}; no account holds that much"
    )


def _aws_managed_arns(gaad: dict[str, list[Any]]) -> Iterable[str]:
    local = {policy.get("Arn") for policy in gaad["Policies"] if isinstance(policy, dict)}
    for role in gaad["RoleDetailList"]:
        if not isinstance(role, dict):
            continue  # snapshot_from_gaad names the malformed entry
        arns = [a.get("PolicyArn") for a in role.get("AttachedManagedPolicies") or [] if isinstance(a, dict)]
        boundary = role.get("PermissionsBoundary")
        if isinstance(boundary, dict):
            arns.append(boundary.get("PermissionsBoundaryArn"))
        yield from (arn for arn in arns if isinstance(arn, str) and arn not in local)


def _fetch_managed(iam: Any, arn: str) -> ManagedPolicyRecord:
    name = policy_name(arn)
    try:
        policy = call_aws(None, "iam:GetPolicy", iam.get_policy, resource=arn, PolicyArn=arn)
        version_id = field(None, "iam:GetPolicy", field(None, "iam:GetPolicy", policy, "Policy"), "DefaultVersionId")
        version = call_aws(
            None, "iam:GetPolicyVersion", iam.get_policy_version, resource=arn, PolicyArn=arn, VersionId=version_id
        )
        document = field(
            None, "iam:GetPolicyVersion", field(None, "iam:GetPolicyVersion", version, "PolicyVersion"), "Document"
        )
    except SourceError as exc:
        error = exc.__cause__
        if not isinstance(error, botocore.exceptions.ClientError):
            raise  # the network or the endpoint failed: the account cannot be read, not this policy
        code = error.response.get("Error", {}).get("Code", "")
        if code in DENIED:
            reason = f"AccessDenied on iam:GetPolicy/iam:GetPolicyVersion for {arn}"
        else:
            reason = f"{code or 'error'} reading {arn}: {error.response.get('Error', {}).get('Message', '')}".strip()
        return ManagedPolicyRecord(name=name, arn=arn, unreadable=reason)
    return ManagedPolicyRecord(name=policy.get("Policy", {}).get("PolicyName", name), arn=arn, document=document)
