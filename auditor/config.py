"""config.yaml: pydantic models (unknown keys rejected) and a loader whose errors name file and key."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, Field, ValidationError, field_validator, model_validator

from auditor.errors import ConfigError, UsageError
from auditor.model.arns import ROLE_ARN
from auditor.model.base import Frozen, describe_validation_error

DEFAULT_EXCLUDE: tuple[str, ...] = ()
DEFAULT_WAIVERS = "waivers.yaml"
_ROLE_ARN = re.compile(ROLE_ARN)


def _role_arn(value: str) -> str:
    if not _ROLE_ARN.match(value):
        raise ValueError(f"not an IAM role ARN: {value!r}")
    return value


RoleArn = Annotated[str, AfterValidator(_role_arn)]


class AccountConfig(Frozen):
    """One account: read live (assumed role or current credentials) or from a snapshot file."""

    role_arn: RoleArn | None = None
    external_id: str | None = None
    profile: str | None = None
    region: str | None = None
    env: str | list[str] | None = None
    """The environment token(s) in this account's role names and ARNs: `prod`, or `[prod, prd, production]`."""
    snapshot: Path | None = None

    @field_validator("env")
    @classmethod
    def _env_token(cls, value: str | list[str] | None) -> str | list[str] | None:
        tokens = [value] if isinstance(value, str) else value or []
        if isinstance(value, list) and not value:
            raise ValueError("env must name at least one token")
        for token in tokens:
            if not re.fullmatch(r"[A-Za-z0-9]+", token):
                raise ValueError(f"env tokens must be letters and digits only, got {token!r}")
        return value

    @model_validator(mode="after")
    def _one_source(self) -> AccountConfig:
        if self.snapshot is not None and (self.role_arn or self.profile or self.external_id):
            raise ValueError("snapshot cannot be combined with role_arn, profile or external_id")
        return self


class RolesConfig(Frozen):
    """Which roles take part in a comparison, and how they pair across accounts."""

    include: tuple[str, ...] = ("*",)
    """Globs on role names, or IAM path prefixes (entries starting with `/`)."""
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    include_service_roles: bool = Field(default=False, strict=True)
    """Service-linked roles (path /aws-service-role/) are AWS's own and left out unless this is true."""
    access_roles: tuple[str, ...] = ("OrganizationAccountAccessRole", "iam-drift-auditor-readonly")
    """Roles that exist to reach an account, not to run a workload (the one AWS Organizations creates in each
    member, the auditor's own): left out of comparisons. `[]` compares them too."""
    map: dict[str, str] = Field(default_factory=dict)
    """Explicit pairs, baseline role name -> target role name; they win over every other rule."""
    match_tags: tuple[str, ...] = ()
    """Tag keys whose values together pair roles that no name rule pairs."""


class OrganizationConfig(Frozen):
    """How `--all-accounts` finds and reads the member accounts of an AWS Organization."""

    role_arn: RoleArn | None = None
    """Role in the management account allowed organizations:ListAccounts; default: the baseline's credentials."""
    member_role_name: str = "iam-drift-auditor-readonly"
    """The auditor's role in every member account."""
    external_id: str | None = None
    include: tuple[str, ...] = ("*",)
    """Globs on account names."""
    exclude: tuple[str, ...] = ()


class AwsConfig(Frozen):
    """How the tool talks to AWS."""

    max_attempts: int | None = Field(default=None, ge=1, le=50, strict=True)
    """Attempts per API call (adaptive retries on throttling); default AWS_MAX_ATTEMPTS, else 10."""


class AuditSpec(Frozen):
    """One comparison a scheduled audit runs: a baseline and its targets, or every other account of its
    organization."""

    baseline: str
    targets: list[str] = Field(default_factory=list)
    all_accounts: bool = Field(default=False, strict=True)
    """Compare every other active account of the baseline's organization (`organization:` narrows them)."""

    @model_validator(mode="after")
    def _targets_or_all(self) -> AuditSpec:
        if bool(self.targets) == self.all_accounts:
            raise ValueError("give either `targets: [...]` or `all_accounts: true`, not both and not neither")
        return self


class ReportConfig(Frozen):
    """How reports are written."""

    markdown_limit_kb: int = Field(default=512, ge=16, strict=True)
    """Above this size the Markdown keeps the summary and tables and leaves per-finding detail to the HTML."""


