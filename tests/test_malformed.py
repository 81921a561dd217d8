"""Bad input gets exit 2 and one line naming the file and the problem: never a traceback, never lost data.

The corpus below is built from small, named mutations of a valid config, snapshot, GAAD file and
policy document; hypothesis adds random bytes and random YAML on top.
"""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from auditor.cli import main
from tests.conftest import REPO, SHARED_GAAD

DEMO = REPO / "baselines" / "demo"
CONFIG = (REPO / "config.yaml").read_text()
DEV = json.loads((DEMO / "dev.json").read_text())
ROLE = "deep-insight-task-role-dev"


# Configs: the text of config.yaml, broken one way each ------------------------------------------------------

CONFIGS: dict[str, str] = {
    "yaml: unclosed list": "accounts: [prod\n",
    "yaml: bad indentation": "accounts:\n  prod:\n snapshot: x\n",
    "yaml: tab indentation": "accounts:\n\tprod: {}\n",
    "yaml: unclosed quote": "baseline: 'prod\n",
    "yaml: duplicate anchor use": "accounts: *nothing\n",
    "yaml: stray colon": "accounts: : :\n",
    "yaml: unclosed mapping": "accounts: {prod: {}\n",
    "yaml: null byte": "accounts:\x00\n",
    "yaml: control character": "baseline: \x07prod\n" + CONFIG.split("baseline: prod\n", 1)[1],
    "yaml: deep nesting": "accounts: " + "[" * 20000 + "]" * 20000 + "\n",
    "top level: list": "- prod\n- dev\n",
    "top level: scalar": "just a string\n",
    "top level: empty": "",
    "top level: number": "42\n",
    "unknown key at top": CONFIG + "colour: blue\n",
    "unknown key in account": CONFIG.replace("    env: dev\n", "    env: dev\n    rol_arn: x\n"),
    "unknown key in roles": CONFIG.replace('  include: ["*"]', '  includes: ["*"]'),
    "unknown key in report": CONFIG + "report:\n  size: 1\n",
    "unknown key in aws": CONFIG + "aws:\n  retries: 3\n",
    "unknown key in audit": CONFIG.replace("    targets: [dev]", "    targets: [dev]\n    when: weekly"),
    "accounts: missing": "baseline: prod\n",
    "accounts: empty": "accounts: {}\n",
    "accounts: a list": "accounts: [prod, dev]\n",
    "account: a list": "accounts:\n  prod: [1, 2]\n  dev: {}\n",
    "account: a string": "accounts:\n  prod: arn\n  dev: {}\n",
    "role_arn: a number": "accounts:\n  prod: {role_arn: 12}\n  dev: {}\n",
    "role_arn: not a role ARN": "accounts:\n  prod: {role_arn: 'arn:aws:s3:::bucket'}\n  dev: {}\n",
    "role_arn: short account": "accounts:\n  prod: {role_arn: 'arn:aws:iam::123:role/x'}\n  dev: {}\n",
    "env: with spaces": "accounts:\n  prod: {env: 'pr od'}\n  dev: {}\n",
    "env: empty list": "accounts:\n  prod: {env: []}\n  dev: {}\n",
    "env: a number list": "accounts:\n  prod: {env: [1]}\n  dev: {}\n",
    "env: a mapping": "accounts:\n  prod: {env: {a: b}}\n  dev: {}\n",
    "snapshot with role_arn": "accounts:\n  prod: {snapshot: a.json, role_arn: 'arn:aws:iam::111111111111:role/x'}\n",
    "snapshot: a list": "accounts:\n  prod: {snapshot: [a]}\n  dev: {}\n",
    "account name: path": "accounts:\n  ../prod: {}\n  dev: {}\n",
    "account name: html": "accounts:\n  '<b>': {}\n  dev: {}\n",
    "account name: bidi override": 'accounts:\n  "prod\\u202e": {}\n  dev: {}\n',
    "account name: huge": "accounts:\n  " + "a" * 200_000 + ": {}\n",
    "baseline: unknown": CONFIG.replace("baseline: prod", "baseline: prd"),
    "baseline: a list": CONFIG.replace("baseline: prod", "baseline: [prod]"),
    "roles.include: a string": CONFIG.replace('  include: ["*"]', "  include: {a: 1}"),
    "roles.map: a list": CONFIG.replace("  include_service_roles: false", "  include_service_roles: false\n  map: [a]"),
    "roles.match_tags: a number": CONFIG.replace("  exclude: []", "  exclude: []\n  match_tags: 3"),
    "roles.include_service_roles: text": CONFIG.replace("include_service_roles: false", "include_service_roles: maybe"),
    "report.markdown_limit_kb: tiny": CONFIG + "report:\n  markdown_limit_kb: 1\n",
    "report.markdown_limit_kb: text": CONFIG + "report:\n  markdown_limit_kb: big\n",
    "aws.max_attempts: zero": CONFIG + "aws:\n  max_attempts: 0\n",
    "aws.max_attempts: huge": CONFIG + "aws:\n  max_attempts: 1000\n",
    "audits: a mapping": CONFIG.replace("audits:\n  - baseline: prod\n    targets: [dev]", "audits: {prod: dev}"),
    "audits: no targets": CONFIG.replace("    targets: [dev]", "    targets: []"),
    "audits: unknown account": CONFIG.replace("    targets: [dev]", "    targets: [qa]"),
    "waivers: a number": CONFIG + "waivers: 5\n",
    "snapshot: file missing": CONFIG.replace("baselines/demo/dev.json", "baselines/demo/nope.json"),
    "snapshot: NUL in the path": CONFIG.replace("baselines/demo/dev.json", '"baselines/demo/dev\\0.json"'),
    "yaml: a key given twice": CONFIG + "accounts:\n  qa: {}\n",
    "yaml: a key given twice in an account": CONFIG.replace("    env: dev\n", "    env: dev\n    env: qa\n"),
    "yaml: impossible date": CONFIG + "since: 2099-02-30\n",
    "yaml: 5,000-digit number": CONFIG + "aws:\n  max_attempts: " + "9" * 5000 + "\n",
    "aws.max_attempts: true": CONFIG + "aws:\n  max_attempts: true\n",
    "report.markdown_limit_kb: a float": CONFIG + "report:\n  markdown_limit_kb: 100.5\n",
    "roles.include_service_roles: a number": CONFIG.replace("include_service_roles: false", "include_service_roles: 1"),
}


