"""Snapshot files: our own format (sorted, git-diffable) or raw `get-account-authorization-details` JSON."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, nullcontext
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path

from pydantic import ValidationError

from auditor.atomic_write import write_text_atomic
from auditor.errors import InputFormatError, ReportError, SnapshotFormatError
from auditor.gc_pause import gc_paused
from auditor.model.base import describe_validation_error
from auditor.model.documents import MAX_DEPTH, arrays_for, depth_bounded, loads_within
from auditor.model.snapshot import AccountSnapshot


def read_snapshot(path: str | os.PathLike[str]) -> AccountSnapshot:
    """Load a snapshot or GAAD file (auto-detected); SnapshotFormatError names the file and the problem."""
    path = Path(path)
    _Parsed.last = None  # the previous file's: freed before this one is parsed, whose parse reuses the space
    # Inside these arrays, the parse tells whether the file nests deeper than any document may (see loads_within).
    arrays = arrays_for(MAX_DEPTH + 1)
    try:
        raw = _read_inside(path, arrays)
    except FileNotFoundError:
        raise SnapshotFormatError(f"{path}: snapshot file not found") from None
    except (OSError, ValueError) as exc:  # ValueError: a NUL byte in the path
        raise SnapshotFormatError(f"{path}: cannot read snapshot: {exc}") from None
    # A snapshot file is read once and kept for the run: frozen, the collector never walks it (see gc_pause).
    try:
        with gc_paused(freeze=True):
            data, shallow = loads_within(raw, arrays, MAX_DEPTH + 1)
    except json.JSONDecodeError as exc:
        raise SnapshotFormatError(f"{path}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:  # duplicate keys, NaN, nesting, numbers beyond Python's digit limit, bad UTF-8
        raise SnapshotFormatError(f"{path}: invalid JSON: {exc}") from None
    del raw  # 50 MB at 10,000 roles, not held while the models are built
    # Measured whole, the file's depth bounds every document in it: no walk of each document is needed.
    bounded: AbstractContextManager[None] = depth_bounded() if shallow else nullcontext()
    try:
        with gc_paused(freeze=True), bounded:
            return _parse(data, path)
    except InputFormatError as exc:
        raise SnapshotFormatError(f"{path}: {exc}") from None
    except ValidationError as exc:
        raise SnapshotFormatError(f"{path}: {describe_validation_error(exc)}") from None


def _read_inside(path: Path, arrays: int) -> bytes:
    """The file's bytes inside `arrays` arrays: `[` before them, `]` after."""
    with path.open("rb") as handle:
        if not arrays:
            return handle.read()
        size = os.fstat(handle.fileno()).st_size
        # Read straight into the buffer that becomes the bytes object (getvalue hands over BytesIO's own buffer once
        # no view of it is left): read, then joined to the brackets, 50 MB at 10,000 roles were copied and their
        # pages taken twice (0.02 s or more).
        buffer = io.BytesIO()
        buffer.seek(size + 2 * arrays - 1)
        buffer.write(b"]")
        with buffer.getbuffer() as view:
            view[:arrays] = b"[" * arrays
            view[arrays + size :] = b"]" * arrays
            filled = handle.readinto(view[arrays : arrays + size])
            # What a read of the file's size did not reach: a file that grew meanwhile, or one that is not a regular
            # file (a pipe's size is 0). Its bytes are then joined as they come.
            more = handle.read()
            if filled != size or more:
                return b"".join((b"[" * arrays, view[arrays : arrays + filled], more, b"]" * arrays))
        return buffer.getvalue()


_ROLE_ARN = re.compile(r'"[Aa]rn"\s*:\s*"arn:aws[a-z-]*:iam::[0-9]{12}:role/(?:[^"]*/)?([^"/]+)"')


def role_lines(path: Path) -> dict[str, int]:
    """The line of each role's ARN in a snapshot or GAAD file (where SARIF results point); {} if unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, ValueError):
        return {}  # the snapshot was read a moment ago; a file gone since only costs the line numbers
    lines: dict[str, int] = {}
    line, counted = 1, 0
    for found in _ROLE_ARN.finditer(text):
        line += text.count("\n", counted, found.start())
        counted = found.start()
        lines.setdefault(found.group(1), line)
    return lines


class RoleLines(Mapping[str, int]):
    """`role_lines(path)`, read on first use: only SARIF needs it, and a large snapshot takes a while to scan."""

    def __init__(self, path: Path) -> None:
        self._path = path

    @cached_property
    def _lines(self) -> dict[str, int]:
        return role_lines(self._path)

    def __getitem__(self, name: str) -> int:
        return self._lines[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lines)

    def __len__(self) -> int:
        return len(self._lines)


def write_snapshot(snapshot: AccountSnapshot, path: str | os.PathLike[str]) -> None:
    """Write a snapshot atomically with sorted keys, so `git diff` shows only real changes."""
    path = Path(path)
    text = json.dumps(snapshot.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False)
    try:
        write_text_atomic(path, text + "\n")
    except OSError as exc:
        raise ReportError(f"{path}: cannot write the snapshot: {exc.strerror or exc}") from None


class _Parsed:
    """What the last snapshot file of our own format was parsed into: the objects and lists around the documents
    its records hold, left over once the records are made (some 8 MiB at 10,000 roles). Freed at once, they leave
    free space scattered all over the heap, which the comparison then fills with what it makes: once the run has
    forked its helpers (see auditor.forking), every page written so is first copied, 7,500 pages in this process
    alone at 10,000 roles. Kept until the next file is read, they are freed where that read needs the space."""

    last: object = None


def _parse(data: object, path: Path) -> AccountSnapshot:
    if isinstance(data, dict) and data.get("format") == "iam-drift-auditor-snapshot":
        snapshot = AccountSnapshot.model_validate(data)
        _Parsed.last = data
        return snapshot
    # GAAD's models are imported only for a GAAD file: 5 ms of start-up that a snapshot of our own does without.
    from auditor.sources.gaad import looks_like_gaad, snapshot_from_gaad

    if looks_like_gaad(data):
        mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
        return snapshot_from_gaad(data, collected_at=mtime, source=f"gaad:{path.name}")  # type: ignore[arg-type]
    raise InputFormatError(
        'neither an iam-drift-auditor snapshot (no "format" key) nor get-account-authorization-details '
        "output (no RoleDetailList)"
    )
