"""GAAD: the Marker loop, real published outputs, and our snapshot format round-trip."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from auditor.config import Config, ResolvedAccount
from auditor.errors import SnapshotFormatError, SourceError
from auditor.pipeline import compare_accounts, normalize
from auditor.sources import read_snapshot, write_snapshot
from auditor.sources.gaad import snapshot_from_gaad
from auditor.sources.live import GAAD_FILTER, GAAD_PAGE_SIZE, read_authorization_details
from auditor.sources.snapshot import role_lines
from tests.conftest import REPO, SHARED_GAAD

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
CORPUS = sorted(SHARED_GAAD.glob("*.json")) if SHARED_GAAD.is_dir() else []


def _role(name: str) -> dict:
    return {
        "RoleName": name,
        "Arn": f"arn:aws:iam::111111111111:role/{name}",
        "Path": "/",
        "RoleId": "AROAEXAMPLEROLEID01",
        "CreateDate": NOW,
        "AssumeRolePolicyDocument": "%7B%22Statement%22%3A%5B%5D%7D",
        "RolePolicyList": [],
        "AttachedManagedPolicies": [],
    }


def test_marker_loop_follows_every_page_until_not_truncated():
    iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    pages = [
        ({"RoleDetailList": [_role("a")], "Policies": [], "IsTruncated": True, "Marker": "m1"}, None),
        ({"RoleDetailList": [_role("b")], "Policies": [], "IsTruncated": True, "Marker": "m2"}, "m1"),
        ({"RoleDetailList": [_role("c")], "Policies": [], "IsTruncated": False}, "m2"),
    ]
    with Stubber(iam) as stub:
        for response, marker in pages:
            expected = {"Filter": GAAD_FILTER, "MaxItems": GAAD_PAGE_SIZE} | ({"Marker": marker} if marker else {})
            stub.add_response("get_account_authorization_details", response, expected)
        details = read_authorization_details(iam)
        stub.assert_no_pending_responses()
    assert [role["RoleName"] for role in details["RoleDetailList"]] == ["a", "b", "c"]


@pytest.mark.skipif(not CORPUS, reason="../shared/corpus/gaad is not beside this checkout")
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_published_gaad_file_loads_and_compared_with_itself_has_no_findings(path: Path):
    snapshot = read_snapshot(path)
    assert snapshot.roles and len(snapshot.account_id) == 12
    account = ResolvedAccount(name="a", env="prod", snapshot=path)
    normalized = normalize(snapshot, account)
    config = Config(accounts={"a": {"snapshot": path}})
    result = compare_accounts(normalized, normalized, config, NOW)
    assert result.findings == []
    assert result.summary.roles_compared > 0


def test_gaad_file_and_our_snapshot_of_it_compare_equal(tmp_path: Path):
    source = CORPUS[0] if CORPUS else REPO / "baselines" / "demo" / "prod.json"
    snapshot = read_snapshot(source)
    ours = tmp_path / "ours.json"
    write_snapshot(snapshot, ours)
    assert read_snapshot(ours) == snapshot


def test_snapshot_file_is_written_with_sorted_keys(tmp_path: Path):
    snapshot = read_snapshot(REPO / "baselines" / "demo" / "prod.json")
    path = tmp_path / "s.json"
    write_snapshot(snapshot, path)
    text = path.read_text()
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("{not json", "invalid JSON"),
        ("[]", "neither an iam-drift-auditor snapshot"),
        ('{"RoleDetailList": [{"RoleName": "r"}]}', "role 'r': RoleDetailList[0].Arn: Field required"),
        ('{"RoleDetailList": "nope"}', "RoleDetailList: Input should be a valid list"),
        ('{"format": "iam-drift-auditor-snapshot", "schema_version": 1}', "key 'account_id': Field required"),
    ],
)
def test_malformed_snapshot_names_file_and_problem(tmp_path: Path, content: str, problem: str):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(SnapshotFormatError) as error:
        read_snapshot(path)
    assert str(path) in str(error.value) and problem in str(error.value)


def test_malformed_policy_in_snapshot_names_file_role_and_policy(tmp_path: Path):
    data = json.loads((REPO / "baselines" / "demo" / "prod.json").read_text())
    data["roles"]["deep-insight-api-role-prod"]["inline_policies"]["SecretsRead"]["Statement"][0]["Effect"] = "Maybe"
    path = tmp_path / "prod.json"
    path.write_text(json.dumps(data))
    account = ResolvedAccount(name="prod", env="prod", snapshot=path)
    normalized = normalize(read_snapshot(path), account)
    with pytest.raises(SnapshotFormatError) as error:
        _ = normalized.roles["deep-insight-api-role-prod"].parts  # canonical form is built on first use
    message = str(error.value)
    assert str(path) in message and "deep-insight-api-role-prod" in message and "SecretsRead" in message
    assert "Effect must be Allow or Deny" in message


def test_gaad_copy_keeps_the_file_name_as_source(tmp_path: Path):
    if not CORPUS:
        pytest.skip("../shared/corpus/gaad is not beside this checkout")
    copy = tmp_path / "account.json"
    shutil.copy(CORPUS[0], copy)
    assert read_snapshot(copy).source == "gaad:account.json"


def test_access_denied_on_gaad_names_the_action_to_allow():
    iam = boto3.client("iam", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    with Stubber(iam) as stub:
        stub.add_client_error("get_account_authorization_details", "AccessDenied", "not authorized", 403)
        with pytest.raises(SourceError, match=r"AccessDenied on iam:GetAccountAuthorizationDetails; add to"):
            read_authorization_details(iam)


def test_url_encoded_documents_from_the_raw_api_are_decoded():
    from urllib.parse import quote

    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    role = _role("app") | {"RolePolicyList": [{"PolicyName": "P", "PolicyDocument": quote(json.dumps(document))}]}
    role["AssumeRolePolicyDocument"] = quote(json.dumps(document))
    snapshot = snapshot_from_gaad({"RoleDetailList": [role]}, collected_at=NOW, source="test")
    assert snapshot.roles["app"].inline_policies["P"] == document
    assert snapshot.roles["app"].trust_policy == document


def test_undecodable_document_in_gaad_names_the_role(tmp_path: Path):
    role = _role("app") | {"RolePolicyList": [{"PolicyName": "P", "PolicyDocument": "%7Bbroken"}]}
    role["CreateDate"] = "2026-01-01"
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps({"RoleDetailList": [role]}))
    with pytest.raises(SnapshotFormatError, match="role 'app': document is not valid JSON"):
        read_snapshot(path)


def test_role_lines_finds_each_roles_arn_in_a_gaad_file_and_not_the_principals_that_name_it(tmp_path: Path):
    trust = {"Statement": [{"Principal": {"AWS": "arn:aws:iam::111111111111:role/app"}}]}
    gaad = {
        "RoleDetailList": [
            {"RoleName": "ci", "Arn": "arn:aws:iam::111111111111:role/ci", "AssumeRolePolicyDocument": trust},
            {"RoleName": "app", "Arn": "arn:aws:iam::111111111111:role/team/app"},
        ]
    }
    path = tmp_path / "gaad.json"
    path.write_text(json.dumps(gaad, indent=2))
    lines = path.read_text().splitlines()
    found = role_lines(path)
    assert set(found) == {"ci", "app"}
    assert '"Arn": "arn:aws:iam::111111111111:role/team/app"' in lines[found["app"] - 1]
