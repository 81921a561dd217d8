"""The scheduled job's commands: `audit` (every comparison of the config, kept as a run), `ticket` (one issue
per comparison) and `merge` (shard runs joined into one)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import click

from auditor.audit import compare_audits, mark_audits, render_audit, run_audits, write_audit
from auditor.cli import console
from auditor.cli.exits import EXIT_CLEAN, exit_code
from auditor.cli.options import SEVERITIES, config_option, fail_on_option, format_list, format_option, output_options
from auditor.config import Config, load_config
from auditor.findings import Severity
from auditor.merge import AuditPart, ShardPart, merge_parts, merge_runs, part_name, read_parts, read_run
from auditor.report import RenderOptions, outgoing, render_pieces, write_reports
from auditor.report.sarif import sarif_location
from auditor.shards import Shard
from auditor.store import HistoryStore, open_store
from auditor.tickets import load_run
from auditor.tickets.github import GitHub, sync


@click.command("audit")
@output_options
@config_option
@click.option(
    "-o",
    "--out",
    "reports",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("reports"),
    show_default=True,
    help="Reports folder: the run goes to <folder>/<run id>/ (its UTC start, e.g. 2026-11-30T060000Z).",
)
@click.option(
    "--history",
    metavar="LOCATION",
    default=None,
    help="Where runs are kept and the previous one is found: s3://BUCKET/PREFIX or a folder. "
    "Default: `history` in the config, else the reports folder.",
)
@format_option
@fail_on_option
@click.option(
    "--fail-on-new",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Exit 1 only for findings new since the previous run at or above this severity.",
)
@click.option(
    "--shard",
    "shard_text",
    metavar="K/N",
    default=None,
    help="Compare only shard K of N of the targets (a stable share by account ID) and leave its part in --parts "
    "for `--merge N`; nothing is marked or written to the history.",
)
@click.option(
    "--merge",
    "merge_count",
    metavar="N",
    type=click.IntRange(1, 1000),
    default=None,
    help="Make one run of the N shard parts in --parts: marked, rendered and kept as an unsharded run is.",
)
@click.option("--parts", metavar="LOCATION", default=None, help="Where shard parts go: s3://BUCKET/PREFIX or a folder.")
@click.option(
    "--now", "now_text", envvar="AUDITOR_NOW", hidden=True, help="The run's UTC time (ISO 8601), for reproducible runs."
)
def audit_command(
    config_path: Path,
    reports: Path,
    history: str | None,
    formats: str,
    fail_on: str,
    fail_on_new: str | None,
    shard_text: str | None,
    merge_count: int | None,
    parts: str | None,
    now_text: str | None,
) -> int:
    """Run every comparison in the config's `audits`, as a scheduled job does.

    Writes <out>/<run id>/<baseline>-vs-<target>/report.*, index.md, index.html, summary.md (a ticket
    body, new findings first) and run.json, points <out>/latest at the run, and keeps it in --history.
    In shards: N runs of `--shard K/N --parts LOCATION`, then one of `--merge N --parts LOCATION`.
    """
    if (shard_text or merge_count) and not parts:
        raise click.UsageError("--shard and --merge need --parts LOCATION (where the shards' parts are kept)")
    if shard_text and merge_count:
        raise click.UsageError("--shard runs one shard and --merge joins them: give one of them")
    if parts and not (shard_text or merge_count):
        raise click.UsageError("--parts goes with --shard K/N or --merge N")
    config = load_config(config_path)
    if shard_text and parts:
        return _audit_shard(config, Shard.parse(shard_text), open_store(parts, "--parts"), _now(now_text))
    store = open_store(history or config.history or reports)
    if merge_count and parts:
        started, runs = merge_parts(config, read_parts(open_store(parts, "--parts"), merge_count))
        outcome = mark_audits(runs, store, started)
    else:
        with console.progress() as progress:
            outcome = run_audits(config, store, _now(now_text), progress)
    threshold = Severity(fail_on)
    # The reports are rendered as they are written.
    with console.rendering("rendering and writing reports"):
        files = render_audit(outcome, config, config_path, format_list(formats), threshold)
        places = write_audit(outcome, files, reports, store)
    for run in outcome.runs:
        console.print_summary(run, [], threshold, see="index.md")
    console.say(f"run {outcome.run_id}: {reports / outcome.run_id / 'summary.md'} ({len(files)} files)")
    for place in places[1:]:
        console.say(f"kept in {place}")
    if fail_on_new is not None:
        return exit_code(outcome.runs, [f for run in outcome.runs for f in run.new_at_or_above(Severity(fail_on_new))])
    return exit_code(outcome.runs, [f for run in outcome.runs for f in run.at_or_above(threshold)])


def _audit_shard(config: Config, shard: Shard, parts: HistoryStore, now: datetime) -> int:
    # A shard's unreadable accounts are reported by the merge (exit 3 there): a shard that exits non-zero
    # would stop engines such as Step Functions from running the merge at all.
    with console.progress() as progress:
        runs = compare_audits(config, now, progress, shard)
    part = ShardPart(
        shard=shard.index,
        shards=shard.count,
        started_at=now,
        audits=config.audits,
        parts=[AuditPart(audit=index, run=run) for index, run in runs.items()],
    )
    # Masked here: the credentials this shard used are known to this process alone, not to the merge.
    [text] = outgoing({"part": part.model_dump_json() + "\n"}).values()
    where = parts.put(part_name(shard), text)
    compared = sum(len(run.comparisons) for run in runs.values())
    unread = sum(len(run.unreadable) for run in runs.values())
    console.say(f"shard {shard.index}/{shard.count}: {compared} comparisons, {unread} accounts unreadable: {where}")
    return EXIT_CLEAN


@click.command("merge")
@output_options
@click.argument("runs", nargs=-1, required=True, type=click.Path(path_type=Path))
@config_option
@format_option
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    required=True,
    help="Report directory for the merged run.",
)
@fail_on_option
def merge_command(runs: tuple[Path, ...], config_path: Path, formats: str, out_dir: Path, fail_on: str) -> int:
    """Merge the reports of N `compare --all-accounts --shard K/N` runs (folders or report.json files) into the
    reports one unsharded run writes, with its exit code."""
    merged = merge_runs([read_run(path) for path in runs])
    threshold = Severity(fail_on)
    config = load_config(config_path) if config_path.is_file() else None
    location, lines = sarif_location(config_path, config, merged.baseline.name) if config else ("config.yaml", {})
    limit = config.report.markdown_limit_kb * 1024 if config else RenderOptions().markdown_limit
    with console.rendering("rendering and writing reports"):
        rendered = render_pieces(merged, format_list(formats), RenderOptions(limit, threshold, location, lines))
        paths = write_reports(rendered, out_dir)
    console.print_summary(merged, paths, threshold, see=paths[0].name if paths else "the report")
    return exit_code([merged], merged.at_or_above(threshold))


@click.command("ticket")
@output_options
@click.option(
    "-o",
    "--out",
    "reports",
    default="reports",
    show_default=True,
    help="Where the run is: the reports folder, or the history (s3://BUCKET/PREFIX).",
)
@click.option("--run", "run_id", default=None, help="The run's id. Default: the latest run there.")
@click.option(
    "--threshold",
    type=click.Choice(SEVERITIES),
    default="high",
    show_default=True,
    help="New findings at or above this open a ticket or comment on it; none left at or above it closes it.",
)
@click.option("--reports-url", default=None, help="Where readers find the full reports (the workflow run, a bucket).")
@click.option(
    "--repository", envvar="GITHUB_REPOSITORY", required=True, help="OWNER/NAME. Default: $GITHUB_REPOSITORY."
)
@click.option(
    "--api",
    envvar="GITHUB_API_URL",
    default="https://api.github.com",
    show_default=True,
    help="The GitHub API (GitHub Enterprise: https://HOST/api/v3). Default: $GITHUB_API_URL.",
)
def ticket_command(
    reports: str, run_id: str | None, threshold: str, reports_url: str | None, repository: str, api: str
) -> int:
    """Keep one GitHub issue per comparison in step with a run: open it for new drift, comment on it, close it
    when nothing at or above the threshold is left. The token comes from $GITHUB_TOKEN."""
    record, texts = load_run(open_store(reports), run_id)
    github = GitHub(api, repository, os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN") or "")
    for line in sync(github, record, texts, threshold, reports_url):
        console.say(line)
    return EXIT_CLEAN


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise click.UsageError(f"--now: not an ISO 8601 time: {text!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
