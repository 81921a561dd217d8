"""The compiled encoder of signatures writes what its plain definition writes, and refuses what the walk refuses."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import PolicyFormatError
from auditor.model.documents import MAX_DEPTH
from auditor.normalize import signing
from auditor.normalize.placeholders import LITERAL_KEYS, map_values

encode = signing.encode
pytestmark = pytest.mark.skipif(encode is None, reason="the encoder was not built (no C compiler at install)")


def _encoded(node: Any, func: Any = str.upper, known: dict[str, str] | None = None) -> bytes:
    assert encode is not None
    return encode(node, func, {} if known is None else known, LITERAL_KEYS, MAX_DEPTH, PolicyFormatError)


def _text(text: str) -> bytes:
    data = text.encode("utf-8", "surrogatepass")
    return b"s%d:%s" % (len(data), data)


def _plainly(node: Any, func: Any, mapping: bool = True) -> bytes:
    """The encoding as the header of _encoding.c defines it."""
    if isinstance(node, bytes):
        return node
    if isinstance(node, str):
        return _text(func(node) if mapping else node)
    if isinstance(node, dict):
        items = sorted(node.items())
        body = b"".join(_text(k) + _plainly(v, func, mapping and k not in LITERAL_KEYS) for k, v in items)
        return b"d%d:%s" % (len(items), body)
    if isinstance(node, list):
        return b"l%d:%s" % (len(node), b"".join(_plainly(item, func, mapping) for item in node))
    if isinstance(node, bool) or node is None:
        return {True: b"T", False: b"F", None: b"N"}[node]
    written = (str(node) if isinstance(node, int) else repr(node)).encode()
    return b"%s%d:%s" % (b"i" if isinstance(node, int) else b"f", len(written), written)


_keys = st.sampled_from([*sorted(LITERAL_KEYS), "Resource", "Condition", "x"]) | st.text(max_size=3)
_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**80), max_value=2**80)
    | st.floats(allow_nan=False)
    | st.text(alphabet="ab$:-é\u4e2d\U0001f600", max_size=4),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=20),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(_values)
def test_the_encoder_writes_what_its_definition_writes_asking_only_for_strings_not_known(node: Any):
    known = {"a": "A", "$": "$"}
    asked: set[str] = set()

    def upper(text: str) -> str:
        asked.add(text)
        return text.upper()

    assert _encoded(node, upper, known) == _plainly(node, str.upper)
    assert asked.isdisjoint(known)


def test_keys_are_written_in_order_whatever_order_they_came_in():
    names = [f"k{index:02}" for index in range(40)]  # more than the few a statement holds
    shuffled = names[:]
    random.Random(7).shuffle(shuffled)
    for count in (3, 16, 17, 40):
        assert _encoded({name: 1 for name in shuffled[:count]}) == _encoded(
            {name: 1 for name in sorted(shuffled[:count])}
        )


def test_a_lone_surrogate_is_written_as_it_stands():
    assert _encoded({"Resource": "a\ud800"}, str) == b"d1:s8:Resources4:a\xed\xa0\x80"


def test_an_encoding_made_before_is_written_as_it_stands():
    inner = _encoded({"Resource": "arn"})
    assert _encoded([inner, None]) == b"l2:" + inner + b"N"


@pytest.mark.parametrize("leaf", ["text", 1, None, {}, []])
def test_the_encoder_refuses_the_depth_the_walk_refuses(leaf: Any):
    def refuses(walk: Any, node: Any) -> bool:
        try:
            walk(node)
        except PolicyFormatError:
            return True
        return False

    for levels in (MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2):
        node: Any = leaf
        for _ in range(levels):
            node = {"Statement": node} if levels % 2 else [node]
        assert refuses(_encoded, node) == refuses(lambda n: map_values(n, str.upper), node), levels


@pytest.mark.parametrize("node", [{"Resource": {1, 2}}, {1: "one"}, [b"x".decode(), object()]])
def test_a_value_that_json_cannot_hold_is_refused(node: Any):
    with pytest.raises(TypeError):
        _encoded(node)
