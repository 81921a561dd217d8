"""Where account data comes from: live IAM (through STS) or a snapshot file.

boto3 and botocore are imported only when an account is read live: an offline comparison does without
them (they take about a tenth of a second to import).
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from auditor.config import ResolvedAccount
from auditor.model.snapshot import AccountSnapshot
from auditor.sources.calls import ApiCalls
from auditor.sources.snapshot import read_snapshot, write_snapshot

if TYPE_CHECKING:
    from auditor.sources.live import ClientFactory, ManagedPolicyCache


_CACHE_LOCK = threading.Lock()


def _new_cache() -> ManagedPolicyCache:
    from auditor.sources.live import ManagedPolicyCache

    return ManagedPolicyCache()


@dataclass
class Collector:
    """Reads accounts for one run: AWS managed documents fetched once, API calls counted."""

    now: datetime
    cache: ManagedPolicyCache | None = None
    """AWS managed documents of the run; made by the first live read (an offline run needs none)."""
    calls: ApiCalls = field(default_factory=ApiCalls)
    max_attempts: int | None = None
    hooks: tuple[tuple[str, Callable[..., Any]], ...] = ()
    """(botocore event, handler) pairs for every client: instrumentation, or faults in tests."""

    @property
    def factory(self) -> ClientFactory:
        """The client factory every AWS call of this run goes through."""
        from auditor.sources.live import ClientFactory

        return ClientFactory(calls=self.calls, max_attempts=self.max_attempts, hooks=self.hooks)

    def collect(self, account: ResolvedAccount) -> AccountSnapshot:
        """Read one account from wherever its config points."""
        if account.snapshot is not None:
            return collect(account, None, self.now)
        with _CACHE_LOCK:  # reads run in threads; one cache for all of them
            if self.cache is None:
                self.cache = _new_cache()
        return collect(account, self.cache, self.now, self.factory)


def collect(
    account: ResolvedAccount, cache: ManagedPolicyCache | None, now: datetime, factory: ClientFactory | None = None
) -> AccountSnapshot:
    """Read one account from wherever its config points (`cache`: AWS managed documents, for a live read)."""
    if account.snapshot is not None:
        snapshot = read_snapshot(account.snapshot)
        if snapshot.source.startswith("gaad:"):
            return snapshot
        return snapshot.model_copy(update={"source": f"snapshot:{account.snapshot.name}"})
    from auditor.sources.live import collect_live

    return collect_live(account, cache if cache is not None else _new_cache(), now, factory)


def __getattr__(name: str) -> Any:
    # The live source's names, importable from here as before, without importing boto3 until one is used.
    if name in ("ClientFactory", "ManagedPolicyCache", "live"):
        live = importlib.import_module("auditor.sources.live")  # sets this package's `live` attribute too
        return live if name == "live" else getattr(live, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["ApiCalls", "ClientFactory", "Collector", "ManagedPolicyCache", "collect", "read_snapshot", "write_snapshot"]
