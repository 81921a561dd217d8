"""An AWS Organization on moto: the baseline in the management account and N members of R roles each, compared
with `auditor compare prod --all-accounts` in a process of its own (its peak RSS, VmHWM, is the auditor's
alone, not moto's). Prints one JSON line: wall time, peak RSS, API calls, and the bare GAAD floor for the same accounts.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3

from auditor.model import AccountSnapshot
from bench.live import bare_gaad, moto, seed
from bench.synth import DEV_ID, PROD_ID, accounts

MANAGEMENT = PROD_ID
# The auditor's own high-water mark, from /proc: ru_maxrss of a child counts the pages it shared with this
# process (moto's accounts, in memory here) between fork and exec.
_PEAK = (
    "import sys\nfrom auditor.cli import main\ncode = main(sys.argv[1:])\n"
    "sys.stderr.write(next(l for l in open('/proc/self/status') if l.startswith('VmHWM')))\nsys.exit(code)"
)


def new_organization(management: str) -> Any:
    """An Organizations client of a new organization whose management account is `management` (on moto)."""
    credentials = boto3.client("sts").assume_role(
        RoleArn=f"arn:aws:iam::{management}:role/setup", RoleSessionName="setup"
    )["Credentials"]
    org = boto3.client(
        "organizations",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )
    org.create_organization(FeatureSet="ALL")
    return org


def _organization(members: int) -> list[str]:
    org = new_organization(MANAGEMENT)
    made = [org.create_account(Email=f"m{i}@example.com", AccountName=f"app{i:04d}-dev") for i in range(members)]
    return [status["CreateAccountStatus"]["AccountId"] for status in made]


def main(members: int, roles: int, concurrency: int = 8, varied: bool = False) -> dict[str, Any]:
    """Seed the organization, time the floor, then run the auditor on it as a child process.

    `varied`: each member drifts from the baseline in its own roles and ways, not all alike."""
    with moto() as url, tempfile.TemporaryDirectory() as folder:
        ids = _organization(members)
        prod, dev, _ = accounts(roles)
        seed(prod)
        for number, account in enumerate(ids):
            member = accounts(roles, drift_seed=number + 2)[1] if varied else dev
            seed(AccountSnapshot.model_validate_json(member.model_dump_json().replace(DEV_ID, account)))
        bare_gaad([MANAGEMENT, *ids])  # warm-up: moto builds its per-account state on first use
        floor_seconds, floor_calls = bare_gaad([MANAGEMENT, *ids])
        config = Path(folder) / "config.yaml"
        config.write_text(
            f"accounts:\n  prod: {{role_arn: 'arn:aws:iam::{MANAGEMENT}:role/auditor', env: prod}}\n"
            "organization: {member_role_name: auditor}\n"
        )
        out = Path(folder) / "out"
        command = [sys.executable, "-c", _PEAK, "compare", "prod", "--all-accounts", "-c", str(config)]
        command += ["-o", str(out), "-f", "json", "--concurrency", str(concurrency), "-q"]
        started = time.perf_counter()
        environment = {**os.environ, "AWS_ENDPOINT_URL": url}
        done = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - started
        if done.returncode not in (0, 1):
            raise SystemExit(done.stderr)
        report = json.loads((out / "report.json").read_text())
    return {
        "members": members,
        "roles": roles,
        "varied": varied,
        "seconds": round(seconds, 2),
        "floor_seconds": round(floor_seconds, 2),
        "peak_rss_mib": round(int(done.stderr.rsplit("VmHWM:", 1)[1].split()[0]) / 1024, 1),
        "compared": len(report["comparisons"]),
        "calls": sum(report["stats"]["api_calls"].values()),
        "floor_calls": floor_calls,
    }


if __name__ == "__main__":
    roles = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    print(json.dumps(main(int(sys.argv[1]), roles, varied="varied" in sys.argv[3:])))
