"""What the auditor's role needs, generated from the same allowlist the read-only guard enforces."""

from __future__ import annotations

import json
from typing import Any

import yaml

from auditor.sources.guard import ALLOWED_OPERATIONS, CREDENTIAL_SERVICES

ROLE_NAME = "iam-drift-auditor-readonly"


def auditor_actions() -> list[str]:
    """The IAM actions the auditor's role must allow: every guarded read it may call in an account."""
    return sorted(
        f"{service}:{operation}"
        for service, operations in ALLOWED_OPERATIONS.items()
        if service not in CREDENTIAL_SERVICES
        for operation in operations
    )


def auditor_policy() -> dict[str, Any]:
    """The least-privilege identity policy for the auditor's role in each account."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "ReadIamForDriftAudit", "Effect": "Allow", "Action": auditor_actions(), "Resource": "*"}],
    }


def trust_policy(trusted_principal: str, external_id: str | None) -> dict[str, Any]:
    """Who may assume the auditor's role: the principal the tool runs as, with the external ID if set."""
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"AWS": trusted_principal},
        "Action": "sts:AssumeRole",
    }
    if external_id:
        statement["Condition"] = {"StringEquals": {"sts:ExternalId": external_id}}
    return {"Version": "2012-10-17", "Statement": [statement]}


def source_policy(role_name: str = ROLE_NAME) -> dict[str, Any]:
    """What the identity the tool runs as needs: to assume the auditor's role in every account."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": f"arn:aws:iam::*:role/{role_name}"}],
    }


def cloudformation_template(role_name: str = ROLE_NAME) -> str:
    """A template (usable as a StackSet) for the auditor's role, trusting one principal with an external ID."""
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"AWS": {"Ref": "TrustedPrincipalArn"}},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}},
            }
        ],
    }
    template = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "Read-only role for iam-drift-auditor (deploy to every account, e.g. as a StackSet).",
        "Parameters": {
            "TrustedPrincipalArn": {"Type": "String", "Description": "The role or user the auditor runs as."},
            "ExternalId": {"Type": "String", "NoEcho": True, "MinLength": 8},
        },
        "Resources": {
            "AuditorRole": {
                "Type": "AWS::IAM::Role",
                "Properties": {
                    "RoleName": role_name,
                    "AssumeRolePolicyDocument": trust,
                    "MaxSessionDuration": 3600,
                    "Policies": [{"PolicyName": "ReadIamForDriftAudit", "PolicyDocument": auditor_policy()}],
                },
            }
        },
        "Outputs": {"RoleArn": {"Value": {"Fn::GetAtt": ["AuditorRole", "Arn"]}}},
    }
    return yaml.safe_dump(template, sort_keys=False)


def describe(trusted_principal: str, external_id: str | None) -> str:
    """All of it as one text: role policy, trust policy, source policy and the CloudFormation template."""
    return "\n".join(
        [
            "# Identity policy of the auditor's role (every account):",
            json.dumps(auditor_policy(), indent=2),
            "",
            "# Trust policy of the auditor's role:",
            json.dumps(trust_policy(trusted_principal, external_id), indent=2),
            "",
            "# Policy of the identity the auditor runs as (to assume the role):",
            json.dumps(source_policy(), indent=2),
            "",
            "# CloudFormation template creating the role (usable as a StackSet):",
            cloudformation_template(),
        ]
    )
