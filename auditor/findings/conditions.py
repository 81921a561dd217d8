"""Did a condition block get looser or tighter? Compared as data, test by test."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from datetime import datetime
from enum import StrEnum

from auditor.grants import covers
from auditor.model.policy import Condition
from auditor.normalize.conditions import parts

_Test = tuple[str, str, str]  # (set prefix, base operator, key)


class Change(StrEnum):
    """Direction of a condition change for an Allow."""

    SAME = "same"
    LOOSENED = "loosened"
    TIGHTENED = "tightened"
    CHANGED = "changed"


def compare_conditions(before: Iterable[Condition], after: Iterable[Condition]) -> Change:
    """How the `after` conditions restrict an Allow compared with `before`."""
    old, new = _tests(before), _tests(after)
    if old == new:
        return Change.SAME
    looser = tighter = False
    for test in old.keys() | new.keys():
        if test not in new:
            looser = True  # a test the target no longer applies
        elif test not in old:
            tighter = True
        else:
            (old_exists, old_values), (new_exists, new_values) = old[test], new[test]
            # ...IfExists also passes when the key is absent: adding it loosens.
            looser |= new_exists and not old_exists
            tighter |= old_exists and not new_exists
            base = test[1]
            if old_values == new_values:
                wider = narrower = False
            else:
                wider = accepts_all(new_values, old_values, base)  # every value the old accepted, the new does
                narrower = accepts_all(old_values, new_values, base)
                if wider and narrower:  # written differently, same values accepted
                    wider = narrower = False
                elif not wider and not narrower:
                    wider = narrower = True  # neither contains the other: may differ either way
            looser |= wider
            tighter |= narrower
    if not looser and not tighter:
        return Change.SAME  # written differently, the same requests pass
    if looser and not tighter:
        return Change.LOOSENED
    if tighter and not looser:
        return Change.TIGHTENED
    return Change.CHANGED


def _tests(conditions: Iterable[Condition]) -> dict[_Test, tuple[bool, frozenset[str]]]:
    # Conditions gathered from several grants can test one key twice (`StringEquals` in one grant,
    # `StringEqualsIfExists` in another): they are merged, values and IfExists alike, so the outcome does
    # not depend on which came first (set order varies with PYTHONHASHSEED).
    tests: dict[_Test, tuple[bool, frozenset[str]]] = {}
    for condition in conditions:
        prefix, base, if_exists = parts(condition.operator)
        test = (prefix, base, condition.key)
        seen_exists, seen_values = tests.get(test, (False, frozenset()))
        tests[test] = (if_exists or seen_exists, seen_values | frozenset(condition.values))
    return tests


def accepts_all(outer: frozenset[str], inner: frozenset[str], base: str) -> bool:
    """True if a test with values `outer` accepts every request a test with `inner` accepts (same operator).

    Per operator family: sets for exact matches, IAM wildcards for *Like, CIDR containment for IP
    addresses, the bound for numeric and date comparisons. For Not* operators the containment runs the
    other way. Values that cannot be parsed fall back to set inclusion.
    """
    if "Not" in base:  # StringNotEquals, ArnNotLike, NotIpAddress, NumericNotEquals, DateNotEquals...
        return _contains(base.replace("Not", "", 1), inner, outer)
    return _contains(base, outer, inner)


def _contains(base: str, outer: frozenset[str], inner: frozenset[str]) -> bool:
    try:
        if base in ("StringLike", "ArnLike", "ArnEquals"):
            return all(any(covers(pattern, value) for pattern in outer) for value in inner)
        if base == "IpAddress":
            nets = [ipaddress.ip_network(value, strict=False) for value in outer]
            return all(
                any(net.version == other.version and other.subnet_of(net) for net in nets)  # type: ignore[arg-type]
                for other in (ipaddress.ip_network(value, strict=False) for value in inner)
            )
        bound = _BOUNDS.get(base)
        if bound is not None:
            parse, upper = bound
            # With several values a request passes if it passes for any: the loosest value decides.
            loosest = max if upper else min
            outer_bound, inner_bound = loosest(map(parse, outer)), loosest(map(parse, inner))
            return outer_bound >= inner_bound if upper else outer_bound <= inner_bound
    except ValueError:
        pass
    return outer >= inner


def _date(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if not text.isdigit() else float(text)


# Operator -> (how to read a value, whether the value is an upper bound on what passes).
_BOUNDS: dict[str, tuple[Callable[[str], float], bool]] = {
    "NumericLessThan": (float, True),
    "NumericLessThanEquals": (float, True),
    "NumericGreaterThan": (float, False),
    "NumericGreaterThanEquals": (float, False),
    "DateLessThan": (_date, True),
    "DateLessThanEquals": (_date, True),
    "DateGreaterThan": (_date, False),
    "DateGreaterThanEquals": (_date, False),
}
