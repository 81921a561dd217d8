"""Read-only by construction: every client the tool makes refuses operations not listed here."""

from __future__ import annotations

from typing import Any

from auditor.errors import ReadOnlyViolationError

ALLOWED_OPERATIONS: dict[str, frozenset[str]] = {
    "sts": frozenset({"AssumeRole", "GetCallerIdentity"}),
    "iam": frozenset({"GetAccountAuthorizationDetails", "GetPolicy", "GetPolicyVersion"}),
    "organizations": frozenset({"ListAccounts"}),  # --all-accounts, in the management account only
}


def install_read_only_guard(client: Any) -> Any:
    """Register the allowlist check on a boto3 client; it runs before the request is built or signed."""
    client.meta.events.register("before-parameter-build.*.*", _refuse_unlisted)
    return client


def _refuse_unlisted(model: Any, **_: Any) -> None:
    service = model.service_model.service_name
    if model.name not in ALLOWED_OPERATIONS.get(service, frozenset()):
        raise ReadOnlyViolationError(
            f"refused {service}:{model.name}: iam-drift-auditor only calls read-only operations"
        )
