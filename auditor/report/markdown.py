"""report.md: GitHub- and ticket-friendly Markdown, with its own escaping rules."""

from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader, StrictUndefined

from auditor.findings import AuditRun
from auditor.report.view import build_run_view, slug


def cell(value: object) -> str:
    """Text safe inside a Markdown table cell: pipes, backslashes and newlines escaped."""
    text = str(value if value is not None else "")
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def code(value: object) -> str:
    """An inline code span that survives backticks inside the text."""
    text = str(value)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def fence(value: object, language: str = "") -> str:
    """A fenced code block longer than any backtick run in the text, so the text cannot close it."""
    text = str(value).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=2)
    ticks = "`" * max(3, longest + 1)
    return f"{ticks}{language}\n{text}\n{ticks}"


def markdown_environment() -> Environment:
    """Jinja for Markdown: no HTML autoescaping; the cell, code and fence filters escape per context."""
    env = Environment(
        loader=PackageLoader("auditor.report", "templates"),
        autoescape=False,  # Markdown, not HTML: escaping is done by the filters above, per context.
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
    )
    env.filters.update(cell=cell, code=code, fence=fence, slug=slug)
    return env


DEFAULT_LIMIT = 512 * 1024


def render_markdown(run: AuditRun, limit: int = DEFAULT_LIMIT) -> str:
    """The Markdown report: one comparison, or a section per target; compact above `limit` bytes."""
    template = markdown_environment().get_template("report.md.j2")
    view = build_run_view(run)
    full = template.render(run=view, compact=False, full_size=0, limit=limit)
    size = len(full.encode("utf-8"))
    if size <= limit:
        return full
    return template.render(run=view, compact=True, full_size=size, limit=limit)
