"""iam-drift-auditor: find IAM drift between AWS accounts.

The library is usable without the CLI: `compare(load_config(path), "prod", "dev")` returns an
`AuditResult` (`compare_many` and `compare_organization` an `AuditRun`); `auditor.report` renders them.
"""

from typing import Any

from auditor.config import Config, load_config
from auditor.errors import AuditorError
from auditor.findings import AuditResult, AuditRun, Finding, FindingKind, Severity
from auditor.pipeline import RunOptions, compare, compare_many, compare_organization


def __getattr__(name: str) -> Any:
    # The version lives in pyproject.toml alone; the installed distribution says which one this is. Read when
    # asked for: importlib.metadata costs every run 30 ms of start-up otherwise.
    if name == "__version__":
        from importlib.metadata import version

        return version("iam-drift-auditor")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "AuditResult",
    "AuditRun",
    "AuditorError",
    "Config",
    "Finding",
    "FindingKind",
    "RunOptions",
    "Severity",
    "compare",
    "compare_many",
    "compare_organization",
    "load_config",
]
