"""Roles and accounts after normalization: what the matcher and the differ work on."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, NamedTuple

from auditor.model.arns import is_aws_managed
from auditor.model.base import Frozen
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


class RoleParts(NamedTuple):
    """A role's policies in canonical form, keyed by their cross-account identities."""

    inline: dict[str, NormalizedPolicy]
    managed: dict[str, NormalizedPolicy]
    trust: NormalizedPolicy | None
    boundary: NormalizedPolicy | None


class NormalizedRole:
    """A role whose canonical policies are built on first use.

    `signature` is a digest of the role's policies with account ID and env set to placeholders: two
    roles with equal signatures are equal in meaning, so most roles of a large account never need
    their documents canonicalized at all (see `auditor.normalize.account`).
    """

    __slots__ = ("_build", "_parts", "arn", "has_unreadable", "name", "path", "signature", "tags")

    def __init__(
        self,
        name: str,
        arn: str,
        path: str,
        tags: dict[str, str],
        signature: bytes,
        build: Callable[[], RoleParts],
        has_unreadable: bool = False,
    ) -> None:
        self.name, self.arn, self.path, self.tags, self.signature = name, arn, path, tags, signature
        self.has_unreadable = has_unreadable
        """True if a managed policy or the boundary could not be read: known without building the parts."""
        self._build: Callable[[], RoleParts] | None = build
        self._parts: RoleParts | None = None

    @property
    def parts(self) -> RoleParts:
        """The canonical policies, built once."""
        if self._parts is None:
            assert self._build is not None
            self._parts, self._build = self._build(), None
        return self._parts

    @property
    def inline(self) -> dict[str, NormalizedPolicy]:
        """Inline policies by name."""
        return self.parts.inline

    @property
    def managed(self) -> dict[str, NormalizedPolicy]:
        """Attached managed policies by ARN with placeholders."""
        return self.parts.managed

    @property
    def trust(self) -> NormalizedPolicy | None:
        """The trust policy."""
        return self.parts.trust

    @property
    def boundary(self) -> NormalizedPolicy | None:
        """The permissions boundary."""
        return self.parts.boundary

    def comparable(self) -> dict[str, object]:
        """The role's meaning as plain nested data; equal views mean no drift."""
        return {
            "inline": {key: policy.comparable() for key, policy in self.inline.items()},
            "managed": {key: policy.comparable() for key, policy in self.managed.items()},
            "trust": self.trust.comparable() if self.trust else None,
            "boundary": self.boundary.comparable() if self.boundary else None,
        }

    def __repr__(self) -> str:
        return f"NormalizedRole({self.name!r})"


@dataclass(frozen=True)
class NormalizedAccount:
    """One account's roles in canonical form, with what is needed to put placeholders back."""

    name: str
    env: str
    env_tokens: tuple[str, ...]
    account_id: str
    collected_at: datetime
    source: str
    roles: dict[str, NormalizedRole]
    gather: Callable[[Iterable[str]], None] | None = field(default=None, compare=False, repr=False)
    """For an account read in another process that still holds its role records: takes those of the roles named
    in one exchange, before their policies are built (see `prepare`). None: every record is here."""

    def prepare(self, names: Iterable[str]) -> None:
        """Have at hand what building the policies of these roles needs: call once its roles are paired."""
        if self.gather is not None:
            self.gather(names)
