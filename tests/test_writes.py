"""Nothing is lost: a run's reports appear whole or not at all, leftovers of killed runs go, odd files stay."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from auditor.atomic_write import MARKER
from auditor.cli import main


def _files(folder: Path) -> dict[str, str]:
    return {path.name: path.read_text() for path in sorted(folder.iterdir()) if path.is_file()}


def _compare_in_child(demo: Path, out: str, file_limit: int | None = None) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if file_limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (file_limit, file_limit))

    return subprocess.run(
        [sys.executable, "-m", "auditor", "compare", "prod", "dev", "-o", out, "-f", "md,html,json"],
        cwd=demo,
        capture_output=True,
        text=True,
        preexec_fn=limit,  # sets a resource limit only, in the child
        check=False,
    )


def test_a_run_that_cannot_write_every_file_leaves_the_previous_reports_whole(demo: Path):
    assert main(["compare", "prod", "dev", "-o", "out"]) == 1
    before = _files(demo / "out")
    (demo / "baselines" / "demo" / "dev.json").write_text(
        (demo / "baselines" / "demo" / "dev.json").read_text().replace("dynamodb:Scan", "dynamodb:BatchGetItem")
    )
    run = _compare_in_child(demo, "out", file_limit=8 * 1024)  # report.md fits, report.html does not
    assert run.returncode == 2, run.stderr
    assert "cannot write" in run.stderr and "Traceback" not in run.stderr
    assert _files(demo / "out") == before
    assert [p.name for p in demo.iterdir() if p.name.startswith(".out.")] == []


def test_leftovers_of_a_killed_run_are_removed_by_the_next(demo: Path):
    dead = 2**22 + 12345  # above the default pid_max: no live process has it
    (demo / f".out.{dead}.0a1b2c3d.tmp").mkdir()
    (demo / f".out.{dead}.0a1b2c3d.tmp" / "report.md").write_text("half")
    (demo / "baselines" / f".dev.json.{dead}.x9.tmp").write_text("half")
    assert main(["compare", "prod", "dev", "-o", "out"]) == 1
    assert main(["snapshot", "dev", "--out", "baselines/dev.json"]) == 0
    assert not (demo / f".out.{dead}.0a1b2c3d.tmp").exists()
    assert not (demo / "baselines" / f".dev.json.{dead}.x9.tmp").exists()


def test_the_temporary_files_of_a_live_writer_are_left_alone(demo: Path):
    alive = demo / f".out.{os.getppid()}.0a1b2c3d.tmp"
    alive.mkdir()
    assert main(["compare", "prod", "dev", "-o", "out"]) == 1
    assert alive.is_dir()


def test_a_folder_the_tool_did_not_write_is_never_replaced(demo: Path, capsys):
    (demo / "mine").mkdir()
    (demo / "mine" / "notes.txt").write_text("keep me")
    assert main(["compare", "prod", "dev", "-o", "mine"]) == 2
    err = capsys.readouterr().err
    assert "mine" in err and "not written by iam-drift-auditor" in err
    assert _files(demo / "mine") == {"notes.txt": "keep me"}


def test_a_rerun_replaces_the_whole_folder_formats_not_asked_for_included(demo: Path):
    assert main(["compare", "prod", "dev", "-o", "out", "-f", "md,html,json,sarif"]) == 1
    assert main(["compare", "prod", "dev", "-o", "out", "-f", "json"]) == 1
    assert sorted(p.name for p in (demo / "out").iterdir()) == [MARKER, "report.json"]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_snapshot_never_replaces_a_fifo_or_device(demo: Path, capsys):
    fifo = demo / "pipe"
    os.mkfifo(fifo)
    assert main(["snapshot", "dev", "--out", str(fifo), "--update-baseline"]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert fifo.is_fifo()
    assert main(["snapshot", "dev", "--out", "/dev/null", "--update-baseline"]) == 2
    assert Path("/dev/null").is_char_device()


def test_snapshot_through_a_symlinked_baseline_updates_the_file_and_keeps_the_link(demo: Path):
    real = demo / "baselines" / "dev-2026.json"
    real.write_text("{}")
    link = demo / "baselines" / "dev-current.json"
    link.symlink_to(real.name)
    assert main(["snapshot", "dev", "--out", str(link), "--update-baseline"]) == 0
    assert link.is_symlink() and os.readlink(link) == real.name
    assert '"iam-drift-auditor-snapshot"' in real.read_text()
