"""Render an AuditResult as Markdown, HTML and JSON, and write the files atomically."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from jinja2 import Environment

from auditor.atomic_write import write_folder_atomic, write_text_atomic
from auditor.errors import ReportError
from auditor.findings import AuditResult, AuditRun, Severity
from auditor.redact import known_secrets, redact
from auditor.report.html import html_environment, html_pieces, render_html
from auditor.report.json import json_pieces, render_json
from auditor.report.junit import render_junit
from auditor.report.markdown import DEFAULT_LIMIT, markdown_environment, render_markdown
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


_TEMPLATES: dict[str, tuple[Callable[[], Environment], str]] = {
    "md": (markdown_environment, ".md.j2"),
    "html": (html_environment, ".html.j2"),
}


def preparations(formats: Iterable[str]) -> list[Callable[[], None]]:
    """Steps that each compile one template these formats are rendered with (0.07 to 0.14 s a format in all),
    for a process with time to spare, such as one waiting for a worker process's read. Helper processes forked
    later to render the reports find them compiled; a template not compiled ahead is compiled on first use."""
    steps: list[Callable[[], None]] = []
    for fmt in formats:
        if fmt in _TEMPLATES:
            environment, suffix = _TEMPLATES[fmt]
            names = environment().list_templates(filter_func=_ending(suffix))
            steps += [partial(_compile, environment, name) for name in names]
    return steps


def _ending(suffix: str) -> Callable[[str], bool]:
    return lambda name: name.endswith(suffix)


def _compile(environment: Callable[[], Environment], name: str) -> None:
    environment().get_template(name)


def render_pieces(
    result: AuditResult | AuditRun, formats: Iterable[str], options: RenderOptions | None = None
) -> dict[str, Iterable[str]]:
    """Like `render`, for writing: each report is rendered only as it is written, report.json and report.html in
    pieces, so a run of many accounts never holds its reports whole, nor all of them at once."""
    run = as_run(result)
    options = options or RenderOptions()
    pieces: dict[str, Iterable[str]] = {}
    for fmt in formats:
        name, renderer = RENDERERS[_known(fmt)]
        in_pieces = _IN_PIECES.get(fmt)
        pieces[name] = in_pieces(run) if in_pieces else Deferred(partial(renderer, run, options))
    return pieces


_IN_PIECES: dict[str, Callable[[AuditRun], Iterator[str]]] = {"json": json_pieces, "html": html_pieces}
"""The formats rendered piece by piece; the others are rendered whole when written."""


class Deferred(Iterable[str]):
    """A text made only when it is read: a report rendered as it is written, or a written file read back."""

    def __init__(self, make: Callable[[], str]) -> None:
        self._make = make

    def __iter__(self) -> Iterator[str]:
        yield self._make()


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
        return write_folder_atomic(folder, masked(files, secrets))
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


def masked(
    files: Mapping[str, str | Iterable[str]], secrets: frozenset[str] | None = None
) -> dict[str, str | Iterable[str]]:
    """The files as `outgoing` makes them, pieces masked one by one as they are read (they are cut between JSON
    values or at line ends, and no credential holds either)."""
    secrets = known_secrets() if secrets is None else secrets
    return {
        name: _outgoing(text, secrets) if isinstance(text, str) else (_outgoing(piece, secrets) for piece in text)
        for name, text in files.items()
    }


def _outgoing(text: str, secrets: frozenset[str]) -> str:
    return printable_lines(redact(text, secrets))


__all__ = [
    "DEFAULT_FORMATS",
    "FORMATS",
    "Deferred",
    "RenderOptions",
    "masked",
    "outgoing",
    "preparations",
    "render",
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
