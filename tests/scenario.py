"""The seed scenario: the same stack in prod and dev, where dev lacks ObservabilityAccess and drifts a little.

`seed(iam, env, account_id)` creates it through the public IAM API; the bundled demo snapshots under
baselines/demo/ are what the live path collects from it (a test keeps them in step).
"""

from __future__ import annotations

import json
from typing import Any

PROD, DEV = "111111111111", "222222222222"
EXTERNAL = "999999999999"
ECS_EXECUTION = "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"

OBSERVABILITY_ACTIONS = [
    "bedrock:AllowVendedLogDeliveryForResource",
    "logs:CreateDelivery",
    "logs:PutDeliverySource",
    "logs:PutDeliveryDestination",
    "logs:GetDelivery",
    "logs:DescribeDeliveries",
    "logs:DeleteDelivery",
    "logs:UpdateDeliveryConfiguration",
]


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


def _trust(principal: dict[str, Any], condition: dict[str, Any] | None = None) -> dict[str, Any]:
    statement: dict[str, Any] = {"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}
    if condition:
        statement["Condition"] = condition
    return _doc(statement)


ECS_TRUST = _trust({"Service": "ecs-tasks.amazonaws.com"})


def logs_policy(env: str) -> dict[str, Any]:
    """CloudWatchLogsAccess: prod writes it one way, dev another; equal in meaning."""
    actions = [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogStreams",
        "logs:DescribeLogGroups",
    ]
    if env == "prod":
        return _doc({"Effect": "Allow", "Action": actions, "Resource": "*"})
    rewritten = [action.upper() if i % 2 else action.lower() for i, action in enumerate(reversed(actions))]
    return {
        "Version": "2012-10-17",
        "Statement": {"Sid": "Logs", "Effect": "Allow", "Action": rewritten, "Resource": ["*"]},
    }


PASS_ROLE = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "iam:PassRole", "Resource": "*"}],
}
"""A grant nobody asked for: iam:PassRole on every role."""


def observability_policy() -> dict[str, Any]:
    """The policy prod has and dev lacks, as in the reference fix document."""
    return _doc({"Effect": "Allow", "Action": OBSERVABILITY_ACTIONS, "Resource": "*"})


def data_policy(env: str, account: str) -> dict[str, Any]:
    """DataAccess: env and account ID inside ARNs; dev also allows dynamodb:Scan."""
    table = f"arn:aws:dynamodb:us-east-1:{account}:table/orders-{env}"
    actions = ["dynamodb:GetItem", "dynamodb:Query"] + (["dynamodb:Scan"] if env == "dev" else [])
    return _doc(
        {"Effect": "Allow", "Action": actions, "Resource": table},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::orders-{env}/*"},
    )


def secrets_policy(env: str, account: str) -> dict[str, Any]:
    """SecretsRead: dev dropped the tag condition."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Action": "secretsmanager:GetSecretValue",
        "Resource": f"arn:aws:secretsmanager:us-east-1:{account}:secret:{env}/api-*",
    }
    if env == "prod":
        statement["Condition"] = {"StringEquals": {"aws:ResourceTag/env": env}}
    return _doc(statement)


def batch_policy(env: str) -> dict[str, Any]:
    """A customer managed policy, equal in both accounts."""
    return _doc(
        {
            "Effect": "Allow",
            "Action": ["sqs:ReceiveMessage", "sqs:DeleteMessage"],
            "Resource": f"arn:aws:sqs:us-east-1:*:batch-{env}",
        }
    )


def boundary_policy() -> dict[str, Any]:
    """The permissions boundary prod puts on the batch role."""
    return _doc({"Effect": "Allow", "Action": ["sqs:*", "logs:*"], "Resource": "*"})


def seed(iam: Any, env: str, account: str) -> None:
    """Create the scenario's roles in one account (prod or dev) through the IAM API."""

    def role(name: str, trust: dict[str, Any], **extra: Any) -> None:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust), **extra)

    def inline(name: str, policy: str, document: dict[str, Any]) -> None:
        iam.put_role_policy(RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(document))

    execution = f"deep-insight-task-execution-role-{env}"
    role(execution, ECS_TRUST, Tags=[{"Key": "app", "Value": "deep-insight"}])
    inline(execution, "CloudWatchLogsAccess", logs_policy(env))
    if env == "prod":
        inline(execution, "ObservabilityAccess", observability_policy())
    iam.attach_role_policy(RoleName=execution, PolicyArn=ECS_EXECUTION)

    task = f"deep-insight-task-role-{env}"
    role(task, ECS_TRUST)
    inline(task, "DataAccess", data_policy(env, account))

    api = f"deep-insight-api-role-{env}"
    role(api, ECS_TRUST)
    inline(api, "SecretsRead", secrets_policy(env, account))

    deploy_principals = [f"arn:aws:iam::{account}:role/ci-runner-{env}"]
    if env == "dev":
        deploy_principals.append(f"arn:aws:iam::{EXTERNAL}:root")
    role(f"deep-insight-deploy-role-{env}", _trust({"AWS": deploy_principals}))

    batch = iam.create_policy(PolicyName=f"deep-insight-batch-{env}", PolicyDocument=json.dumps(batch_policy(env)))
    boundary_arn = None
    if env == "prod":
        boundary = iam.create_policy(PolicyName="deep-insight-boundary", PolicyDocument=json.dumps(boundary_policy()))
        boundary_arn = boundary["Policy"]["Arn"]
    extra = {"PermissionsBoundary": boundary_arn} if boundary_arn else {}
    role(f"deep-insight-batch-role-{env}", ECS_TRUST, **extra)
    iam.attach_role_policy(RoleName=f"deep-insight-batch-role-{env}", PolicyArn=batch["Policy"]["Arn"])

    if env == "prod":
        role("deep-insight-reporting-role-prod", ECS_TRUST)
        inline(
            "deep-insight-reporting-role-prod",
            "ReportsWrite",
            _doc({"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::reports-prod/*"}),
        )
    else:
        role("deep-insight-debug-role-dev", _trust({"AWS": f"arn:aws:iam::{account}:root"}))
        inline(
            "deep-insight-debug-role-dev",
            "DebugShell",
            _doc({"Effect": "Allow", "Action": ["ssm:StartSession", "ecs:ExecuteCommand"], "Resource": "*"}),
        )
    role("AWSServiceRoleForECS", _trust({"Service": "ecs.amazonaws.com"}), Path="/aws-service-role/ecs.amazonaws.com/")
