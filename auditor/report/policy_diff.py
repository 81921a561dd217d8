"""A policy as it should be against the policy as it is: both canonical, line by line, for the reports."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass

from auditor.model.documents import indented


@dataclass(frozen=True)
class DiffLine:
    """One line of a policy's marked difference: in both (" "), only expected ("-"), only actual ("+")."""

    mark: str
    text: str


def marked_difference(expected: object, actual: object) -> list[DiffLine]:
    """Two policy documents line by line, canonical; empty unless both exist."""
    # Both sides canonical (keys sorted, every list sorted: IAM reads none of them in order), so the lines that
    # differ are the ones that mean something different, not the ones written in another order.
    if expected is None or actual is None:
        return []
    left = indented(_canonical(expected)).splitlines()
    right = indented(_canonical(actual)).splitlines()
    lines: list[DiffLine] = []
    # Compared without JSON's trailing commas: a line that only gained one, when another was added after it,
    # is the same line.
    bare = difflib.SequenceMatcher(None, [x.rstrip(",") for x in left], [x.rstrip(",") for x in right], autojunk=False)
    for tag, i1, i2, j1, j2 in bare.get_opcodes():
        if tag == "equal":
            lines += [DiffLine(" ", line) for line in right[j1:j2]]
            continue
        lines += [DiffLine("-", line) for line in left[i1:i2]]
        lines += [DiffLine("+", line) for line in right[j1:j2]]
    return lines


def _canonical(value: object) -> object:
    if isinstance(value, dict):
        return {key: _canonical(value[key]) for key in sorted(value)}
    if isinstance(value, list):
        items = [_canonical(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, sort_keys=True))
    return value
