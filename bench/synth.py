"""Synthetic prod/dev accounts: realistic role mixes with drift planted at a known rate."""

from __future__ import annotations

import random
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from auditor.model import AccountSnapshot, ManagedPolicyRecord, RoleRecord
from auditor.sources import write_snapshot

PROD_ID, DEV_ID = "111111111111", "222222222222"
COLLECTED = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
_SERVICES = {
    "s3": ["GetObject", "PutObject", "ListBucket", "DeleteObject", "GetBucketLocation", "Get*", "List*"],
    "dynamodb": ["GetItem", "PutItem", "Query", "Scan", "UpdateItem", "BatchGetItem", "Describe*", "*"],
    "sqs": ["SendMessage", "ReceiveMessage", "DeleteMessage", "GetQueueUrl", "GetQueueAttributes"],
    "sns": ["Publish", "Subscribe", "ListTopics"],
    "logs": ["CreateLogGroup", "CreateLogStream", "PutLogEvents", "CreateDelivery", "GetDelivery", "*Delivery*"],
    "kms": ["Decrypt", "Encrypt", "GenerateDataKey*", "DescribeKey"],
    "secretsmanager": ["GetSecretValue", "DescribeSecret"],
    "ecr": ["GetAuthorizationToken", "BatchGetImage", "GetDownloadUrlForLayer"],
    "lambda": ["InvokeFunction", "GetFunction"],
    "ec2": ["Describe*", "CreateNetworkInterface", "DeleteNetworkInterface"],
}
_AWS_MANAGED = [
    "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy",
    "arn:aws:iam::aws:policy/ReadOnlyAccess",
    "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
]
_DRIFTS = ("drop_policy", "add_action", "drop_condition", "widen_resource", "add_trust", "drop_role", "extra_role")


@dataclass
class Planted:
    """What drift was planted, by kind, so a run can say what it should find."""

    counts: dict[str, int] = field(default_factory=dict)

    def add(self, kind: str) -> None:
        """Count one planted drift."""
        self.counts[kind] = self.counts.get(kind, 0) + 1


def _resource(rng: random.Random, service: str, env: str, account: str) -> str:
    name = f"{rng.choice(['orders', 'users', 'events', 'billing'])}-{env}"
    return {
        "s3": f"arn:aws:s3:::{name}/*",
        "dynamodb": f"arn:aws:dynamodb:us-east-1:{account}:table/{name}",
        "sqs": f"arn:aws:sqs:us-east-1:{account}:{name}",
        "sns": f"arn:aws:sns:us-east-1:{account}:{name}",
        "secretsmanager": f"arn:aws:secretsmanager:us-east-1:{account}:secret:{env}/{name}-*",
    }.get(service, "*")


def _statement(rng: random.Random, env: str, account: str) -> dict[str, Any]:
    service = rng.choice(list(_SERVICES))
    actions = sorted(
        {f"{service}:{a}" for a in rng.sample(_SERVICES[service], rng.randint(1, len(_SERVICES[service])))}
    )
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": actions,
        "Resource": _resource(rng, service, env, account),
    }
    if rng.random() < 0.2:
        statement["Condition"] = {"StringEquals": {"aws:ResourceTag/env": env}}
    return statement


def _document(rng: random.Random, env: str, account: str) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [_statement(rng, env, account) for _ in range(rng.randint(1, 4))]}


def _trust(rng: random.Random, account: str) -> dict[str, Any]:
    principal = rng.choice(
        [
            {"Service": "ecs-tasks.amazonaws.com"},
            {"Service": "lambda.amazonaws.com"},
            {"AWS": f"arn:aws:iam::{account}:root"},
        ]
    )
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    }


@cache
def _customer_policies(env: str, account: str) -> list[ManagedPolicyRecord]:
    # Built once per account: the records are immutable, and every role draws from the same thirty.
    rng = random.Random(7)  # the same shared policies in both accounts
    return [
        ManagedPolicyRecord(
            name=f"shared-{i}-{env}",
            arn=f"arn:aws:iam::{account}:policy/shared-{i}-{env}",
            document=_document(rng, env, account),
        )
        for i in range(30)
    ]


