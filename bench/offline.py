"""Time one offline comparison of two synthetic snapshots; prints one JSON line.

The snapshots are written by a child process, so this process's peak RSS is the comparison's alone.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from auditor.config import Config
from auditor.pipeline import compare


def main(roles: int) -> dict[str, float | int]:
    """Write two snapshots (child process), then measure `compare` reading them here."""
    with tempfile.TemporaryDirectory() as folder:
        written = subprocess.run(
            [sys.executable, "-m", "bench.synth", str(roles), folder], check=True, capture_output=True, text=True
        )
        config = Config(
            accounts={"prod": {"snapshot": Path(folder) / "prod.json"}, "dev": {"snapshot": Path(folder) / "dev.json"}}
        )
        size = (Path(folder) / "prod.json").stat().st_size
        started = time.perf_counter()
        result = compare(config, "prod", "dev")
        elapsed = time.perf_counter() - started
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "roles": roles,
        "seconds": round(elapsed, 3),
        "peak_rss_mib": round(peak_kib / 1024, 1),
        "findings": len(result.findings),
        "planted": int(written.stdout.strip()),
        "snapshot_mib": round(size / 2**20, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
