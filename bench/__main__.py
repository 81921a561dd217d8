"""python -m bench: run every benchmark and print Markdown tables (commit the output as bench/RESULTS.md).

Options: --offline 1000,5000,10000,20000  --floor 10000  --phases 10000  --fork-tax 10000  --wide 10,100,300,1000
         --html 200  --live 1000,2000,5000  --harvest-up-to 2000  --many 50x500  --expansion 5000  --org 25,50,100,200
         --org-varied 50,200  --against REV (the offline comparison at an earlier commit).
Each measurement runs in its own process; nothing here asserts a time, it prints.
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


def _run(module: str, *args: str, root: Path = ROOT) -> list[dict[str, object]]:
    env = {**os.environ, "PYTHONPATH": str(root)}
    out = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=root, env=env, check=True, capture_output=True, text=True
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def _machine() -> str:
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split("\n")[0].split()[1])
        memory = f", {kib / 1024 / 1024:.1f} GiB RAM"
    return f"{platform.machine()}, {os.cpu_count()} cores{memory}, Python {platform.python_version()}"


def offline(sizes: list[int]) -> None:
    """Two snapshot files compared: read, normalize, match, diff, classify."""
    print("\n## Offline comparison (two snapshot files)\n")
    print("| roles per account | snapshot file (MiB) | compare (s) | peak RSS (MiB) | findings | planted drifts |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        [row] = _run("bench.offline", str(size))
        print(
            f"| {size:,} | {row['snapshot_mib']} | {row['seconds']} | {row['peak_rss_mib']} | {row['findings']} | "
            f"{row['planted']} |"
        )


def floor(sizes: list[int]) -> None:
    """The offline CLI run next to its floor: reading both files, and rendering and writing the reports."""
    print("\n## Offline `auditor compare prod dev` and its floor (target: at most 1.5x)\n")
    print(
        "| roles per account | findings | ours (s) | ours, CPU of all processes (s) | read both files (s) "
        "| render, write (s) | floor (s) | ratio | read both files, jiter (s) | floor, jiter (s) | ratio, jiter |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        [row] = _run("bench.floor", str(size))
        print(
            f"| {size:,} | {row['findings']} | {row['ours_s']} | {row['ours_cpu_s']} | {row['read_floor_s']} | "
            f"{row['render_floor_s']} | {row['floor_s']} | {row['ratio']} | {row['read_floor_jiter_s']} | "
            f"{row['floor_jiter_s']} | {row['ratio_jiter']} |"
        )


def phases(sizes: list[int]) -> None:
    """Where the offline run's time goes, phase by phase, as it runs and in one process (see bench/phases.py)."""
    for size in sizes:
        shared, alone = _run("bench.phases", str(size))
        runs = shared["runs"]
        print(f"\n## Phases of the offline `auditor compare prod dev` at {size:,} roles (median of {runs} runs)\n")
        print("| phase | as it runs (s) | minor faults | in one process (s) | minor faults |")
        print("|---|---:|---:|---:|---:|")
        for phase, here in shared["phases"].items():  # type: ignore[attr-defined]
            there = alone["phases"].get(phase)  # type: ignore[attr-defined]
            apart = f"{there['seconds']} | {there['faults']:,}" if there else " | "  # a phase one mode lacks
            print(f"| {phase} | {here['seconds']} | {here['faults']:,} | {apart} |")
        print(f"| **the whole run, from launch** | **{shared['seconds']}** | | **{alone['seconds']}** | |")


def fork_tax(size: int) -> None:
    """What sharing the comparison with a forked helper costs once both accounts are read (see bench/forktax.py)."""
    [row] = _run("bench.forktax", str(size))
    print(f"\n## Sharing work with a forked helper at {size:,} roles (median of {row['runs']} runs)\n")
    print("| work | alone (s) | minor faults | forked (s) | minor faults |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| half the differing pairs; forked: both halves at once | {row['alone_s']} | {row['alone_faults']:,} | "
        f"{row['forked_s']} | {row['forked_faults']:,} |"
    )
    print(
        f"| 300,000 small objects made | {row['allocate_s']} | {row['allocate_faults']:,} | "
        f"{row['allocate_forked_s']} | {row['allocate_forked_faults']:,} |"
    )


def expansion(size: int) -> None:
    """Effective permissions (wildcards, NotAction, Deny, boundary) of every role of both accounts."""
    [row] = _run("bench.expansion", str(size))
    print("\n## Expansion: effective permissions of every role\n")
    print("| roles per account | roles expanded | grants | seconds | RSS growth (MiB) |")
    print("|---:|---:|---:|---:|---:|")
    print(f"| {size:,} | {row['roles_expanded']:,} | {row['grants']:,} | {row['seconds']} | {row['rss_growth_mib']} |")


