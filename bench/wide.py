"""One statement `Action: "*"` on N resources, in prod and (one resource changed) in dev: the cost of a
policy whose grants are every action times every resource. Prints one JSON line."""

from __future__ import annotations

import json
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from auditor.config import Config
from auditor.model import AccountSnapshot, RoleRecord
from auditor.pipeline import compare
from auditor.report import render
from auditor.sources import write_snapshot


def _snapshot(account: str, env: str, resources: list[str]) -> AccountSnapshot:
    name = f"admin-{env}"
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": resources}]}
    role = RoleRecord(name=name, arn=f"arn:aws:iam::{account}:role/{name}", inline_policies={"Everything": document})
    return AccountSnapshot(
        account_id=account, collected_at=datetime(2026, 1, 1, tzinfo=UTC), source="t", roles={name: role}
    )


def main(count: int) -> dict[str, float | int]:
    """Write both snapshots, then time compare() and rendering the three default formats."""
    arns = [f"arn:aws:s3:::bucket-{{env}}-{index:04d}/*" for index in range(count)]
    with tempfile.TemporaryDirectory() as folder:
        prod = [arn.format(env="prod") for arn in arns]
        dev = [arn.format(env="dev") for arn in arns[:-1]] + ["arn:aws:s3:::other-dev/*"]
        write_snapshot(_snapshot("111111111111", "prod", prod), Path(folder) / "prod.json")
        write_snapshot(_snapshot("222222222222", "dev", dev), Path(folder) / "dev.json")
        config = Config(
            accounts={"prod": {"snapshot": Path(folder) / "prod.json"}, "dev": {"snapshot": Path(folder) / "dev.json"}}
        )
        started = time.perf_counter()
        result = compare(config, "prod", "dev")
        compared = time.perf_counter() - started
        rendered = render(result, ["md", "html", "json"])
        total = time.perf_counter() - started
    return {
        "resources": count,
        "compare_seconds": round(compared, 3),
        "with_reports_seconds": round(total, 3),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "findings": len(result.findings),
        "report_kib": round(sum(len(text) for text in rendered.values()) / 1024),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]))))
