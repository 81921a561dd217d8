"""Live comparison against moto: our GAAD collector vs a bare GAAD client vs a per-role harvester.

Accounts are seeded straight into moto's in-process backend (hundreds of times faster than API calls);
every measured run goes through moto's HTTP server on 127.0.0.1, as against AWS.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import boto3
import botocore.config
import requests

from auditor.config import load_config
from auditor.model import AccountSnapshot
from auditor.pipeline import compare_many
from bench.synth import DEV_ID, PROD_ID, accounts

# moto keeps its state in this process; the server must run here too.
os.environ.setdefault("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
from moto.iam.models import iam_backends
from moto.server import ThreadedMotoServer


def seed(snapshot: AccountSnapshot) -> None:
    """Create the snapshot's roles and policies in moto's backend for its account."""
    backend = iam_backends[snapshot.account_id]["global"]
    created: set[str] = set()
    for role in snapshot.roles.values():
        backend.create_role(role.name, json.dumps(role.trust_policy), role.path, None, "", [], None)
        for name, document in role.inline_policies.items():
            backend.put_role_policy(role.name, name, json.dumps(document))
        for policy in role.managed_policies:
            if ":iam::aws:policy/" not in policy.arn and policy.arn not in created:
                backend.create_policy("", "/", json.dumps(policy.document), policy.name, [])
                created.add(policy.arn)
            backend.attach_role_policy(policy.arn, role.name)


_PATIENT = botocore.config.Config(read_timeout=900, retries={"mode": "standard", "max_attempts": 3})
"""moto answers some calls slowly once it holds hundreds of accounts: the floor waits, as the auditor does."""


def _session(account: str) -> boto3.Session:
    credentials = boto3.client("sts", config=_PATIENT).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/bench", RoleSessionName="bench"
    )["Credentials"]
    return boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )


def bare_gaad(account_ids: list[str]) -> tuple[float, int]:
    """The floor: assume the role and page GetAccountAuthorizationDetails, nothing else."""
    started, calls = time.perf_counter(), 0
    for account in account_ids:
        iam = _session(account).client("iam", config=_PATIENT)
        calls += 1
        params: dict[str, Any] = {"Filter": ["Role", "LocalManagedPolicy"], "MaxItems": 1000}
        while True:
            page = iam.get_account_authorization_details(**params)
            calls += 1
            if not page.get("IsTruncated"):
                break
            params["Marker"] = page["Marker"]
    return time.perf_counter() - started, calls


def per_role_harvest(account_ids: list[str]) -> tuple[float, int]:
    """The pattern peers use: ListRoles, then for every role its inline and attached policies one by one."""
    started, calls = time.perf_counter(), 0
    for account in account_ids:
        iam = _session(account).client("iam")
        calls += 1
        for page in iam.get_paginator("list_roles").paginate():
            calls += 1
            for role in page["Roles"]:
                names = iam.list_role_policies(RoleName=role["RoleName"])["PolicyNames"]
                calls += 1
                for name in names:
                    iam.get_role_policy(RoleName=role["RoleName"], PolicyName=name)
                    calls += 1
                attached = iam.list_attached_role_policies(RoleName=role["RoleName"])["AttachedPolicies"]
                calls += 1
                for policy in attached:
                    version = iam.get_policy(PolicyArn=policy["PolicyArn"])["Policy"]["DefaultVersionId"]
                    iam.get_policy_version(PolicyArn=policy["PolicyArn"], VersionId=version)
                    calls += 2
    return time.perf_counter() - started, calls


def ours(folder: Path) -> tuple[float, dict[str, int], int]:
    """Our live comparison: STS, GAAD, AWS managed documents once, normalize, diff, classify."""
    config = folder / "config.yaml"
    config.write_text(
        "accounts:\n"
        f"  prod: {{role_arn: 'arn:aws:iam::{PROD_ID}:role/auditor', env: prod}}\n"
        f"  dev: {{role_arn: 'arn:aws:iam::{DEV_ID}:role/auditor', env: dev}}\n"
    )
    started = time.perf_counter()
    run = compare_many(load_config(config), "prod", ["dev"])
    elapsed = time.perf_counter() - started
    return elapsed, run.stats.api_calls, len(run.comparisons[0].findings)


@contextmanager
def moto() -> Iterator[str]:
    """moto's server on 127.0.0.1 in this process, with boto3 pointed at it."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    os.environ.update(
        AWS_ENDPOINT_URL=url, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
    )
    try:
        yield url
    finally:
        server.stop()


def main(sizes: list[int], harvest_up_to: int) -> list[dict[str, Any]]:
    """Seed each size, then time the three ways of reading both accounts; one JSON line per size."""
    rows = []
    with moto() as url:
        for size in sizes:
            requests.post(f"{url}/moto-api/reset", timeout=30)
            prod, dev, _ = accounts(size)
            seed(prod)
            seed(dev)
            bare_gaad([PROD_ID, DEV_ID])  # warm-up: moto builds its per-account state on first use
            bare_seconds, bare_calls = bare_gaad([PROD_ID, DEV_ID])
            with tempfile.TemporaryDirectory() as folder:
                our_seconds, calls, findings = ours(Path(folder))
            row: dict[str, Any] = {
                "roles": size,
                "ours_s": round(our_seconds, 2),
                "ours_calls": sum(calls.values()),
                "calls": calls,
                "bare_s": round(bare_seconds, 2),
                "bare_calls": bare_calls,
                "findings": findings,
            }
            if size <= harvest_up_to:
                harvest_seconds, harvest_calls = per_role_harvest([PROD_ID, DEV_ID])
                row |= {"harvest_s": round(harvest_seconds, 1), "harvest_calls": harvest_calls}
            print(json.dumps(row), flush=True)
            rows.append(row)
    return rows


if __name__ == "__main__":
    main([int(n) for n in sys.argv[1].split(",")], int(sys.argv[2]) if len(sys.argv) > 2 else 2000)
