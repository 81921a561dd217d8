"""Where scheduled runs are kept and earlier ones found: a local folder, or an S3 location."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol

from pydantic import ValidationError

from auditor.errors import HistoryError
from auditor.model.base import describe_validation_error
from auditor.store.runs import (
    LATEST,
    RUN_RECORD,
    TICKET,
    ComparisonRecord,
    RunRecord,
    named_by_day,
    new_run_id,
    run_order,
    runs_before,
)


class HistoryStore(Protocol):
    """Runs kept as folders of text files, each named by its run id."""

    @property
    def location(self) -> str:
        """Where the runs are, for messages: a folder or an s3:// URL."""
        ...

    def run_ids(self) -> list[str]:
        """Every run kept, in no particular order."""
        ...

    def read(self, run_id: str, name: str) -> str | None:
        """The text of one file of a run; None if the run has no such file."""
        ...

    def latest(self) -> str | None:
        """The id of the latest run written, if any."""
        ...

    def write_run(self, run_id: str, files: Mapping[str, str | Iterable[str]]) -> str:
        """Keep a run's files (run.json last, so that a run cut short has none) and return where they went.

        A file may come as the pieces of its text, rendered as they are read: a run never holds them all."""
        ...

    def get(self, name: str) -> str | None:
        """The text of a file at the top of the location (not in a run); None if there is none."""
        ...

    def put(self, name: str, text: str) -> str:
        """Write a file at the top of the location, whole or not at all, and return where it went."""
        ...


def open_store(location: str | Path, name: str = "history") -> HistoryStore:
    """The store at `location`: `s3://bucket/prefix`, or a local folder; `name` says what it is in errors."""
    text = str(location)
    if text.startswith("s3://"):
        from auditor.store.s3 import S3Store  # boto3 is imported only by runs that keep history in S3

        return S3Store(text, name=name)
    from auditor.store.local import LocalStore

    return LocalStore(Path(location))


def read_record(store: HistoryStore, run_id: str) -> RunRecord | None:
    """A run's record; None if it has none (cut short, or written before runs had records)."""
    text = store.read(run_id, RUN_RECORD)
    if text is None:
        return None
    try:
        return RunRecord.model_validate_json(text)
    except ValidationError as exc:
        raise HistoryError(
            f"{store.location}/{run_id}/{RUN_RECORD}: not a run record: {describe_validation_error(exc)}"
        ) from None


__all__ = [
    "LATEST",
    "RUN_RECORD",
    "TICKET",
    "ComparisonRecord",
    "HistoryStore",
    "RunRecord",
    "named_by_day",
    "new_run_id",
    "open_store",
    "read_record",
    "run_order",
    "runs_before",
]
