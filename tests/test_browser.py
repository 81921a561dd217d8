"""The HTML report in a real browser: headless Chromium driven by Playwright, nothing leaving the page."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from auditor import load_config
from auditor.cli import main
from auditor.config import Config
from auditor.findings import Severity
from auditor.normalize import normalize_account
from auditor.pipeline import compare, compare_accounts
from auditor.report import render
from bench.synth import accounts
from tests.conftest import REPO
from tests.hostile import hostile_demo

CLOCK = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def _page(browser: Any, path: Path) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 1800})
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith("file:") else None)
    page.goto(path.as_uri(), wait_until="load")
    return page, outside


@pytest.fixture(scope="module")
def demo_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    result = compare(load_config(REPO / "config.yaml"), "prod", "dev", now=CLOCK)
    path = tmp_path_factory.mktemp("html") / "report.html"
    path.write_text(render(result, ["html"])["report.html"], encoding="utf-8")
    return path


def test_summary_counts_are_shown(browser: Any, demo_html: Path):
    page, _ = _page(browser, demo_html)
    assert page.inner_text(".count-critical strong") == "2"
    assert page.inner_text(".count-high strong") == "2"
    assert page.inner_text(".count-medium strong") == "2"


def test_severity_filter_hides_rows_and_sections(browser: Any, demo_html: Path):
    page, _ = _page(browser, demo_html)
    assert page.locator("tr[data-severity=high]").first.is_visible()
    page.click("#filters summary")
    page.uncheck("#filters input[name=severity][value=high]")
    assert not page.locator("tr[data-severity=high]").first.is_visible()
    assert not page.locator("details.finding[data-severity=high]").first.is_visible()
    assert page.locator("tr[data-severity=critical]").first.is_visible()


def test_kind_filter_hides_other_kinds(browser: Any, demo_html: Path):
    page, _ = _page(browser, demo_html)
    page.click("#filters summary")
    page.uncheck("#filters input[name=kind][value=policy_missing]")
    assert not page.locator("tr[data-kind=policy_missing]").first.is_visible()
    assert page.locator("tr[data-kind=trust_drift]").first.is_visible()


def test_no_request_leaves_the_page_and_a_screenshot_shows_it(browser: Any, demo_html: Path, tmp_path: Path):
    page, outside = _page(browser, demo_html)
    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert outside == []
    assert (tmp_path / "report.png").stat().st_size > 10_000


def test_copy_buttons_are_added_and_filters_shown_only_with_scripts(browser: Any, demo_html: Path):
    page, _ = _page(browser, demo_html)
    assert page.locator("button.copy").count() == page.locator("pre").count() > 0
    assert page.is_visible("#filters")
    static = browser.new_context(java_script_enabled=False).new_page()
    static.goto(demo_html.as_uri())
    assert not static.is_visible("#filters") and static.locator("button.copy").count() == 0
    assert static.locator("tr[data-severity=high]").first.is_visible()  # everything readable without scripts


def test_hostile_policy_strings_stay_inert(browser: Any, tmp_path: Path):
    result = compare(load_config(hostile_demo(tmp_path)), "prod", "dev", now=CLOCK)
    path = tmp_path / "report.html"
    path.write_text(render(result, ["html"])["report.html"], encoding="utf-8")
    page, outside = _page(browser, path)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: dialogs.append(dialog.message))
    page.reload()
    assert page.locator("img").count() == 0 and dialogs == [] and outside == []
    assert "onerror=alert(1)" in page.text_content("body")  # shown as text (in a folded finding)


def test_a_5000_role_report_opens_quickly_and_its_markdown_stays_under_the_limit(browser: Any, tmp_path: Path):
    prod, dev, _ = accounts(5000)
    result = compare_accounts(
        normalize_account(prod, "prod", "prod"),
        normalize_account(dev, "dev", "dev"),
        Config(accounts={"prod": {}, "dev": {}}),
        CLOCK,
    )
    rendered = render(result, ["html", "md"])
    path = tmp_path / "report.html"
    path.write_text(rendered["report.html"], encoding="utf-8")
    started = time.perf_counter()
    page, outside = _page(browser, path)
    opened = time.perf_counter() - started
    assert page.locator("details.finding").count() == len(result.findings) > 100
    assert opened < 10, f"opened in {opened:.1f} s"
    assert outside == []
    assert len(rendered["report.md"].encode()) <= 512 * 1024


def test_the_index_of_the_sixth_run_charts_findings_by_severity_over_the_six(browser: Any, demo: Path, tmp_path: Path):
    days = ["2026-10-19", "2026-10-26", "2026-11-02", "2026-11-09", "2026-11-16", "2026-11-23"]
    for number, day in enumerate(days, 1):
        if number == 4:  # dev loses its debug role: one finding resolved, and the chart moves
            dev = demo / "baselines" / "demo" / "dev.json"
            data = json.loads(dev.read_text())
            del data["roles"]["deep-insight-debug-role-dev"]
            dev.write_text(json.dumps(data))
        main(["audit", "--now", f"{day}T06:00:00"])
    index = demo / "reports" / "2026-11-23T060000Z" / "index.html"
    page = browser.new_context(java_script_enabled=False).new_page()  # a chart that needs no script
    outside: list[str] = []
    page.on("request", lambda request: outside.append(request.url) if not request.url.startswith("file:") else None)
    page.goto(index.as_uri(), wait_until="load")
    chart = page.locator("svg.trend")
    chart.screenshot(path=str(tmp_path / "trend.png"))
    assert outside == [] and (tmp_path / "trend.png").stat().st_size > 2_000
    series = chart.locator("g.series")
    assert [series.nth(i).get_attribute("data-severity") for i in range(series.count())] == [s.value for s in Severity]
    for i in range(series.count()):
        line = series.nth(i).locator("polyline")
        assert len(line.get_attribute("points").split()) == 6
        assert line.bounding_box()["width"] > 300  # drawn across the chart, not collapsed
    titles = series.nth(1).locator("circle title").all_text_contents()  # "high: 2 (run ...)"
    assert [int(title.split(": ")[1].split(" ")[0]) for title in titles] == [2, 2, 2, 1, 1, 1]
    assert page.locator("#runs + table tbody tr").count() == 6
