"""Shards of an organization: which member accounts one of N runs compares (`--shard K/N`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from auditor.errors import UsageError


@dataclass(frozen=True)
class Shard:
    """Shard K of N: a stable share of an organization's members, by account ID, whatever the listing order."""

    index: int
    """1-based, as written: `--shard 2/4` is index 2."""
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        """`K/N` with 1 <= K <= N; UsageError otherwise."""
        k, _, n = text.partition("/")
        if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n) <= 1000):
            raise UsageError(f"--shard {text!r}: expected K/N with 1 <= K <= N <= 1000, e.g. 2/4")
        return cls(int(k), int(n))

    def holds(self, account_id: str) -> bool:
        """Whether the account falls in this shard: a hash of its ID, so shards stay even and an account
        added to the organization moves no other account."""
        digest = hashlib.sha256(account_id.encode("ascii")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1
