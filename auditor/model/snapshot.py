"""What was read from one account, kept faithful to AWS (documents as written, not normalized).

This is also the on-disk snapshot format, so normalization can improve without re-collecting.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, GetCoreSchemaHandler, GetPydanticSchema, ValidatorFunctionWrapHandler, field_validator
from pydantic_core import CoreSchema, core_schema

from auditor.model.arns import IAM_NAME, IAM_PATH, POLICY_ARN, ROLE_ARN
from auditor.model.base import Frozen
from auditor.model.documents import checked_depth, from_measured_file, within_depth

SNAPSHOT_SCHEMA_VERSION: Literal[1] = 1
_IAM_NAME = re.compile(IAM_NAME)


def _taken(document: Any, validate: ValidatorFunctionWrapHandler) -> Any:
    # A snapshot file's documents are tens of thousands of dicts that validation would copy key by key (0.04 s at
    # 10,000 roles), to check what JSON already guarantees: string keys. Parsed from a file measured whole, they
    # are taken as they are.
    if type(document) is dict and from_measured_file():
        return document
    return within_depth(validate(document))


def _json_object(source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
    as_dict = handler(source)
    return core_schema.json_or_python_schema(
        json_schema=core_schema.no_info_after_validator_function(checked_depth, as_dict),
        python_schema=core_schema.no_info_wrap_validator_function(_taken, as_dict),
    )


JsonObject = Annotated[dict[str, Any], GetPydanticSchema(_json_object)]
"""A policy document exactly as AWS returned it (decoded JSON), no deeper than any valid policy can be."""


class ManagedPolicyRecord(Frozen):
    """An attached managed policy or a permissions boundary, with its default version's document."""

    name: str = Field(pattern=IAM_NAME)
    arn: str = Field(pattern=POLICY_ARN)
    document: JsonObject | None = None
    unreadable: str | None = None
    """Why the document could not be read (for example AccessDenied), if it could not."""


class RoleRecord(Frozen):
    """One IAM role with everything that decides what it may do and who may assume it."""

    name: str = Field(pattern=r"^[A-Za-z0-9_+=,.@-]{1,64}$")
    arn: str = Field(pattern=ROLE_ARN)
    path: str = Field(default="/", pattern=IAM_PATH)
    trust_policy: JsonObject | None = None
    inline_policies: dict[str, JsonObject] = Field(default_factory=dict)
    managed_policies: list[ManagedPolicyRecord] = Field(default_factory=list)
    permissions_boundary: ManagedPolicyRecord | None = None
    tags: dict[str, str] = Field(default_factory=dict)

    @field_validator("inline_policies")
    @classmethod
    def _policy_names(cls, value: dict[str, JsonObject]) -> dict[str, JsonObject]:
        bad = next((name for name in value if not _IAM_NAME.fullmatch(name)), None)
        if bad is not None:
            raise ValueError(f"inline policy name {bad!r} is not a valid IAM name")
        return value


class AccountSnapshot(Frozen):
    """Every role of one account at one moment."""

    format: Literal["iam-drift-auditor-snapshot"] = "iam-drift-auditor-snapshot"
    schema_version: Literal[1] = SNAPSHOT_SCHEMA_VERSION
    account_id: str = Field(pattern=r"^\d{12}$")
    collected_at: datetime
    source: str
    """Where the data came from: `live` or `gaad:<file name>`."""
    roles: dict[str, RoleRecord]
