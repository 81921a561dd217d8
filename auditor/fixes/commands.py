"""Each fix as a Remediation: the AWS CLI check, fix and verify commands written here, the CloudFormation and
Terraform by their own modules (a new target is a module of its own and a line in each function here)."""

from __future__ import annotations

from typing import Any

from auditor.findings.model import Remediation
from auditor.findings.sides import TargetRole
from auditor.fixes import cloudformation, shell, terraform


def inline_put(role: str, policy: str, document: dict[str, Any]) -> Remediation:
    """Create or replace an inline policy so it matches the baseline."""
    return Remediation(
        check=shell.command("aws iam get-role-policy", role_name=role, policy_name=policy)
        + "\n"
        + shell.comment(
            "While the drift exists: NoSuchEntity (policy missing) or a document that differs from the one below."
        ),
        aws_cli=_inline_put_cli(role, policy, document),
        cloudformation=cloudformation.inline_policy(role, policy, document),
        terraform=terraform.inline_policy(role, policy, document),
        verify=shell.inline_verify(role, policy, document),
    )


def _inline_put_cli(role: str, policy: str, document: dict[str, Any]) -> str:
    path = shell.tmp_file(role, policy)
    return "\n".join(
        [
            shell.write_file(path, document),
            shell.command(
                "aws iam put-role-policy", role_name=role, policy_name=policy, policy_document=f"file://{path}"
            ),
        ]
    )


def inline_delete(role: str, policy: str) -> Remediation:
    """Remove an inline policy the baseline does not have (after confirming nothing needs it)."""
    return Remediation(
        check=shell.command("aws iam get-role-policy", role_name=role, policy_name=policy),
        aws_cli=shell.command("aws iam delete-role-policy", role_name=role, policy_name=policy),
        cloudformation=cloudformation.inline_removal(role, policy),
        terraform=terraform.removal(f"the aws_iam_role_policy {policy} of {role}"),
        verify=[
            shell.command("aws iam list-role-policies", role_name=role, output="text")
            + "  "
            + shell.comment(f"{policy} is not listed")
        ],
    )


def managed_attach(role: str, arn: str, document: dict[str, Any] | None = None) -> Remediation:
    """Attach a managed policy the target role lacks; a customer managed one is created first where the target
    account does not have it (from `document`, the baseline's)."""
    return Remediation(
        check=shell.command("aws iam list-attached-role-policies", role_name=role),
        aws_cli="\n".join(
            [
                *shell.ensure_policy(role, arn, document),
                shell.command("aws iam attach-role-policy", role_name=role, policy_arn=arn),
            ]
        ),
        cloudformation=cloudformation.attachment(role, arn),
        terraform=terraform.attachment(role, arn),
        verify=[shell.expect(shell.attached_count(role, arn), "1")],
    )


def managed_detach(role: str, arn: str) -> Remediation:
    """Detach a managed policy the baseline role does not have."""
    return Remediation(
        check=shell.command("aws iam list-attached-role-policies", role_name=role),
        aws_cli=shell.command("aws iam detach-role-policy", role_name=role, policy_arn=arn),
        cloudformation=cloudformation.detachment(role, arn),
        terraform=terraform.removal(f"the aws_iam_role_policy_attachment of {arn} to {role}"),
        verify=[shell.expect(shell.attached_count(role, arn), "0")],
    )


def managed_update(role: str, arn: str, document: dict[str, Any]) -> Remediation:
    """Make a customer managed policy's default version match the baseline."""
    path = shell.tmp_file(role, arn.rsplit("/", 1)[-1])
    return Remediation(
        check=shell.command("aws iam get-policy", policy_arn=arn),
        aws_cli="\n".join(
            [
                shell.write_file(path, document),
                shell.command(
                    "aws iam create-policy-version",
                    policy_arn=arn,
                    policy_document=f"file://{path}",
                    set_as_default=True,
                ),
            ]
        ),
        cloudformation=cloudformation.managed_policy(arn, document),
        terraform=terraform.managed_policy(arn, document),
        verify=[shell.command("aws iam get-policy", policy_arn=arn, query="Policy.DefaultVersionId", output="text")],
    )


