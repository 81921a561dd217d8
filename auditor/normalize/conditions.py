"""Condition operators in one spelling: set prefix, base operator, IfExists suffix."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

BASE_OPERATORS = (
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringNotEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericNotEquals",
    "NumericLessThan",
    "NumericLessThanEquals",
    "NumericGreaterThan",
    "NumericGreaterThanEquals",
    "DateEquals",
    "DateNotEquals",
    "DateLessThan",
    "DateLessThanEquals",
    "DateGreaterThan",
    "DateGreaterThanEquals",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotEquals",
    "ArnNotLike",
    "Null",
)
_BY_FOLDED = {name.casefold(): name for name in BASE_OPERATORS}
SET_PREFIXES = {"foranyvalue": "ForAnyValue", "forallvalues": "ForAllValues"}
IF_EXISTS = "IfExists"


@cache
def canonical_operator(operator: str) -> str:
    """`forAnyValue:stringequalsignorecaseifexists` -> `ForAnyValue:StringEqualsIgnoreCaseIfExists`.

    Unknown operators are kept as written: they are compared verbatim, never dropped.
    """
    prefix, _, rest = operator.rpartition(":")
    if prefix and prefix.casefold() not in SET_PREFIXES:
        return operator
    folded = rest.casefold()
    if_exists = folded.endswith(IF_EXISTS.casefold()) and folded != IF_EXISTS.casefold()
    base = _BY_FOLDED.get(folded[: -len(IF_EXISTS)] if if_exists else folded)
    if base is None:
        return operator
    head = f"{SET_PREFIXES[prefix.casefold()]}:" if prefix else ""
    return f"{head}{base}{IF_EXISTS if if_exists else ''}"


def ignores_case(operator: str) -> bool:
    """True for operators whose values compare case-insensitively (StringEqualsIgnoreCase, ...)."""
    return "IgnoreCase" in canonical_operator(operator)


def parts(operator: str) -> tuple[str, str, bool]:
    """(set prefix or "", base operator, IfExists) of a canonical operator."""
    prefix, _, rest = operator.rpartition(":")
    if_exists = rest.endswith(IF_EXISTS) and rest != IF_EXISTS
    return prefix, rest[: -len(IF_EXISTS)] if if_exists else rest, if_exists


# Operators IAM evaluates identically: ArnEquals matches wildcards as ArnLike does; StringLike with no
# `*` or `?` in its values compares exactly as StringEquals.
_SAME_AS = {"ArnEquals": "ArnLike", "ArnNotEquals": "ArnNotLike"}
_EXACT_WITHOUT_WILDCARDS = {"StringLike": "StringEquals", "StringNotLike": "StringNotEquals"}


def equivalent_operator(operator: str, values: Iterable[str]) -> str:
    """One spelling for operators that decide the same requests on these values (canonical operators only)."""
    prefix, base, if_exists = parts(operator)
    same = _SAME_AS.get(base)
    if same is None and base in _EXACT_WITHOUT_WILDCARDS and not any("*" in v or "?" in v for v in values):
        same = _EXACT_WITHOUT_WILDCARDS[base]
    if same is None:
        return operator
    return f"{prefix + ':' if prefix else ''}{same}{IF_EXISTS if if_exists else ''}"
