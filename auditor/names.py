"""One sanitizer for every name the tool makes from account data: folder and file names, account labels,
Terraform identifiers, HTML anchors. Each caller says which characters its target allows."""

from __future__ import annotations

import re
from functools import cache


def sanitized(text: str, allowed: str = "A-Za-z0-9_.-", joiner: str = "-", *, fold: bool = False) -> str:
    """`text` with each run of characters outside `allowed` (a regex class body) written as `joiner`, and no
    joiner or dot at either end; case-folded first with `fold`. May be empty: the caller says what then."""
    if fold:
        text = text.casefold()
    return _outside(allowed).sub(joiner, text).strip(joiner + ".")


@cache
def _outside(allowed: str) -> re.Pattern[str]:
    return re.compile(f"[^{allowed}]+")


def safe_name(name: str) -> str:
    """A config name made safe for a file name: nothing but letters, digits, `_` and `-`."""
    return sanitized(name, "A-Za-z0-9_-") or "account"
