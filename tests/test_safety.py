"""Safe against production: throttling, AccessDenied and partial data, exercised through botocore hooks."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote_plus

import pytest
import yaml
from botocore.awsrequest import AWSResponse
from botocore.retries import bucket
from hypothesis import given
from hypothesis import strategies as st

from auditor import load_config
from auditor.cli import main
from auditor.findings import FindingKind
from auditor.pipeline import compare_many
from auditor.redact import MASK, redact
from auditor.report import render, write_reports
from auditor.sources import Collector
from tests.conftest import FAKE_KEY_ID, FAKE_SECRET, account_iam, live_config_text
from tests.scenario import ECS_EXECUTION, seed
from tests.scenario import PROD as PROD_ID

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
FORMATS = "md,html,json,sarif,junit"
STAGING = "444444444444"


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any):
        yield self._body


def _error(request: Any, status: int, code: str, message: str) -> AWSResponse:
    body = (
        f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        "<RequestId>test</RequestId></ErrorResponse>"
    ).encode()
    return AWSResponse(request.url, status, {}, _Raw(body))


def _throttled(request: Any) -> AWSResponse:
    return _error(request, 400, "Throttling", "Rate exceeded")


def _body(request: Any) -> str:
    return unquote_plus(request.body.decode() if isinstance(request.body, bytes) else str(request.body or ""))


class _FlyingClock(bucket.Clock):
    """Time that passes quickly: each reading is ten seconds after the last, so the adaptive mode's token bucket
    is always refilled and never waits (it waits on a condition variable, not on time.sleep)."""

    def __init__(self) -> None:
        self._now = 0.0

    def current_time(self) -> float:
        self._now += 10.0
        return self._now


@pytest.fixture
def no_sleep(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """botocore's backoff sleeps and its rate limiter waits, for real; here neither does, and every retry runs."""
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    monkeypatch.setattr(bucket, "Clock", _FlyingClock)
    return slept


@pytest.fixture(scope="module")
def three(seeded):
    seed(account_iam(STAGING), "staging", STAGING)
    return seeded


@pytest.fixture
def config(three, write_config):
    extra = f"  staging:\n    role_arn: arn:aws:iam::{STAGING}:role/iam-drift-auditor-readonly\n    env: staging\n"
    return load_config(write_config(live_config_text() + extra))


def _run(config, hooks=(), max_attempts=None):
    collector = Collector(now=NOW, hooks=tuple(hooks), max_attempts=max_attempts)
    return compare_many(config, "prod", ["dev", "staging"], now=NOW, collector=collector)


def _fingerprints(run) -> list[list[str]]:
    return [sorted(f.fingerprint for f in result.findings) for result in run.comparisons]


def test_throttling_on_half_the_iam_calls_changes_nothing(config, no_sleep):
    calls = {"n": 0}

    def every_other(request: Any, **_: Any) -> AWSResponse | None:
        calls["n"] += 1
        return _throttled(request) if calls["n"] % 2 else None

    throttled = _run(config, [("before-send.iam", every_other)])
    assert _fingerprints(throttled) == _fingerprints(_run(config))
    assert throttled.unreadable == [] and no_sleep  # botocore backed off and retried


def test_a_burst_of_eight_throttles_changes_nothing(config, no_sleep):
    calls = {"n": 0}

    def burst(request: Any, **_: Any) -> AWSResponse | None:
        calls["n"] += 1
        return _throttled(request) if 2 <= calls["n"] <= 9 else None

    assert _fingerprints(_run(config, [("before-send.iam", burst)])) == _fingerprints(_run(config))
    assert calls["n"] > 9


def test_throttled_beyond_the_attempts_makes_the_account_unreadable_not_a_crash(config, no_sleep):
    calls = {"n": 0}

    def after_the_baseline(request: Any, **_: Any) -> AWSResponse | None:
        calls["n"] += 1  # the baseline's three IAM calls pass; every later one is throttled
        return _throttled(request) if calls["n"] > 3 else None

    run = _run(config, [("before-send.iam", after_the_baseline)], max_attempts=3)
    assert [u.name for u in run.unreadable] == ["dev", "staging"]
    assert "throttled" in run.unreadable[0].reason and run.comparisons == []


