"""iam-drift-auditor: find IAM drift between AWS accounts.

The library is usable without the CLI: `compare(load_config(path), "prod", "dev")` returns an
`AuditResult` (`compare_many` and `compare_organization` an `AuditRun`); `auditor.report` renders them.
"""

from importlib.metadata import version

from auditor.config import Config, load_config
from auditor.errors import AuditorError
from auditor.findings import AuditResult, AuditRun, Finding, FindingKind, Severity
from auditor.pipeline import RunOptions, compare, compare_many, compare_organization

# The version lives in pyproject.toml alone; the installed distribution says which one this is.
__version__ = version("iam-drift-auditor")

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
