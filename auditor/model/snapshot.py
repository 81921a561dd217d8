"""What was read from one account, kept faithful to AWS (documents as written, not normalized).

This is also the on-disk snapshot format, so normalization can improve without re-collecting.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from auditor.model.base import Frozen

SNAPSHOT_SCHEMA_VERSION = 1

JsonObject = dict[str, Any]
"""A policy document exactly as AWS returned it (decoded JSON)."""


class ManagedPolicyRecord(Frozen):
    """An attached managed policy or a permissions boundary, with its default version's document."""

    name: str
    arn: str
    document: JsonObject | None = None
    unreadable: str | None = None
    """Why the document could not be read (for example AccessDenied), if it could not."""


class RoleRecord(Frozen):
    """One IAM role with everything that decides what it may do and who may assume it."""

    name: str
    arn: str
    path: str = "/"
    trust_policy: JsonObject | None = None
    inline_policies: dict[str, JsonObject] = Field(default_factory=dict)
    managed_policies: list[ManagedPolicyRecord] = Field(default_factory=list)
    permissions_boundary: ManagedPolicyRecord | None = None
    tags: dict[str, str] = Field(default_factory=dict)


class AccountSnapshot(Frozen):
    """Every role of one account at one moment."""

    format: Literal["iam-drift-auditor-snapshot"] = "iam-drift-auditor-snapshot"
    schema_version: Literal[1] = SNAPSHOT_SCHEMA_VERSION
    account_id: str = Field(pattern=r"^\d{12}$")
    collected_at: datetime
    source: str
    """Where the data came from: `live` or `gaad:<file name>`."""
    roles: dict[str, RoleRecord]
