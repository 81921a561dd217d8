"""The HTML report at 200 findings: its size and how long headless Chromium takes to load and lay it out.
Prints one JSON line (bytes, load seconds for 1400 px and 390 px wide windows)."""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from auditor.config import Config
from auditor.findings import AuditResult
from auditor.normalize import normalize_account
from auditor.pipeline import compare_accounts
from auditor.report import render
from bench.synth import accounts

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def report_with(findings: int) -> AuditResult:
    """A synthetic comparison cut to exactly `findings` findings, most severe first."""
    prod, dev, _ = accounts(max(200, findings * 12), drift_rate=0.1)
    result = compare_accounts(
        normalize_account(prod, "prod", "prod"),
        normalize_account(dev, "dev", "dev"),
        Config(accounts={"prod": {}, "dev": {}}),
        datetime(2026, 11, 27, tzinfo=UTC),
    )
    if len(result.findings) < findings:
        raise SystemExit(f"only {len(result.findings)} findings; raise the role count")
    return result.model_copy(update={"findings": result.findings[:findings]})


def main(findings: int) -> dict[str, object]:
    """Render the report, then load it in Chromium three times per width and keep the fastest."""
    from playwright.sync_api import sync_playwright

    html = render(report_with(findings), ["html"])["report.html"]
    row: dict[str, object] = {"findings": findings, "bytes": len(html.encode("utf-8"))}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        path = Path(folder) / "report.html"
        path.write_text(html, encoding="utf-8")
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium"), args=ARGS)
        for width in (1400, 390):
            times = []
            for _ in range(3):
                page = browser.new_page(viewport={"width": width, "height": 900})
                started = time.perf_counter()
                page.goto(path.as_uri(), wait_until="load")
                page.evaluate("document.documentElement.scrollHeight")  # forces layout
                times.append(time.perf_counter() - started)
                row[f"height_{width}"] = page.evaluate("document.documentElement.scrollHeight")
                page.close()
            row[f"load_{width}_s"] = round(min(times), 3)
        browser.close()
    return row


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)))