def _role(seed: int, index: int, env: str, account: str) -> RoleRecord:
    rng = random.Random(seed * 1_000_003 + index)
    shared = _customer_policies(env, account)
    managed = rng.sample(shared, rng.randint(0, 3)) + [
        ManagedPolicyRecord(name=arn.rsplit("/", 1)[1], arn=arn) for arn in rng.sample(_AWS_MANAGED, rng.randint(0, 1))
    ]
    name = f"svc{index:05d}-role-{env}"
    return RoleRecord(
        name=name,
        arn=f"arn:aws:iam::{account}:role/{name}",
        trust_policy=_trust(rng, account),
        inline_policies={f"Policy{p}": _document(rng, env, account) for p in range(rng.randint(1, 6))},
        managed_policies=sorted(managed, key=lambda m: m.arn),
        tags={"app": f"svc{index:05d}"},
    )


def _drift(role: RoleRecord, kind: str, rng: random.Random) -> RoleRecord | None:
    inline = dict(role.inline_policies)
    first = sorted(inline)[0]
    document = {**inline[first], "Statement": [dict(s) for s in inline[first]["Statement"]]}
    statement = document["Statement"][0]
    if kind == "drop_role":
        return None
    if kind == "drop_policy" and len(inline) > 1:
        inline.pop(first)
        return role.model_copy(update={"inline_policies": inline})
    if kind == "drop_condition" and "Condition" in statement:
        statement.pop("Condition")
    elif kind == "widen_resource":
        statement["Resource"] = "*" if statement["Resource"] != "*" else "arn:aws:s3:::other/*"
    elif kind == "add_trust":
        trust = {
            **role.trust_policy,
            "Statement": [
                *role.trust_policy["Statement"],
                {  # type: ignore[index]
                    "Effect": "Allow",
                    "Principal": {"AWS": "arn:aws:iam::999999999999:root"},
                    "Action": "sts:AssumeRole",
                },
            ],
        }
        return role.model_copy(update={"trust_policy": trust})
    else:
        statement["Action"] = [*statement["Action"], rng.choice(["iam:PassRole", "s3:DeleteBucket", "kms:Decrypt"])]
    inline[first] = document
    return role.model_copy(update={"inline_policies": inline})


def accounts(
    roles: int, drift_rate: float = 0.05, seed: int = 1, drift_seed: int | None = None
) -> tuple[AccountSnapshot, AccountSnapshot, Planted]:
    """A prod and a dev snapshot with `roles` roles each; about `drift_rate` of dev's roles drifted.

    `drift_seed` picks which roles drift and how (default: `seed`); the roles themselves follow `seed`."""
    rng = random.Random(seed if drift_seed is None else drift_seed)
    planted = Planted()
    prod, dev = {}, {}
    for index in range(roles):
        base = _role(seed, index, "prod", PROD_ID)
        prod[base.name] = base
        target: RoleRecord | None = _role(seed, index, "dev", DEV_ID)
        if rng.random() < drift_rate:
            kind = rng.choice(_DRIFTS)
            planted.add(kind)
            if kind == "extra_role":
                extra = _role(seed + 1, index, "dev", DEV_ID).model_copy(update={"name": f"debug{index:05d}-dev"})
                dev[extra.name] = extra
            else:
                target = _drift(target, kind, rng) if target else None
        if target is not None:
            dev[target.name] = target
    return (
        AccountSnapshot(account_id=PROD_ID, collected_at=COLLECTED, source="synthetic", roles=prod),
        AccountSnapshot(account_id=DEV_ID, collected_at=COLLECTED, source="synthetic", roles=dev),
        planted,
    )


CONFIG = "accounts:\n  prod: {snapshot: prod.json, env: prod}\n  dev: {snapshot: dev.json, env: dev}\n"
"""A config comparing prod.json with dev.json, in the folder it is written to."""


def write_apart(roles: int, folder: Path) -> None:
    """`write` in a child process, so that this one (which times others) stays as it was, and `CONFIG` beside."""
    subprocess.run([sys.executable, "-m", "bench.synth", str(roles), str(folder)], check=True, capture_output=True)
    (folder / "config.yaml").write_text(CONFIG)


def write(roles: int, folder: Path, drift_rate: float = 0.05) -> int:
    """Write prod.json and dev.json into `folder`; return how many drifts were planted."""
    prod, dev, planted = accounts(roles, drift_rate)
    write_snapshot(prod, folder / "prod.json")
    write_snapshot(dev, folder / "dev.json")
    return sum(planted.counts.values())


if __name__ == "__main__":
    print(write(int(sys.argv[1]), Path(sys.argv[2])))
