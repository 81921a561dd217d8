"""Read-only by construction: every client the tool makes refuses operations not listed here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from auditor.errors import ReadOnlyViolationError

ALLOWED_OPERATIONS: dict[str, frozenset[str]] = {
    # Credentials: the configured role, and what botocore calls itself to resolve a profile's credentials.
    "sts": frozenset({"AssumeRole", "AssumeRoleWithWebIdentity", "GetCallerIdentity"}),
    "sso": frozenset({"GetRoleCredentials"}),
    "sso-oidc": frozenset({"CreateToken"}),
    "iam": frozenset({"GetAccountAuthorizationDetails", "GetPolicy", "GetPolicyVersion"}),
    "organizations": frozenset({"ListAccounts"}),  # --all-accounts, in the management account only
}
CREDENTIAL_SERVICES = frozenset({"sts", "sso", "sso-oidc"})
"""Called with the source credentials before any role is assumed; the auditor's role needs none of them."""


def install_read_only_guard(register: Callable[..., Any]) -> None:
    """Register the allowlist check with `register` (a client's or a session's); it runs before a request is built."""
    register("before-parameter-build.*.*", _refuse_unlisted)


def _refuse_unlisted(model: Any, **_: Any) -> None:
    service = model.service_model.service_name
    if model.name not in ALLOWED_OPERATIONS.get(service, frozenset()):
        raise ReadOnlyViolationError(
            f"refused {service}:{model.name}: iam-drift-auditor only calls read-only operations"
        )


HISTORY_OPERATIONS = frozenset({"ListObjectsV2", "GetObject", "PutObject"})
"""The history store lists, reads and writes objects; it never deletes, copies or changes a bucket."""


def install_history_guard(register: Callable[..., Any], bucket: str, prefix: str) -> None:
    """Register a check that lets clients call only HISTORY_OPERATIONS on keys under `prefix` in `bucket`
    (and STS/SSO to resolve credentials)."""

    def refuse_outside(model: Any, params: dict[str, Any], **_: Any) -> None:
        service = model.service_model.service_name
        if service in CREDENTIAL_SERVICES:
            _refuse_unlisted(model)
            return
        key = params.get("Key", params.get("Prefix"))
        inside = params.get("Bucket") == bucket and isinstance(key, str) and key.startswith(prefix)
        if service != "s3" or model.name not in HISTORY_OPERATIONS or not inside:
            raise ReadOnlyViolationError(
                f"refused {service}:{model.name}: the history store may only list, read and write objects "
                f"under s3://{bucket}/{prefix}"
            )

    register("before-parameter-build.*.*", refuse_outside)
