"""A stand-in for the part of GitHub's REST API that tickets use, on 127.0.0.1: issues, comments, pages."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

TOKEN = "ghs_standin_token_do_not_print"
PAGE = 2
"""Items per page whatever per_page asks: every listing is paged, so a client that ignores Link misses issues."""


@dataclass
class Repository:
    """Issues (with pull requests among them, as GitHub lists them) and their comments."""

    name: str
    issues: list[dict[str, Any]] = field(default_factory=list)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    calls: list[str] = field(default_factory=list)

    def add(self, title: str, body: str, *, pull_request: bool = False, state: str = "open") -> dict[str, Any]:
        """An issue (or pull request) as someone else made it."""
        issue = {"number": len(self.issues) + 1, "title": title, "body": body, "state": state, "labels": []}
        if pull_request:
            issue["pull_request"] = {"url": "..."}
        self.issues.append(issue)
        return issue

    def open_issues(self) -> list[dict[str, Any]]:
        """The open issues, pull requests left out."""
        return [i for i in self.issues if i["state"] == "open" and "pull_request" not in i]


@contextmanager
def github_standin(repository: Repository) -> Iterator[str]:
    """Serve `repository` on 127.0.0.1; yields the API URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *_: Any) -> None:
            pass

        def _reply(self, status: int, payload: Any, link: str | None = None) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if link:
                self.send_header("Link", link)
            self.end_headers()
            self.wfile.write(body)

        def _route(self, method: str) -> None:
            repository.calls.append(f"{method} {self.path}")
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._reply(401, {"message": "Bad credentials"})
                return
            url = urlsplit(self.path)
            prefix = f"/repos/{repository.name}/issues"
            length = int(self.headers.get("Content-Length") or 0)
            payload = json.loads(self.rfile.read(length)) if length else None
            found = re.fullmatch(re.escape(prefix) + r"(?:/(\d+))?(/comments)?", url.path)
            if found is None:
                self._reply(404, {"message": "Not Found"})
                return
            number = int(found.group(1)) if found.group(1) else None
            if method == "GET":
                items = (
                    repository.comments.get(number or 0, [])
                    if found.group(2)
                    else [i for i in repository.issues if i["state"] == parse_qs(url.query).get("state", ["open"])[0]]
                )
                page = int(parse_qs(url.query).get("page", ["1"])[0])
                chunk = items[(page - 1) * PAGE : page * PAGE]
                more = page * PAGE < len(items)
                query = re.sub(r"&?page=\d+", "", url.query)
                link = (
                    f'<http://{self.headers["Host"]}{url.path}?{query}&page={page + 1}>; rel="next"' if more else None
                )
                self._reply(200, chunk, link)
            elif method == "POST" and number is None:
                issue = repository.add(payload["title"], payload["body"])
                issue["labels"] = [{"name": name} for name in payload.get("labels", [])]
                self._reply(201, issue)
            elif method == "POST" and found.group(2):
                comment = {"id": sum(map(len, repository.comments.values())) + 1, "body": payload["body"]}
                repository.comments.setdefault(number or 0, []).append(comment)
                self._reply(201, comment)
            elif method == "PATCH" and number is not None:
                issue = repository.issues[number - 1]
                issue.update(payload)
                self._reply(200, issue)
            else:
                self._reply(405, {"message": "Method Not Allowed"})

        def do_GET(self) -> None:
            self._route("GET")

        def do_POST(self) -> None:
            self._route("POST")

        def do_PATCH(self) -> None:
            self._route("PATCH")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
