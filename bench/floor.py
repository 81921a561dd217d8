"""The offline `auditor compare prod dev` from the shell, next to its floor; prints one JSON line.

ours:  the installed CLI, start to exit, writing report.md, report.html and report.json of two synthetic
       snapshots of N roles (interpreter start, imports and the atomic writes included); and, beside it, the
       CPU time of all its processes (a worker reads the target, helpers compare and render: `ours_cpu_s`).
       Its bytecode is compiled first, as `pip install` leaves it: an editable install under
       PYTHONDONTWRITEBYTECODE would otherwise compile every module on every run (0.09 s here).
floor: what no comparison can skip: starting Python and parsing both files (with the cyclic collector off,
       as the auditor reads them), plus rendering and writing the same three reports from the finished
       result. Each part runs in a fresh process, the parts in turn; the best of `repeat` runs of each is
       kept. The files are parsed by the standard library's json, as the floor was first measured; beside it,
       parsed by jiter, as the auditor parses a snapshot file since b645bc3 (`floor_jiter_s`, `ratio_jiter`):
       the floor a run that took jiter's parser would be held to.
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import auditor as auditor_package
from bench.synth import write_apart

_READ = """
import gc, sys
import {module}
gc.disable()
for path in sys.argv[1:]:
    with open(path, "rb") as handle:
        {module}.{call}
"""

_RENDER = """
import gc, sys, time
from pathlib import Path
from auditor.findings import AuditRun
from auditor.report import render, write_reports
run = AuditRun.model_validate_json(Path(sys.argv[1]).read_text())
gc.collect()
started = time.perf_counter()
write_reports(render(run, ["md", "html", "json"]), sys.argv[2])
print(time.perf_counter() - started)
"""


def _timed(command: list[str], cwd: Path) -> tuple[float, str, float]:
    """Wall seconds, stdout, and CPU seconds of the command and every process it started."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, check=False, cwd=cwd, capture_output=True, text=True)  # 1 is drift
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{command[:3]} exited {done.returncode}: {done.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, done.stdout, cpu


def main(roles: int, repeat: int = 3) -> dict[str, float | int]:
    """Best-of-`repeat` wall times of ours, the read floor and the render floor, in seconds."""
    auditor = shutil.which("auditor", path=str(Path(sys.executable).parent))
    if auditor is None:
        raise RuntimeError("the auditor command is not installed beside this Python (pip install .)")
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(auditor_package.__file__).parent)], check=True)
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        write_apart(roles, folder)
        compare = [auditor, "compare", "prod", "dev", "-o", "out", "-f", "md,html,json", "-q"]
        read = [sys.executable, "-c", _READ.format(module="json", call="loads(handle.read())"), "prod.json", "dev.json"]
        call = 'from_json(handle.read(), cache_mode="all")'
        read_jiter = [sys.executable, "-c", _READ.format(module="jiter", call=call), "prod.json", "dev.json"]
        render = [sys.executable, "-c", _RENDER, "out/report.json", "floor"]
        runs, reads, reads_jiter, renders = [], [], [], []
        # In turn rather than each part's runs one after another: this machine's speed drifts within minutes,
        # and a drift between two blocks of runs would show up in the ratio.
        for _ in range(repeat):
            runs.append(_timed(compare, folder))
            reads.append(_timed(read, folder)[0])
            reads_jiter.append(_timed(read_jiter, folder)[0])
            renders.append(float(_timed(render, folder)[1]))
        ours = min(run[0] for run in runs)
        ours_cpu = min(run[2] for run in runs)
        read_floor, read_floor_jiter, render_floor = min(reads), min(reads_jiter), min(renders)
        findings = sum(
            len(c["findings"]) for c in json.loads((folder / "out" / "report.json").read_text())["comparisons"]
        )
    floor = read_floor + render_floor
    floor_jiter = read_floor_jiter + render_floor
    return {
        "roles": roles,
        "findings": findings,
        "ours_s": round(ours, 2),
        "ours_cpu_s": round(ours_cpu, 2),
        "read_floor_s": round(read_floor, 2),
        "render_floor_s": round(render_floor, 2),
        "floor_s": round(floor, 2),
        "ratio": round(ours / floor, 2),
        "read_floor_jiter_s": round(read_floor_jiter, 2),
        "floor_jiter_s": round(floor_jiter, 2),
        "ratio_jiter": round(ours / floor_jiter, 2),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 3)))
