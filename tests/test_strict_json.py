"""Strict JSON (`loads_strict`): a repeated key is an error, found without a hook on every object when it can be."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.model import documents
from auditor.model.documents import _finite, _no_constant, _unique_keys, kept_every_key, loads_strict

# Keys and strings full of what counting colons must see through: colons, quotes, backslashes, escapes.
_TRICKY = st.text(alphabet='ab:"\\/u03é\u2028', max_size=6)


@dataclass(frozen=True)
class _Object:
    """A JSON object as written: its pairs in order, a key possibly given twice."""

    pairs: tuple[tuple[str, Any], ...]


_NODES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _TRICKY,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.lists(st.tuples(st.sampled_from(["a", "b:", ":"]) | _TRICKY, inner), max_size=3).map(
            lambda pairs: _Object(tuple(pairs))
        )
    ),
    max_leaves=20,
)


@dataclass(frozen=True)
class _Style:
    ascii_only: bool
    colon_escaped: bool
    """Colons inside strings written as \\u003a."""
    spaced: bool
    """A space on each side of a key's colon."""


_STYLES = st.builds(_Style, st.booleans(), st.booleans(), st.booleans())


def _written(node: Any, style: _Style) -> str:
    if isinstance(node, _Object):
        colon = " : " if style.spaced else ":"
        return "{" + ",".join(_written(k, style) + colon + _written(v, style) for k, v in node.pairs) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_written(item, style) for item in node) + "]"
    text = json.dumps(node, ensure_ascii=style.ascii_only)
    return text.replace(":", "\\u003a") if isinstance(node, str) and style.colon_escaped else text


def _repeats_a_key(node: Any) -> bool:
    if isinstance(node, _Object):
        keys = [key for key, _ in node.pairs]
        return len(set(keys)) < len(keys) or any(_repeats_a_key(value) for _, value in node.pairs)
    return isinstance(node, list) and any(_repeats_a_key(item) for item in node)


def _outcome(parse: Any, text: str | bytes) -> Any:
    try:
        return ("parsed", parse(text))
    except ValueError as exc:
        return (type(exc).__name__, str(exc))


def _hooked(text: str | bytes) -> Any:
    return json.loads(text, object_pairs_hook=_unique_keys, parse_float=_finite, parse_constant=_no_constant)


@given(_NODES, _STYLES, st.booleans())
def test_strict_parsing_agrees_with_a_hook_on_every_object(node: Any, style: _Style, as_bytes: bool):
    text = _written(node, style)
    given_text: str | bytes = text.encode("utf-8") if as_bytes else text
    assert _outcome(loads_strict, given_text) == _outcome(_hooked, given_text)


@given(_NODES, _STYLES, st.booleans())
def test_no_lost_key_is_claimed_where_a_key_was_repeated(node: Any, style: _Style, as_bytes: bool):
    text = _written(node, style)
    if _repeats_a_key(node):
        assert not kept_every_key(text.encode("utf-8") if as_bytes else text, json.loads(text))


@given(_NODES, st.booleans(), st.booleans(), st.booleans())
def test_json_that_names_each_key_once_is_parsed_once(node: Any, ascii_only: bool, spaced: bool, as_bytes: bool):
    text = _written(node, _Style(ascii_only, colon_escaped=False, spaced=spaced))
    data = json.loads(text)
    # Left to the hook, as they may be: integers beyond 64 bits, and strings that read like an escaped colon.
    plain = all(-(2**63) <= n < 2**64 for n in _integers(data)) and "\\u003" not in text.lower()
    if not _repeats_a_key(node) and plain:
        assert kept_every_key(text.encode("utf-8") if as_bytes else text, data)


def _integers(node: Any) -> list[int]:
    if isinstance(node, dict):
        return [n for value in node.values() for n in _integers(value)]
    if isinstance(node, list):
        return [n for item in node for n in _integers(item)]
    return [node] if isinstance(node, int) and not isinstance(node, bool) else []


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_json_in_utf16_or_utf32_is_checked_key_by_key(encoding: str):
    text = '{"a": 1, "a": 2}'.encode(encoding)
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        loads_strict(text)


def test_a_repeated_key_is_named_though_an_escaped_colon_makes_up_for_its_own():
    # Two colons written, two in the data: the first pair's was lost, the second's escaped one came in.
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        loads_strict('{"a": 1, "a": "\\u003a"}')


@pytest.mark.parametrize("as_bytes", [False, True])
@pytest.mark.parametrize("number", ["1e400", "-1E+309", "1" * 310 + ".0"])
def test_a_number_past_a_doubles_range_is_refused_not_read_as_infinity(number: str, as_bytes: bool):
    text = f'{{"a": [{number}]}}'
    with pytest.raises(ValueError, match=re.escape(f"the number {number[:40]} is out of range")):
        loads_strict(text.encode() if as_bytes else text)


@pytest.mark.parametrize("escape", ["\\ud800", "\\udc00\\ud800"])
def test_a_lone_surrogate_in_a_file_is_read_as_json_reads_it(escape: str):
    text = f'{{"a": "{escape}"}}'
    assert loads_strict(text.encode()) == json.loads(text)


def test_a_string_repeated_in_a_file_is_one_object():
    # What a large snapshot is mostly made of ("Allow", the same ARNs): kept once, its memory is a fraction.
    first, second = loads_strict(b'[{"Effect": "Allow"}, {"Effect": "Allow"}]')
    assert first["Effect"] is second["Effect"]


@pytest.mark.parametrize("counted", [True, False], ids=["counted", "walked"])
def test_numbers_with_a_fraction_or_an_exponent_in_a_file_are_read_as_json_reads_them(counted: bool, monkeypatch):
    # Counted by LosslessFloat's references on CPython; found by a walk of the data elsewhere.
    monkeypatch.setattr(documents, "_COUNTS_INSTANCES", counted)
    data = loads_strict(b'{"a": [1.5, 2e3, -0.25], "b": 7}')
    assert data == json.loads('{"a": [1.5, 2e3, -0.25], "b": 7}')
    assert all(type(number) is float for number in data["a"])
