"""One sanitizer for names made from account data."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from auditor.names import sanitized

TARGETS = [("A-Za-z0-9_.-", "-", False), ("A-Za-z0-9_-", "-", False), ("a-z0-9_", "_", True), ("a-z0-9", "-", True)]


@given(st.text(), st.sampled_from(TARGETS))
def test_a_sanitized_name_holds_only_allowed_characters_and_sanitizing_again_changes_nothing(text, target):
    allowed, joiner, fold = target
    once = sanitized(text, allowed, joiner, fold=fold)
    assert re.fullmatch(f"[{re.escape(joiner)}{allowed}]*", once)
    assert not once.startswith((joiner, ".")) and not once.endswith((joiner, "."))
    assert sanitized(once, allowed, joiner, fold=fold) == once


def test_runs_of_other_characters_become_one_joiner():
    assert sanitized("payments dev/../ü", "A-Za-z0-9_-") == "payments-dev"
    assert sanitized("Deep Insight.Role", "a-z0-9_", "_", fold=True) == "deep_insight_role"