# Snapshots: our format, broken one way each ------------------------------------------------------------------


def _snap(change: Callable[[dict[str, Any]], Any]) -> str:
    data = copy.deepcopy(DEV)
    change(data)
    return json.dumps(data)


def _role(data: dict[str, Any]) -> dict[str, Any]:
    return data["roles"][ROLE]


SNAPSHOTS: dict[str, str] = {
    "json: truncated": json.dumps(DEV)[:-40],
    "json: trailing comma": '{"a": 1,}',
    "json: single quotes": "{'format': 'iam-drift-auditor-snapshot'}",
    "json: empty file": "",
    "json: only whitespace": "   \n",
    "json: NaN": '{"format": NaN}',
    "json: null byte": '{"format": "iam-drift-auditor-snapshot"\x00}',
    "json: deep nesting": "[" * 100_000 + "]" * 100_000,
    "json: a list": "[]",
    "json: a string": '"snapshot"',
    "json: a number": "3",
    "json: null": "null",
    "format: wrong": _snap(lambda d: d.update(format="other")),
    "schema_version: 2": _snap(lambda d: d.update(schema_version=2)),
    "account_id: short": _snap(lambda d: d.update(account_id="123")),
    "account_id: missing": _snap(lambda d: d.pop("account_id")),
    "collected_at: not a date": _snap(lambda d: d.update(collected_at="yesterday")),
    "roles: a list": _snap(lambda d: d.update(roles=[])),
    "roles: null": _snap(lambda d: d.update(roles=None)),
    "role: a string": _snap(lambda d: d["roles"].update({ROLE: "x"})),
    "role: no arn": _snap(lambda d: _role(d).pop("arn")),
    "role: arn of a user": _snap(lambda d: _role(d).update(arn="arn:aws:iam::222222222222:user/x")),
    "role: name with a space": _snap(lambda d: _role(d).update(name="a b")),
    "role: name with html": _snap(lambda d: _role(d).update(name="<script>")),
    "role: name with a null byte": _snap(lambda d: _role(d).update(name="a\x00b")),
    "role: name too long": _snap(lambda d: _role(d).update(name="a" * 65)),
    "role: huge name": _snap(lambda d: _role(d).update(name="a" * 1_000_000)),
    "role: path without slash": _snap(lambda d: _role(d).update(path="app")),
    "role: path with newline": _snap(lambda d: _role(d).update(path="/a\n/")),
    "role: unknown field": _snap(lambda d: _role(d).update(colour="blue")),
    "role: tags a list": _snap(lambda d: _role(d).update(tags=[{"Key": "a"}])),
    "role: tag value a number": _snap(lambda d: _role(d).update(tags={"a": 1})),
    "inline policies: a list": _snap(lambda d: _role(d).update(inline_policies=[])),
    "inline policy name: newline": _snap(lambda d: _role(d)["inline_policies"].update({"a\nb": {}})),
    "managed policy: bad arn": _snap(
        lambda d: _role(d).update(managed_policies=[{"name": "x", "arn": "arn:aws:s3:::x"}])
    ),
    "managed policy: name missing": _snap(
        lambda d: _role(d).update(managed_policies=[{"arn": "arn:aws:iam::aws:policy/x"}])
    ),
    "boundary: a string": _snap(lambda d: _role(d).update(permissions_boundary="arn")),
    "json: a role given twice": json.dumps(DEV).replace(
        '"roles": {', '"roles": {"deep-insight-api-role-dev": {"name": "x"}, ', 1
    ),
    "json: a key given twice in a policy": json.dumps(DEV).replace(
        '"Effect": "Allow"', '"Effect": "Allow", "Effect": "Deny"', 1
    ),
    "json: 5,000-digit number": json.dumps(DEV).replace('"2012-10-17"', "9" * 5000, 1),
    "json: Infinity": json.dumps(DEV).replace('"2012-10-17"', "Infinity", 1),
    "json: a number past a double's range": json.dumps(DEV).replace('"2012-10-17"', "-1e400", 1),
    "json: policy nested 400 levels": _snap(
        lambda d: _role(d)["inline_policies"]["DataAccess"]["Statement"][0].update(Condition="NEST")
    ).replace('"NEST"', '{"a": ' * 400 + "1" + "}" * 400),
    "json: policy nested 1,000 levels": _snap(
        lambda d: _role(d)["inline_policies"]["DataAccess"]["Statement"][0].update(Condition="NEST")
    ).replace('"NEST"', '{"a": ' * 1000 + "1" + "}" * 1000),
    # Just past the limit: the file is too deep for the quick check on its bytes, so each document is walked.
    "json: policy nested 66 levels": _snap(
        lambda d: _role(d)["inline_policies"]["DataAccess"]["Statement"][0].update(Condition="NEST")
    ).replace('"NEST"', '{"a": ' * 63 + "1" + "}" * 63),
    "role: name not ASCII": _snap(lambda d: _role(d).update(name="deep-insight-t\u00e4sk-role-dev")),
    "inline policy name: not ASCII": _snap(lambda d: _role(d)["inline_policies"].update({"Daten\u00fcbersicht": {}})),
}


