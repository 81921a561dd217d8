"""CloudFormation for each fix: the properties of the AWS::IAM::Role (or ManagedPolicy) resource as they
should read, in YAML."""

from __future__ import annotations

import re
from typing import Any

import yaml

from auditor.findings.sides import TargetRole
from auditor.terminal import printable

# libyaml's dumper where PyYAML was built with it: the same YAML, several times faster than the pure-Python one.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def document_yaml(document: Any) -> str:
    """A document as CloudFormation YAML, keys in the order they were written, non-ASCII escaped."""
    return yaml.dump(document, Dumper=_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=False).rstrip()


def inline_policy(role: str, policy: str, document: dict[str, Any]) -> str:
    """The inline policy under the role's Policies."""
    where = f"In the AWS::IAM::Role resource for {role}, under Properties -> Policies:"
    return _note(where) + "\n" + document_yaml([{"PolicyName": policy, "PolicyDocument": document}])


def inline_removal(role: str, policy: str) -> str:
    """Take the inline policy out of the role's Policies."""
    return _note(f"In the AWS::IAM::Role resource for {role}, remove the Policies entry {policy}.")


def attachment(role: str, arn: str) -> str:
    """The managed policy in the role's ManagedPolicyArns."""
    return _note(f"In the AWS::IAM::Role resource for {role}, under Properties:") + "\n" + _arns(arn)


def detachment(role: str, arn: str) -> str:
    """Take the managed policy out of the role's ManagedPolicyArns."""
    return _note(f"In the AWS::IAM::Role resource for {role}, remove {arn} from ManagedPolicyArns.")


def managed_policy(arn: str, document: dict[str, Any]) -> str:
    """The managed policy's document."""
    where = f"In the AWS::IAM::ManagedPolicy resource for {arn}, under Properties:"
    return _note(where) + "\n" + document_yaml({"PolicyDocument": document})


def trust(role: str, document: dict[str, Any]) -> str:
    """The role's AssumeRolePolicyDocument."""
    where = f"In the AWS::IAM::Role resource for {role}, under Properties:"
    return _note(where) + "\n" + document_yaml({"AssumeRolePolicyDocument": document})


def boundary(role: str, arn: str | None) -> str:
    """The role's PermissionsBoundary, or a note to remove it."""
    if arn is None:
        return _note(f"In the AWS::IAM::Role resource for {role}, remove PermissionsBoundary.")
    where = f"In the AWS::IAM::Role resource for {role}, under Properties:"
    return _note(where) + "\n" + document_yaml({"PermissionsBoundary": arn})


def role(wanted: TargetRole) -> str:
    """A whole AWS::IAM::Role resource with its policies and boundary."""
    properties: dict[str, Any] = {
        "RoleName": wanted.name,
        "Path": wanted.path,
        "AssumeRolePolicyDocument": wanted.trust or {},
    }
    if wanted.inline:
        properties["Policies"] = [{"PolicyName": n, "PolicyDocument": d} for n, d in wanted.inline.items()]
    if wanted.managed:
        properties["ManagedPolicyArns"] = wanted.managed
    if wanted.boundary:
        properties["PermissionsBoundary"] = wanted.boundary
    logical_id = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", wanted.name) if part) or "Role"
    return document_yaml({"Resources": {logical_id: {"Type": "AWS::IAM::Role", "Properties": properties}}})


def role_removal(name: str) -> str:
    """Remove the role's resource, or add it to the baseline account."""
    return _note(f"Remove the AWS::IAM::Role resource for {name}, or add it to the baseline account.")


def statement(statement: dict[str, Any]) -> str:
    """One statement to add to a policy."""
    return document_yaml({"Statement": [statement]})


def _arns(arn: str) -> str:
    return document_yaml({"ManagedPolicyArns": [arn]})


def _note(text: str) -> str:
    # A YAML comment that stays one comment: no line break or control character can end it.
    return "# " + printable(text)
