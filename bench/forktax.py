"""What sharing work with a forked helper costs once both accounts are read; prints one JSON line.

The run compares the roles that differ, and renders its reports, in this process and a forked helper at once,
each taking part of the work. Measured here, each in a fresh process holding both accounts of two synthetic
snapshots, read as the run reads them:

- `alone`: half the differing pairs (every other one) compared with nothing else running;
- `forked`: the two halves at once, one in a forked helper, one in this process (each figure is the slower);
- `allocate`: 300,000 small objects made by a process that never forked, and by a forked child (`allocate_forked`).

Beside each time, the process's minor page faults. After a fork every page is shared until either process writes
to it, and CPython writes to every object it touches (its reference count) and puts new objects into the free
space of pages it already holds: each such write first copies the page.
"""

from __future__ import annotations

import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.synth import write_apart

MODES = ("alone", "forked", "allocate", "allocate_forked")


def _faults() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def _timed(work: Callable[[], Any]) -> tuple[float, int]:
    faults, started = _faults(), time.perf_counter()
    work()
    return time.perf_counter() - started, _faults() - faults


def _in_child(work: Callable[[], Any], alongside: Callable[[], Any] | None = None) -> dict[str, float]:
    """`work` in a forked child, `alongside` (if any) here at the same time: the longer time, the larger fault count."""
    readable, writable = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.write(writable, json.dumps(_timed(work)).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(writable)
    here = _timed(alongside) if alongside is not None else (0.0, 0)
    os.waitpid(pid, 0)
    with os.fdopen(readable) as pipe:
        there = json.loads(pipe.read())
    return {"seconds": max(here[0], there[0]), "faults": max(here[1], there[1])}


def _small_objects() -> list[tuple[int, str]]:
    return [(number, str(number)) for number in range(300_000)]


def measure(folder: Path, mode: str) -> dict[str, float]:
    """One mode, measured in this process (which it leaves holding both accounts)."""
    from auditor.config import load_config
    from auditor.diff import import_deepdiff
    from auditor.findings.sides import Sides
    from auditor.gc_pause import gc_paused
    from auditor.iamdb import load_resource_types
    from auditor.match import RolePair, match_roles
    from auditor.pipeline import _same, findings_of, load_account
    from auditor.sources import Collector

    config = load_config(folder / "config.yaml")
    collector = Collector(now=datetime.now(UTC))
    with gc_paused(freeze=True):  # as the run reads its accounts
        baseline = load_account(config.account("prod"), collector)
        target = load_account(config.account("dev"), collector)
    import_deepdiff()
    load_resource_types()
    gc.freeze()
    gc.disable()  # as the run compares (see auditor.gc_pause)
    sides = Sides(baseline=baseline, target=target)
    pairs = [pair for pair in match_roles(baseline, target, config.roles) if not _same(pair)]

    def compare(share: list[RolePair]) -> list[Any]:
        return [findings_of(pair, sides) for pair in share]

    if mode == "alone":
        seconds, faults = _timed(lambda: compare(pairs[0::2]))
        return {"seconds": seconds, "faults": faults}
    if mode == "forked":
        return _in_child(lambda: compare(pairs[1::2]), lambda: compare(pairs[0::2]))
    if mode == "allocate":
        seconds, faults = _timed(_small_objects)
        return {"seconds": seconds, "faults": faults}
    if mode == "allocate_forked":
        return _in_child(_small_objects)
    raise ValueError(f"unknown mode {mode!r}")


def main(roles: int, repeat: int = 5) -> dict[str, float | int]:
    """The median of `repeat` runs of each mode, the modes taken in turn, each in a fresh process."""
    found: dict[str, list[dict[str, float]]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_apart(roles, folder)
        for _ in range(repeat):
            for mode in MODES:
                out = subprocess.run(
                    [sys.executable, "-m", "bench.forktax", "--measure", mode, name],
                    check=True,
                    capture_output=True,
                    text=True,
                ).stdout
                found[mode].append(json.loads(out))
    row: dict[str, float | int] = {"roles": roles, "runs": repeat}
    for mode, runs in found.items():
        row[f"{mode}_s"] = round(statistics.median(run["seconds"] for run in runs), 3)
        row[f"{mode}_faults"] = int(statistics.median(run["faults"] for run in runs))
    return row


if __name__ == "__main__":
    if sys.argv[1] == "--measure":
        print(json.dumps(measure(Path(sys.argv[3]), sys.argv[2])))
    else:
        print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5)))
