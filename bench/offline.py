"""Time one offline comparison of two synthetic snapshots in this process; prints one JSON line.

Run in a fresh process per measurement so peak RSS belongs to that measurement alone.
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from pathlib import Path

from auditor.config import Config
from auditor.pipeline import compare
from auditor.sources import write_snapshot
from bench.synth import accounts


def main(roles: int) -> dict[str, float | int]:
    """Write two snapshots, then measure `compare` reading them (normalize, match, diff, classify)."""
    prod, dev, planted = accounts(roles)
    with tempfile.TemporaryDirectory() as folder:
        for name, snapshot in (("prod", prod), ("dev", dev)):
            write_snapshot(snapshot, Path(folder) / f"{name}.json")
        config = Config(
            accounts={"prod": {"snapshot": Path(folder) / "prod.json"}, "dev": {"snapshot": Path(folder) / "dev.json"}}
        )
        del prod, dev
        started = time.perf_counter()
        result = compare(config, "prod", "dev")
        elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "roles": roles,
        "seconds": round(elapsed, 3),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "findings": len(result.findings),
        "planted": sum(planted.counts.values()),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
