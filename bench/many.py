"""Many accounts at once: one baseline against 49 targets of 500 roles each, read concurrently, via moto."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from auditor.config import load_config
from auditor.model import AccountSnapshot
from auditor.pipeline import RunOptions, compare_many
from bench.live import bare_gaad, moto, seed
from bench.synth import DEV_ID, PROD_ID, accounts


def main(count: int, roles: int, concurrency: int) -> dict[str, object]:
    """Seed `count` accounts (the first is the baseline) and compare the others with it."""
    ids = [PROD_ID] + [f"{300000000000 + i:012d}" for i in range(1, count)]
    with moto():
        prod, dev, _ = accounts(roles)
        seed(prod)
        template = dev.model_dump_json()
        for account in ids[1:]:
            seed(AccountSnapshot.model_validate_json(template.replace(DEV_ID, account)))
        bare_gaad(ids)  # warm-up: moto builds its per-account state on first use
        with tempfile.TemporaryDirectory() as folder:
            config = Path(folder) / "config.yaml"
            lines = ["accounts:", f"  prod: {{role_arn: 'arn:aws:iam::{PROD_ID}:role/auditor', env: prod}}"]
            lines += [f"  t{i}: {{role_arn: 'arn:aws:iam::{a}:role/auditor', env: dev}}" for i, a in enumerate(ids[1:])]
            config.write_text("\n".join(lines) + "\n")
            targets = [f"t{i}" for i in range(len(ids) - 1)]
            started = time.perf_counter()
            run = compare_many(load_config(config), "prod", targets, options=RunOptions(concurrency=concurrency))
            elapsed = time.perf_counter() - started
    return {
        "accounts": count,
        "roles_each": roles,
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "compared": len(run.comparisons),
        "unreadable": len(run.unreadable),
        "api_calls": sum(run.stats.api_calls.values()),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]) if len(sys.argv) > 3 else 8)))
