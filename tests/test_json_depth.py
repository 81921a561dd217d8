"""How deep JSON nests, judged on its bytes (`nests_within`) or by jiter's own limit (`loads_within`): the same
answer as walking the parsed data."""

from __future__ import annotations

import json
from typing import Any

import jiter
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from auditor.errors import SnapshotFormatError
from auditor.model.documents import (
    MAX_DEPTH,
    arrays_for,
    loads_strict,
    loads_within,
    nesting_limit,
    nests_within,
    within_depth,
)
from auditor.model.snapshot import RoleRecord
from auditor.sources.snapshot import read_snapshot

# Strings full of what the byte check must see through: quotes, backslashes, brackets, escapes.
_TRICKY = st.text(alphabet='"\\{}[]/u0a ${}:é\u2028', max_size=8)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY, inner, max_size=3),
    max_leaves=30,
)


def _height(node: Any) -> int:
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    below = [_height(child) for child in children if isinstance(child, dict | list)]
    return 1 + max(below, default=0) if isinstance(node, dict | list) else 0


def _nested(levels: int) -> Any:
    node: Any = "x"
    for level in range(levels):
        node = {"a": node} if level % 2 else [node]
    return node


@given(_JSON, st.integers(min_value=0, max_value=8), st.booleans(), st.sampled_from([None, 1]))
def test_nests_within_agrees_with_the_height_of_the_parsed_data(data: Any, levels: int, ascii_only: bool, indent):
    text = json.dumps(data, ensure_ascii=ascii_only, indent=indent).encode("utf-8")
    assert nests_within(text, levels) == (_height(data) <= levels)


def _inside(text: bytes, arrays: int) -> bytes:
    return b"[" * arrays + text + b"]" * arrays


@given(_JSON, st.integers(min_value=0, max_value=8), st.booleans(), st.sampled_from([None, 1]), st.integers(-2, 2))
def test_loads_within_parses_as_loads_strict_and_judges_as_nests_within(
    data: Any, levels: int, ascii_only: bool, indent, more: int
):
    # Inside as many arrays as arrays_for says, or a few more or fewer: fewer must not pass a text for shallower.
    text = json.dumps(data, ensure_ascii=ascii_only, indent=indent).encode("utf-8")
    arrays = max(0, arrays_for(levels) + more)
    assert loads_within(_inside(text, arrays), arrays, levels) == (loads_strict(text), nests_within(text, levels))


@pytest.mark.parametrize("text", [b"", b"1],[2", b"[1],[2]", b" ] [ ", b'{"a": 1}]', b"1 2"])
def test_a_text_that_is_json_only_inside_arrays_is_refused_as_loads_strict_refuses_it(text: bytes):
    arrays = arrays_for(MAX_DEPTH + 1)
    with pytest.raises(ValueError) as strict:
        loads_strict(text)
    with pytest.raises(ValueError) as within:
        loads_within(_inside(text, arrays), arrays, MAX_DEPTH + 1)
    assert (type(within.value), str(within.value)) == (type(strict.value), str(strict.value))


@pytest.mark.parametrize("levels", [MAX_DEPTH + 1, nesting_limit(), nesting_limit() + 1])
def test_a_text_as_deep_as_the_levels_or_one_deeper_is_judged_as_nests_within(levels: int):
    arrays = arrays_for(levels)
    for depth in (levels, levels + 1):
        text = json.dumps(_nested(depth)).encode()
        assert loads_within(_inside(text, arrays), arrays, levels) == (loads_strict(text), nests_within(text, levels))


_ARRAY, _OBJECT = (b"[", b"]"), (b'{"a":', b"}")


@pytest.mark.parametrize("kinds", [[_ARRAY], [_OBJECT], [_ARRAY, _OBJECT]], ids=["arrays", "objects", "both"])
def test_jiter_counts_arrays_and_objects_alike_toward_its_limit(kinds: list[tuple[bytes, bytes]]):
    # loads_within relies on it: a value inside `limit` arrays and objects parses, inside one more it does not.
    def inside(depth: int) -> bytes:
        levels = [kinds[level % len(kinds)] for level in range(depth)]
        return b"".join(opening for opening, _ in levels) + b"0" + b"".join(closing for _, closing in reversed(levels))

    limit = nesting_limit()
    assert limit > MAX_DEPTH
    assert jiter.from_json(inside(limit)) is not None
    with pytest.raises(ValueError, match="recursion limit"):
        jiter.from_json(inside(limit + 1))


def test_a_file_passes_the_byte_check_exactly_when_every_document_passes_the_walk():
    for levels in (MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2):
        document = _nested(levels)
        walked = True
        try:
            within_depth(document)
        except ValueError:
            walked = False
        assert nests_within(json.dumps(document).encode(), MAX_DEPTH + 1) == walked


def test_utf16_text_is_left_to_the_walk():
    assert not nests_within(json.dumps({"a": 1}).encode("utf-16-le"), 10)


def _snapshot_with_condition(tmp_path, levels: int):
    """A one-role snapshot whose inline policy is `levels` deep (document, statements, statement, condition)."""
    condition = _nested(levels - 3)
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Condition": condition}]}
    role = {"name": "app-role", "arn": "arn:aws:iam::111111111111:role/app-role", "inline_policies": {"Deep": document}}
    path = tmp_path / "snapshot.json"
    path.write_text(
        json.dumps(
            {
                "format": "iam-drift-auditor-snapshot",
                "account_id": "111111111111",
                "collected_at": "2026-01-01T00:00:00Z",
                "source": "live",
                "roles": {"app-role": role},
            }
        )
    )
    return path


@pytest.mark.parametrize("levels", [5, MAX_DEPTH + 1])
def test_a_document_within_the_limit_is_read(tmp_path, levels: int):
    assert "Deep" in read_snapshot(_snapshot_with_condition(tmp_path, levels)).roles["app-role"].inline_policies


def test_a_document_past_the_limit_is_refused_naming_role_and_policy(tmp_path):
    with pytest.raises(SnapshotFormatError, match=r"app-role.*Deep.*nested more than 64 levels"):
        read_snapshot(_snapshot_with_condition(tmp_path, MAX_DEPTH + 2))


def test_a_document_built_in_python_is_still_checked_for_string_keys():
    with pytest.raises(ValidationError, match="valid string"):
        RoleRecord(name="app-role", arn="arn:aws:iam::111111111111:role/app-role", trust_policy={1: "x"})


def test_a_document_built_in_python_is_still_checked_for_depth():
    with pytest.raises(ValidationError, match="nested more than 64 levels"):
        RoleRecord(name="app-role", arn="arn:aws:iam::111111111111:role/app-role", trust_policy=_nested(MAX_DEPTH + 2))
