"""Roles and accounts after normalization: what the matcher and the differ work on."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from auditor.model.base import Frozen
from auditor.model.gaad import is_aws_managed
from auditor.model.policy import PolicyDocument
from auditor.model.snapshot import JsonObject

PolicyType = Literal["inline", "managed", "trust", "boundary"]


class NormalizedPolicy(Frozen):
    """A policy in canonical form, with the document as written kept for display and fixes."""

    name: str
    type: PolicyType
    arn: str | None = None
    """The ARN as collected (managed policies and boundaries only)."""
    key: str
    """Identity across accounts: the inline name, or the ARN with account ID and env as placeholders."""
    document: PolicyDocument | None = None
    """None when the document was not available (see `unreadable`) or not captured."""
    raw: JsonObject | None = None
    unreadable: str | None = None

    @property
    def aws_managed(self) -> bool:
        """True for policies AWS owns (`arn:aws:iam::aws:policy/...`)."""
        return self.arn is not None and is_aws_managed(self.arn)

    def comparable(self) -> object:
        """What decides equality across accounts."""
        if self.aws_managed:
            # One ARN, one document in every account: a snapshot that lacks the document still compares.
            return (self.key,)
        return (self.key, self.document, self.unreadable is not None)


class NormalizedRole(Frozen):
    """A role keyed by its parts' cross-account identities."""

    name: str
    arn: str
    path: str
    inline: dict[str, NormalizedPolicy]
    managed: dict[str, NormalizedPolicy]
    trust: NormalizedPolicy | None = None
    boundary: NormalizedPolicy | None = None
    tags: dict[str, str]

    def comparable(self) -> dict[str, object]:
        """The role's meaning as plain nested data; equal views mean no drift."""
        return {
            "inline": {key: policy.comparable() for key, policy in self.inline.items()},
            "managed": {key: policy.comparable() for key, policy in self.managed.items()},
            "trust": self.trust.comparable() if self.trust else None,
            "boundary": self.boundary.comparable() if self.boundary else None,
        }


class NormalizedAccount(Frozen):
    """One account's roles in canonical form, with what is needed to put placeholders back."""

    name: str
    env: str
    env_tokens: tuple[str, ...]
    account_id: str
    collected_at: datetime
    source: str
    roles: dict[str, NormalizedRole]
