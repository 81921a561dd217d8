"""python -m bench [--roles 1000,5000] [--against REV]: run the benchmarks and print a Markdown table.

Each measurement runs in its own process. `--against REV` also times the offline comparison of the
same synthetic input at an earlier commit (checked out in a temporary git worktree), in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(module: str, roles: int, root: Path = ROOT) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-m", module, str(roles)], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def _machine() -> str:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("\n")[0].split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    return f"{platform.machine()}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def main() -> None:
    """Print the benchmark table."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--roles", default="1000,5000", help="comma-separated role counts per account")
    parser.add_argument("--against", help="a git revision to time the offline comparison at, for a ratio")
    args = parser.parse_args()
    sizes = [int(size) for size in args.roles.split(",")]
    print(f"Machine: {_machine()}\n")
    print(
        "| roles per account | offline compare (s) | peak RSS (MiB) | findings | planted | "
        "expand every role (s) | grants | expansion RSS growth (MiB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        offline, expansion = _run("bench.offline", size), _run("bench.expansion", size)
        print(
            f"| {size:,} | {offline['seconds']} | {offline['peak_rss_mib']} | {offline['findings']} | "
            f"{offline['planted']} | {expansion['seconds']} | {expansion['grants']:,} | "
            f"{expansion['rss_growth_mib']} |"
        )
    if args.against:
        _against(args.against, sizes)


def _against(revision: str, sizes: list[int]) -> None:
    print(f"\n| roles per account | offline compare now (s) | at {revision} (s) | ratio |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), revision], cwd=ROOT, check=True, capture_output=True
        )
        try:
            for size in sizes:
                now, then = _run("bench.offline", size), _run("bench.offline", size, root=tree)
                print(f"| {size:,} | {now['seconds']} | {then['seconds']} | {now['seconds'] / then['seconds']:.2f} |")
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)


if __name__ == "__main__":
    main()
