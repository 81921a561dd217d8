"""Both accounts of a comparison: their names and placeholders, to move names and documents from one to the other."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from auditor.model.documents import conventional_order
from auditor.model.normalized import NormalizedAccount, NormalizedRole
from auditor.normalize.placeholders import AccountContext


@dataclass(frozen=True)
class TargetRole:
    """A baseline role as the target should have it: its name, trust policy, policies and boundary, each
    written with the target's account ID and env."""

    name: str
    path: str
    trust: dict[str, Any] | None
    inline: dict[str, dict[str, Any]]
    managed: list[str]
    boundary: str | None


@dataclass(frozen=True)
class Sides:
    """Both accounts with their placeholder contexts, to move names and documents from one to the other."""

    baseline: NormalizedAccount
    target: NormalizedAccount

    @cached_property
    def base_context(self) -> AccountContext:
        """Placeholders of the baseline account."""
        return AccountContext(self.baseline.account_id, self.baseline.env, self.baseline.env_tokens)

    @cached_property
    def target_context(self) -> AccountContext:
        """Placeholders of the target account."""
        return AccountContext(self.target.account_id, self.target.env, self.target.env_tokens)

    def context(self, side: str) -> AccountContext:
        """The placeholder context of `baseline` or `target`."""
        return self.base_context if side == "baseline" else self.target_context

    def name(self, side: str) -> str:
        """The account name of `baseline` or `target`."""
        return self.baseline.name if side == "baseline" else self.target.name

    def for_target(self, document: Any) -> Any:
        """A baseline document rewritten with the target's account ID and env, keys in conventional order."""
        return conventional_order(self.base_context.retarget(document, self.target_context))

    def target_role(self, base: NormalizedRole) -> TargetRole:
        """The baseline role `base` as it would read in the target account."""
        return TargetRole(
            name=self.target_name(base.name),
            path=base.path,
            trust=self.for_target(base.trust.raw) if base.trust and base.trust.raw else None,
            inline={key: self.for_target(p.raw) for key, p in base.inline.items() if p.raw is not None},
            managed=[self.target_name(p.arn) for p in base.managed.values() if p.arn],
            boundary=self.target_name(base.boundary.arn) if base.boundary and base.boundary.arn else None,
        )

    def target_name(self, baseline_name: str) -> str:
        """What a baseline role or ARN is called in the target."""
        return self.target_context.from_placeholders(self.base_context.to_placeholders(baseline_name))
