"""The command line: parse arguments, call the library, print a summary, map errors to exit codes."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, NoReturn

import click

from auditor.cli import console
from auditor.cli.exits import (
    EXIT_CLEAN,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_UNREADABLE,
    EXIT_USAGE,
    exit_code,
)
from auditor.cli.options import config_option, fail_on_option, format_list, format_option, output_options
from auditor.config import load_config
from auditor.errors import AuditorError, SourceError
from auditor.findings import Severity
from auditor.names import safe_name
from auditor.pipeline import RunOptions, compare_many, compare_organization
from auditor.report import FORMATS, RenderOptions, outgoing, preparations, render, render_pieces, write_reports
from auditor.report.sarif import sarif_location
from auditor.shards import Shard
from auditor.sources import access, collect, write_snapshot


class _Commands(click.Group):
    """The commands, those of scheduled audits imported only when asked for: history stores, trends and the
    ticket client are 40 ms or more of start-up that `compare` does without."""

    _LATER: ClassVar[dict[str, str]] = {"audit": "audit_command", "merge": "merge_command", "ticket": "ticket_command"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *self._LATER])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._LATER:
            from auditor.cli import scheduled

            command: click.Command = getattr(scheduled, self._LATER[cmd_name])
            return command
        return super().get_command(ctx, cmd_name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="iam-drift-auditor")
@output_options
def cli() -> None:
    """Find IAM drift between AWS accounts.

    Exit codes: 0 no finding at or above --fail-on, 1 drift, 2 usage or config error,
    3 an account could not be read, 4 internal error.
    """


@cli.command("compare")
@output_options
@click.argument("accounts", nargs=-1, required=True)
@config_option
@format_option
@click.option(
    "-o",
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False, allow_dash=True),
    help="Report directory, or - to print the one --format asked for to stdout. "
    "Default: reports/<UTC date>-<baseline>-vs-<target>/",
)
@click.option(
    "--stdout",
    "stdout_format",
    type=click.Choice(FORMATS),
    default=None,
    help="Print this report format to stdout and write no files (same as --format F -o -).",
)
@fail_on_option
@click.option("--role", "role_globs", multiple=True, metavar="GLOB", help="Only roles whose name matches (repeatable).")
@click.option("--include-service-roles", is_flag=True, help="Also compare service-linked roles (AWS's own).")
@click.option(
    "--all-accounts",
    is_flag=True,
    help="Compare every other account of the baseline's AWS Organization (see `organization:` in config).",
)
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=8, show_default=True, help="Target accounts read at once."
)
@click.option("--stats", is_flag=True, help="Print the AWS API calls made, per operation.")
@click.option(
    "--shard",
    "shard_text",
    metavar="K/N",
    default=None,
    help="With --all-accounts: compare only shard K of N (a stable share by account ID); join the N runs with "
    "`auditor merge`.",
)
def compare_command(
    accounts: tuple[str, ...],
    config_path: Path,
    formats: str,
    out_dir: Path | None,
    fail_on: str,
    role_globs: tuple[str, ...],
    include_service_roles: bool,
    all_accounts: bool,
    concurrency: int,
    stats: bool,
    stdout_format: str | None,
    shard_text: str | None,
) -> int:
    """Compare each TARGET with BASELINE: auditor compare [BASELINE] TARGET [TARGET...].

    With one account name, BASELINE is the config's `baseline`. Several targets make one report with
    a section per target; the baseline is read once.
    """
    wanted = [stdout_format] if stdout_format else format_list(formats)
    to_stdout = stdout_format is not None or out_dir == Path("-")
    if to_stdout and len(wanted) != 1:
        raise click.UsageError("-o - prints one report to stdout: give one --format (e.g. --format json)")
    config = load_config(config_path)
    if include_service_roles:
        roles = config.roles.model_copy(update={"include_service_roles": True})
        config = config.model_copy(update={"roles": roles})
    now = datetime.now(UTC).replace(microsecond=0)
    with console.progress() as progress:
        if shard_text is not None and not all_accounts:
            raise click.UsageError("--shard splits an organization: use it with --all-accounts")
        shard = Shard.parse(shard_text) if shard_text else None
        # The command exits once the reports are written: what it read and found is left for the exit to free.
        options = RunOptions(
            only=role_globs,
            concurrency=concurrency,
            progress=progress,
            shard=shard,
            idle=preparations(wanted),
            keep_reads=True,
        )
        if all_accounts:
            if len(accounts) != 1:
                raise click.UsageError(
                    "with --all-accounts, name only the baseline: auditor compare prod --all-accounts"
                )
            baseline, run = accounts[0], compare_organization(config, accounts[0], now=now, options=options)
            targets = ["organization"]
        else:
            baseline, targets = _baseline_and_targets(accounts, config.baseline)
            run = compare_many(config, baseline, targets, now=now, options=options)
    threshold = Severity(fail_on)
    location, lines = sarif_location(config_path, config, baseline)
    render_options = RenderOptions(config.report.markdown_limit_kb * 1024, threshold, location, lines)
    if to_stdout:
        with console.rendering("rendering reports"):
            rendered = render(run, wanted, render_options)
        console.state.stdout_taken = True
        click.echo(outgoing(rendered)[next(iter(rendered))], nl=False)
        paths = []
    else:
        names = "-".join(safe_name(target) for target in targets)
        directory = out_dir or Path("reports") / f"{now:%Y-%m-%d}-{safe_name(baseline)}-vs-{names}"
        with console.rendering("rendering and writing reports"):
            paths = write_reports(render_pieces(run, wanted, render_options), directory)
    console.print_summary(run, paths, threshold, see=paths[0].name if paths else "the report")
    if stats:
        console.print_stats(run)
    return exit_code([run], run.at_or_above(threshold))


@cli.command("snapshot")
@output_options
@click.argument("account")
@config_option
@click.option(
    "-o",
    "--out",
    "out_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Snapshot file. Default: baselines/ACCOUNT.json",
)
@click.option("--update-baseline", is_flag=True, help="Replace the snapshot file if it exists (a committed baseline).")
def snapshot_command(account: str, config_path: Path, out_file: Path | None, update_baseline: bool) -> int:
    """Write ACCOUNT's roles to a sorted, git-diffable snapshot file (written atomically).

    An existing file is replaced only with --update-baseline, so a baseline changes only on purpose.
    """
    config = load_config(config_path)
    path = out_file or Path("baselines") / f"{safe_name(account)}.json"
    if path.exists() and not path.is_file():
        raise click.UsageError(f"{path} exists and is not a regular file; name a file to write the snapshot to")
    if path.exists() and not update_baseline:
        raise click.UsageError(f"{path} exists; pass --update-baseline to replace it")
    snapshot = collect(config.account(account), None, datetime.now(UTC).replace(microsecond=0))
    write_snapshot(snapshot, path)
    console.say(f"{account} ({snapshot.account_id}): {len(snapshot.roles)} roles written to {path}")
    return EXIT_CLEAN


@cli.command("policy")
@output_options
@click.option(
    "--trusted-principal",
    default="arn:aws:iam::<AUDIT_ACCOUNT_ID>:role/<ROLE_THE_AUDITOR_RUNS_AS>",
    show_default=True,
    help="The principal allowed to assume the auditor's role.",
)
@click.option("--external-id", default=None, help="Require this external ID in the trust policy.")
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json", "cloudformation"]),
    default="text",
    show_default=True,
    help="text: everything; json: the role's identity policy; cloudformation: the template.",
)
def policy_command(trusted_principal: str, external_id: str | None, output: str) -> int:
    """Print the least-privilege policy, trust policy and CloudFormation template for the auditor's role.

    Generated from the allowlist the read-only guard enforces, so they cannot drift apart.
    """
    if output == "json":
        click.echo(json.dumps(access.auditor_policy(), indent=2))
    elif output == "cloudformation":
        click.echo(access.cloudformation_template(), nl=False)
    else:
        click.echo(access.describe(trusted_principal, external_id), nl=False)
    return EXIT_CLEAN


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and return its exit code; user errors print one line, never a traceback."""
    console.state.quiet = console.state.stdout_taken = False
    console.setup_logging(0)  # -v, before or after the subcommand, raises it
    try:
        code = cli.main(args=list(argv) if argv is not None else None, prog_name="auditor", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.NoArgsIsHelpError as exc:
        click.echo(exc.format_message(), err=True)
        return EXIT_USAGE
    except click.ClickException as exc:
        console.say(f"auditor: error: {exc.format_message()} (see auditor --help)", err=True)
        return EXIT_USAGE
    except (KeyboardInterrupt, click.exceptions.Abort):
        # Reports are written only once everything is read and rendered: an interrupted run wrote nothing.
        console.say("auditor: interrupted; nothing was written", err=True)
        return EXIT_INTERRUPTED
    except SourceError as exc:
        console.say(f"auditor: cannot read account: {exc}", err=True)
        return EXIT_UNREADABLE
    except AuditorError as exc:
        console.say(f"auditor: error: {exc}", err=True)
        return EXIT_USAGE
    except Exception as exc:  # noqa: BLE001 - the last line of defence: exit 4, not a traceback
        if os.environ.get("AUDITOR_DEBUG"):
            for line in traceback.format_exc().splitlines():
                console.say(line, err=True)
        console.say(f"auditor: internal error: {type(exc).__name__}: {exc} (set AUDITOR_DEBUG=1 for details)", err=True)
        return EXIT_INTERNAL
    return code if isinstance(code, int) else EXIT_CLEAN


def _baseline_and_targets(accounts: tuple[str, ...], default: str | None) -> tuple[str, list[str]]:
    if len(accounts) >= 2:
        return accounts[0], list(accounts[1:])
    if default:
        return default, list(accounts)
    raise click.UsageError("name a baseline account (auditor compare BASELINE TARGET) or set `baseline` in config")


def run() -> NoReturn:
    """Console-script entry point."""
    code = main()
    # Once main returns, the reports are written and closed and nothing is left to do. Leaving through the
    # interpreter would free every object and module one by one (0.2 to 0.3 s after a 10,000-role comparison)
    # for memory the system takes back at once, as mypy's hard_exit also reasons; and after Ctrl-C, reads
    # still hanging in threads would hold that exit for minutes.
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream is not None:
                stream.flush()
        except (OSError, ValueError):
            code = 120  # what the interpreter exits with when it cannot flush them
    os._exit(code)
