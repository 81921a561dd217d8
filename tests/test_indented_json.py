"""Documents printed in reports and fixes (`indented`): the text json.dumps writes, whichever library wrote it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from auditor.model.documents import indented

# Strings with what either writer might escape differently: quotes, backslashes, control and bidi characters,
# non-ASCII, lone surrogates, and text that reads like a number with an exponent.
_TEXT = st.text(alphabet=st.characters(codec=None), max_size=6) | st.sampled_from(["1e5", "2e-7", "null", ""])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.floats() | _TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TEXT, inner, max_size=3),
    max_leaves=25,
)


@given(_JSON)
def test_a_document_is_written_as_json_dumps_writes_it(document: Any):
    assert indented(document) == json.dumps(document, indent=2, ensure_ascii=False)


@pytest.mark.parametrize(
    "number", [1e16, 1e-7, 1.1758098264549753e-05, 1.5e300, float("inf"), float("nan"), 2**64, 0.1, -0.0]
)
def test_numbers_orjson_writes_otherwise_are_written_as_json_writes_them(number: float | int):
    document = {"Condition": {"NumericLessThan": {"aws:MultiFactorAuthAge": [number]}}}
    assert indented(document) == json.dumps(document, indent=2, ensure_ascii=False)


def test_a_policy_is_indented_by_two_spaces_with_its_keys_in_order():
    document = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateDelivery"]}]}
    assert indented(document).splitlines() == [
        "{",
        '  "Version": "2012-10-17",',
        '  "Statement": [',
        "    {",
        '      "Effect": "Allow",',
        '      "Action": [',
        '        "logs:CreateDelivery"',
        "      ]",
        "    }",
        "  ]",
        "}",
    ]
