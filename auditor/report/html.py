"""report.html: one self-contained page (inline CSS, no script, no external request), autoescaped."""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from auditor.findings import AuditRun
from auditor.report.view import build_run_view


def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("auditor.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
    )


def render_html(run: AuditRun) -> str:
    """The HTML report: one comparison, or a section per target."""
    return _environment().get_template("report.html.j2").render(run=build_run_view(run))
