"""Where account data comes from: live IAM (through STS) or a snapshot file."""

from __future__ import annotations

from datetime import datetime

from auditor.config import ResolvedAccount
from auditor.model.snapshot import AccountSnapshot
from auditor.sources.live import ManagedPolicyCache, collect_live
from auditor.sources.snapshot import read_snapshot, write_snapshot


def collect(account: ResolvedAccount, cache: ManagedPolicyCache, now: datetime) -> AccountSnapshot:
    """Read one account from wherever its config points."""
    if account.snapshot is not None:
        snapshot = read_snapshot(account.snapshot)
        if snapshot.source.startswith("gaad:"):
            return snapshot
        return snapshot.model_copy(update={"source": f"snapshot:{account.snapshot.name}"})
    return collect_live(account, cache, now)


__all__ = ["ManagedPolicyCache", "collect", "read_snapshot", "write_snapshot"]
