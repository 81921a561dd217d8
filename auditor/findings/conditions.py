"""Did a condition block get looser or tighter? Compared as data, test by test."""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

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
            wider, narrower = new_values > old_values, new_values < old_values
            if "Not" in test[1]:
                wider, narrower = narrower, wider
            if old_values != new_values and not wider and not narrower:
                wider = narrower = True
            looser |= wider
            tighter |= narrower
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