def test_assume_role_denied_for_one_account_leaves_the_others_complete(config):
    def deny_staging(request: Any, **_: Any) -> AWSResponse | None:
        if "AssumeRole" in _body(request) and STAGING in _body(request):
            return _error(request, 403, "AccessDenied", "not authorized to perform sts:AssumeRole")
        return None

    run = _run(config, [("before-send.sts", deny_staging)])
    assert [r.target.name for r in run.comparisons] == ["dev"]
    [staging] = run.unreadable
    assert staging.name == "staging" and "AccessDenied on sts:AssumeRole" in staging.reason
    assert f"arn:aws:iam::{STAGING}:role/iam-drift-auditor-readonly" in staging.fix
    dev = run.comparisons[0]
    assert {f.kind for f in dev.findings} >= {FindingKind.POLICY_MISSING, FindingKind.TRUST_DRIFT}


def test_denied_managed_policy_is_unreadable_on_its_role_and_never_missing(config):
    def deny_ecs(request: Any, **_: Any) -> AWSResponse | None:
        body = _body(request)
        if "Action=GetPolicy" in body and ECS_EXECUTION in body:
            return _error(request, 403, "AccessDenied", "not authorized to perform iam:GetPolicy")
        return None

    run = _run(config, [("before-send.iam", deny_ecs)])
    dev = run.comparisons[0]
    unreadable = [f for f in dev.findings if f.kind == FindingKind.UNREADABLE]
    assert [f.target_role for f in unreadable] == ["deep-insight-task-execution-role-dev"]
    assert "iam:GetPolicy" in unreadable[0].message and "iam:GetPolicy" in unreadable[0].remediation.aws_cli
    assert not [
        f for f in dev.findings if f.policy and f.policy.arn == ECS_EXECUTION and f.kind != FindingKind.UNREADABLE
    ]
    assert any(f.kind == FindingKind.POLICY_MISSING for f in dev.findings)  # the rest is still compared


def test_an_account_that_cannot_be_read_exits_3_after_writing_the_others(three, write_config, tmp_path, capsys):
    extra = "  qa:\n    profile: no-such-profile\n"
    path = write_config(live_config_text() + extra)
    assert main(["compare", "prod", "dev", "qa", "-c", str(path), "-o", str(tmp_path / "out")]) == 3
    markdown = (tmp_path / "out" / "report.md").read_text()
    assert "## Accounts not read" in markdown and "no-such-profile" in markdown
    assert "# IAM drift: prod (111111111111) vs dev" in markdown  # dev was compared all the same
    assert "cannot read account" in capsys.readouterr().err


def test_policy_command_prints_exactly_the_reads_the_guard_allows(capsys):
    from auditor.sources.guard import ALLOWED_OPERATIONS, CREDENTIAL_SERVICES

    assert main(["policy", "--format", "json"]) == 0
    policy = json.loads(capsys.readouterr().out)
    [statement] = policy["Statement"]
    allowed = {f"{s}:{op}" for s, ops in ALLOWED_OPERATIONS.items() if s not in CREDENTIAL_SERVICES for op in ops}
    assert set(statement["Action"]) == allowed and statement["Effect"] == "Allow"
    assert all(":Get" in a or ":List" in a for a in statement["Action"])  # reads only


def test_policy_command_template_creates_the_role_with_an_external_id(capsys):
    assert main(["policy", "--format", "cloudformation"]) == 0
    template = yaml.safe_load(capsys.readouterr().out)
    role = template["Resources"]["AuditorRole"]
    assert role["Type"] == "AWS::IAM::Role"
    condition = role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Condition"]
    assert condition == {"StringEquals": {"sts:ExternalId": {"Ref": "ExternalId"}}}
    assert "ExternalId" in template["Parameters"] and "TrustedPrincipalArn" in template["Parameters"]


def test_policy_command_text_shows_trust_with_the_external_id(capsys):
    assert (
        main(["policy", "--trusted-principal", "arn:aws:iam::999999999999:role/ci", "--external-id", "s3cr3t-id"]) == 0
    )
    out = capsys.readouterr().out
    assert '"sts:ExternalId": "s3cr3t-id"' in out and "arn:aws:iam::999999999999:role/ci" in out
    assert "sts:AssumeRole" in out and "AWSTemplateFormatVersion" in out


