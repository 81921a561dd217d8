"""The HTML report laid out in headless Chromium at 1400 px and 390 px: the demo and a report of 200 findings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor import load_config
from auditor.pipeline import compare
from auditor.report import render
from auditor.report.view import OPEN_FINDINGS
from bench.html import report_with
from tests.conftest import REPO

CLOCK = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The demo's report.html and one of 200 findings."""
    folder = tmp_path_factory.mktemp("layout")
    demo = compare(load_config(REPO / "config.yaml"), "prod", "dev", now=CLOCK)
    paths = {"demo": folder / "demo.html", "200": folder / "two-hundred.html"}
    paths["demo"].write_text(render(demo, ["html"])["report.html"], encoding="utf-8")
    paths["200"].write_text(render(report_with(200), ["html"])["report.html"], encoding="utf-8")
    return paths


def _open(browser: Any, path: Path, viewport: dict[str, int], scripts: bool = True) -> Any:
    page = browser.new_context(viewport=viewport, java_script_enabled=scripts).new_page()
    page.goto(path.as_uri(), wait_until="load")
    return page


@pytest.mark.parametrize("name", ["demo", "200"])
@pytest.mark.parametrize("width", [1400, 390])
def test_screenshots_at_desktop_and_phone_width_have_no_sideways_scroll(
    browser: Any, reports: dict[str, Path], tmp_path: Path, name: str, width: int
):
    page = _open(browser, reports[name], {"width": width, "height": 900})
    page.screenshot(path=str(tmp_path / f"{name}-{width}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert (tmp_path / f"{name}-{width}.png").stat().st_size > 10_000


@pytest.mark.parametrize("name", ["demo", "200"])
def test_on_a_phone_the_title_counts_and_first_finding_come_before_any_scrolling(
    browser: Any, reports: dict[str, Path], name: str
):
    page = _open(browser, reports[name], PHONE)
    title, counts = page.locator("h1").first.bounding_box(), page.locator("#counts").bounding_box()
    first_row = page.locator("#findings tbody tr").first
    assert title["y"] < counts["y"] < PHONE["height"]
    assert first_row.bounding_box()["y"] + first_row.bounding_box()["height"] <= PHONE["height"]
    # The headline is the first row: the most severe finding, said once at the top and first in the table.
    first_title = first_row.locator("td").last.inner_text()
    assert first_title in page.locator(".headline").inner_text()


def test_the_navigation_stays_in_view_and_jumps_to_a_severity(browser: Any, reports: dict[str, Path]):
    page = _open(browser, reports["200"], PHONE)
    page.click("nav.jump a[href$='severity-high']")
    assert page.locator("nav.jump").bounding_box()["y"] == 0  # sticky at the top
    high = page.locator("section.severity[id$='severity-high'] h2").bounding_box()
    assert 0 < high["y"] < PHONE["height"]


def test_findings_after_the_first_few_are_folded_and_expand_all_opens_them(browser: Any, reports: dict[str, Path]):
    page = _open(browser, reports["200"], {"width": 1400, "height": 900})
    assert page.locator("details.finding").count() == 200
    assert page.locator("details.finding[open]").count() == OPEN_FINDINGS
    page.click("#filters summary")
    page.click("#expand-all")
    assert page.locator("details.finding[open]").count() == 200


def test_folded_findings_still_open_without_scripts(browser: Any, reports: dict[str, Path]):
    page = _open(browser, reports["200"], {"width": 1400, "height": 900}, scripts=False)
    assert not page.is_visible("#search")  # the search needs the script; the findings do not
    last = page.locator("details.finding").last
    last.locator("summary").click()
    assert last.get_attribute("open") is not None


def test_search_keeps_only_the_rows_and_findings_that_match(browser: Any, reports: dict[str, Path]):
    page = _open(browser, reports["200"], {"width": 1400, "height": 900})
    role = page.locator("#findings tbody tr").nth(5).locator("td").nth(3).inner_text()
    page.fill("#search", role)
    visible = page.locator("#findings tbody tr:visible")
    assert 0 < visible.count() < 200
    assert all(role in text for text in visible.all_inner_texts())
    assert page.locator("details.finding:visible").count() == visible.count()
    page.fill("#search", "")
    assert page.locator("#findings tbody tr:visible").count() == 200


def test_the_marked_difference_shows_added_and_removed_lines(browser: Any, reports: dict[str, Path]):
    page = _open(browser, reports["demo"], {"width": 1400, "height": 900})
    data = page.locator("details.finding[id^='permissions-extra'] pre.diff")
    assert [" ".join(t.split()) for t in data.locator("ins").all_text_contents()] == ['+ "dynamodb:Scan"']
    assert data.locator("del").count() == 0
    condition = page.locator("details.finding[id^='condition-drift'] pre.diff")
    removed = condition.locator("del").all_text_contents()
    assert any('"aws:ResourceTag/env": "dev"' in line for line in removed) and condition.locator("ins").count() == 0
