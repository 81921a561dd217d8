"""iam-drift-auditor: find IAM drift between AWS accounts.

The library is usable without the CLI: `compare(load_config(path), "prod", "dev")` returns an
`AuditResult` (`compare_many` and `compare_organization` an `AuditRun`); `auditor.report` renders them.
"""

from auditor.config import Config, load_config
from auditor.errors import AuditorError
from auditor.findings import AuditResult, AuditRun, Finding, FindingKind, Severity
from auditor.pipeline import RunOptions, compare, compare_many, compare_organization

__version__ = "0.1.0"

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
