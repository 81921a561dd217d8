"""How a snapshot file's bytes are read: all of them, whatever its size said when it was opened, from a pipe too."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest

from auditor.sources import read_snapshot, write_snapshot
from bench.synth import accounts


@pytest.fixture
def snapshot_file(tmp_path: Path) -> Path:
    path = tmp_path / "prod.json"
    write_snapshot(accounts(3)[0], path)
    return path


@pytest.mark.parametrize("error", [-100, 100], ids=["grew since", "shrank since"])
def test_a_file_whose_size_changed_after_it_was_taken_is_read_as_it_is(
    snapshot_file: Path, monkeypatch: pytest.MonkeyPatch, error: int
):
    expected = read_snapshot(snapshot_file)
    real = os.fstat
    monkeypatch.setattr(os, "fstat", lambda fd: SimpleNamespace(st_size=real(fd).st_size + error))
    assert read_snapshot(snapshot_file) == expected


def test_a_snapshot_from_a_pipe_is_read(snapshot_file: Path, tmp_path: Path):
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    # Opening a pipe to write waits for its reader: a daemon thread, never left waiting on a failed read.
    writer = threading.Thread(target=lambda: pipe.write_bytes(snapshot_file.read_bytes()), daemon=True)
    writer.start()
    assert read_snapshot(pipe) == read_snapshot(snapshot_file)
    writer.join(timeout=10)
    assert not writer.is_alive()
