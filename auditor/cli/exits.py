"""Exit codes, and the one rule that turns a run into one."""

from __future__ import annotations

from collections.abc import Sequence

from auditor.cli import console
from auditor.findings import AuditRun

EXIT_CLEAN, EXIT_DRIFT, EXIT_USAGE, EXIT_UNREADABLE, EXIT_INTERNAL = 0, 1, 2, 3, 4
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it


def exit_code(runs: list[AuditRun], failing: Sequence[object]) -> int:
    unread = [account for run in runs for account in run.unreadable]
    for account in unread:
        console.say(f"auditor: cannot read account: {account.reason}", err=True)
    if unread:
        return EXIT_UNREADABLE  # an incomplete audit must not pass for a clean one
    return EXIT_DRIFT if failing else EXIT_CLEAN
