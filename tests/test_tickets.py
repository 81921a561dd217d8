"""One GitHub issue per comparison, kept in step with the weekly runs, against a GitHub stand-in on 127.0.0.1."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from auditor.cli import main
from tests.github_standin import TOKEN, Repository, github_standin

MARKER = "<!-- iam-drift-auditor:prod-vs-dev -->"


@pytest.fixture
def repo(demo: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Repository]:
    """An empty repository on the stand-in, and the variables a GitHub Actions job has."""
    repository = Repository("acme/platform")
    with github_standin(repository) as api:
        monkeypatch.setenv("GITHUB_API_URL", api)
        monkeypatch.setenv("GITHUB_REPOSITORY", repository.name)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        yield repository


def _audit(day: str) -> int:
    return main(["audit", "--now", f"{day}T06:00:00", "--format", "md,json"])


def _ticket(*extra: str) -> int:
    return main(["ticket", "--reports-url", "https://github.com/acme/platform/actions/runs/1", *extra])


def _dev(demo: Path, change) -> None:
    path = demo / "baselines" / "demo" / "dev.json"
    data = json.loads(path.read_text())
    change(data["roles"], json.loads((demo / "baselines" / "demo" / "prod.json").read_text())["roles"])
    path.write_text(json.dumps(data))


def _gain_pass_role(roles, _prod) -> None:
    statements = roles["deep-insight-task-role-dev"]["inline_policies"]["DataAccess"]["Statement"]
    statements[1]["Action"] = ["s3:GetObject", "iam:PassRole"]


def _fix_every_critical(roles, prod) -> None:
    execution = prod["deep-insight-task-execution-role-prod"]["inline_policies"]["ObservabilityAccess"]
    roles["deep-insight-task-execution-role-dev"]["inline_policies"]["ObservabilityAccess"] = execution
    trust = roles["deep-insight-deploy-role-dev"]["trust_policy"]["Statement"][0]["Principal"]
    trust["AWS"] = ["arn:aws:iam::222222222222:role/ci-runner-dev"]


def test_new_drift_opens_one_issue_whose_body_is_the_comparisons_summary(repo: Repository, demo: Path, capsys):
    _audit("2026-11-02")
    assert _ticket() == 0
    [issue] = repo.open_issues()
    assert issue["title"] == "IAM drift: dev differs from prod (4 new at high or above)"
    assert issue["body"].startswith(MARKER) and "https://github.com/acme/platform/actions/runs/1" in issue["body"]
    ticket = (demo / "reports" / "2026-11-02T060000Z" / "prod-vs-dev" / "ticket.md").read_text()
    assert ticket in issue["body"] and "ObservabilityAccess" in ticket
    assert [label["name"] for label in issue["labels"]] == ["iam-drift"]
    assert "prod-vs-dev: opened #1" in capsys.readouterr().out


def test_the_step_run_twice_for_one_run_posts_nothing_twice(repo: Repository):
    _audit("2026-11-02")
    _ticket()
    _ticket()
    assert len(repo.issues) == 1 and not repo.comments


def test_new_drift_a_week_later_is_a_comment_on_the_open_issue_not_a_second_issue(repo: Repository, demo: Path):
    repo.add("Unrelated", "mentions prod-vs-dev but has no marker")
    repo.add("A pull request", MARKER, pull_request=True)
    _audit("2026-11-02")
    _ticket()
    _dev(demo, _gain_pass_role)
    _audit("2026-11-09")
    _ticket()
    [ours] = [issue for issue in repo.open_issues() if MARKER in issue["body"]]
    [comment] = repo.comments[ours["number"]]
    assert "iam:PassRole" in comment["body"] and "2026-11-09T060000Z" in comment["body"]


def test_a_week_with_nothing_new_leaves_the_issue_alone(repo: Repository):
    _audit("2026-11-02")
    _ticket()
    _audit("2026-11-09")
    calls = len(repo.calls)
    _ticket()
    assert repo.calls[calls:] == [] and not repo.comments


def test_an_issue_is_found_beyond_the_first_page_of_open_issues(repo: Repository):
    for number in range(5):
        repo.add(f"Someone else's issue {number}", "")
    _audit("2026-11-02")
    _ticket()
    _ticket("--threshold", "low")  # a second run of the step, found again on page 3: nothing new is opened
    assert len(repo.open_issues()) == 6


def test_a_run_that_resolves_everything_at_the_threshold_closes_the_issue_saying_so(repo: Repository, demo: Path):
    _audit("2026-11-02")
    _ticket("--threshold", "critical")
    _dev(demo, _fix_every_critical)
    _audit("2026-11-09")
    _ticket("--threshold", "critical")
    [issue] = repo.issues
    assert issue["state"] == "closed" and issue["state_reason"] == "completed"
    [comment] = repo.comments[1]
    assert "Resolved" in comment["body"] and "2026-11-09T060000Z" in comment["body"]


def test_without_drift_and_without_an_issue_nothing_is_opened(repo: Repository, demo: Path):
    _dev(demo, _fix_every_critical)
    _audit("2026-11-02")
    _ticket("--threshold", "critical")
    assert repo.issues == []


def test_a_refused_token_is_one_line_naming_the_call_and_exit_2(repo: Repository, monkeypatch, capsys):
    _audit("2026-11-02")
    monkeypatch.setenv("GITHUB_TOKEN", "wrong")
    assert _ticket() == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert "GitHub GET /repos/acme/platform/issues: 401 Bad credentials" in line and "wrong" not in line


def test_the_token_is_never_sent_in_clear_beyond_this_machine(repo: Repository, monkeypatch, capsys):
    _audit("2026-11-02")
    monkeypatch.setenv("GITHUB_API_URL", "http://github.example.com/api/v3")
    assert _ticket() == 2
    assert "use https" in capsys.readouterr().err


def test_without_a_run_the_ticket_step_says_to_run_the_audit_first(repo: Repository, capsys):
    assert _ticket() == 2
    assert "run `auditor audit` first" in capsys.readouterr().err


def test_a_run_record_naming_a_folder_outside_its_run_is_refused(repo: Repository, demo: Path, capsys):
    _audit("2026-11-02")
    record = demo / "reports" / "2026-11-02T060000Z" / "run.json"
    record.write_text(record.read_text().replace('"folder": "prod-vs-dev"', '"folder": "../../etc"'))
    assert _ticket() == 2
    assert "run.json: not a run record" in capsys.readouterr().err and repo.issues == []
