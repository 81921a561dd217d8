"""Check, fix and verify commands built from a finding's facts (never written per case)."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import yaml

from auditor.findings.model import Remediation
from auditor.fixes import terraform
from auditor.model.documents import action_count
from auditor.names import sanitized
from auditor.terminal import printable, printable_lines

_HEREDOC = "POLICY"


def document_json(document: dict[str, Any]) -> str:
    """The policy JSON as printed in reports and written by the fix; control and bidi characters escaped
    (the same document: inside JSON strings the escape means the character)."""
    return printable_lines(json.dumps(document, indent=2, ensure_ascii=False))


# libyaml's dumper where PyYAML was built with it: the same YAML, several times faster than the pure-Python one.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def document_yaml(document: Any) -> str:
    """A document as CloudFormation YAML, keys in the order they were written, non-ASCII escaped."""
    return yaml.dump(document, Dumper=_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=False).rstrip()


def inline_put(role: str, policy: str, document: dict[str, Any]) -> Remediation:
    """Create or replace an inline policy so it matches the baseline."""
    path = _tmp_file(role, policy)
    return Remediation(
        check=_cmd("aws iam get-role-policy", role_name=role, policy_name=policy)
        + "\n"
        + _comment(
            "While the drift exists: NoSuchEntity (policy missing) or a document that differs from the one below."
        ),
        aws_cli="\n".join(
            [
                _write_file(path, document),
                _cmd("aws iam put-role-policy", role_name=role, policy_name=policy, policy_document=f"file://{path}"),
            ]
        ),
        cloudformation=(
            _comment(f"In the AWS::IAM::Role resource for {role}, under Properties -> Policies:")
            + "\n"
            + document_yaml([{"PolicyName": policy, "PolicyDocument": document}])
        ),
        terraform=terraform.inline_policy(role, policy, document),
        verify=_inline_verify(role, policy, document),
    )


def inline_delete(role: str, policy: str) -> Remediation:
    """Remove an inline policy the baseline does not have (after confirming nothing needs it)."""
    return Remediation(
        check=_cmd("aws iam get-role-policy", role_name=role, policy_name=policy),
        aws_cli=_cmd("aws iam delete-role-policy", role_name=role, policy_name=policy),
        cloudformation=_comment(f"In the AWS::IAM::Role resource for {role}, remove the Policies entry {policy}."),
        terraform=terraform.removal(f"the aws_iam_role_policy {policy} of {role}"),
        verify=[
            _cmd("aws iam list-role-policies", role_name=role, output="text")
            + "  "
            + _comment(f"{policy} is not listed")
        ],
    )


def managed_attach(role: str, arn: str, document: dict[str, Any] | None = None) -> Remediation:
    """Attach a managed policy the target role lacks; a customer managed one is created first where the target
    account does not have it (from `document`, the baseline's)."""
    return Remediation(
        check=_cmd("aws iam list-attached-role-policies", role_name=role),
        aws_cli="\n".join(
            [*_ensure_policy(role, arn, document), _cmd("aws iam attach-role-policy", role_name=role, policy_arn=arn)]
        ),
        cloudformation=(
            _comment(f"In the AWS::IAM::Role resource for {role}, under Properties:")
            + "\n"
            + document_yaml({"ManagedPolicyArns": [arn]})
        ),
        terraform=terraform.attachment(role, arn),
        verify=[_expect(_attached_count(role, arn), "1")],
    )


def managed_detach(role: str, arn: str) -> Remediation:
    """Detach a managed policy the baseline role does not have."""
    return Remediation(
        check=_cmd("aws iam list-attached-role-policies", role_name=role),
        aws_cli=_cmd("aws iam detach-role-policy", role_name=role, policy_arn=arn),
        cloudformation=_comment(f"In the AWS::IAM::Role resource for {role}, remove {arn} from ManagedPolicyArns."),
        terraform=terraform.removal(f"the aws_iam_role_policy_attachment of {arn} to {role}"),
        verify=[_expect(_attached_count(role, arn), "0")],
    )


def managed_update(role: str, arn: str, document: dict[str, Any]) -> Remediation:
    """Make a customer managed policy's default version match the baseline."""
    path = _tmp_file(role, arn.rsplit("/", 1)[-1])
    return Remediation(
        check=_cmd("aws iam get-policy", policy_arn=arn),
        aws_cli="\n".join(
            [
                _write_file(path, document),
                _cmd(
                    "aws iam create-policy-version",
                    policy_arn=arn,
                    policy_document=f"file://{path}",
                    set_as_default=True,
                ),
            ]
        ),
        cloudformation=(
            _comment(f"In the AWS::IAM::ManagedPolicy resource for {arn}, under Properties:")
            + "\n"
            + document_yaml({"PolicyDocument": document})
        ),
        terraform=terraform.managed_policy(arn, document),
        verify=[_cmd("aws iam get-policy", policy_arn=arn, query="Policy.DefaultVersionId", output="text")],
    )


def trust_update(role: str, document: dict[str, Any]) -> Remediation:
    """Replace the target role's trust policy with the baseline's."""
    path = _tmp_file(role, "trust")
    return Remediation(
        check=_cmd("aws iam get-role", role_name=role, query="Role.AssumeRolePolicyDocument"),
        aws_cli="\n".join(
            [
                _write_file(path, document),
                _cmd("aws iam update-assume-role-policy", role_name=role, policy_document=f"file://{path}"),
            ]
        ),
        cloudformation=(
            _comment(f"In the AWS::IAM::Role resource for {role}, under Properties:")
            + "\n"
            + document_yaml({"AssumeRolePolicyDocument": document})
        ),
        terraform=terraform.trust(role, document),
        verify=[_cmd("aws iam get-role", role_name=role, query="Role.AssumeRolePolicyDocument")],
    )


def boundary_set(role: str, arn: str | None, document: dict[str, Any] | None = None) -> Remediation:
    """Put the baseline's permissions boundary on the target role, or remove it if the baseline has none; a
    customer managed boundary is created first where the target account does not have it (from `document`)."""
    query = _cmd(
        "aws iam get-role", role_name=role, query="Role.PermissionsBoundary.PermissionsBoundaryArn", output="text"
    )
    if arn is None:
        return Remediation(
            check=query,
            aws_cli=_cmd("aws iam delete-role-permissions-boundary", role_name=role),
            cloudformation=_comment(f"In the AWS::IAM::Role resource for {role}, remove PermissionsBoundary."),
            terraform=terraform.boundary(role, None),
            verify=[_expect(query, "None")],
        )
    return Remediation(
        check=query,
        aws_cli="\n".join(
            [
                *_ensure_policy(role, arn, document),
                _cmd("aws iam put-role-permissions-boundary", role_name=role, permissions_boundary=arn),
            ]
        ),
        cloudformation=(
            _comment(f"In the AWS::IAM::Role resource for {role}, under Properties:")
            + "\n"
            + document_yaml({"PermissionsBoundary": arn})
        ),
        terraform=terraform.boundary(role, arn),
        verify=[_expect(query, arn)],
    )


def role_create(
    role: str,
    path: str,
    trust: dict[str, Any] | None,
    inline: dict[str, dict[str, Any]],
    managed: list[str],
    boundary: str | None,
) -> Remediation:
    """Create the missing role with the baseline's trust policy, policies and boundary."""
    trust_file = _tmp_file(role, "trust")
    steps = [_write_file(trust_file, trust or {})]
    create: dict[str, Any] = {"role_name": role, "path": path, "assume_role_policy_document": f"file://{trust_file}"}
    if boundary:
        create["permissions_boundary"] = boundary
    steps.append(_cmd("aws iam create-role", **create))
    for name, document in inline.items():
        steps.append(inline_put(role, name, document).aws_cli)
    steps.extend(_cmd("aws iam attach-role-policy", role_name=role, policy_arn=arn) for arn in managed)
    properties: dict[str, Any] = {"RoleName": role, "Path": path, "AssumeRolePolicyDocument": trust or {}}
    if inline:
        properties["Policies"] = [{"PolicyName": n, "PolicyDocument": d} for n, d in inline.items()]
    if managed:
        properties["ManagedPolicyArns"] = managed
    if boundary:
        properties["PermissionsBoundary"] = boundary
    logical_id = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", role) if part) or "Role"
    template = {"Resources": {logical_id: {"Type": "AWS::IAM::Role", "Properties": properties}}}
    return Remediation(
        check=_cmd("aws iam get-role", role_name=role),
        aws_cli="\n".join(steps),
        cloudformation=document_yaml(template),
        terraform=terraform.role(role, path, trust or {}, inline, managed, boundary),
        verify=[
            _expect(
                _cmd("aws iam list-role-policies", role_name=role, query="length(PolicyNames)", output="text"),
                str(len(inline)),
            ),
            _expect(
                _cmd(
                    "aws iam list-attached-role-policies",
                    role_name=role,
                    query="length(AttachedPolicies)",
                    output="text",
                ),
                str(len(managed)),
            ),
        ],
    )


def role_review(role: str) -> Remediation:
    """Inspect a role the baseline does not have before deciding to keep or delete it."""
    return Remediation(
        check=_cmd("aws iam get-role", role_name=role),
        aws_cli="\n".join(
            [
                _cmd("aws iam list-role-policies", role_name=role),
                _cmd("aws iam list-attached-role-policies", role_name=role),
                _cmd("aws iam list-instance-profiles-for-role", role_name=role),
                _comment("If nothing needs the role, delete it in this order (remove the leading '# ' to run):"),
                *(_comment(step) for step in _deletion(role)),
            ]
        ),
        cloudformation=_comment(f"Remove the AWS::IAM::Role resource for {role}, or add it to the baseline account."),
        terraform=terraform.removal(f"the aws_iam_role {role} and its policies (or add the role to the baseline)"),
    )


def grant_read_access(arn: str) -> Remediation:
    """Let the auditor read a policy it could not read."""
    statement = {
        "Effect": "Allow",
        "Action": ["iam:GetPolicy", "iam:GetPolicyVersion"],
        "Resource": arn,
    }
    return Remediation(
        check=_cmd("aws iam get-policy", policy_arn=arn),
        aws_cli=_comment("Add this statement to the auditor role's policy, then run the audit again:")
        + "\n"
        + document_json(statement),
        cloudformation=document_yaml({"Statement": [statement]}),
    )


def _inline_verify(role: str, policy: str, document: dict[str, Any]) -> list[str]:
    def query(expression: str) -> str:
        return _cmd("aws iam get-role-policy", role_name=role, policy_name=policy, query=expression, output="text")

    statements = document.get("Statement")
    single = not isinstance(statements, list) or len(statements) == 1
    first = statements[0] if isinstance(statements, list) and statements else statements
    if single and isinstance(first, dict) and isinstance(first.get("Action"), str):
        return [_expect(query("PolicyDocument.Statement[0].Action"), first["Action"])]
    count = action_count(document)
    if count is None:
        return [_cmd("aws iam get-role-policy", role_name=role, policy_name=policy, query="PolicyDocument")]
    listed = "PolicyDocument.Statement[0].Action" if single else "PolicyDocument.Statement[].Action[]"
    flat = "PolicyDocument.Statement[0].Action[]" if single else listed
    return [_expect(query(f"length({listed})"), str(count)), _expect(query(flat), f"{count} actions")]


def _attached_count(role: str, arn: str) -> str:
    return _cmd(
        "aws iam list-attached-role-policies",
        role_name=role,
        query=f"length(AttachedPolicies[?PolicyArn=='{arn}'])",
        output="text",
    )


def _deletion(role: str) -> list[str]:
    """IAM deletes a role only once it has no inline policy, attached policy or instance profile: each one line."""
    name = shlex.quote(role)

    def each(listing: str, query: str, command: str) -> str:
        found = f"aws iam {listing} --role-name {name} --query {shlex.quote(query)} --output text"
        return f"for item in $({found}); do aws iam {command}; done"

    return [
        each("list-role-policies", "PolicyNames", f'delete-role-policy --role-name {name} --policy-name "$item"'),
        each(
            "list-attached-role-policies",
            "AttachedPolicies[].PolicyArn",
            f'detach-role-policy --role-name {name} --policy-arn "$item"',
        ),
        each(
            "list-instance-profiles-for-role",
            "InstanceProfiles[].InstanceProfileName",
            f'remove-role-from-instance-profile --instance-profile-name "$item" --role-name {name}',
        ),
        f"aws iam delete-role --role-name {name}",
    ]


def _comment(text: str) -> str:
    """A shell or YAML comment that stays one comment: no line break or control character can end it."""
    return "# " + printable(text)


def _expect(command: str, expected: str) -> str:
    """A verification command with its expected output as a trailing comment."""
    return f"{command}  {_comment(f'expected: {expected}')}"


def _ensure_policy(role: str, arn: str, document: dict[str, Any] | None) -> list[str]:
    """Shell lines that create a customer managed policy from the baseline's document unless the account has it.

    Nothing for an AWS managed policy (every account has it) or when the document is not known.
    """
    owner, _, rest = arn.partition(":policy/")
    if document is None or not re.search(r":\d{12}$", owner):
        return []
    folders, _, name = rest.rpartition("/")
    path = _tmp_file(role, name)
    return [
        _comment("Created from the baseline's document if this account does not have the policy yet:"),
        f"if ! {_cmd('aws iam get-policy', policy_arn=arn)} >/dev/null 2>&1; then",
        _write_file(path, document),
        _cmd(
            "aws iam create-policy",
            policy_name=name,
            path=f"/{folders}/" if folders else "/",
            policy_document=f"file://{path}",
        ),
        "fi",
    ]


def _write_file(path: str, document: dict[str, Any]) -> str:
    return f"cat > {shlex.quote(path)} <<'{_HEREDOC}'\n{document_json(document)}\n{_HEREDOC}"


def _tmp_file(role: str, name: str) -> str:
    safe = sanitized(f"{role}-{name}") or "policy"
    return f"/tmp/{safe}.json"


def _cmd(base: str, **options: str | bool) -> str:
    parts = [base]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        parts.append(flag if value is True else f"{flag} {shlex.quote(str(value))}")
    return " \\\n  ".join(parts)