# Policy documents: DataAccess of the dev role replaced by each ------------------------------------------------

GOOD_STATEMENT = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
DOCUMENTS: dict[str, Any] = {
    "document: null": None,
    "document: a list": [GOOD_STATEMENT],
    "document: a number": 7,
    "document: not JSON text": "not json",
    "document: JSON text of a list": "[1, 2]",
    "document: broken URL-encoding": "%7B%22Statement",
    "document: URL-encoded list": quote("[]"),
    "document: no Statement": {"Version": "2012-10-17"},
    "document: unknown element": {"Statement": [GOOD_STATEMENT], "Extra": 1},
    "document: Version a number": {"Version": 2012, "Statement": [GOOD_STATEMENT]},
    "statement: a string": {"Statement": ["Allow everything"]},
    "statement: null": {"Statement": [None]},
    "statement: no Effect": {"Statement": [{"Action": "s3:GetObject", "Resource": "*"}]},
    "statement: Effect Maybe": {"Statement": [GOOD_STATEMENT | {"Effect": "Maybe"}]},
    "statement: Effect a list": {"Statement": [GOOD_STATEMENT | {"Effect": ["Allow"]}]},
    "statement: Action and NotAction": {"Statement": [GOOD_STATEMENT | {"NotAction": "s3:*"}]},
    "statement: neither Action nor NotAction": {"Statement": [{"Effect": "Allow", "Resource": "*"}]},
    "statement: Action a number": {"Statement": [GOOD_STATEMENT | {"Action": 5}]},
    "statement: Action empty list": {"Statement": [GOOD_STATEMENT | {"Action": []}]},
    "statement: Action empty string": {"Statement": [GOOD_STATEMENT | {"Action": ""}]},
    "statement: Action a mapping": {"Statement": [GOOD_STATEMENT | {"Action": {"s3": "Get"}}]},
    "statement: Resource a number": {"Statement": [GOOD_STATEMENT | {"Resource": 3}]},
    "statement: Resource list with null": {"Statement": [GOOD_STATEMENT | {"Resource": ["*", None]}]},
    "statement: Principal a number": {"Statement": [GOOD_STATEMENT | {"Principal": 1}]},
    "statement: Principal empty mapping": {"Statement": [GOOD_STATEMENT | {"Principal": {}}]},
    "statement: Condition a list": {"Statement": [GOOD_STATEMENT | {"Condition": ["x"]}]},
    "statement: Condition operator a string": {"Statement": [GOOD_STATEMENT | {"Condition": {"StringEquals": "x"}}]},
    "statement: Condition value a mapping": {
        "Statement": [GOOD_STATEMENT | {"Condition": {"StringEquals": {"aws:x": {"y": 1}}}}]
    },
    "statement: Condition value null": {
        "Statement": [GOOD_STATEMENT | {"Condition": {"StringEquals": {"aws:x": None}}}]
    },
    "statement: Sid a mapping": {"Statement": [GOOD_STATEMENT | {"Sid": {}}]},
    "document: Id a number": {"Id": 5, "Statement": [GOOD_STATEMENT]},
    "statement: deep nesting in Condition": {
        "Statement": [GOOD_STATEMENT | {"Condition": {"StringEquals": {"aws:x": [[[[[["a"]]]]]]}}}]
    },
}


