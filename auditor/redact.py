"""Keep credentials out of logs: a logging filter that masks keys, secrets and session tokens."""

from __future__ import annotations

import logging
import os
import re

MASK = "****"
# What botocore's debug output can carry: key IDs in Authorization headers, tokens in headers, and the
# AssumeRole response body with the new secret key and session token.
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\b(?:AKIA|ASIA|AROA|AIDA)[A-Z0-9]{12,}\b"), MASK),
    (re.compile(r"(<SecretAccessKey>)[^<]*(</SecretAccessKey>)"), rf"\g<1>{MASK}\g<2>"),
    (re.compile(r"(<SessionToken>)[^<]*(</SessionToken>)"), rf"\g<1>{MASK}\g<2>"),
    (re.compile(r"""((?i:x-amz-security-token)['"]?\s*[:=]\s*b?['"]?)[^'",\s}]+"""), rf"\g<1>{MASK}"),
    (
        re.compile(
            r"""(["']?(?:SecretAccessKey|SessionToken|aws_secret_access_key|aws_session_token)["']?\s*[:=]\s*"""
            r"""b?["']?)[^"',\s}]+"""
        ),
        rf"\g<1>{MASK}",
    ),
]
_SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID")


def redact(text: str, secrets: frozenset[str] = frozenset()) -> str:
    """`text` with credentials masked: known secret values, and anything shaped like a key or token."""
    for secret in secrets:
        text = text.replace(secret, MASK)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """Masks credentials in every record that passes; install it on the handlers that write logs out."""

    def __init__(self) -> None:
        super().__init__()
        # Values from the environment are known exactly; mask them wherever they appear.
        self._secrets = frozenset(v for v in (os.environ.get(n) for n in _SECRET_VARIABLES) if v and len(v) >= 8)

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message with its redacted text."""
        record.msg = redact(record.getMessage(), self._secrets)
        record.args = ()
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self._secrets)
        return True
