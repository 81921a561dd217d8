"""The demo's reports, byte for byte. Regenerate with AUDITOR_UPDATE_GOLDEN=1 after an intended change."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor import compare, load_config
from auditor.report import preparations, render
from auditor.report.html import html_environment
from auditor.report.markdown import markdown_environment
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


@pytest.mark.parametrize(("fmt", "suffix"), [("md", ".md.j2"), ("html", ".html.j2")])
def test_templates_compiled_ahead_render_the_same_reports(rendered: dict[str, str], fmt: str, suffix: str):
    environment = {"md": markdown_environment, "html": html_environment}[fmt]()
    environment.cache.clear()
    for step in preparations([fmt]):
        step()
    compiled = {name for _, name in environment.cache}
    assert {name for name in environment.list_templates() if name.endswith(suffix)} <= compiled
    result = compare(load_config(REPO / "config.yaml"), "prod", "dev", now=CLOCK)
    assert render(result, [fmt]) == {f"report.{fmt}": rendered[f"report.{fmt}"]}
