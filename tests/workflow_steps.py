"""Run a GitHub Actions step's `run:` script as written, in bash as GitHub runs it, against local stand-ins."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import REPO

WORKFLOWS = REPO / ".github" / "workflows"
BIN = Path(sys.executable).parent  # where `pip install .` put the `auditor` command


def steps(workflow: str, job: str) -> dict[str, dict[str, Any]]:
    """The job's steps by name (or by the action they use)."""
    document = yaml.safe_load((WORKFLOWS / workflow).read_text())
    return {step.get("name", step.get("uses", "")): step for step in document["jobs"][job]["steps"]}


def run_step(workflow: str, job: str, step: str, folder: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The step's script, from `folder` (a checkout of the repository), with `env` as the step's environment;
    `gh` and the like come from tests/standins, `auditor` from this environment."""
    shutil.copytree(REPO / ".github", folder / ".github", dirs_exist_ok=True)
    script = folder / f".step-{step.replace(' ', '-')}.sh"
    script.write_text(steps(workflow, job)[step]["run"])
    path = f"{REPO / 'tests' / 'standins'}:{BIN}:{os.environ['PATH']}"
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
        cwd=folder,
        env={**os.environ, "PATH": path, "GITHUB_OUTPUT": str(folder / ".github-output"), **env},
        capture_output=True,
        check=False,
        text=True,
        timeout=300,
    )
