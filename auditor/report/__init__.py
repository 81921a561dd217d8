"""Render an AuditResult as Markdown, HTML and JSON, and write the files atomically."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from auditor.atomic_write import write_folder_atomic, write_text_atomic
from auditor.errors import ReportError
from auditor.findings import AuditResult, AuditRun, Severity
from auditor.redact import known_secrets, redact
from auditor.report.html import html_pieces, render_html
from auditor.report.json import json_pieces, render_json
from auditor.report.junit import render_junit
from auditor.report.markdown import DEFAULT_LIMIT, render_markdown
from auditor.report.sarif import render_sarif
from auditor.terminal import printable_lines


@dataclass(frozen=True)
class RenderOptions:
    """What some formats need beyond the result."""

    markdown_limit: int = DEFAULT_LIMIT
    fail_on: Severity = Severity.HIGH
    """JUnit: findings at or above this severity fail their testcase."""
    location: str = "config.yaml"
    """SARIF: the file results point at (the config or the baseline snapshot)."""
    role_lines: Mapping[str, int] = field(default_factory=dict)
    """SARIF: the line of each baseline role in that file, when it is a snapshot."""


RENDERERS: dict[str, tuple[str, Callable[[AuditRun, RenderOptions], str]]] = {
    "md": ("report.md", lambda run, o: render_markdown(run, o.markdown_limit)),
    "html": ("report.html", lambda run, o: render_html(run)),
    "json": ("report.json", lambda run, o: render_json(run)),
    "sarif": ("report.sarif", lambda run, o: render_sarif(run, o.location, o.role_lines)),
    "junit": ("report.junit.xml", lambda run, o: render_junit(run, o.fail_on)),
}
FORMATS = tuple(RENDERERS)
DEFAULT_FORMATS = ("md", "html", "json")


def render(
    result: AuditResult | AuditRun, formats: Iterable[str], options: RenderOptions | None = None
) -> dict[str, str]:
    """File name -> content for each requested format; nothing is written."""
    run = as_run(result)
    options = options or RenderOptions()
    rendered = {}
    for fmt in formats:
        name, renderer = RENDERERS[_known(fmt)]
        rendered[name] = renderer(run, options)
    return rendered


_IN_PIECES = frozenset({"json", "html"})


def render_pieces(
    result: AuditResult | AuditRun, formats: Iterable[str], options: RenderOptions | None = None
) -> dict[str, Iterable[str]]:
    """Like `render`, for writing: report.json and report.html come in pieces, rendered as they are written, so
    an organization's report is never whole in memory; the other formats are rendered here, each one piece."""
    run = as_run(result)
    wanted = list(formats)
    pieces: dict[str, Iterable[str]] = {
        name: [text] for name, text in render(run, [f for f in wanted if f not in _IN_PIECES], options).items()
    }
    if "json" in wanted:
        pieces[RENDERERS["json"][0]] = json_pieces(run)
    if "html" in wanted:
        pieces[RENDERERS["html"][0]] = html_pieces(run)
    return {RENDERERS[fmt][0]: pieces[RENDERERS[fmt][0]] for fmt in wanted}


class Deferred(Iterable[str]):
    """A report rendered and masked each time it is read, not before: a run of many accounts writes its reports
    one by one without holding them all."""

    def __init__(self, result: AuditResult | AuditRun, fmt: str, options: RenderOptions) -> None:
        self._run, self._fmt, self._options = as_run(result), _known(fmt), options

    def __iter__(self) -> Iterator[str]:
        yield _outgoing(RENDERERS[self._fmt][1](self._run, self._options), known_secrets())


def render_deferred(
    result: AuditResult | AuditRun, formats: Iterable[str], options: RenderOptions | None = None
) -> dict[str, Deferred]:
    """File name -> the report, rendered (and masked) only when it is read."""
    options = options or RenderOptions()
    return {RENDERERS[_known(fmt)][0]: Deferred(result, fmt, options) for fmt in formats}


def _known(fmt: str) -> str:
    if fmt not in RENDERERS:
        raise ReportError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")
    return fmt


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


def write_reports(rendered: Mapping[str, str | Iterable[str]], out_dir: str | os.PathLike[str]) -> list[Path]:
    """Replace `out_dir` with a folder holding exactly these reports (texts, or pieces), all at once."""
    return write_run(Path(out_dir), rendered)


def write_run(folder: Path, files: Mapping[str, str | Iterable[str]]) -> list[Path]:
    """Write a run's files (path inside `folder` -> text) as one folder swapped in whole, never a mix of two runs.

    Credentials are masked and control characters escaped (inside JSON strings the escape is the same
    character); ReportError names the folder that could not be written.
    """
    secrets = known_secrets()
    try:
        masked = {name: _masked(text, secrets) for name, text in files.items()}
        return write_folder_atomic(folder, masked)
    except OSError as exc:
        raise ReportError(f"{exc.filename or folder}: cannot write: {exc.strerror or exc}") from None


def outgoing(files: dict[str, str]) -> dict[str, str]:
    """The files as they may leave the process: credentials masked, control characters escaped."""
    secrets = known_secrets()
    return {name: _outgoing(text, secrets) for name, text in files.items()}


def write_files(files: dict[Path, str]) -> list[Path]:
    """Write each file atomically, masked and escaped as `write_run`; ReportError names the file at fault."""
    secrets = known_secrets()
    for path, text in files.items():
        try:
            write_text_atomic(path, _outgoing(text, secrets))
        except OSError as exc:
            raise ReportError(f"{path}: cannot write: {exc.strerror or exc}") from None
    return list(files)


def _masked(text: str | Iterable[str], secrets: frozenset[str]) -> str | Iterator[str]:
    # Pieces are masked one by one: they are cut between JSON values or at line ends, and no credential holds
    # either.
    if isinstance(text, str):
        return _outgoing(text, secrets)
    return (_outgoing(piece, secrets) for piece in text)


def _outgoing(text: str, secrets: frozenset[str]) -> str:
    return printable_lines(redact(text, secrets))


__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "Deferred",
    "RenderOptions",
    "outgoing",
    "render",
    "render_deferred",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_pieces",
    "render_sarif",
    "write_files",
    "write_reports",
    "write_run",
]
