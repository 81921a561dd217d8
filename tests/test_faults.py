"""The live path through a fault-injecting proxy: a bad response is retried or makes its account unreadable
(exit 3, one line), never a crash, a loop or a hang."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from auditor.cli import main
from tests.conftest import live_config_text
from tests.faults import DROP, HANG, endless_marker, fault_proxy, without_marker

GAAD = "GetAccountAuthorizationDetails"


@pytest.fixture
def live(seeded, write_config, tmp_path: Path) -> Path:
    return write_config(live_config_text())


def _compare(config: Path, proxy_url: str, monkeypatch: pytest.MonkeyPatch, out: Path) -> int:
    monkeypatch.setenv("AWS_ENDPOINT_URL", proxy_url)
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "2")
    return main(["compare", "prod", "dev", "-c", str(config), "-o", str(out)])


def _one_line(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize(
    ("name", "fault", "problem"),
    [
        ("truncated", lambda action, n, body: (200, body[: len(body) // 2]) if action == GAAD else None, "parsed"),
        ("not XML", lambda action, n, body: (200, b"<html>gateway") if action == GAAD else None, "parsed"),
        ("endless marker", lambda action, n, body: (200, endless_marker(body)) if action == GAAD else None, "Marker"),
        ("no marker", lambda action, n, body: (200, without_marker(body)) if action == GAAD else None, "no Marker"),
        (
            "AssumeRole without credentials",
            lambda action, n, body: (
                (200, b"<AssumeRoleResponse><AssumeRoleResult/></AssumeRoleResponse>")
                if action == "AssumeRole"
                else None
            ),
            "no Credentials",
        ),
        (
            "garbage from GetPolicyVersion",
            lambda action, n, body: (200, b"\x00\xff garbage") if action == "GetPolicyVersion" else None,
            "GetPolicyVersion",
        ),
        ("dropped GetPolicy", lambda action, n, body: DROP if action == "GetPolicy" else None, "GetPolicy"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_bad_response_makes_the_account_unreadable_with_one_line(
    live, aws, monkeypatch, capsys, tmp_path, name, fault, problem
):
    with fault_proxy(aws, fault) as proxy:
        started = time.monotonic()
        code = _compare(live, proxy.url, monkeypatch, tmp_path / "out")
    assert code == 3, capsys.readouterr().err
    line = _one_line(capsys)
    assert problem in line and "cannot read account" in line
    assert time.monotonic() - started < 60
    if name == "endless marker":
        assert proxy.seen[GAAD] <= 3  # the repeated marker is refused at once, not followed
    assert not (tmp_path / "out").exists()


def test_a_response_unparsable_once_is_retried_to_the_same_result(live, aws, monkeypatch, capsys, tmp_path):
    assert _compare(live, aws, monkeypatch, tmp_path / "clean") == 1
    expected = json.loads((tmp_path / "clean" / "report.json").read_text())["comparisons"][0]["findings"]

    def once(action: str, count: int, body: bytes):
        return (200, body[:100]) if action == GAAD and count == 0 else None

    with fault_proxy(aws, once) as proxy:
        assert _compare(live, proxy.url, monkeypatch, tmp_path / "out") == 1
    assert proxy.seen[GAAD] == 3  # the truncated page, again, and the other account's
    assert json.loads((tmp_path / "out" / "report.json").read_text())["comparisons"][0]["findings"] == expected


# `python -m auditor` with Python's Ctrl-C handler in place: a shell without job control starts background
# jobs with SIGINT ignored, and Python then leaves it ignored; a terminal's Ctrl-C finds the handler.
_WITH_CTRL_C = (
    "import runpy, signal; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "runpy.run_module('auditor', run_name='__main__', alter_sys=True)"
)


def test_ctrl_c_while_a_target_read_hangs_stops_at_once_and_writes_nothing(live, aws, tmp_path):
    # The baseline is read first; the target's listing then hangs until the proxy stops.
    with fault_proxy(aws, lambda action, count, body: HANG if action == GAAD and count >= 1 else None) as proxy:
        environment = os.environ | {"AWS_ENDPOINT_URL": proxy.url}
        child = subprocess.Popen(
            [sys.executable, "-c", _WITH_CTRL_C, "compare", "prod", "dev", "-c", str(live), "-o", str(tmp_path / "o")],
            cwd=tmp_path,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        deadline = time.monotonic() + 60
        while proxy.seen[GAAD] < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert proxy.seen[GAAD] == 2, "the target read never started"
        time.sleep(0.5)
        child.send_signal(signal.SIGINT)
        stopped = time.monotonic()
        _, err = child.communicate(timeout=30)
        assert time.monotonic() - stopped < 5
    assert child.returncode == 130, err
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists()
