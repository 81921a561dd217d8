"""Canonical policy documents: equal in meaning means equal as values.

Instances are built by `auditor.normalize`; every field is already sorted, de-duplicated and
case-folded where IAM is case-insensitive, so `==` and hashing are the comparison.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Canonical(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Principal(_Canonical):
    """One principal entry: `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for everyone."""

    type: str
    value: str


class Condition(_Canonical):
    """One condition test: operator, key (case-folded: IAM keys are case-insensitive), sorted values."""

    operator: str
    key: str
    values: tuple[str, ...]


class Statement(_Canonical):
    """One statement; Sid is dropped because it carries no meaning."""

    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: tuple[Principal, ...] = ()
    not_principals: tuple[Principal, ...] = ()
    conditions: tuple[Condition, ...] = ()

    @property
    def action_keys(self) -> tuple[str, ...]:
        """Actions this statement covers, with a NotAction list shown as one `NotAction:` key."""
        if self.not_actions:
            return ("NotAction:" + ",".join(self.not_actions),)
        return self.actions


class PolicyDocument(_Canonical):
    """A canonical policy: version and a sorted, de-duplicated tuple of statements."""

    version: str | None = None
    statements: tuple[Statement, ...] = ()