def wide(counts: list[int]) -> None:
    """One statement granting every action on N resources, one resource changed in dev (target: 300 under 2 s)."""
    print("\n## Every action on many resources (one statement)\n")
    print("| resources | compare (s) | with md, html, json (s) | peak RSS (MiB) | findings |")
    print("|---:|---:|---:|---:|---:|")
    for count in counts:
        [row] = _run("bench.wide", str(count))
        print(
            f"| {count:,} | {row['compare_seconds']} | {row['with_reports_seconds']} | {row['peak_rss_mib']} | "
            f"{row['findings']} |"
        )


def html(findings: int) -> None:
    """The HTML report at N findings: bytes, and headless Chromium's load and layout at 1400 px and 390 px."""
    [row] = _run("bench.html", str(findings))
    print("\n## HTML report in Chromium (target: 200 findings under 1.5 MB, rendered in under 2 s)\n")
    print("| findings | bytes | 1400 px: load + layout (s) | height (px) | 390 px: load + layout (s) | height (px) |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {findings} | {int(row['bytes']):,} | {row['load_1400_s']} | {int(row['height_1400']):,} | "  # type: ignore[call-overload]
        f"{row['load_390_s']} | {int(row['height_390']):,} |"  # type: ignore[call-overload]
    )


def mamip() -> None:
    """Accuracy on every change AWS made to its managed policies, scored against the corpus's own truth."""
    from bench.mamip import CORPUS

    print("\n## Real history: AWS managed policy changes (../shared/corpus/mamip)\n")
    if not CORPUS.is_dir():
        print(f"Not run: {CORPUS} is not beside this checkout.")
        return
    [row] = _run("bench.mamip")
    print("| pairs | compare (s) | changed flagged | unchanged flagged | exact action sets | exact per-grant sets |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {row['pairs']:,} | {row['seconds']} | {row['recall']} | {row['false_positives']} | "
        f"{row['exact_action_sets']} | {row['exact_grant_action_sets']} |"
    )
    print(f"\nUnchanged pairs flagged: {', '.join(row['false_positive_pairs']) or 'none'}.")  # type: ignore[arg-type]
    print(f"Changed pairs not flagged: {', '.join(row['unflagged_changed_pairs']) or 'none'}.")  # type: ignore[arg-type]
    print(f"Inexact action sets: {', '.join(row['inexact_sample']) or 'none'}.")  # type: ignore[arg-type]


def live(sizes: list[int], harvest_up_to: int) -> None:
    """Both accounts read through moto's HTTP server: ours, the bare GAAD floor, and a per-role harvester."""
    print("\n## Live comparison against moto (two accounts)\n")
    print(
        "| roles per account | API calls per account: ours (floor) | ours (s) | bare GAAD client (s) | ours / bare | "
        "per-role harvest: calls, s | harvest / ours |"
    )
    print("|---:|---|---:|---:|---:|---|---:|")
    for row in _run("bench.live", ",".join(map(str, sizes)), str(harvest_up_to)):
        size = int(row["roles"])  # type: ignore[call-overload]
        # The floor: STS plus the GAAD pages moto returned, per account (the bare client's calls).
        floor = int(row["bare_calls"]) / 2  # type: ignore[call-overload]
        per_account = int(row["ours_calls"]) / 2  # type: ignore[call-overload]
        harvest = f"{row['harvest_calls']:,}, {row['harvest_s']}" if "harvest_s" in row else "not run"
        ratio = f"{float(row['harvest_s']) / float(row['ours_s']):.0f}x" if "harvest_s" in row else ""  # type: ignore[arg-type]
        print(
            f"| {size:,} | {per_account:g} ({floor:g}) | {row['ours_s']} | {row['bare_s']} | "
            f"{float(row['ours_s']) / float(row['bare_s']):.2f} | {harvest} | {ratio} |"
        )  # type: ignore[arg-type]
        print(f"\n<!-- calls for {size}: {json.dumps(row['calls'])} -->")


