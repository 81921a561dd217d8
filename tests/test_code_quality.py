"""The code stays ruff-clean and keeps its one-way data flow (import-linter contracts in pyproject.toml)."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is not installed; install the test extras: pip install -e '.[test]'")
    return found


def test_ruff_reports_nothing():
    run = subprocess.run([_tool("ruff"), "check", "."], cwd=REPO, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_ruff_format_is_applied():
    run = subprocess.run(
        [_tool("ruff"), "format", "--check", "."], cwd=REPO, capture_output=True, text=True, check=False
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_mypy_strict_reports_nothing():
    # Settings in pyproject.toml ([tool.mypy] strict = true); boto3-stubs types the AWS clients.
    run = subprocess.run([_tool("mypy"), "auditor"], cwd=REPO, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def test_import_contracts_hold():
    run = subprocess.run([_tool("lint-imports")], cwd=REPO, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stdout + run.stderr


def _exporting_modules() -> list[str]:
    files = sorted((REPO / "auditor").rglob("*.py"))
    paths = [path.relative_to(REPO).with_suffix("") for path in files if "__all__" in path.read_text()]
    return [".".join(path.parts[:-1] if path.name == "__init__" else path.parts) for path in paths]


@pytest.mark.parametrize("module_name", _exporting_modules())
def test_every_name_a_module_exports_exists(module_name: str):
    module = importlib.import_module(module_name)
    assert [name for name in module.__all__ if not hasattr(module, name)] == []