def _gaad(change: Callable[[dict[str, Any]], Any]) -> str:
    data = (
        json.loads((SHARED_GAAD / "cloudsplaining-test-authz-details.json").read_text())
        if SHARED_GAAD.is_dir()
        else {
            "RoleDetailList": [{"RoleName": "r", "Arn": "arn:aws:iam::012345678901:role/r", "RolePolicyList": []}],
            "Policies": [],
        }
    )
    change(data)
    return json.dumps(data)


GAADS: dict[str, str] = {
    "gaad: RoleDetailList a string": _gaad(lambda d: d.update(RoleDetailList="roles")),
    "gaad: role without RoleName": _gaad(lambda d: d["RoleDetailList"][0].pop("RoleName")),
    "gaad: role without Arn": _gaad(lambda d: d["RoleDetailList"][0].pop("Arn")),
    "gaad: role Arn malformed": _gaad(lambda d: d["RoleDetailList"][0].update(Arn="not-an-arn")),
    "gaad: RolePolicyList a mapping": _gaad(lambda d: d["RoleDetailList"][0].update(RolePolicyList={})),
    "gaad: inline policy without document": _gaad(
        lambda d: d["RoleDetailList"][0].update(RolePolicyList=[{"PolicyName": "p"}])
    ),
    "gaad: inline document broken URL-encoding": _gaad(
        lambda d: d["RoleDetailList"][0].update(RolePolicyList=[{"PolicyName": "p", "PolicyDocument": "%7B"}])
    ),
    "gaad: inline document with bad Effect": _gaad(
        lambda d: d["RoleDetailList"][0].update(
            RolePolicyList=[{"PolicyName": "p", "PolicyDocument": {"Statement": [GOOD_STATEMENT | {"Effect": "No"}]}}]
        )
    ),
    # JSON text inside a string: the file is shallow, the document it holds is not.
    "gaad: inline document text nested 100 levels": _gaad(
        lambda d: d["RoleDetailList"][0].update(
            RolePolicyList=[{"PolicyName": "p", "PolicyDocument": '{"a": ' * 100 + "1" + "}" * 100}]
        )
    ),
    "gaad: attached policy without arn": _gaad(
        lambda d: d["RoleDetailList"][0].update(AttachedManagedPolicies=[{"PolicyName": "p"}])
    ),
    "gaad: Policies a mapping": _gaad(lambda d: d.update(Policies={})),
    "gaad: policy version without document": _gaad(
        lambda d: d.update(
            Policies=[{"Arn": "arn:aws:iam::012345678901:policy/p", "PolicyVersionList": [{"IsDefaultVersion": True}]}]
        )
    ),
    "gaad: trust policy a number": _gaad(lambda d: d["RoleDetailList"][0].update(AssumeRolePolicyDocument=5)),
    "gaad: tags not a list": _gaad(lambda d: d["RoleDetailList"][0].update(Tags="a=b")),
    "gaad: no roles and no account": json.dumps({"RoleDetailList": [], "Policies": []}),
    "gaad: a RoleName twice": _gaad(lambda d: d["RoleDetailList"].append(copy.deepcopy(d["RoleDetailList"][0]))),
    "gaad: an inline PolicyName twice": _gaad(
        lambda d: d["RoleDetailList"][0].update(
            RolePolicyList=[{"PolicyName": "p", "PolicyDocument": {"Statement": [GOOD_STATEMENT]}}] * 2
        )
    ),
    "gaad: a policy Arn twice": _gaad(
        lambda d: d.update(Policies=[{"Arn": "arn:aws:iam::012345678901:policy/p", "PolicyVersionList": []}] * 2)
    ),
}

