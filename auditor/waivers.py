"""Waivers: accepted differences with a reason, an owner and an expiry date.

A waived finding stays in the report, marked, and does not count toward --fail-on. An expired
waiver no longer waives (its findings count again and are marked expired); a waiver that matches
nothing is stale and reported as such.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from fnmatch import fnmatchcase
from pathlib import Path

from pydantic import Field, ValidationError, field_validator

from auditor.config import read_yaml
from auditor.errors import ConfigError
from auditor.findings import Finding, FindingKind, WaiverMark
from auditor.model.base import Frozen, describe_validation_error


class WaiverMatch(Frozen):
    """Which findings a waiver covers; every field given must match (globs where it makes sense)."""

    kind: FindingKind | None = None
    role: str = "*"
    """Glob on the role name (the target's, or the baseline's when the target has none)."""
    policy: str | None = None
    """Glob on the policy name."""
    actions: tuple[str, ...] = ()
    """Globs; the waiver covers a finding only if every action of the finding matches one of them."""
    account: str | None = None
    """The target account's name in the config."""


class Waiver(Frozen):
    """One accepted difference."""

    match: WaiverMatch
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: date

    @field_validator("expires", mode="before")
    @classmethod
    def _a_date(cls, value: object) -> object:
        # pydantic would read a number as seconds since 1970; a waiver's expiry is written as a date.
        if isinstance(value, bool | int | float):
            raise ValueError("must be a date (YYYY-MM-DD), not a number")
        return value

    @field_validator("reason", "owner")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class WaiversFile(Frozen):
    """The waivers file: `waivers: [...]`."""

    waivers: list[Waiver] = Field(default_factory=list)


def load_waivers(path: Path | None) -> list[Waiver]:
    """Read a waivers file; ConfigError names the file, the entry and the field at fault."""
    if path is None:
        return []
    data = read_yaml(path, "waivers")
    if data is None:
        return []
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping with a 'waivers' list, got {type(data).__name__}")
    try:
        return WaiversFile.model_validate(data).waivers
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        entry = f"waiver {loc[1] + 1}: " if len(loc) > 1 and isinstance(loc[1], int) else ""
        raise ConfigError(f"{path}: {entry}{describe_validation_error(exc)}") from None


def matches(waiver: Waiver, finding: Finding, account: str) -> bool:
    """True if the waiver covers this finding of the comparison with target `account`."""
    rule = waiver.match
    if rule.account is not None and rule.account != account:
        return False
    if rule.kind is not None and rule.kind != finding.kind:
        return False
    if not fnmatchcase(finding.role, rule.role):
        return False
    if rule.policy is not None and (finding.policy is None or not fnmatchcase(finding.policy.name, rule.policy)):
        return False
    return not rule.actions or all(
        any(fnmatchcase(action.casefold(), glob.casefold()) for glob in rule.actions) for action in finding.actions
    )


def apply_waivers(
    findings: Iterable[Finding], waivers: list[Waiver], account: str, today: date, used: set[int]
) -> list[Finding]:
    """Mark the findings the first matching waiver covers; records in `used` which waivers matched."""
    marked = []
    for finding in findings:
        index = next((i for i, waiver in enumerate(waivers) if matches(waiver, finding, account)), None)
        if index is None:
            marked.append(finding)
            continue
        used.add(index)
        waiver = waivers[index]
        mark = WaiverMark(
            entry=index + 1,
            reason=waiver.reason,
            owner=waiver.owner,
            expires=waiver.expires,
            expired=waiver.expires < today,
        )
        marked.append(finding.model_copy(update={"waiver": mark}))
    return marked


def stale(waivers: list[Waiver], used: set[int]) -> list[WaiverMark]:
    """Waivers that matched no finding in the whole run."""
    return [
        WaiverMark(entry=i + 1, reason=w.reason, owner=w.owner, expires=w.expires, expired=False)
        for i, w in enumerate(waivers)
        if i not in used
    ]
