"""Tickets as GitHub issues, through the REST API: found by marker, opened, commented on, closed."""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from auditor.errors import TicketError
from auditor.store import RunRecord
from auditor.tickets import (
    Decision,
    closing_comment,
    decisions,
    marker,
    run_marker,
    ticket_body,
    ticket_title,
)

LABEL = "iam-drift"
_NEXT = re.compile(r'<([^>]+)>;\s*rel="next"')
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass(frozen=True)
class GitHub:
    """One repository's issues, as the token may see and change them."""

    api: str
    repository: str
    token: str

    def __post_init__(self) -> None:
        parsed = urllib.parse.urlsplit(self.api)
        # The token must not cross the network in clear; plain http only to a stand-in on this machine.
        if parsed.scheme != "https" and not (parsed.scheme == "http" and parsed.hostname in _LOOPBACK):
            raise TicketError(f"GitHub API {self.api!r}: use https (http only on localhost)")
        if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", self.repository):
            raise TicketError(f"repository {self.repository!r}: expected OWNER/NAME")
        if not self.token:
            raise TicketError("no GitHub token: set GITHUB_TOKEN (the workflow's token needs `issues: write`)")

    def request(self, method: str, path: str, payload: dict[str, Any] | None = None) -> tuple[Any, str | None]:
        """One API call: its JSON and the URL of the next page, if any; TicketError on failure."""
        url = path if path.startswith(self.api) else f"{self.api.rstrip('/')}{path}"
        data = json.dumps(payload).encode() if payload is not None else None
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {self.token}")
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("X-GitHub-Api-Version", "2022-11-28")
        request.add_header("User-Agent", "iam-drift-auditor")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                body = response.read()
                following = _NEXT.search(response.headers.get("Link") or "")
                return (json.loads(body) if body else None), (following.group(1) if following else None)
        except urllib.error.HTTPError as exc:
            detail = _message(exc)
            raise TicketError(f"GitHub {method} {urllib.parse.urlsplit(url).path}: {exc.code} {detail}") from None
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise TicketError(f"GitHub {method} {url}: {getattr(exc, 'reason', exc)}") from None

    def pages(self, path: str) -> Iterator[dict[str, Any]]:
        """Every item of a listed resource, following the Link header."""
        url: str | None = path
        while url is not None:
            items, url = self.request("GET", url)
            yield from items or []

    def open_ticket(self, folder: str) -> dict[str, Any] | None:
        """The open issue that carries the comparison's marker (the oldest, should there be several)."""
        found = [
            issue
            for issue in self.pages(f"/repos/{self.repository}/issues?state=open&per_page=100")
            if "pull_request" not in issue and marker(folder) in (issue.get("body") or "")
        ]
        return min(found, key=lambda issue: int(issue["number"]), default=None)

    def posted(self, issue: dict[str, Any], run_id: str) -> bool:
        """Whether this run already wrote the issue or one of its comments (the step ran twice)."""
        if run_marker(run_id) in (issue.get("body") or ""):
            return True
        comments = self.pages(f"/repos/{self.repository}/issues/{issue['number']}/comments?per_page=100")
        return any(run_marker(run_id) in (comment.get("body") or "") for comment in comments)


def sync(
    github: GitHub, run: RunRecord, tickets: dict[str, str], threshold: str, reports_url: str | None = None
) -> list[str]:
    """Bring each comparison's issue in line with the run; `tickets` maps a comparison folder to its ticket.md.

    Returns one line per comparison saying what was done."""
    done = []
    for decision in decisions(run, threshold):
        done.append(_sync_one(github, run, decision, tickets, threshold, reports_url))
    return done


def _sync_one(
    github: GitHub, run: RunRecord, decision: Decision, tickets: dict[str, str], threshold: str, url: str | None
) -> str:
    folder = decision.comparison.folder
    if decision.action == "none":
        return f"{folder}: nothing new at {threshold} or above; ticket left as it is"
    issue = github.open_ticket(folder)
    issues = f"/repos/{github.repository}/issues"
    if decision.action == "close":
        if issue is None:
            return f"{folder}: no drift at {threshold} or above, and no open ticket"
        if not github.posted(issue, run.run_id):
            github.request(
                "POST", f"{issues}/{issue['number']}/comments", {"body": closing_comment(decision, run, threshold, url)}
            )
        github.request("PATCH", f"{issues}/{issue['number']}", {"state": "closed", "state_reason": "completed"})
        return f"{folder}: closed #{issue['number']}"
    body = ticket_body(decision, run, tickets[folder], url)
    if issue is None:
        created, _ = github.request(
            "POST", issues, {"title": ticket_title(decision, threshold), "body": body, "labels": [LABEL]}
        )
        return f"{folder}: opened #{created['number']}"
    if github.posted(issue, run.run_id):
        return f"{folder}: #{issue['number']} already has this run"
    github.request("POST", f"{issues}/{issue['number']}/comments", {"body": body})
    return f"{folder}: commented on #{issue['number']}"


def _message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("message", exc.reason))
    except (ValueError, AttributeError, OSError):
        return str(exc.reason)
