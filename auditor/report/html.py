"""report.html: one self-contained page (inline CSS, one small inline script, no external request), autoescaped."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, Template, select_autoescape
from markupsafe import Markup

from auditor.findings import AuditRun
from auditor.report.pieces import batches
from auditor.report.view import build_run_view
from auditor.terminal import printable_lines


@cache
def html_environment() -> Environment:
    """Jinja for HTML: autoescaped, and control characters of every value shown as escapes. One per process, so
    each template is compiled once however many reports it renders."""
    env = Environment(
        loader=PackageLoader("auditor.report", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html", "j2"), default=True),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=StrictUndefined,
        finalize=_visible,
    )
    env.filters["text"] = element_text
    return env


def element_text(value: object) -> Markup:
    """A value escaped for element content, never an attribute: `&`, `<` and `>` only. Quotes stay quotes,
    which in policy JSON and fix snippets is a tenth of a large report (`&#34;` is five bytes)."""
    text = printable_lines(str(value))
    return Markup(text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;"))


def _visible(value: object) -> object:
    # HTML forbids most control characters; a report shows them as escapes rather than drop them unseen.
    return printable_lines(value) if isinstance(value, str) and not isinstance(value, Markup) else value


SCRIPT = "report.js"


def render_html(run: AuditRun) -> str:
    """The HTML report: one comparison, or a section per target; readable with scripts off."""
    template, context = _page(run)
    return template.render(**context)


_PIECE = 1 << 20


def html_pieces(run: AuditRun) -> Iterator[str]:
    """`render_html(run)` in pieces of about 1 MiB, each ending a line, rendered as they are taken: a report of
    hundreds of targets holds one piece and one target's view at a time. (Credentials hold no line break, so a
    piece never ends inside one, and each piece can be masked by itself.)"""
    template, context = _page(run)
    held: list[str] = []
    size = 0
    for text in batches(template.generate(**context)):
        held.append(text)
        size += len(text)
        cut = text.rfind("\n") + 1 if size >= _PIECE else 0
        if cut:
            held[-1] = text[:cut]
            yield "".join(held)
            held, size = [text[cut:]], len(text) - cut
    yield "".join(held)


def _page(run: AuditRun) -> tuple[Template, dict[str, object]]:
    env = html_environment()
    script = env.loader.get_source(env, SCRIPT)[0]  # type: ignore[union-attr]
    # The page allows exactly this script (CSP hash), nothing else: no data ever goes into it.
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    context = {"run": build_run_view(run), "script": Markup(script), "script_hash": digest}
    return env.get_template("report.html.j2"), context
