"""report.md: GitHub- and ticket-friendly Markdown, with its own escaping rules."""

from __future__ import annotations

import re
from functools import cache, lru_cache

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup

from auditor.findings import AuditRun
from auditor.report.pieces import batches
from auditor.report.view import build_run_view, slug
from auditor.terminal import printable, printable_lines

# What Markdown (GitHub's, a ticket system's) could read as syntax anywhere in a line: emphasis, link and
# image brackets, code, headings, tables, strikethrough; `&`, `<` and `>` become entities so no HTML gets
# through. List and heading markers that count only at the start of a line are escaped there.
_SYNTAX = re.compile(r"([\\`*_\[\]#|~])")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
# A list item (`- `, `+ `, `1. `, `1) `) or a setext underline (`===`, `---`) where a value begins a line.
_LINE_START = re.compile(r"^(\s*(?:[0-9]{1,9}(?=[.)](?:\s|$)))?)([.)]|[-+=](?=\s|$|[-=]))")
_AUTOLINK = re.compile(r"(?i)(?<=[a-z0-9])(:)(?=//)|(?<=www)(\.)")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")
WORD_JOINER = "\u2060"


def text(value: object) -> str:
    """Plain text in Markdown, inert: no markup, link, image, autolink, @mention, HTML or control character.

    Every `{{ }}` gets this. Syntax characters are backslash-escaped; a scheme's `://` and `www.` are
    broken so GitHub does not autolink them; `@` before a name gets an invisible word joiner, as
    GitHub's @mentions are found in the rendered text, where a backslash no longer stands.
    """
    if isinstance(value, Markup):
        return value
    return _inert(value if value.__class__ is str else str(value))


@lru_cache(maxsize=1 << 16)
def _inert(value: str) -> str:
    # A report writes the same action, role and policy names hundreds of times: each is escaped once.
    plain = printable(value)
    plain = "".join(_ENTITIES.get(char, char) for char in plain) if any(c in plain for c in "&<>") else plain
    plain = _SYNTAX.sub(r"\\\1", plain)
    plain = _AUTOLINK.sub(lambda found: "\\" + found.group(), plain)
    plain = _MENTION.sub("@" + WORD_JOINER, plain)
    return _LINE_START.sub(r"\1\\\2", plain)


def cell(value: object) -> Markup:
    """Text safe inside a Markdown table cell (`text` already escapes pipes)."""
    return Markup(text("" if value is None else value).strip())


def code(value: object) -> Markup:
    """An inline code span on one line that survives backticks inside the text (nothing is parsed inside)."""
    content = printable(str(value))
    longest = max((len(run) for run in re.findall(r"`+", content)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if content.startswith("`") or content.endswith("`") else ""
    return Markup(f"{ticks}{pad}{content}{pad}{ticks}")


def cellcode(value: object) -> Markup:
    """An inline code span inside a table cell: pipes escaped, as GitHub's tables require."""
    return Markup(str(code(value)).replace("|", "\\|"))


def fence(value: object, language: str = "") -> Markup:
    """A fenced code block longer than any backtick run in the text, so the text cannot close it."""
    content = printable_lines(str(value)).rstrip("\n")
    longest = max((len(run) for run in re.findall(r"`{3,}", content)), default=2)
    ticks = "`" * max(3, longest + 1)
    return Markup(f"{ticks}{language}\n{content}\n{ticks}")


@cache
def markdown_environment() -> Environment:
    """Jinja for Markdown: no HTML autoescaping; the cell, code and fence filters escape per context. One per
    process, so each template is compiled once however many reports it renders."""
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
    # Rendered in full only as far as the limit: a full report of 10,000 roles runs to megabytes, 0.5 s of
    # rendering past the point where it is known not to fit.
    kept: list[str] = []
    size = 0
    for text in batches(template.generate(run=view, compact=False, limit=limit)):
        size += len(text) if text.isascii() else len(text.encode("utf-8"))
        if size > limit:
            return template.render(run=view, compact=True, limit=limit)
        kept.append(text)
    return "".join(kept)
