"""Cost of computing effective permissions (wildcard expansion, Deny, boundary) for every role.

The comparison only expands roles that differ; this measures the worst case, where every role of
both accounts is expanded. Prints one JSON line; run in a fresh process so peak RSS is its own.
"""

from __future__ import annotations

import json
import resource
import sys
import time

from auditor.effective import effective_permissions
from auditor.normalize import normalize_account
from bench.synth import accounts


def main(roles: int) -> dict[str, float | int]:
    """Normalize two synthetic accounts, then expand every role of both."""
    prod, dev, _ = accounts(roles)
    normalized = [normalize_account(prod, "prod", "prod"), normalize_account(dev, "dev", "dev")]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    grants = sum(
        len(block.actions)
        for account in normalized
        for role in account.roles.values()
        for block in effective_permissions(role).blocks.values()
    )
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "roles": roles,
        "roles_expanded": sum(len(account.roles) for account in normalized),
        "grants": grants,
        "seconds": round(elapsed, 3),
        "peak_rss_mib": round(peak / 1024, 1),
        "rss_growth_mib": round((peak - before) / 1024, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
