"""The base every pydantic model of the tool derives from, and how validation errors read."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, ValidationError


class Frozen(BaseModel):
    """Immutable, and strict about unknown fields: a typo is an error, not a silently ignored key."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def error_location(loc: tuple[int | str, ...]) -> str:
    """A pydantic error location as a path: `roles.app.inline_policies[0]`."""
    return "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")


def describe_validation_error(exc: ValidationError) -> str:
    """The first problem in one line, with its location; unknown keys are named as such."""
    errors = exc.errors()
    first = errors[0]
    where = error_location(first["loc"])
    if first["type"] == "extra_forbidden":
        message = f"unknown key '{where}'"
    elif where:
        message = f"key '{where}': {first['msg']}"
    else:
        message = first["msg"]
    more = len(errors) - 1
    if more:
        message += f" (and {more} more problem{'s' * (more > 1)})"
    return " ".join(message.split())
