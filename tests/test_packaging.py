"""What `pip install .` gives a user works: the wheel carries every package file, and the demo runs from it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project built as a wheel from a copy of what git tracks (no stray files of the work tree)."""
    root = tmp_path_factory.mktemp("wheel")
    source = root / "src"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode("utf-8").split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(root), str(source)],
        check=True,
        capture_output=True,
    )
    return next(root.glob("*.whl"))


def test_wheel_carries_every_package_file(wheel: Path):
    tracked = subprocess.run(["git", "ls-files", "auditor"], cwd=REPO, capture_output=True, text=True, check=True)
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in tracked.stdout.split() if name not in names]
    assert missing == []


def test_demo_runs_from_a_regular_install(wheel: Path, tmp_path: Path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    # The dependencies come from this test environment (appended, so the wheel's own package wins);
    # the project's source tree is not on the path.
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    work = tmp_path / "work"
    work.mkdir()
    shutil.copy(REPO / "config.yaml", work / "config.yaml")
    shutil.copytree(REPO / "baselines" / "demo", work / "baselines" / "demo")
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    run = subprocess.run(
        [venv / "bin" / "auditor", "compare", "prod", "dev"],
        cwd=work,
        capture_output=True,
        text=True,
        env=environment,
        check=False,
    )
    assert run.returncode == 1 and "report: " in run.stdout, run.stderr  # drift found, reports written
    located = subprocess.run(
        [python, "-c", "import auditor; print(auditor.__file__)"], cwd=work, capture_output=True, text=True, check=True
    )
    assert located.stdout.startswith(site)
    reports = list((work / "reports").glob("*/report.html"))
    assert len(reports) == 1 and "<html" in reports[0].read_text()


def test_the_signature_encoder_is_built_where_a_c_compiler_is(wheel: Path):
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        pytest.skip("no C compiler here: the package signs roles in Python")
    from auditor.normalize import signing

    assert signing.encode is not None  # in this environment's install
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    assert f"auditor/normalize/_encoding{suffix}" in zipfile.ZipFile(wheel).namelist()  # and in the wheel


def test_the_version_has_one_source():
    import tomllib

    import auditor

    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert auditor.__version__ == project["version"]
