"""Keep credentials out of everything the tool writes: terminal, logs and report files.

One function, `redact`, masks the credentials the process knows (the environment's and every set
the sources register as they obtain them), in the forms an error message can quote them (as is,
trimmed, escaped as in a bytes repr or a JSON string), and anything shaped like an access key ID,
secret or session token in botocore's debug output.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import re
import threading

from ahocorasick_rs import BytesAhoCorasick

from auditor.terminal import printable

MASK = "****"
_MASK_BYTES = MASK.encode("ascii")
# Each shape with the words one of which any match contains: a report of tens of megabytes is scanned by a
# pattern only when one of them is in it (`None`: looked for case-blind).
_PATTERNS: list[tuple[tuple[str, ...] | None, re.Pattern[str], str]] = [
    (("AKIA", "ASIA"), re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{12,}\b"), MASK),
    (("<SecretAccessKey>",), re.compile(r"(<SecretAccessKey>)[^<]*(</SecretAccessKey>)"), rf"\g<1>{MASK}\g<2>"),
    (("<SessionToken>",), re.compile(r"(<SessionToken>)[^<]*(</SessionToken>)"), rf"\g<1>{MASK}\g<2>"),
    (None, re.compile(r"""((?i:x-amz-security-token)['"]?\s*[:=]\s*b?['"]?)[^'",\s}]+"""), rf"\g<1>{MASK}"),
    (
        ("SecretAccessKey", "SessionToken", "aws_secret_access_key", "aws_session_token"),
        re.compile(
            r"""(["']?(?:SecretAccessKey|SessionToken|aws_secret_access_key|aws_session_token)["']?\s*[:=]\s*"""
            r"""b?["']?)[^"',\s}]+"""
        ),
        rf"\g<1>{MASK}",
    ),
]
_CASE_BLIND_WORD = "x-amz-security-token"
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ACCESS_KEY_ID")
_MIN_LENGTH = 8  # shorter values would mask ordinary words
_LOOK_FOR_EACH_UP_TO = 32
_PREFIX = 16
_registered: set[str] = set()
_lock = threading.Lock()


def register_secret(*values: str | None) -> None:
    """Remember credentials obtained at run time (profiles, assumed roles) so every output masks them."""
    found = {form for value in values if value for form in _forms(value)}
    with _lock:
        _registered.update(found)


def known_secrets() -> frozenset[str]:
    """Every credential form to mask: the environment's now, and those registered."""
    from_environment = {form for name in SECRET_VARIABLES if (value := os.environ.get(name)) for form in _forms(value)}
    with _lock:
        return frozenset(from_environment | _registered)


def _forms(value: str) -> set[str]:
    # botocore quotes a bad header value as bytes (`b'...\r'`); JSON escapes control characters.
    escaped = value.encode("unicode_escape").decode("ascii")
    forms = {value, value.strip(), escaped, json.dumps(value)[1:-1]}
    return {form for form in forms if len(form) >= _MIN_LENGTH}


def redact(text: str, secrets: frozenset[str] | None = None) -> str:
    """`text` with credentials masked: known secret values, and anything shaped like a key or token."""
    text = _mask(text, known_secrets() if secrets is None else secrets)
    for words, pattern, replacement in _PATTERNS:
        present = _CASE_BLIND_WORD in text.lower() if words is None else any(word in text for word in words)
        if present:
            text = pattern.sub(replacement, text)
    return text


def _mask(text: str, secrets: frozenset[str]) -> str:
    # Every occurrence of every form, found in one pass however many credentials a run of hundreds of
    # accounts registers; where occurrences overlap or touch, one mask covers them all, so no piece of a
    # secret is left beside a mask.
    if len(secrets) <= _LOOK_FOR_EACH_UP_TO:  # a few: a plain search each is faster than the automaton
        secrets = frozenset(secret for secret in secrets if secret in text)
    if not secrets or not text:
        return text
    # Searched as UTF-8 (a match of whole characters there is one in the text): given a str, the automaton
    # keeps a character index for every byte, about 7 bytes per character of a report of tens of megabytes.
    data = text.encode("utf-8")
    automaton, prefixes, by_prefix = _matcher(secrets)
    spans = sorted(
        (start, start + len(secret))
        for index, start, _ in automaton.find_matches_as_indexes(data, overlapping=True)
        for secret in by_prefix[prefixes[index]]
        if data.startswith(secret, start)
    )
    if not spans:
        return text
    pieces: list[bytes] = []
    kept = 0
    for start, end in spans:
        if start > kept or not pieces:
            pieces += [data[kept:start], _MASK_BYTES]
        kept = max(kept, end)
    return b"".join([*pieces, data[kept:]]).decode("utf-8")


@functools.lru_cache(maxsize=2)
def _matcher(secrets: frozenset[str]) -> tuple[BytesAhoCorasick, list[bytes], dict[bytes, list[bytes]]]:
    # The automaton looks for each secret's first bytes only, and a hit is checked whole: over whole session
    # tokens (hundreds of characters, three credentials per account) it took 40 MiB for 300 accounts.
    by_prefix: dict[bytes, list[bytes]] = {}
    for secret in sorted(secret.encode("utf-8") for secret in secrets):
        by_prefix.setdefault(secret[:_PREFIX], []).append(secret)
    prefixes = list(by_prefix)
    return BytesAhoCorasick(prefixes), prefixes, by_prefix


def for_terminal(text: str) -> str:
    """What may be printed on a terminal or a CI log: redacted, one line, control characters made visible."""
    return printable(redact(text))


class RedactingFilter(logging.Filter):
    """Masks credentials and control characters in every record that passes; install it on log handlers."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Replace the record's message with its redacted, printable text."""
        record.msg = for_terminal(record.getMessage())
        record.args = ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = "\n".join(for_terminal(line) for line in record.exc_text.splitlines())
        record.exc_info = None
        return True