def organization(sizes: list[int], roles: int = 300, varied: bool = False) -> None:
    """--all-accounts on a moto Organization, the auditor in a child process: wall time and its peak RSS.

    `varied`: every member drifts in its own roles and ways (by default all members are alike)."""
    shape = ", each member drifted its own way" if varied else ""
    print(f"\n## Organization: --all-accounts (moto, 300 roles per member{shape}, concurrency 8)\n")
    print("| members | seconds | bare GAAD floor (s) | ratio | peak RSS (MiB) | API calls (floor) |")
    print("|---:|---:|---:|---:|---:|---:|")
    rows = []
    for size in sizes:
        [row] = _run("bench.org", str(size), str(roles), *(["varied"] if varied else []))
        rows.append(row)
        ratio = float(row["seconds"]) / float(row["floor_seconds"])  # type: ignore[arg-type]
        print(
            f"| {size} | {row['seconds']} | {row['floor_seconds']} | {ratio:.2f} | {row['peak_rss_mib']} | "
            f"{row['calls']} ({row['floor_calls']}) |"
        )
    if len(rows) > 1:
        first, last = rows[1] if len(rows) > 2 else rows[0], rows[-1]
        growth = (float(last["peak_rss_mib"]) - float(first["peak_rss_mib"])) / (  # type: ignore[arg-type]
            int(last["members"]) - int(first["members"])  # type: ignore[call-overload]
        )
        print(f"\nPeak RSS growth from {first['members']} to {last['members']} members: {growth:.1f} MiB per member.")


def many(count: int, roles: int) -> None:
    """One baseline against many accounts, read concurrently."""
    [row] = _run("bench.many", str(count), str(roles), "8")
    print("\n## Many accounts (moto, concurrency 8)\n")
    print("| accounts | roles each | seconds | compared | unreadable | API calls |")
    print("|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {row['accounts']} | {row['roles_each']} | {row['seconds']} | {row['compared']} | {row['unreadable']} | "
        f"{row['api_calls']} |"
    )


def against(revision: str, sizes: list[int]) -> None:
    """The offline comparison now and at an earlier commit, on the same input, in the same run."""
    print(f"\n## Against {revision}\n")
    print(f"| roles per account | offline compare now (s) | at {revision} (s) | ratio |")
    print("|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as folder:
        tree = Path(folder) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", str(tree), revision], cwd=ROOT, check=True, capture_output=True
        )
        try:
            for size in sizes:
                [now] = _run("bench.offline", str(size))
                [then] = _run("bench.offline", str(size), root=tree)
                print(
                    f"| {size:,} | {now['seconds']} | {then['seconds']} | "
                    f"{float(now['seconds']) / float(then['seconds']):.2f} |"
                )  # type: ignore[arg-type]
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, check=True)


def _sizes(text: str) -> list[int]:
    return [int(size) for size in text.split(",") if size]


def main() -> None:
    """Run the benchmarks chosen on the command line (all of them by default)."""
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--offline", default="1000,5000,10000,20000")
    parser.add_argument("--floor", default="10000", help="roles per account of the CLI run timed against its floor")
    parser.add_argument("--phases", default="10000", help="roles per account of the run whose phases are timed")
    parser.add_argument("--fork-tax", type=int, default=10000, help="roles per account held while forking")
    parser.add_argument("--expansion", type=int, default=5000)
    parser.add_argument("--wide", default="10,100,300,1000")
    parser.add_argument("--html", type=int, default=200, help="findings in the HTML report loaded in Chromium")
    parser.add_argument("--no-mamip", action="store_true", help="skip the managed-policy history corpus")
    parser.add_argument("--live", default="1000,2000,5000")
    parser.add_argument("--harvest-up-to", type=int, default=2000)
    parser.add_argument("--many", default="50x500")
    parser.add_argument("--org", default="25,50,100,200", help="members of the moto Organization, per run")
    parser.add_argument("--org-varied", default="50,200", help="the same, each member drifted in its own way")
    parser.add_argument("--against", help="a git revision to time the offline comparison at, for a ratio")
    args = parser.parse_args()
    print(f"# Benchmark results\n\nMachine: {_machine()}. Produced by `python -m bench`.")
    if args.offline:
        offline(_sizes(args.offline))
    if args.floor:
        floor(_sizes(args.floor))
    if args.phases:
        phases(_sizes(args.phases))
    if args.fork_tax:
        fork_tax(args.fork_tax)
    if args.expansion:
        expansion(args.expansion)
    if args.wide:
        wide(_sizes(args.wide))
    if args.html:
        html(args.html)
    if not args.no_mamip:
        mamip()
    if args.live:
        live(_sizes(args.live), args.harvest_up_to)
    if args.many:
        count, roles = (int(n) for n in args.many.split("x"))
        many(count, roles)
    if args.org:
        organization(_sizes(args.org))
    if args.org_varied:
        organization(_sizes(args.org_varied), varied=True)
    if args.against:
        against(args.against, _sizes(args.offline)[:2])


if __name__ == "__main__":
    main()
