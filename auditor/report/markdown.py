"""report.md: GitHub- and ticket-friendly Markdown, with its own escaping rules."""

from __future__ import annotations

import re

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from auditor.findings import AuditRun
from auditor.report.view import build_run_view, slug


def text(value: object) -> str:
    """Plain text in Markdown, inert: HTML characters as entities, on one line (every `{{ }}` gets this)."""
    if isinstance(value, Markup):
        return value
    escaped = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"\s*[\r\n]+\s*", " ", escaped)


def cell(value: object) -> Markup:
    """Text safe inside a Markdown table cell: HTML characters, pipes, backslashes and newlines escaped."""
    plain = text("" if value is None else str(value)).replace("\\", "\\\\").replace("|", "\\|")
    return Markup(plain.strip())


def code(value: object) -> Markup:
    """An inline code span on one line that survives backticks inside the text."""
    content = re.sub(r"[\r\n]+", " ", str(value))
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return Markup(f"{ticks}{pad}{content}{pad}{ticks}")


def cellcode(value: object) -> Markup:
    """An inline code span inside a table cell: pipes escaped, as GitHub's tables require."""
    return Markup(str(code(value)).replace("|", "\\|"))


def fence(value: object, language: str = "") -> Markup:
    """A fenced code block longer than any backtick run in the text, so the text cannot close it."""
    content = str(value).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", content)), default=2)
    ticks = "`" * max(3, longest + 1)
    return Markup(f"{ticks}{language}\n{content}\n{ticks}")


def markdown_environment() -> Environment:
    """Jinja for Markdown: no HTML autoescaping; the cell, code and fence filters escape per context."""
    env = Environment(
        loader=PackageLoader("auditor.report", "templates"),
        autoescape=False,  # Markdown, not HTML: escaping is done by the filters above, per context.
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=StrictUndefined,
        finalize=text,
    )
    env.filters.update(cell=cell, code=code, cellcode=cellcode, fence=fence, slug=slug)
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
