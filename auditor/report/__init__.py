"""Render an AuditResult as Markdown, HTML and JSON, and write the files atomically."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from auditor.atomic_write import write_text_atomic
from auditor.errors import ReportError
from auditor.findings import AuditResult, AuditRun
from auditor.report.html import render_html
from auditor.report.json import render_json
from auditor.report.markdown import DEFAULT_LIMIT, render_markdown

RENDERERS = {"md": render_markdown, "html": render_html, "json": render_json}
FORMATS = tuple(RENDERERS)


def render(
    result: AuditResult | AuditRun, formats: Iterable[str], markdown_limit: int = DEFAULT_LIMIT
) -> dict[str, str]:
    """File name -> content for each requested format; nothing is written."""
    run = as_run(result)
    rendered = {}
    for fmt in formats:
        if fmt not in RENDERERS:
            raise ReportError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")
        rendered[f"report.{fmt}"] = render_markdown(run, markdown_limit) if fmt == "md" else RENDERERS[fmt](run)
    return rendered


def as_run(result: AuditResult | AuditRun) -> AuditRun:
    """A single comparison as a run of one."""
    if isinstance(result, AuditRun):
        return result
    return AuditRun(
        baseline=result.baseline,
        generated_at=result.generated_at,
        comparisons=[result],
        stale_waivers=result.stale_waivers,
        stats=result.stats,
    )


def write_reports(rendered: dict[str, str], out_dir: Path) -> list[Path]:
    """Write rendered reports into `out_dir`, each file replaced atomically (all rendering is done first)."""
    paths = []
    try:
        for name, text in rendered.items():
            path = out_dir / name
            write_text_atomic(path, text)
            paths.append(path)
    except OSError as exc:
        raise ReportError(f"{out_dir}: cannot write report: {exc.strerror or exc}") from None
    return paths


__all__ = ["FORMATS", "render", "render_html", "render_json", "render_markdown", "write_reports"]
