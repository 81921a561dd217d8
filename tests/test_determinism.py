"""Same input, same report: findings do not depend on Python's hash seed, and fingerprints do not move."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from auditor.findings.make import unit_texts
from tests.conftest import REPO


def _demo_with_colliding_conditions(folder: Path) -> None:
    shutil.copy(REPO / "config.yaml", folder / "config.yaml")
    shutil.copytree(REPO / "baselines" / "demo", folder / "baselines" / "demo")
    for env in ("prod", "dev"):
        path = folder / "baselines" / "demo" / f"{env}.json"
        data = json.loads(path.read_text())
        role = data["roles"][f"deep-insight-api-role-{env}"]
        # Two grants test one key under two spellings of one operator; which is read first once they are
        # gathered into a set must not decide whether the change is a tightening.
        tests = (
            [
                {"StringEquals": {"aws:PrincipalTag/team": "a"}},
                {"StringEqualsIfExists": {"aws:PrincipalTag/team": ["a", "b"]}},
            ]
            if env == "prod"
            else [{"StringEqualsIfExists": {"aws:PrincipalTag/team": "a"}}] * 2
        )
        role["inline_policies"]["SecretsRead"]["Statement"] = [
            {"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": f"arn:aws:sqs:*:*:q{index}", "Condition": test}
            for index, test in enumerate(tests)
        ]
        path.write_text(json.dumps(data))


def _report(folder: Path, seed: str) -> dict[str, object]:
    out = folder / f"out-{seed}"
    environment = os.environ | {"PYTHONHASHSEED": seed}
    run = subprocess.run(
        [sys.executable, "-m", "auditor", "compare", "prod", "dev", "-o", str(out), "-f", "json"],
        cwd=folder,
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 1, run.stderr
    report = json.loads((out / "report.json").read_text())
    for document in (report, *report["comparisons"]):  # the clock
        document.pop("generated_at")
    return report


def test_two_hash_seeds_give_the_same_report(tmp_path: Path):
    _demo_with_colliding_conditions(tmp_path)
    assert _report(tmp_path, "1") == _report(tmp_path, "2") == _report(tmp_path, "12345")


@given(st.lists(st.text(), max_size=3), st.lists(st.text(), max_size=3))
def test_a_grant_fingerprint_reads_exactly_as_json_dumps_of_its_parts(head, actions):
    # Fingerprints kept in earlier runs' histories were digests of json.dumps; the fast path must not move them.
    assert unit_texts(head, actions) == [json.dumps([*head, action]) for action in actions]
