"""iam-drift-auditor: find IAM drift between AWS accounts.

The library is usable without the CLI: `compare(load_config(path), "prod", "dev")` returns an
`AuditResult` (`compare_many` and `compare_organization` an `AuditRun`); `auditor.report` renders them.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from auditor.config import Config, load_config
    from auditor.errors import AuditorError
    from auditor.findings import AuditResult, AuditRun, Finding, FindingKind, Severity
    from auditor.pipeline import RunOptions, compare, compare_many, compare_organization

# Each name is imported when first asked for, so that importing one module of the package does not import them
# all: the command imports its own modules with the collector paused (see auditor.__main__).
_EXPORTS = {
    "Config": "auditor.config",
    "load_config": "auditor.config",
    "AuditorError": "auditor.errors",
    "AuditResult": "auditor.findings",
    "AuditRun": "auditor.findings",
    "Finding": "auditor.findings",
    "FindingKind": "auditor.findings",
    "Severity": "auditor.findings",
    "RunOptions": "auditor.pipeline",
    "compare": "auditor.pipeline",
    "compare_many": "auditor.pipeline",
    "compare_organization": "auditor.pipeline",
}


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    # The version lives in pyproject.toml alone; the installed distribution says which one this is. Read when
    # asked for: importlib.metadata costs every run 30 ms of start-up otherwise.
    if name == "__version__":
        from importlib.metadata import version

        return version("iam-drift-auditor")
    if not name.startswith("_"):
        # A module of the package, imported when first named: `auditor.report.render(...)` after `import auditor`.
        try:
            return import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
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
