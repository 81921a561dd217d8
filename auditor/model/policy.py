"""Canonical policy documents: equal in meaning means equal as values.

Instances are built by `auditor.normalize`; every field is already sorted, de-duplicated and
case-folded where IAM is case-insensitive, so `==` and hashing are the comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

# Plain frozen dataclasses, not pydantic: hundreds of thousands are built and hashed per run, always from
# input that normalization has already checked, so validation would only cost time. (Each decorator is
# written out: type checkers do not follow a dataclass decorator stored in a variable.)


@dataclass(frozen=True, slots=True)
class Principal:
    """One principal entry: `AWS`, `Service`, `Federated`, `CanonicalUser`, or `*` for everyone."""

    type: str
    value: str


@dataclass(frozen=True, slots=True)
class Condition:
    """One condition test: operator, key (case-folded: IAM keys are case-insensitive), sorted values."""

    operator: str
    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Statement:
    """One statement; Sid is dropped because it carries no meaning."""

    effect: Literal["Allow", "Deny"]
    actions: tuple[str, ...] = ()
    not_actions: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    principals: tuple[Principal, ...] = ()
    not_principals: tuple[Principal, ...] = ()
    conditions: tuple[Condition, ...] = ()

    def to_json(self) -> dict[str, object]:
        """This statement as IAM policy JSON (lists everywhere, no Sid)."""
        out: dict[str, object] = {"Effect": self.effect}
        for key, values in (
            ("Action", self.actions),
            ("NotAction", self.not_actions),
            ("Resource", self.resources),
            ("NotResource", self.not_resources),
        ):
            if values:
                out[key] = list(values)
        for key, principals in (("Principal", self.principals), ("NotPrincipal", self.not_principals)):
            if principals:
                grouped: dict[str, list[str]] = {}
                for principal in principals:
                    grouped.setdefault(principal.type, []).append(principal.value)
                out[key] = grouped
        if self.conditions:
            tests: dict[str, dict[str, list[str]]] = {}
            for condition in self.conditions:
                tests.setdefault(condition.operator, {})[condition.key] = list(condition.values)
            out["Condition"] = tests
        return out

    @property
    def action_keys(self) -> tuple[str, ...]:
        """Actions this statement covers, with a NotAction list shown as one `NotAction:` key."""
        if self.not_actions:
            return ("NotAction:" + ",".join(self.not_actions),)
        return self.actions


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a canonical statement was written: its Sid or index, and its actions as spelled there."""

    labels: tuple[str, ...]
    written: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PolicyDocument:
    """A canonical policy: version and a sorted, de-duplicated tuple of statements."""

    version: str | None = None
    statements: tuple[Statement, ...] = ()
    origins: tuple[Origin, ...] = field(default=(), compare=False)
    """One per statement, in the same order; not part of equality (Sid and order carry no meaning)."""

    def to_json(self) -> dict[str, object]:
        """This document as IAM policy JSON."""
        out: dict[str, object] = {"Version": self.version} if self.version else {}
        out["Statement"] = [statement.to_json() for statement in self.statements]
        return out
