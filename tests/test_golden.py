"""The demo's reports, byte for byte. Regenerate with AUDITOR_UPDATE_GOLDEN=1 after an intended change."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor import compare, load_config
from auditor.report import render
from tests.conftest import REPO

GOLDEN = Path(__file__).parent / "golden"
CLOCK = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def rendered() -> dict[str, str]:
    result = compare(load_config(REPO / "config.yaml"), "prod", "dev", now=CLOCK)
    return render(result, ["md", "html", "json"])


@pytest.mark.parametrize("name", ["report.md", "report.html", "report.json"])
def test_demo_report_matches_its_golden_file(rendered: dict[str, str], name: str):
    golden = GOLDEN / name
    if os.environ.get("AUDITOR_UPDATE_GOLDEN"):
        golden.write_text(rendered[name], encoding="utf-8")
    assert golden.exists(), f"{golden} is missing: run the tests once with AUDITOR_UPDATE_GOLDEN=1"
    assert rendered[name] == golden.read_text(encoding="utf-8"), f"{name} differs from {golden}"
