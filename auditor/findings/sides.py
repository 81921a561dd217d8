"""Both accounts of a comparison: their names and placeholders, to move names and documents from one to the other."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from auditor.model.documents import conventional_order
from auditor.model.normalized import NormalizedAccount
from auditor.normalize.placeholders import AccountContext


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

    def target_name(self, baseline_name: str) -> str:
        """What a baseline role or ARN is called in the target."""
        return self.target_context.from_placeholders(self.base_context.to_placeholders(baseline_name))
