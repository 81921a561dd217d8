"""The library's exception hierarchy. The CLI maps each class to a message and an exit code."""

from __future__ import annotations


class AuditorError(Exception):
    """Root of every error the library raises on purpose."""


class ConfigError(AuditorError):
    """The configuration file is missing, unparsable or invalid."""


class UsageError(AuditorError):
    """The command asked for something the configuration cannot give (unknown account, bad option)."""


class SourceError(AuditorError):
    """An account could not be read (credentials, STS, IAM API)."""

    def __init__(self, message: str, fix: str = "") -> None:
        super().__init__(message)
        self.fix = fix
        """What would let the auditor read it: an IAM statement as JSON, or a setting."""


class AssumeRoleError(SourceError):
    """STS refused or failed to assume the configured role."""


class ReadOnlyViolationError(SourceError):
    """Code tried to call an AWS operation outside the read-only allowlist."""


class InputFormatError(AuditorError):
    """A snapshot, GAAD file or policy document is malformed."""


class SnapshotFormatError(InputFormatError):
    """A snapshot or GAAD file is malformed; the message names the file."""


class PolicyFormatError(InputFormatError):
    """A policy document is malformed; the message names the role and the policy."""


class ReportError(AuditorError):
    """A report could not be rendered or written."""


class HistoryError(ReportError):
    """The history store (a reports folder or an S3 location) could not be listed, read or written."""


class TicketError(AuditorError):
    """A ticket could not be found, opened, commented on or closed; the message says which call failed."""
