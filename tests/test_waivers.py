"""Waivers: shown but not counted while active, counted again once expired, reported when stale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from auditor.cli import main

ACTIVE = "2099-12-31"
EXPIRED = "2020-01-01"


def _waivers(folder: Path, *entries: str) -> None:
    (folder / "waivers.yaml").write_text("waivers:\n" + "".join(entries))


def _entry(match: str, expires: str = ACTIVE, owner: str = "platform-team") -> str:
    return f"  - match: {match}\n    reason: accepted on purpose\n    owner: {owner}\n    expires: {expires}\n"


def _report(folder: Path) -> dict:
    [comparison] = json.loads((folder / "out" / "report.json").read_text())["comparisons"]
    return comparison


def test_active_waiver_marks_the_finding_and_keeps_it_out_of_the_counts(demo: Path):
    _waivers(demo, _entry("{kind: role_extra, role: 'deep-insight-debug-role-*'}"))
    main(["compare", "prod", "dev", "-o", "out"])
    report = _report(demo)
    [debug] = [f for f in report["findings"] if f["kind"] == "role_extra"]
    assert debug["waiver"]["owner"] == "platform-team" and debug["waiver"]["expired"] is False
    assert report["summary"]["waived"] == 1 and report["summary"]["high"] == 1
    assert "**Waived** until 2099-12-31 by platform-team" in (demo / "out" / "report.md").read_text()


def test_expired_waiver_counts_again_and_is_marked_expired(demo: Path):
    _waivers(demo, _entry("{kind: role_extra}", expires=EXPIRED))
    main(["compare", "prod", "dev", "-o", "out"])
    report = _report(demo)
    [debug] = [f for f in report["findings"] if f["kind"] == "role_extra"]
    assert debug["waiver"]["expired"] is True
    assert report["summary"]["waived"] == 0 and report["summary"]["high"] == 2
    assert "**Waiver expired** on 2020-01-01" in (demo / "out" / "report.md").read_text()


def test_waiver_that_matches_nothing_is_reported_stale(demo: Path, capsys):
    _waivers(demo, _entry("{role: 'no-such-role-*'}"))
    main(["compare", "prod", "dev", "-o", "out"])
    assert _report(demo)["stale_waivers"][0]["entry"] == 1
    assert "## Stale waivers" in (demo / "out" / "report.md").read_text()
    assert "stale waivers (matched nothing): 1" in capsys.readouterr().out


def test_fail_on_counts_only_unwaived_findings(demo: Path):
    kinds = ["policy_missing", "trust_drift", "role_missing", "role_extra", "boundary_drift"]
    _waivers(demo, *(_entry(f"{{kind: {kind}}}") for kind in kinds))
    assert main(["compare", "prod", "dev", "-o", "out", "--fail-on", "high"]) == 0
    assert main(["compare", "prod", "dev", "-o", "out", "--fail-on", "medium"]) == 1


def test_waiver_actions_must_cover_every_action_of_the_finding(demo: Path):
    _waivers(demo, _entry("{kind: role_extra, actions: ['ssm:StartSession']}"))
    main(["compare", "prod", "dev", "-o", "out"])
    assert _report(demo)["summary"]["waived"] == 0  # ecs:ExecuteCommand is not covered
    _waivers(demo, _entry("{kind: role_extra, actions: ['ssm:*', 'ecs:ExecuteCommand']}"))
    main(["compare", "prod", "dev", "-o", "out"])
    assert _report(demo)["summary"]["waived"] == 1


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("waivers:\n" + _entry("{kind: role_extra}", owner="''"), "waiver 1: key 'waivers[0].owner'"),
        (
            "waivers:\n  - match: {kind: role_extra}\n    reason: r\n    owner: o\n",
            "waiver 1: key 'waivers[0].expires'",
        ),
        ("waivers:\n" + _entry("{kind: no_such_kind}"), "waiver 1: key 'waivers[0].match.kind'"),
        ("waivers:\n" + _entry("{kind: role_extra}", expires="soon"), "waiver 1: key 'waivers[0].expires'"),
        ("waivers:\n" + _entry("{rol: x}"), "unknown key 'waivers[0].match.rol'"),
        ("waivers: [unclosed\n", "invalid YAML"),
        ("waivers:\n" + _entry("{kind: role_extra}", expires="2099-02-30"), "invalid YAML: day is out of range"),
        ("waivers:\n" + _entry("{kind: role_extra}", expires="4102444800"), "must be a date (YYYY-MM-DD)"),
        (
            "waivers:\n"
            + _entry("{kind: role_extra}")
            + _entry("{kind: role_extra}").replace("  - match", "    match"),
            "duplicate key 'match'",
        ),
    ],
)
def test_malformed_waivers_exit_2_naming_file_entry_and_field(demo: Path, capsys, text: str, problem: str):
    (demo / "waivers.yaml").write_text(text)
    assert main(["compare", "prod", "dev", "-o", "out"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "waivers.yaml" in err[0] and problem in err[0], err


def test_configured_waivers_file_that_does_not_exist_is_an_error(demo: Path, capsys):
    (demo / "c.yaml").write_text((demo / "config.yaml").read_text() + "waivers: missing.yaml\n")
    assert main(["compare", "prod", "dev", "-c", "c.yaml", "-o", "out"]) == 2
    assert "missing.yaml: waivers file not found" in capsys.readouterr().err


def test_a_waiver_covering_every_finding_leaves_a_report_with_nothing_to_do(demo: Path):
    _waivers(demo, _entry("{role: '*'}"))
    assert main(["compare", "prod", "dev", "-o", "out"]) == 0
    markdown = (demo / "out" / "report.md").read_text()
    assert "No unwaived drift" in markdown and "every finding is waived" in markdown
    assert "No unwaived drift" in (demo / "out" / "report.html").read_text()


def test_many_stale_waivers_are_counted_on_the_console_not_listed(demo: Path, capsys):
    _waivers(demo, *[_entry(f"{{role: 'no-such-role-{index}'}}") for index in range(30)])
    main(["compare", "prod", "dev", "-o", "out"])
    [line] = [line for line in capsys.readouterr().out.splitlines() if line.startswith("stale waivers")]
    assert line == "stale waivers (matched nothing): 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 20 more; see the report"