# Where the file at fault is not the one written: the config names a snapshot that is not there.
NAMED = {"snapshot: file missing": "nope.json", "snapshot: NUL in the path": "baselines/demo/dev"}

CASES: list[tuple[str, str, str]] = (
    [("config", name, text) for name, text in CONFIGS.items()]
    + [("dev.json", name, text) for name, text in SNAPSHOTS.items()]
    + [
        ("dev.json", name, _snap(lambda d, doc=doc: _role(d)["inline_policies"].update(DataAccess=doc)))
        for name, doc in DOCUMENTS.items()
    ]
    + [("dev.json", name, text) for name, text in GAADS.items()]
)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    (tmp_path / "config.yaml").write_text(CONFIG)
    shutil.copytree(DEMO, tmp_path / "baselines" / "demo")
    return tmp_path


def _one_line_exit_2(folder: Path, capsys: pytest.CaptureFixture[str]) -> str:
    code = main(["compare", "prod", "dev", "-c", str(folder / "config.yaml"), "-o", str(folder / "out")])
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == 2, (code, captured.err[-500:])
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err[-500:]
    assert not (folder / "out").exists()  # nothing half-written
    return lines[0]


def test_the_corpus_has_more_than_a_hundred_inputs(capsys):
    with capsys.disabled():
        print(f"\n  malformed-input corpus: {len(CASES)} inputs (configs, snapshots, policy documents, GAAD files)")
    assert len(CASES) >= 100


@pytest.mark.parametrize(("where", "name", "text"), CASES, ids=[f"{w}: {n}" for w, n, _ in CASES])
def test_malformed_input_exits_2_with_one_line_naming_the_file(
    demo: Path, capsys: pytest.CaptureFixture[str], where: str, name: str, text: str
):
    target = demo / "config.yaml" if where == "config" else demo / "baselines" / "demo" / "dev.json"
    target.write_text(text, encoding="utf-8")
    line = _one_line_exit_2(demo, capsys)
    assert NAMED.get(name, target.name) in line, line


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_bytes_as_a_snapshot_exit_2(demo: Path, capsys: pytest.CaptureFixture[str], data: bytes):
    (demo / "baselines" / "demo" / "dev.json").write_bytes(data)
    assert "dev.json" in _one_line_exit_2(demo, capsys)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=10,
    )
)
def test_random_json_as_a_policy_document_exits_2_or_compares(demo: Path, capsys, document: Any):
    (demo / "baselines" / "demo" / "dev.json").write_text(
        _snap(lambda d: _role(d)["inline_policies"].update(DataAccess=document))
    )
    code = main(["compare", "prod", "dev", "-c", str(demo / "config.yaml"), "-o", str(demo / "out")])
    err = capsys.readouterr().err
    assert code in (1, 2) and "Traceback" not in err
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and "dev.json" in err


def test_a_failed_run_keeps_the_previous_reports(demo: Path, capsys):
    assert main(["compare", "prod", "dev", "-c", str(demo / "config.yaml"), "-o", str(demo / "kept")]) == 1
    before = {p.name: p.read_text() for p in (demo / "kept").iterdir()}
    (demo / "baselines" / "demo" / "dev.json").write_text("{broken")
    assert main(["compare", "prod", "dev", "-c", str(demo / "config.yaml"), "-o", str(demo / "kept")]) == 2
    assert {p.name: p.read_text() for p in (demo / "kept").iterdir()} == before


def test_snapshot_of_a_deeply_nested_policy_exits_2_naming_it(demo: Path, capsys):
    (demo / "baselines" / "demo" / "dev.json").write_text(SNAPSHOTS["json: policy nested 400 levels"])
    assert main(["snapshot", "dev", "-c", str(demo / "config.yaml"), "--out", str(demo / "snap.json")]) == 2
    err = capsys.readouterr().err
    assert "nested more than 64 levels" in err and "DataAccess" in err
    assert not (demo / "snap.json").exists()
