"""Where account data comes from: live IAM (through STS) or a snapshot file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from auditor.config import ResolvedAccount
from auditor.model.snapshot import AccountSnapshot
from auditor.sources.calls import ApiCalls
from auditor.sources.live import ClientFactory, ManagedPolicyCache, collect_live
from auditor.sources.snapshot import read_snapshot, write_snapshot


@dataclass
class Collector:
    """Reads accounts for one run: AWS managed documents fetched once, API calls counted."""

    now: datetime
    cache: ManagedPolicyCache = field(default_factory=ManagedPolicyCache)
    calls: ApiCalls = field(default_factory=ApiCalls)
    max_attempts: int | None = None
    hooks: tuple[tuple[str, Callable[..., Any]], ...] = ()
    """(botocore event, handler) pairs for every client: instrumentation, or faults in tests."""

    @property
    def factory(self) -> ClientFactory:
        """The client factory every AWS call of this run goes through."""
        return ClientFactory(calls=self.calls, max_attempts=self.max_attempts, hooks=self.hooks)

    def collect(self, account: ResolvedAccount) -> AccountSnapshot:
        """Read one account from wherever its config points."""
        return collect(account, self.cache, self.now, self.factory)


def collect(
    account: ResolvedAccount, cache: ManagedPolicyCache, now: datetime, factory: ClientFactory | None = None
) -> AccountSnapshot:
    """Read one account from wherever its config points."""
    if account.snapshot is not None:
        snapshot = read_snapshot(account.snapshot)
        if snapshot.source.startswith("gaad:"):
            return snapshot
        return snapshot.model_copy(update={"source": f"snapshot:{account.snapshot.name}"})
    return collect_live(account, cache, now, factory)


__all__ = ["ApiCalls", "ClientFactory", "Collector", "ManagedPolicyCache", "collect", "read_snapshot", "write_snapshot"]
