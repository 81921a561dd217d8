"""The member accounts of an AWS Organization, as accounts the auditor can read (for --all-accounts)."""

from __future__ import annotations

import re
from collections import Counter
from fnmatch import fnmatchcase

from auditor.config import OrganizationConfig, ResolvedAccount
from auditor.errors import UsageError
from auditor.names import sanitized
from auditor.sources.calls import call_aws
from auditor.sources.live import ClientFactory, open_session

_SEGMENTS = re.compile(r"[-_.]")


def member_accounts(
    baseline: ResolvedAccount, organization: OrganizationConfig, factory: ClientFactory
) -> tuple[str, list[ResolvedAccount]]:
    """The baseline's account ID, and every other ACTIVE account in scope, read through the member role."""
    lister = ResolvedAccount(
        name="organization",
        env="organization",
        role_arn=organization.role_arn or baseline.role_arn,
        external_id=baseline.external_id if organization.role_arn is None else None,
        profile=baseline.profile,
        region=baseline.region,
    )
    session, _ = open_session(lister, factory)
    baseline_id = _baseline_id(baseline, factory)
    org = factory.client(session, "organizations")
    members: list[ResolvedAccount] = []
    params: dict[str, str] = {}
    while True:
        page = call_aws(lister, "organizations:ListAccounts", org.list_accounts, **params)
        for account in page.get("Accounts", []):
            if account.get("Status", "ACTIVE") != "ACTIVE" or account["Id"] == baseline_id:
                continue
            if _in_scope(account["Name"], organization):
                members.append(_member(account["Id"], account["Name"], organization))
        if not page.get("NextToken"):
            return baseline_id, _unique(members)
        params["NextToken"] = page["NextToken"]


def _baseline_id(baseline: ResolvedAccount, factory: ClientFactory) -> str:
    if baseline.role_arn:
        return baseline.role_arn.split(":")[4]
    return open_session(baseline, factory)[1]


def _in_scope(name: str, organization: OrganizationConfig) -> bool:
    included = any(fnmatchcase(name, glob) for glob in organization.include)
    return included and not any(fnmatchcase(name, glob) for glob in organization.exclude)


def _unique(members: list[ResolvedAccount]) -> list[ResolvedAccount]:
    # Labels carry the account ID, so two accounts can never share one; a label seen twice means the
    # listing named one account twice, and reading it twice while another went unread is not an option.
    labels = Counter(member.name for member in members)
    repeated = sorted(label for label, count in labels.items() if count > 1)
    if repeated:
        raise UsageError(f"organizations:ListAccounts listed {', '.join(repeated)} more than once; run again")
    return sorted(members, key=lambda member: member.name)


def _member(account_id: str, name: str, organization: OrganizationConfig) -> ResolvedAccount:
    # A member is labelled by its name made file-safe and its account ID, which makes the label unique
    # (names are not: `payments dev` and `payments-dev`, or two `sandbox`). Its env token is the last
    # segment of its name: payments-dev -> dev.
    safe = sanitized(name)
    env = sanitized(_SEGMENTS.split(safe)[-1], "A-Za-z0-9", "") if safe else ""
    return ResolvedAccount(
        name=f"{safe}-{account_id}" if safe else account_id,
        env=env or account_id,
        role_arn=f"arn:aws:iam::{account_id}:role/{organization.member_role_name}",
        external_id=organization.external_id,
    )
