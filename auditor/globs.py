"""IAM's wildcards, the only two there are: `*` matches any run of characters (`/` and `:` included), `?`
exactly one; every other character, `[` included, is itself (fnmatch would read `[ab]` as a class)."""

from __future__ import annotations

import re
from functools import cache


@cache
def compiled(pattern: str) -> re.Pattern[str]:
    """The pattern as a regular expression over whole strings.

    Matched against another pattern, a `*` there can only be consumed by a `*` here, and a `?` there by a `?`
    or a `*` here (`?` never matches `*`): so `contains` can match one pattern against another.
    """
    regex = "".join(".*" if char == "*" else "[^*]" if char == "?" else re.escape(char) for char in pattern)
    return re.compile(regex, re.DOTALL)


def matches(pattern: str, text: str) -> bool:
    """True if the pattern names `text` (case as given: fold both first where IAM ignores case)."""
    return compiled(pattern).fullmatch(text) is not None


def contains(outer: str, inner: str) -> bool:
    """True if every string the pattern `inner` names is also named by the pattern `outer`."""
    return outer == inner or (("*" in outer or "?" in outer) and matches(outer, inner))


def meet(first: str, second: str) -> bool:
    """True if some string matches both patterns."""
    end = (len(first), len(second))
    seen: set[tuple[int, int]] = set()
    todo = [(0, 0)]
    while todo:
        state = todo.pop()
        if state == end:
            return True
        if state in seen:
            continue
        seen.add(state)
        i, j = state
        a = first[i] if i < len(first) else None
        b = second[j] if j < len(second) else None
        if a == "*":
            todo.append((i + 1, j))
            if b is not None:
                todo.append((i, j + 1))
        if b == "*":
            todo.append((i, j + 1))
            if a is not None:
                todo.append((i + 1, j))
        if a is not None and b is not None and a != "*" and b != "*" and (a == b or "?" in (a, b)):
            todo.append((i + 1, j + 1))
    return False
