"""Shell text for the AWS CLI fixes: commands with every value quoted, documents in quoted heredocs,
comments that stay comments, and the checks that verify a fix."""

from __future__ import annotations

import re
import shlex
from typing import Any

from auditor.model.documents import action_count, indented
from auditor.names import sanitized
from auditor.terminal import printable, printable_lines

_HEREDOC = "POLICY"


def document_json(document: dict[str, Any]) -> str:
    """The policy JSON as printed in reports and written by the fix; control and bidi characters escaped
    (the same document: inside JSON strings the escape means the character)."""
    return printable_lines(indented(document))


def inline_verify(role: str, policy: str, document: dict[str, Any]) -> list[str]:
    """Commands that show the inline policy now holds the document's actions (their count, then the list)."""

    def query(expression: str) -> str:
        return command("aws iam get-role-policy", role_name=role, policy_name=policy, query=expression, output="text")

    statements = document.get("Statement")
    single = not isinstance(statements, list) or len(statements) == 1
    first = statements[0] if isinstance(statements, list) and statements else statements
    if single and isinstance(first, dict) and isinstance(first.get("Action"), str):
        return [expect(query("PolicyDocument.Statement[0].Action"), first["Action"])]
    count = action_count(document)
    if count is None:
        return [command("aws iam get-role-policy", role_name=role, policy_name=policy, query="PolicyDocument")]
    listed = "PolicyDocument.Statement[0].Action" if single else "PolicyDocument.Statement[].Action[]"
    flat = "PolicyDocument.Statement[0].Action[]" if single else listed
    return [expect(query(f"length({listed})"), str(count)), expect(query(flat), f"{count} actions")]


def attached_count(role: str, arn: str) -> str:
    """A command that prints how many times the role has the managed policy attached (0 or 1)."""
    return command(
        "aws iam list-attached-role-policies",
        role_name=role,
        query=f"length(AttachedPolicies[?PolicyArn=='{arn}'])",
        output="text",
    )


def deletion(role: str) -> list[str]:
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


def comment(text: str) -> str:
    """A shell or YAML comment that stays one comment: no line break or control character can end it."""
    return "# " + printable(text)


def expect(command: str, expected: str) -> str:
    """A verification command with its expected output as a trailing comment."""
    return f"{command}  {comment(f'expected: {expected}')}"


def ensure_policy(role: str, arn: str, document: dict[str, Any] | None) -> list[str]:
    """Shell lines that create a customer managed policy from the baseline's document unless the account has it.

    Nothing for an AWS managed policy (every account has it) or when the document is not known.
    """
    owner, _, rest = arn.partition(":policy/")
    if document is None or not re.search(r":\d{12}$", owner):
        return []
    folders, _, name = rest.rpartition("/")
    path = tmp_file(role, name)
    return [
        comment("Created from the baseline's document if this account does not have the policy yet:"),
        f"if ! {command('aws iam get-policy', policy_arn=arn)} >/dev/null 2>&1; then",
        write_file(path, document),
        command(
            "aws iam create-policy",
            policy_name=name,
            path=f"/{folders}/" if folders else "/",
            policy_document=f"file://{path}",
        ),
        "fi",
    ]


def write_file(path: str, document: dict[str, Any]) -> str:
    """A quoted heredoc that writes the document, as the report prints it, to `path`."""
    return f"cat > {shlex.quote(path)} <<'{_HEREDOC}'\n{document_json(document)}\n{_HEREDOC}"


def tmp_file(role: str, name: str) -> str:
    """A file name under /tmp for a role's document, made only of safe characters."""
    safe = sanitized(f"{role}-{name}") or "policy"
    return f"/tmp/{safe}.json"


def command(base: str, **options: str | bool) -> str:
    """An AWS CLI command, one option per line, every value shell-quoted."""
    parts = [base]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        parts.append(flag if value is True else f"{flag} {shlex.quote(str(value))}")
    return " \\\n  ".join(parts)