def trust_update(role: str, document: dict[str, Any]) -> Remediation:
    """Replace the target role's trust policy with the baseline's."""
    path = shell.tmp_file(role, "trust")
    return Remediation(
        check=shell.command("aws iam get-role", role_name=role, query="Role.AssumeRolePolicyDocument"),
        aws_cli="\n".join(
            [
                shell.write_file(path, document),
                shell.command("aws iam update-assume-role-policy", role_name=role, policy_document=f"file://{path}"),
            ]
        ),
        cloudformation=cloudformation.trust(role, document),
        terraform=terraform.trust(role, document),
        verify=[shell.command("aws iam get-role", role_name=role, query="Role.AssumeRolePolicyDocument")],
    )


def boundary_set(role: str, arn: str | None, document: dict[str, Any] | None = None) -> Remediation:
    """Put the baseline's permissions boundary on the target role, or remove it if the baseline has none; a
    customer managed boundary is created first where the target account does not have it (from `document`)."""
    query = shell.command(
        "aws iam get-role", role_name=role, query="Role.PermissionsBoundary.PermissionsBoundaryArn", output="text"
    )
    if arn is None:
        return Remediation(
            check=query,
            aws_cli=shell.command("aws iam delete-role-permissions-boundary", role_name=role),
            cloudformation=cloudformation.boundary(role, None),
            terraform=terraform.boundary(role, None),
            verify=[shell.expect(query, "None")],
        )
    return Remediation(
        check=query,
        aws_cli="\n".join(
            [
                *shell.ensure_policy(role, arn, document),
                shell.command("aws iam put-role-permissions-boundary", role_name=role, permissions_boundary=arn),
            ]
        ),
        cloudformation=cloudformation.boundary(role, arn),
        terraform=terraform.boundary(role, arn),
        verify=[shell.expect(query, arn)],
    )


def role_create(wanted: TargetRole) -> Remediation:
    """Create the missing role with the baseline's trust policy, policies and boundary."""
    role = wanted.name
    trust_file = shell.tmp_file(role, "trust")
    steps = [shell.write_file(trust_file, wanted.trust or {})]
    create: dict[str, Any] = {
        "role_name": role,
        "path": wanted.path,
        "assume_role_policy_document": f"file://{trust_file}",
    }
    if wanted.boundary:
        create["permissions_boundary"] = wanted.boundary
    steps.append(shell.command("aws iam create-role", **create))
    for name, document in wanted.inline.items():
        steps.append(_inline_put_cli(role, name, document))
    steps.extend(shell.command("aws iam attach-role-policy", role_name=role, policy_arn=arn) for arn in wanted.managed)
    return Remediation(
        check=shell.command("aws iam get-role", role_name=role),
        aws_cli="\n".join(steps),
        cloudformation=cloudformation.role(wanted),
        terraform=terraform.role(wanted),
        verify=[
            shell.expect(
                shell.command("aws iam list-role-policies", role_name=role, query="length(PolicyNames)", output="text"),
                str(len(wanted.inline)),
            ),
            shell.expect(
                shell.command(
                    "aws iam list-attached-role-policies",
                    role_name=role,
                    query="length(AttachedPolicies)",
                    output="text",
                ),
                str(len(wanted.managed)),
            ),
        ],
    )


def role_review(role: str) -> Remediation:
    """Inspect a role the baseline does not have before deciding to keep or delete it."""
    return Remediation(
        check=shell.command("aws iam get-role", role_name=role),
        aws_cli="\n".join(
            [
                shell.command("aws iam list-role-policies", role_name=role),
                shell.command("aws iam list-attached-role-policies", role_name=role),
                shell.command("aws iam list-instance-profiles-for-role", role_name=role),
                shell.comment("If nothing needs the role, delete it in this order (remove the leading '# ' to run):"),
                *(shell.comment(step) for step in shell.deletion(role)),
            ]
        ),
        cloudformation=cloudformation.role_removal(role),
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
        check=shell.command("aws iam get-policy", policy_arn=arn),
        aws_cli=shell.comment("Add this statement to the auditor role's policy, then run the audit again:")
        + "\n"
        + shell.document_json(statement),
        cloudformation=cloudformation.statement(statement),
    )
