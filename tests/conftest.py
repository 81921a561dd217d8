"""Fixtures: a moto server on 127.0.0.1, accounts reached through STS, configs and the seed scenario."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
import requests
from moto.server import ThreadedMotoServer

from bench.synth import CONFIG as SNAPSHOTS_CONFIG
from bench.synth import write
from tests.scenario import DEV, PROD, seed

REPO = Path(__file__).resolve().parent.parent
SHARED_GAAD = REPO.parent / "shared" / "corpus" / "gaad"
# Credentials the tests hand to boto3; a test greps outputs for them, so they are distinctive.
FAKE_KEY_ID = "AKIAAUDITORTESTKEY01"
FAKE_SECRET = "auditor-test-secret-do-not-print"


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """One moto server for the session, loopback only, AWS managed policies loaded, boto3 pointed at it.

    Tests that need their own data use their own account IDs (moto keeps accounts apart), so the
    server is never reset under another test's feet.
    """
    patch = pytest.MonkeyPatch()
    patch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")
    # The server runs in this process: its request log must not reach the CLI's stderr that tests read.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    for variable in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"):
        patch.delenv(variable, raising=False)
    patch.setenv("AWS_ENDPOINT_URL", url)
    patch.setenv("AWS_ACCESS_KEY_ID", FAKE_KEY_ID)
    patch.setenv("AWS_SECRET_ACCESS_KEY", FAKE_SECRET)
    patch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    patch.setenv("AWS_CONFIG_FILE", os.devnull)
    patch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    requests.post(f"{url}/moto-api/reset", timeout=10)
    yield url
    server.stop()
    patch.undo()


@pytest.fixture
def aws(moto_server: str) -> str:
    """The moto endpoint; boto3, ours and the tests', talks only to it."""
    return moto_server


def account_iam(account_id: str) -> Any:
    """An IAM client acting in `account_id`, through STS as moto separates accounts."""
    sts = boto3.client("sts")
    credentials = sts.assume_role(RoleArn=f"arn:aws:iam::{account_id}:role/test-setup", RoleSessionName="test-setup")[
        "Credentials"
    ]
    return boto3.client(
        "iam",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
    )


@pytest.fixture(scope="session")
def seeded(moto_server: str) -> str:
    """The seed scenario created once in two moto accounts (prod 111111111111, dev 222222222222)."""
    seed(account_iam(PROD), "prod", PROD)
    seed(account_iam(DEV), "dev", DEV)
    return moto_server


@pytest.fixture
def demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the repo's demo config and snapshots, as a fresh clone has them, as the working directory."""
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "baselines" / "demo", tmp_path / "baselines" / "demo")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def drifted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """prod.json and dev.json of 300 synthetic roles, a tenth of dev's drifted, and a config naming them."""
    folder = tmp_path_factory.mktemp("drifted")
    write(300, folder, drift_rate=0.1)
    (folder / "config.yaml").write_text(SNAPSHOTS_CONFIG)
    return folder


def changed_dev(folder: Path, change: Callable[[dict[str, Any]], object]) -> Path:
    """A copy of `folder` (see `drifted`) whose dev.json went through `change`."""
    copy = folder.parent / f"{folder.name}-changed"
    copy.mkdir(exist_ok=True)
    (copy / "config.yaml").write_text(SNAPSHOTS_CONFIG)
    (copy / "prod.json").write_bytes((folder / "prod.json").read_bytes())
    data = json.loads((folder / "dev.json").read_text())
    change(data)
    (copy / "dev.json").write_text(json.dumps(data))
    return copy


def live_config_text(extra: str = "") -> str:
    """A config for the two scenario accounts, read live through the auditor's role."""
    return (
        "baseline: prod\n"
        "accounts:\n"
        f"  prod:\n    role_arn: arn:aws:iam::{PROD}:role/iam-drift-auditor-readonly\n    env: prod\n"
        f"  dev:\n    role_arn: arn:aws:iam::{DEV}:role/iam-drift-auditor-readonly\n    env: dev\n" + extra
    )


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[[str], Path]:
    """Write a config text to a file in the test's tmp dir and return its path."""

    def write(text: str, name: str = "config.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# Chromium as root, offline: no sandbox, and none of the background calls home this machine refuses.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _chromium() -> str | None:
    return os.environ.get("AUDITOR_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Chromium (Debian's) through Playwright; a CI run without it fails rather than skips."""
    executable = _chromium()
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        executable = None
    if executable is None:
        reason = "no Chromium or Playwright here (install Debian's chromium and the test extras)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser test")
        pytest.skip(reason)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=ARGS)
        yield launched
        launched.close()
