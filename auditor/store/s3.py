"""Runs kept in S3 under `s3://bucket/prefix/<run id>/...`, through a client that can touch nothing else."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import boto3
import botocore.config
import botocore.exceptions

from auditor.config import s3_location
from auditor.errors import HistoryError, UsageError
from auditor.sources.guard import install_history_guard
from auditor.store.runs import LATEST, RUN_RECORD, run_order

_TYPES = {".md": "text/markdown", ".html": "text/html", ".json": "application/json", ".sarif": "application/json"}


class S3Store:
    """One bucket and prefix. Its session is its own, not any audited account's, and its guard lets it list,
    read and write objects under the prefix and nothing else, whatever its credentials allow."""

    def __init__(self, url: str, session: boto3.Session | None = None, name: str = "history") -> None:
        try:
            self.bucket, self.prefix = s3_location(url)
        except ValueError as exc:
            raise UsageError(f"{name} {exc}") from None
        session = session or boto3.Session()
        install_history_guard(session.events.register, self.bucket, self.prefix)
        config = botocore.config.Config(retries={"mode": "standard", "total_max_attempts": 8})
        self.client: Any = session.client("s3", config=config)

    @property
    def location(self) -> str:
        """The s3:// URL of the prefix."""
        return f"s3://{self.bucket}/{self.prefix}".rstrip("/")

    def run_ids(self) -> list[str]:
        """The run folders directly under the prefix."""
        found: list[str] = []
        pages = self.client.get_paginator("list_objects_v2")
        try:
            for page in pages.paginate(Bucket=self.bucket, Prefix=self.prefix, Delimiter="/"):
                for common in page.get("CommonPrefixes", []):
                    name = common["Prefix"][len(self.prefix) :].rstrip("/")
                    if run_order(name):
                        found.append(name)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise HistoryError(f"{self.location}: cannot list the runs: {_reason(exc)}") from None
        return found

    def read(self, run_id: str, name: str) -> str | None:
        """The object's text, or None if there is no such object."""
        return self._get(f"{self.prefix}{run_id}/{name}")

    def get(self, name: str) -> str | None:
        """The text of the object `<prefix><name>`, or None if there is none."""
        return self._get(f"{self.prefix}{name}")

    def put(self, name: str, text: str) -> str:
        """Put the object `<prefix><name>` (one PUT: whole or not at all)."""
        self._put(f"{self.prefix}{name}", text)
        return f"{self.location}/{name}"

    def latest(self) -> str | None:
        """What the `latest` object names, if it exists."""
        return (self._get(f"{self.prefix}{LATEST}") or "").strip() or None

    def _get(self, key: str) -> str | None:
        try:
            body = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            return str(body.decode("utf-8"))
        except botocore.exceptions.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                return None
            raise HistoryError(f"s3://{self.bucket}/{key}: cannot read: {_reason(exc)}") from None
        except (botocore.exceptions.BotoCoreError, UnicodeDecodeError) as exc:
            raise HistoryError(f"s3://{self.bucket}/{key}: cannot read: {_reason(exc)}") from None

    def write_run(self, run_id: str, files: Mapping[str, str | Iterable[str]]) -> str:
        """Put every file, the run record last, then `latest`: a run cut short has no record and is ignored."""
        for name in sorted(files, key=lambda name: (name == RUN_RECORD, name)):
            text = files[name]
            self._put(f"{self.prefix}{run_id}/{name}", text if isinstance(text, str) else "".join(text))
        self._put(f"{self.prefix}{LATEST}", run_id + "\n")
        return f"{self.location}/{run_id}"

    def _put(self, key: str, text: str) -> None:
        kind = next((t for ext, t in _TYPES.items() if key.endswith(ext)), "text/plain")
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=text.encode("utf-8"), ContentType=f"{kind}; charset=utf-8"
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as exc:
            raise HistoryError(f"s3://{self.bucket}/{key}: cannot write: {_reason(exc)}") from None


def _reason(exc: Exception) -> str:
    if isinstance(exc, botocore.exceptions.ClientError):
        error = exc.response.get("Error", {})
        return f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
    return str(exc) or type(exc).__name__
