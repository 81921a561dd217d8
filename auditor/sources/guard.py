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
