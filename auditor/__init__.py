"""iam-drift-auditor: find IAM drift between AWS accounts.

The library is usable without the CLI: `compare(load_config(path), "prod", "dev")` returns an
`AuditResult`; `auditor.report` renders it.
"""

from auditor.config import Config, load_config
from auditor.errors import AuditorError
from auditor.findings import AuditResult, Finding, FindingKind, Severity
from auditor.pipeline import compare

__version__ = "0.1.0"

__all__ = ["AuditResult", "AuditorError", "Config", "Finding", "FindingKind", "Severity", "compare", "load_config"]
