"""Every generated fix is valid: JSON, YAML and HCL parse, shell commands split as intended."""

from __future__ import annotations

import json
import re
import shlex
from typing import Any

import hcl2
import pytest
import yaml

from auditor.findings import Finding, FindingKind
from auditor.model import ManagedPolicyRecord
from tests.test_findings import DEV, PROD, allow, findings, role

ODD = "app+role@x=1,a.{env}"
ANYONE = {
    "Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]
}  # every character IAM allows in a role name beyond letters, digits, - and _


def _odd(env: str, account: str, **parts: Any):
    record = role(env, account, **parts)
    name = ODD.format(env=env)
    return record.model_copy(update={"name": name, "arn": f"arn:aws:iam::{account}:role/{name}"})


def _every_kind() -> list[Finding]:
    boundary = ManagedPolicyRecord(name="cap", arn=f"arn:aws:iam::{PROD}:policy/cap", document=allow(["s3:*", "sqs:*"]))
    managed = ManagedPolicyRecord(name="m-prod", arn=f"arn:aws:iam::{PROD}:policy/m-prod", document=allow("sqs:*"))
    variables = allow("s3:GetObject", "arn:aws:s3:::home/${aws:username}/*")
    found = [
        *findings(
            _odd("prod", PROD, inline={"Pol+i=c,y.n@me-x": variables, "Q": allow("sqs:SendMessage")}),
            _odd("dev", DEV, inline={"Q": allow(["sqs:SendMessage", "iam:PassRole"])}),
        ),
        *findings(
            role("prod", PROD, managed_policies=[managed], permissions_boundary=boundary),
            role("dev", DEV, trust=ANYONE),
        ),
        *findings(role("prod", PROD, {"P": allow("s3:GetObject", "*")}), None),
        *findings(None, role("dev", DEV, {"P": allow("s3:GetObject", "*")})),
        *findings(
            role("prod", PROD, {"P": allow("s3:PutObject", "arn:aws:s3:::a-prod/*")}),
            role("dev", DEV, {"P": allow("s3:PutObject", "*")}),
        ),
    ]
    return found


FINDINGS = _every_kind()


def test_the_scenarios_cover_the_kinds_with_fixes():
    kinds = {f.kind for f in FINDINGS}
    assert kinds >= {
        FindingKind.POLICY_MISSING,
        FindingKind.PERMISSIONS_EXTRA,
        FindingKind.ROLE_MISSING,
        FindingKind.ROLE_EXTRA,
        FindingKind.TRUST_DRIFT,
        FindingKind.BOUNDARY_DRIFT,
        FindingKind.RESOURCE_DRIFT,
    }


def _heredocs(script: str) -> tuple[str, list[str]]:
    """The script without heredoc bodies, and the bodies."""
    bodies: list[str] = []

    def keep(match: re.Match[str]) -> str:
        bodies.append(match["body"])
        return match["head"]

    stripped = re.sub(r"(?P<head><<'(?P<tag>\w+)')\n(?P<body>.*?)\n(?P=tag)$", keep, script, flags=re.S | re.M)
    return stripped, bodies


def _commands(script: str) -> list[list[str]]:
    joined = script.replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in joined.splitlines() if shlex.split(line, comments=True)]


@pytest.mark.parametrize(
    "finding", FINDINGS, ids=lambda f: f"{f.kind.value}:{f.role}:{f.policy.name if f.policy else ''}"
)
def test_shell_commands_split_and_heredocs_hold_json(finding: Finding):
    fix = finding.remediation
    for script in [fix.aws_cli, fix.check, *fix.verify]:
        stripped, bodies = _heredocs(script)
        for body in bodies:
            json.loads(body)
        for command in _commands(stripped):
            if command[0] == "aws":
                assert command[1] == "iam"
                names = [command[i + 1] for i, word in enumerate(command) if word == "--role-name"]
                assert all(name == finding.role or name.startswith("app") for name in names)


@pytest.mark.parametrize("finding", FINDINGS, ids=lambda f: f"{f.kind.value}:{f.role}")
def test_cloudformation_and_terraform_parse(finding: Finding):
    fix = finding.remediation
    if fix.cloudformation:
        yaml.safe_load(fix.cloudformation)
    if fix.terraform:
        hcl2.loads(fix.terraform)


def test_odd_role_names_survive_shell_quoting():
    [missing] = [f for f in FINDINGS if f.kind == FindingKind.POLICY_MISSING and f.policy.name == "Pol+i=c,y.n@me-x"]
    stripped, _ = _heredocs(missing.remediation.aws_cli)
    put = next(c for c in _commands(stripped) if c[:3] == ["aws", "iam", "put-role-policy"])
    assert put[put.index("--role-name") + 1] == "app+role@x=1,a.dev"
    assert put[put.index("--policy-name") + 1] == "Pol+i=c,y.n@me-x"


def test_terraform_keeps_iam_policy_variables_literal():
    [missing] = [f for f in FINDINGS if f.kind == FindingKind.POLICY_MISSING and f.policy.name == "Pol+i=c,y.n@me-x"]
    parsed = json.dumps(hcl2.loads(missing.remediation.terraform))
    assert "$${aws:username}" in parsed  # escaped for Terraform, so IAM receives ${aws:username}


def test_the_heredoc_writes_exactly_the_expected_document():
    [missing] = [f for f in FINDINGS if f.kind == FindingKind.POLICY_MISSING and f.policy.name == "Pol+i=c,y.n@me-x"]
    _, [body] = _heredocs(missing.remediation.aws_cli)
    assert json.loads(body) == missing.expected_document


def test_verification_expects_what_the_baseline_wrote():
    [extra] = [f for f in FINDINGS if f.kind == FindingKind.PERMISSIONS_EXTRA]
    assert any(line.endswith("# expected: sqs:SendMessage") for line in extra.remediation.verify)


def _terraform_value(value: Any) -> Any:
    """What Terraform makes of a parsed HCL value: strings unquoted, `$${` and `%%{` unescaped."""
    if isinstance(value, dict):
        return {_terraform_value(key): _terraform_value(item) for key, item in value.items() if key != "__is_block__"}
    if isinstance(value, list):
        return [_terraform_value(item) for item in value]
    if isinstance(value, str) and value.startswith('"'):
        return json.loads(value).replace("$${", "${").replace("%%{", "%{")
    return value


def test_terraform_policies_encode_every_document_exactly():
    from moto.iam.aws_managed_policies import aws_managed_policies_data

    from auditor.fixes.terraform import _hcl

    # Every eighth AWS managed policy (the HCL parser takes 20 ms a document), and a hostile one.
    documents = [entry["Document"] for entry in json.loads(aws_managed_policies_data).values()][::8]
    documents.append({"Statement": [{"Resource": 'a"b\\c ${aws:username} %{x} \u00e9\n', "Condition": {"k:1": 6}}]})
    for document in documents:
        parsed = hcl2.loads("locals {\n  doc = " + _hcl(document, "  ") + "\n}\n")
        assert _terraform_value(parsed["locals"][0]["doc"]) == document
