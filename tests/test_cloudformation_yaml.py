"""The YAML of a CloudFormation fix reads exactly as PyYAML (with libyaml) writes it, whoever writes it."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from auditor.fixes import cloudformation
from auditor.fixes.cloudformation import document_yaml

# Words that read as other types, YAML indicators or document markers, long keys, and characters PyYAML quotes,
# escapes or folds: beside them, words of ARN punctuation in any order.
_SPECIAL = [
    *("", "*", "-", "?", ":", "a:", ":a", "---a", "...a", "~", "=", "<<", "null", "NULL", "true", "no", "On"),
    *("y", "1", "-1", "+1", "1.5", ".5", "1e3", "0x1F", "0o7", "08", "1_000", "1:20", "2012-10-17", ".inf"),
    *("x" * 129, "${aws:username}", "arn:aws:s3:::bucket/*", "a b", "a  b", " a", "a\nb", "é", "'", '"', "#a"),
    *("a #b", "\\", "@a", "a@", "]a", "{a", "?a", ",a", "a,b", "-a", "--", "+", "0o7", "0b1", "190:20:30.15"),
]
_WORDS = st.text(alphabet="aZ09_./:*@+=$?,{}[]-#", max_size=5) | st.sampled_from(_SPECIAL)
_SCALARS = _WORDS | st.integers() | st.booleans() | st.none() | st.floats(allow_nan=False)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_WORDS, inner, max_size=3),
    max_leaves=25,
)


def _pyyaml(document: Any) -> str:
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    return yaml.dump(document, Dumper=dumper, sort_keys=False, default_flow_style=False, allow_unicode=False).rstrip()


@given(_DOCUMENTS)
def test_a_document_reads_as_pyyaml_writes_it(document: Any):
    assert document_yaml(document) == _pyyaml(document)


@pytest.mark.parametrize("word", _SPECIAL)
def test_a_word_reads_as_pyyaml_writes_it_as_key_value_and_item(word: str):
    document = {"Statement": [{word: word, "Action": [word, "s3:GetObject"]}]}
    assert document_yaml(document) == _pyyaml(document)


def test_a_policy_of_plain_words_is_written_without_pyyaml(monkeypatch: pytest.MonkeyPatch):
    def refuse(*args: Any, **kwargs: Any) -> str:
        raise AssertionError("yaml.dump called")

    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["logs:CreateDelivery", "s3:*"], "Resource": "*"},
            {"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "arn:aws:s3:::logs-${aws:PrincipalTag/team}"},
        ],
    }
    expected = _pyyaml(policy)
    monkeypatch.setattr(cloudformation.yaml, "dump", refuse)
    assert document_yaml(policy) == expected