def test_credentials_never_appear_in_logs_reports_or_errors(seeded, write_config, tmp_path, capsys):
    path = write_config(live_config_text())
    assert main(["-vv", "compare", "prod", "dev", "-c", str(path), "-o", str(tmp_path / "out"), "-f", FORMATS]) == 1
    captured = capsys.readouterr()
    outputs = [captured.out, captured.err] + [p.read_text() for p in (tmp_path / "out").iterdir()]
    assert "AssumeRole" in captured.err and "Response body" in captured.err  # debug logging really ran
    for text in outputs:
        assert FAKE_KEY_ID not in text and FAKE_SECRET not in text
        assert not re.search(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b", text)
        assert not re.search(r"<SessionToken>(?!\*\*\*\*<)", text) and not re.search(
            r"<SecretAccessKey>(?!\*\*\*\*<)", text
        )


def test_a_session_token_with_a_stray_cr_is_named_never_printed(seeded, write_config, tmp_path, monkeypatch, capsys):
    token = "FwoGZXIvYXdzEXAMPLETOKENdonotprint0123456789"
    monkeypatch.setenv("AWS_SESSION_TOKEN", token + "\r")
    path = write_config(live_config_text())
    assert main(["compare", "prod", "dev", "-c", str(path), "-o", str(tmp_path / "out")]) == 3
    captured = capsys.readouterr()
    assert "AWS_SESSION_TOKEN has leading or trailing white space" in captured.err
    assert token not in captured.err + captured.out and not (tmp_path / "out").exists()


def test_a_secret_quoted_by_an_aws_error_is_masked_in_every_report(config, tmp_path, capsys):
    def leak(request: Any, **_: Any) -> AWSResponse | None:
        if "AmazonECSTaskExecutionRolePolicy" in _body(request):
            return _error(request, 404, "NoSuchEntity", f"policy gone (signed with {FAKE_SECRET})")
        return None

    collector = Collector(now=NOW, hooks=(("before-send.iam.GetPolicy", leak),))
    run = compare_many(config, "prod", ["dev"], now=NOW, collector=collector)
    paths = write_reports(render(run, FORMATS.split(",")), tmp_path / "out")
    assert paths and all(FAKE_SECRET not in path.read_text() for path in paths)
    assert any("****" in path.read_text() for path in paths)


_SECRET = st.text(alphabet="ABCDEFabcdef0123456789/+=é€", min_size=8, max_size=40)


@given(st.lists(_SECRET, min_size=1, max_size=60), st.lists(st.tuples(st.text(max_size=20), st.integers(0, 59))))
def test_no_piece_of_any_secret_survives_redaction_however_they_touch_or_overlap(secrets, layout):
    # Secrets written back to back, or overlapping where one ends as another begins, are masked as one stretch.
    text = "".join(filler + secrets[index % len(secrets)] for filler, index in layout)
    masked = redact(text, frozenset(secrets))
    assert not any(secret in masked for secret in secrets)


def test_overlapping_secrets_are_masked_together_and_the_text_around_them_kept():
    assert redact("id: abcdefgh12345678zz!", frozenset({"abcdefgh12", "12345678zz"})) == f"id: {MASK}!"


def test_a_web_identity_profile_goes_through_the_guard_and_is_counted(seeded, write_config, tmp_path, monkeypatch):
    token_file = tmp_path / "token"
    token_file.write_text("eyJ.web-identity.token")
    profiles = tmp_path / "aws-config"
    profiles.write_text(
        "[profile ci]\n"
        f"role_arn = arn:aws:iam::{PROD_ID}:role/ci-web-identity\n"
        f"web_identity_token_file = {token_file}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(profiles))
    text = live_config_text().replace("    env: prod\n", "    env: prod\n    profile: ci\n", 1)
    path = write_config(text)
    assert main(["compare", "prod", "dev", "-c", str(path), "-o", str(tmp_path / "out"), "--stats"]) == 1
    calls = json.loads((tmp_path / "out" / "report.json").read_text())["stats"]["api_calls"]
    assert calls.get("sts:AssumeRoleWithWebIdentity") == 1


def test_the_guard_covers_the_clients_botocore_makes_for_a_profile(seeded, write_config, tmp_path, monkeypatch, capsys):
    from auditor.sources import guard

    token_file = tmp_path / "token"
    token_file.write_text("eyJ.web-identity.token")
    profiles = tmp_path / "aws-config"
    profiles.write_text(
        f"[profile ci]\nrole_arn = arn:aws:iam::{PROD_ID}:role/ci\nweb_identity_token_file = {token_file}\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(profiles))
    monkeypatch.setitem(guard.ALLOWED_OPERATIONS, "sts", frozenset({"AssumeRole", "GetCallerIdentity"}))
    path = write_config(live_config_text().replace("    env: prod\n", "    env: prod\n    profile: ci\n", 1))
    assert main(["compare", "prod", "dev", "-c", str(path), "-o", str(tmp_path / "out")]) == 3
    assert "refused sts:AssumeRoleWithWebIdentity" in capsys.readouterr().err
