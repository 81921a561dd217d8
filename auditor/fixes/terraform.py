"""Terraform (HCL) for each fix: the resources as they should read, policies written with `jsonencode()`."""

from __future__ import annotations

import json
import re
from typing import Any

from auditor.findings.sides import TargetRole
from auditor.names import sanitized
from auditor.terminal import printable


def inline_policy(role: str, name: str, document: dict[str, Any]) -> str:
    """An `aws_iam_role_policy` holding the inline policy."""
    return _resource("aws_iam_role_policy", _name(role, name), {"name": name, "role": role}, policy=document)


def attachment(role: str, arn: str) -> str:
    """An `aws_iam_role_policy_attachment` of a managed policy."""
    return _resource(
        "aws_iam_role_policy_attachment", _name(role, arn.rsplit("/", 1)[-1]), {"role": role, "policy_arn": arn}
    )


def managed_policy(arn: str, document: dict[str, Any]) -> str:
    """The `aws_iam_policy` whose default version should hold the document."""
    name = arn.rsplit("/", 1)[-1]
    return _resource("aws_iam_policy", _name(name), {"name": name}, policy=document)


def trust(role: str, document: dict[str, Any]) -> str:
    """The role's `assume_role_policy`, inside its `aws_iam_role`."""
    return _resource("aws_iam_role", _name(role), {"name": role}, assume_role_policy=document)


def boundary(role: str, arn: str | None) -> str:
    """The role's `permissions_boundary`, or a note to remove it."""
    if arn is None:
        return "# " + printable(f"In the aws_iam_role for {role}, remove permissions_boundary.") + "\n"
    return _resource("aws_iam_role", _name(role), {"name": role, "permissions_boundary": arn})


def role(wanted: TargetRole) -> str:
    """A whole role: `aws_iam_role`, its inline policies and its attachments."""
    name = wanted.name
    attributes = {"name": name, "path": wanted.path} | (
        {"permissions_boundary": wanted.boundary} if wanted.boundary else {}
    )
    blocks = [_resource("aws_iam_role", _name(name), attributes, assume_role_policy=wanted.trust or {})]
    blocks += [inline_policy(name, policy, document) for policy, document in wanted.inline.items()]
    blocks += [attachment(name, arn) for arn in wanted.managed]
    return "\n".join(blocks)


def removal(what: str) -> str:
    """A fix that deletes configuration: say which block to remove."""
    return "# " + printable(f"Remove {what} from your Terraform configuration, then apply.") + "\n"


def _resource(kind: str, name: str, attributes: dict[str, str], **documents: dict[str, Any]) -> str:
    lines = [f'resource "{kind}" "{name}" {{']
    width = max(len(key) for key in [*attributes, *documents])
    lines += [f"  {key.ljust(width)} = {_string(value)}" for key, value in attributes.items()]
    lines += [f"  {key.ljust(width)} = jsonencode({_hcl(document, '  ')})" for key, document in documents.items()]
    lines.append("}")
    return "\n".join(lines) + "\n"


def _hcl(value: Any, indent: str) -> str:
    """A JSON value as an HCL expression, laid out as `terraform fmt` would; jsonencode() turns it back."""
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        keys = {key: _key(key) for key in value}
        width = max(len(written) for written in keys.values())
        body = [f"{inner}{keys[key].ljust(width)} = {_hcl(item, inner)}" for key, item in value.items()]
        return "{\n" + "\n".join(body) + f"\n{indent}}}"
    if isinstance(value, list):
        items = [_hcl(item, inner) for item in value]
        if all(not isinstance(item, dict | list) for item in value) and sum(len(i) + 2 for i in items) < 80:
            return "[" + ", ".join(items) + "]"
        return "[\n" + "".join(f"{inner}{item},\n" for item in items) + f"{indent}]"
    if value is None or isinstance(value, bool | int | float):
        return json.dumps(value)
    return _string(str(value))


def _key(key: str) -> str:
    # An attribute name stays bare only where HCL reads it as one (`Effect`); `aws:SourceIp` is quoted.
    return key if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_-]*", key) else _string(key)


def _template_safe(text: str) -> str:
    # Terraform interpolates ${...} and %{...} in strings; IAM policy variables must stay literal.
    return text.replace("${", "$${").replace("%{", "%%{")


def _string(value: str) -> str:
    return json.dumps(_template_safe(value))


def _name(*parts: str) -> str:
    name = sanitized("_".join(parts), "a-z0-9_", "_", fold=True)
    return name if name[:1].isalpha() else f"r_{name}"
