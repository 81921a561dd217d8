"""What reading snapshot files keeps in memory once their snapshots are let go: what the last file needs, no more."""

from __future__ import annotations

import tracemalloc
from pathlib import Path

from auditor.sources import read_snapshot, write_snapshot
from bench.synth import accounts


def _held_after(*paths: Path) -> int:
    """Bytes still allocated once each file has been read in turn and its snapshot let go."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for path in paths:
            read_snapshot(path)
        return tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()


def test_reading_a_file_lets_go_of_what_an_earlier_file_was_parsed_into(tmp_path: Path):
    large, small = tmp_path / "large.json", tmp_path / "small.json"
    write_snapshot(accounts(300)[0], large)
    write_snapshot(accounts(1)[0], small)
    read_snapshot(small)  # what a first read sets up once (interned strings, caches) is not counted below
    alone = _held_after(small)
    assert _held_after(large) > 1_000_000  # the large file's parse is kept until the next read...
    assert _held_after(large, small) < alone + 64 * 1024  # ...and let go by it