class Config(Frozen):
    """The whole configuration file."""

    baseline: str | None = None
    accounts: dict[str, AccountConfig] = Field(min_length=1)
    roles: RolesConfig = RolesConfig()
    waivers: Path | None = None
    """Waivers file; default: waivers.yaml beside the config, if it exists."""
    report: ReportConfig = ReportConfig()
    aws: AwsConfig = AwsConfig()
    organization: OrganizationConfig = OrganizationConfig()
    audits: list[AuditSpec] = Field(default_factory=list)
    """What `auditor audit` runs: `[{baseline: prod, targets: [dev, staging]}]` or
    `[{baseline: prod, all_accounts: true}]`."""
    history: str | None = None
    """Where `auditor audit` keeps its runs and finds the previous one: `s3://bucket/prefix` or a folder
    (default: the reports folder)."""

    @field_validator("history")
    @classmethod
    def _history_location(cls, value: str | None) -> str | None:
        if value is not None and value.startswith("s3://"):
            s3_location(value)
        elif value is not None and not value.strip():
            raise ValueError("empty; give s3://BUCKET/PREFIX or a folder, or leave it out")
        return value

    @field_validator("accounts")
    @classmethod
    def _account_names(cls, value: dict[str, AccountConfig]) -> dict[str, AccountConfig]:
        # Account names become folder names and appear in commands and reports: keep them plain.
        bad = next((name for name in value if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}", name)), None)
        if bad is not None:
            raise ValueError(f"account name {bad!r}: use letters, digits, '.', '_' and '-'")
        return value

    @model_validator(mode="after")
    def _accounts_named_exist(self) -> Config:
        known = ", ".join(self.accounts)
        if self.baseline is not None and self.baseline not in self.accounts:
            raise ValueError(f"baseline {self.baseline!r} is not one of the accounts ({known})")
        for index, audit in enumerate(self.audits):
            for name in (audit.baseline, *audit.targets):
                if name not in self.accounts:
                    raise ValueError(f"audits[{index}] names {name!r}, which is not one of the accounts ({known})")
        return self

    def account(self, name: str) -> ResolvedAccount:
        """The named account with its defaults filled in; UsageError if unknown."""
        if name not in self.accounts:
            known = ", ".join(sorted(self.accounts))
            raise UsageError(f"unknown account {name!r}; the config defines: {known}")
        raw = self.accounts[name]
        tokens = tuple([raw.env] if isinstance(raw.env, str) else raw.env or [name])
        return ResolvedAccount(name=name, env=tokens[0], env_tokens=tokens, **raw.model_dump(exclude={"env"}))


def s3_location(url: str) -> tuple[str, str]:
    """`s3://bucket/some/prefix` -> ("bucket", "some/prefix/"); ValueError says what is wrong."""
    bucket, _, prefix = url.removeprefix("s3://").partition("/")
    if not url.startswith("s3://") or not _BUCKET.fullmatch(bucket) or ".." in prefix.split("/"):
        raise ValueError(f"{url!r}: expected s3://BUCKET or s3://BUCKET/PREFIX")
    prefix = prefix.strip("/")
    return bucket, prefix + "/" if prefix else ""


_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


class ResolvedAccount(Frozen):
    """An account entry with defaults applied; what the sources receive."""

    name: str
    env: str
    """The primary env token: what placeholders turn back into in this account."""
    env_tokens: tuple[str, ...] = ()
    """Every env token that marks this account's environment in names and ARNs (default: just `env`)."""
    role_arn: str | None = None
    external_id: str | None = None
    profile: str | None = None
    region: str | None = None
    snapshot: Path | None = None

    @model_validator(mode="after")
    def _tokens_include_env(self) -> ResolvedAccount:
        if not self.env_tokens:
            object.__setattr__(self, "env_tokens", (self.env,))
        return self


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader, except that a key given twice is an error instead of the last one winning."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, str]] = set()
        for key_node, _ in node.value:
            # Keys written in this mapping; merged ones (`<<: *anchor`) may be overridden, as YAML intends.
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = (key_node.tag, key_node.value)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key_node.value!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path, what: str) -> Any:
    """Parse a YAML file; ConfigError names the file and says what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: {what} file not found") from None
    except (OSError, ValueError) as exc:  # ValueError: undecodable bytes, or a NUL byte in the path
        raise ConfigError(f"{path}: cannot read {what}: {exc}") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.YAMLError as exc:
        detail = _one_line(str(exc)).replace(' in "<unicode string>"', "")
        raise ConfigError(f"{path}: invalid YAML: {detail}") from None
    except RecursionError:
        raise ConfigError(f"{path}: invalid YAML: nested too deeply") from None
    except ValueError as exc:  # values YAML parses but Python cannot build: 2099-02-30, 5,000-digit numbers
        raise ConfigError(f"{path}: invalid YAML: {_one_line(str(exc))}") from None


def load_config(path: str | os.PathLike[str]) -> Config:
    """Read and validate a config file (a str or a path); ConfigError names the file and the offending key."""
    path = Path(path)
    data = read_yaml(path, "config")
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{path}: {describe_validation_error(exc)}") from None
    return _resolve_paths(config, path.parent)


def _resolve_paths(config: Config, base: Path) -> Config:
    # Paths are relative to the config file, so a config works from any working directory.
    accounts = {
        name: acc.model_copy(update={"snapshot": base / acc.snapshot})
        if acc.snapshot is not None and not acc.snapshot.is_absolute()
        else acc
        for name, acc in config.accounts.items()
    }
    waivers = config.waivers
    if waivers is not None and not waivers.is_absolute():
        waivers = base / waivers
    elif waivers is None and (base / DEFAULT_WAIVERS).is_file():
        waivers = base / DEFAULT_WAIVERS
    history = config.history
    if history is not None and not history.startswith("s3://") and not Path(history).is_absolute():
        history = str(base / history)
    return config.model_copy(update={"accounts": accounts, "waivers": waivers, "history": history})


def _one_line(text: str) -> str:
    return " ".join(text.split())
