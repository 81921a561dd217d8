"""Where the offline `auditor compare prod dev` spends its time: each phase of one run, in its main process.

The installed command runs as the console script runs it (`auditor.__main__`), writing report.md, report.html
and report.json of two synthetic snapshots of N roles. A few functions of the pipeline are wrapped, by name, to
note the time and the process's minor page faults as each begins and ends; nothing else changes. Each run is
done twice in turn: as it is, and in one process (no worker for the target's read, no helper for comparing or
writing), which shows what sharing the work between processes costs each phase and what it saves. Each phase's
median of `repeat` runs is printed, as one JSON line per mode.

A minor fault is a page of memory the process touches for the first time since it was mapped, or since a fork
made it shared (copy-on-write): on this machine each costs 2 to 6 microseconds.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.synth import write_apart

_DRIVER = """
import json, os, resource, sys, time
started = float(sys.argv[1])
marks = []

def mark(name):
    marks.append((name, time.time() - started, resource.getrusage(resource.RUSAGE_SELF).ru_minflt))

mark("start")
from auditor.gc_pause import gc_paused
with gc_paused(freeze=True):  # as auditor.__main__ imports the command line
    import auditor.cli as cli
mark("imported")
import auditor.forking, auditor.pipeline, auditor.read_ahead
if sys.argv[2] == "one":
    auditor.forking.usable_cpus = auditor.read_ahead.usable_cpus = lambda: 1

def wrapped(owner, name):
    inner = getattr(owner, name)
    def call(*args, **kwargs):
        mark("+" + name)
        try:
            return inner(*args, **kwargs)
        finally:
            mark("-" + name)
    setattr(owner, name, call)

for name in ("load_account", "match_roles", "map_shared"):
    wrapped(auditor.pipeline, name)
wrapped(cli, "write_reports")
main, leave = os.getpid(), os._exit

def ending(code):
    if os.getpid() == main:
        mark("end")
        print(json.dumps(marks), file=sys.stderr, flush=True)
    leave(code)

os._exit = ending
sys.argv = ["auditor", *sys.argv[3:]]
cli.run()
"""

PHASES = (
    ("interpreter start", "start", "start"),
    ("imports", "start", "imported"),
    ("baseline read", "+load_account", "-load_account"),
    ("target read's end, taken", "-load_account", "+match_roles"),
    ("pairing", "+match_roles", "-match_roles"),
    ("records of differing roles", "-match_roles", "+map_shared"),
    ("comparing", "+map_shared", "-map_shared"),
    ("assembling the result", "-map_shared", "+write_reports"),
    ("rendering and writing", "+write_reports", "-write_reports"),
    ("leaving", "-write_reports", "end"),
)
"""Each phase by the marks it lies between (the first of each name). `interpreter start` runs from the launch."""


def _phases(marks: list[tuple[str, float, int]]) -> dict[str, tuple[float, int]]:
    first: dict[str, tuple[float, int]] = {}
    for name, seconds, faults in marks:
        first.setdefault(name, (seconds, faults))
    found: dict[str, tuple[float, int]] = {}
    for phase, begin, end in PHASES:
        if begin not in first or end not in first:
            continue
        if begin == end:
            found[phase] = first[end]
            continue
        found[phase] = (first[end][0] - first[begin][0], first[end][1] - first[begin][1])
    return found


def _one_run(folder: Path, mode: str) -> tuple[float, dict[str, tuple[float, int]]]:
    arguments = [mode, "compare", "prod", "dev", "-o", "out", "-f", "md,html,json", "-q"]
    launched = time.perf_counter()
    command = [sys.executable, "-c", _DRIVER, repr(time.time()), *arguments]
    done = subprocess.run(command, cwd=folder, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - launched
    if done.returncode not in (0, 1):  # 1 is drift
        raise RuntimeError(f"the run exited {done.returncode}: {done.stderr[-2000:]}")
    marks = json.loads(done.stderr.strip().splitlines()[-1])
    return wall, _phases([(name, seconds, faults) for name, seconds, faults in marks])


def main(roles: int, repeat: int = 5) -> list[dict[str, object]]:
    """The median seconds and minor faults of each phase, as it runs and in one process, over `repeat` runs."""
    if shutil.which("auditor", path=str(Path(sys.executable).parent)) is None:
        raise RuntimeError("the auditor command is not installed beside this Python (pip install .)")
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_apart(roles, folder)
        runs: dict[str, list[tuple[float, dict[str, tuple[float, int]]]]] = {"shared": [], "one": []}
        # In turn rather than one mode's runs after the other's: this machine's speed drifts within minutes.
        for _ in range(repeat):
            for mode, done in runs.items():
                done.append(_one_run(folder, mode))
        for mode, done in runs.items():
            phases = {
                phase: {
                    "seconds": round(statistics.median(run[1][phase][0] for run in done), 3),
                    "faults": int(statistics.median(run[1][phase][1] for run in done)),
                }
                for phase, _, _ in PHASES
                if all(phase in run[1] for run in done)
            }
            total = round(statistics.median(run[0] for run in done), 3)
            rows.append({"roles": roles, "mode": mode, "runs": repeat, "seconds": total, "phases": phases})
    return rows


if __name__ == "__main__":
    for row in main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 5):
        print(json.dumps(row))
