"""Runs kept in a local folder: `<folder>/<run id>/...`, each run swapped in whole, and `<folder>/latest`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from auditor.atomic_write import write_folder_atomic, write_text_atomic
from auditor.errors import HistoryError
from auditor.store.runs import LATEST, run_order


class LocalStore:
    """A reports folder holding one folder per run."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @property
    def location(self) -> str:
        """The folder."""
        return str(self.root)

    def run_ids(self) -> list[str]:
        """The folders named as runs are (anything else there, such as notes/, is not a run)."""
        try:
            return [path.name for path in self.root.iterdir() if run_order(path.name) and path.is_dir()]
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise HistoryError(f"{self.root}: cannot list the runs: {exc.strerror or exc}") from None

    def read(self, run_id: str, name: str) -> str | None:
        """The file's text, or None if the run has no such file."""
        return self.get(f"{run_id}/{name}")

    def get(self, name: str) -> str | None:
        """The text of `<folder>/<name>`, or None if there is no such file."""
        path = self.root / name
        try:
            return path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError) as exc:
            raise HistoryError(f"{path}: cannot read: {getattr(exc, 'strerror', None) or exc}") from None

    def latest(self) -> str | None:
        """What `latest` names, if it exists."""
        return (self.get(LATEST) or "").strip() or None

    def put(self, name: str, text: str) -> str:
        """Write `<folder>/<name>` atomically."""
        path = self.root / name
        try:
            write_text_atomic(path, text)
        except OSError as exc:
            raise HistoryError(f"{path}: cannot write: {exc.strerror or exc}") from None
        return str(path)

    def write_run(self, run_id: str, files: Mapping[str, str | Iterable[str]]) -> str:
        """Write the run as one folder swapped in at once, then point `latest` at it."""
        folder = self.root / run_id
        try:
            write_folder_atomic(folder, files)
            write_text_atomic(self.root / LATEST, run_id + "\n")
        except OSError as exc:
            raise HistoryError(f"{exc.filename or folder}: cannot write: {exc.strerror or exc}") from None
        return str(folder)
