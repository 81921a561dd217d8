"""Normalization: what is equal in meaning compares equal, and what differs does not."""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from auditor.errors import PolicyFormatError
from auditor.model.documents import MAX_DEPTH
from auditor.normalize import AccountContext, canonical_document, signing
from auditor.normalize.placeholders import map_values

PROD = AccountContext("111111111111", "prod")
DEV = AccountContext("222222222222", "dev")


def canon(document: Any, context: AccountContext = PROD):
    return canonical_document(document, context.to_placeholders)


def test_action_case_order_and_string_vs_list_do_not_matter():
    a = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "*"}],
    }
    b = {
        "Version": "2012-10-17",
        "Statement": {
            "Effect": "Allow",
            "Action": ["S3:putobject", "s3:GETOBJECT"],
            "Resource": ["*"],
            "Sid": "Anything",
        },
    }
    assert canon(a) == canon(b)


def test_single_action_string_equals_one_element_list():
    a = {"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": "*"}]}
    b = {"Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "*"}]}
    assert canon(a) == canon(b)


def test_statement_order_and_duplicates_do_not_matter():
    one = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    two = {"Effect": "Deny", "Action": "s3:DeleteObject", "Resource": "*"}
    assert canon({"Statement": [one, two]}) == canon({"Statement": [two, one, one]})


def test_account_id_and_env_segment_in_arns_become_placeholders():
    prod = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": ["arn:aws:s3:::orders-prod/*", "arn:aws:sqs:us-east-1:111111111111:jobs-prod"],
            }
        ]
    }
    dev = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": ["arn:aws:s3:::orders-dev/*", "arn:aws:sqs:us-east-1:222222222222:jobs-dev"],
            }
        ]
    }
    assert canon(prod, PROD) == canon(dev, DEV)


def test_env_token_only_matches_whole_segments():
    assert DEV.to_placeholders("arn:aws:s3:::device-dev/*") == "arn:aws:s3:::device-${Env}/*"
    assert DEV.to_placeholders("arn:aws:s3:::devops") == "arn:aws:s3:::devops"


def test_a_wildcard_ends_an_env_segment():
    table = "arn:aws:dynamodb:*:222222222222:table/orders-dev*"
    assert DEV.to_placeholders(table) == "arn:aws:dynamodb:*:${Account}:table/orders-${Env}*"


def test_different_resources_stay_different():
    a = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::a/*"}]}
    b = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}
    assert canon(a) != canon(b)


def test_bare_account_principal_equals_root_arn():
    a = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "111111111111"}, "Action": "sts:AssumeRole"}]}
    b = {
        "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::111111111111:root"]}, "Action": "sts:AssumeRole"}
        ]
    }
    assert canon(a) == canon(b)


def test_star_principal_equals_aws_star():
    a = {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}
    b = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]}
    assert canon(a) == canon(b)


def test_condition_key_case_and_value_order_do_not_matter():
    a = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/Team": ["b", "a"]}},
            }
        ]
    }
    b = {
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:GetObject",
                "Resource": "*",
                "Condition": {"StringEquals": {"AWS:principaltag/team": ["a", "b"]}},
            }
        ]
    }
    assert canon(a) == canon(b)


def test_url_encoded_document_is_decoded():
    raw = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    from urllib.parse import quote

    assert canon(quote(json.dumps(raw))) == canon(raw)


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        ({"Version": "2012-10-17"}, "no Statement"),
        ({"Statement": [{"Action": "s3:GetObject"}]}, "Effect must be Allow or Deny"),
        ({"Statement": [{"Effect": "Allow", "Resource": "*"}]}, "exactly one of Action and NotAction"),
        ({"Statement": [{"Effect": "Allow", "Action": 3}]}, "Action must be a non-empty string"),
        ({"Statement": [{"Effect": "Allow", "Action": "a:b", "Bogus": 1}]}, "unknown element 'Bogus'"),
        ({"Statement": ["text"]}, "Statement[0] must be a JSON object"),
        ("{not json", "not valid JSON"),
        ([], "must be a JSON object"),
    ],
)
def test_malformed_document_says_what_is_wrong(document: Any, problem: str):
    with pytest.raises(PolicyFormatError, match=problem.replace("[", r"\[").replace("]", r"\]")):
        canon(document)


# Property tests -------------------------------------------------------------------------------------------

_action = st.builds(
    lambda service, verb, noun: f"{service}:{verb}{noun}",
    st.sampled_from(["s3", "logs", "dynamodb", "iam", "sqs"]),
    st.sampled_from(["Get", "Put", "List", "Delete", "Describe"]),
    st.sampled_from(["Object", "Item", "Role", "Queue", "Delivery", "*"]),
)
_resource = st.sampled_from(
    ["*", "arn:aws:s3:::orders-prod/*", "arn:aws:sqs:us-east-1:111111111111:jobs-prod", "arn:aws:s3:::shared"]
)
_condition = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        {
            "StringEquals": st.fixed_dictionaries(
                {"aws:SourceAccount": st.sampled_from(["111111111111", "333333333333"])}
            )
        }
    ),
)
_statement = st.builds(
    lambda effect, actions, resources, condition: {
        "Effect": effect,
        "Action": actions,
        "Resource": resources,
        **({"Condition": condition} if condition else {}),
    },
    st.sampled_from(["Allow", "Deny"]),
    st.lists(_action, min_size=1, max_size=5),
    st.lists(_resource, min_size=1, max_size=3),
    _condition,
)
_policy = st.builds(
    lambda statements: {"Version": "2012-10-17", "Statement": statements}, st.lists(_statement, min_size=1, max_size=6)
)


def _rewrite(document: dict[str, Any], seed: int) -> dict[str, Any]:
    """The same policy written differently: shuffled, re-cased actions, string-vs-list, dict-vs-list."""
    rng = random.Random(seed)
    statements = []
    for statement in document["Statement"]:
        actions = [a.upper() if rng.random() < 0.5 else a.lower() for a in statement["Action"]]
        rng.shuffle(actions)
        resources = list(statement["Resource"])
        rng.shuffle(resources)
        rewritten = {
            **statement,
            "Action": actions[0] if len(set(actions)) == 1 and rng.random() < 0.5 else actions,
            "Resource": resources[0] if len(set(resources)) == 1 else resources,
            "Sid": f"S{rng.randint(0, 9)}",
        }
        statements.append(dict(rng.sample(list(rewritten.items()), len(rewritten))))
    rng.shuffle(statements)
    body: Any = statements[0] if len(statements) == 1 and rng.random() < 0.5 else statements
    return {"Statement": body, "Version": document["Version"]}


@settings(max_examples=200, deadline=None)
@given(_policy)
def test_normalizing_twice_changes_nothing(document: dict[str, Any]):
    once = canon(document)
    assert canonical_document(once.to_json()) == once


@settings(max_examples=200, deadline=None)
@given(_policy, st.integers(min_value=0, max_value=10_000))
def test_rewritten_copy_normalizes_equal(document: dict[str, Any], seed: int):
    assert canon(_rewrite(document, seed)) == canon(document)


# Signatures: equal signatures must mean equal meaning (the comparison skips canonical form on them) ---------


def _account(document: dict[str, Any], account: str, env: str):
    from datetime import UTC, datetime

    from auditor.model import AccountSnapshot, RoleRecord
    from auditor.normalize import normalize_account

    name = f"app-{env}"
    role = RoleRecord(name=name, arn=f"arn:aws:iam::{account}:role/{name}", inline_policies={"P": document})
    snapshot = AccountSnapshot(
        account_id=account, collected_at=datetime(2026, 1, 1, tzinfo=UTC), source="t", roles={name: role}
    )
    return normalize_account(snapshot, env, env).roles[name]


@contextmanager
def _signing(compiled: bool) -> Iterator[None]:
    """Roles signed by the compiled encoder, or as a package installed without a C compiler signs them."""
    if compiled and signing.encode is None:
        pytest.skip("the encoder was not built (no C compiler at install)")
    built = signing.encode
    signing.encode = built if compiled else None
    try:
        yield
    finally:
        signing.encode = built


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "python"])
@settings(max_examples=150, deadline=None)
@given(_policy, _policy)
def test_equal_signatures_mean_equal_canonical_policies(compiled: bool, first: dict[str, Any], second: dict[str, Any]):
    with _signing(compiled):
        prod = _account(first, "111111111111", "prod")
        moved = json.dumps(first).replace("111111111111", "222222222222").replace("-prod", "-dev")
        dev_same = _account(json.loads(moved), "222222222222", "dev")
        other = _account(second, "222222222222", "dev")
    assert prod.signature == dev_same.signature and prod.comparable() == dev_same.comparable()
    if prod.signature == other.signature:
        assert prod.comparable() == other.comparable()


def test_a_value_that_spells_a_placeholder_is_not_taken_for_one():
    written = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::orders-${Env}/*"}]}
    meant = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::orders-prod/*"}]}
    assert canon(written, DEV) != canon(meant, PROD)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="${}AcountEnv-/:prod1", max_size=30))
def test_placeholders_round_trip_any_text(text: str):
    assert PROD.from_placeholders(PROD.to_placeholders(text)) == text


def test_url_encoding_in_lower_case_hex_is_decoded_too():
    raw = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    from urllib.parse import quote

    assert canon(quote(json.dumps(raw)).replace("%7B", "%7b").replace("%22", "%22")) == canon(raw)


# The walk every role's signature takes: the same as its plain recursive definition ----------------------------

_LITERALS = ("Version", "Id", "Sid", "Effect", "Action", "NotAction")
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(alphabet="ab$:-", max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from([*_LITERALS, "Resource", "x", "y"]), inner, max_size=3)
    ),
    max_leaves=12,
)


def _mapped_plainly(node: Any, func: Any, depth: int = 0) -> Any:
    if depth > MAX_DEPTH:
        raise PolicyFormatError("too deep")
    # A string inside an object or array is mapped where it stands; the depth is checked for each other value.
    if isinstance(node, dict):
        return {
            k: v if k in _LITERALS else func(v) if type(v) is str else _mapped_plainly(v, func, depth + 1)
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [func(item) if type(item) is str else _mapped_plainly(item, func, depth + 1) for item in node]
    return func(node) if isinstance(node, str) else node


def _nested_in_lists(levels: int, leaf: Any) -> Any:
    for _ in range(levels):
        leaf = [leaf]
    return leaf


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_map_values_maps_what_the_plain_definition_maps(node: Any):
    assert map_values(node, str.upper) == _mapped_plainly(node, str.upper)


@settings(max_examples=100, deadline=None)
@given(_json_values)
def test_strings_already_known_are_taken_as_the_function_would_map_them(node: Any):
    calls: list[str] = []

    def upper(text: str) -> str:
        calls.append(text)
        return text.upper()

    known = {"a": "A", "$": "$"}
    assert map_values(node, upper, known=known) == _mapped_plainly(node, str.upper)
    assert not set(calls) & known.keys()


@settings(max_examples=200, deadline=None)
@given(_json_values)
def test_map_values_leaves_the_document_it_maps_as_it_was(node: Any):
    before = json.dumps(node)
    map_values(node, lambda text: text + "!")
    assert json.dumps(node) == before


def test_a_document_whose_strings_all_stay_is_not_copied():
    document = {"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    assert PROD.placeholdered(document) is document


def test_only_the_containers_on_the_way_to_a_changed_string_are_copied():
    kept = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
    changed = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::logs-prod"}
    mapped = PROD.placeholdered({"Statement": [kept, changed]})
    assert mapped["Statement"][0] is kept
    assert mapped["Statement"][1] == {**changed, "Resource": "arn:aws:s3:::logs-${Env}"}
    assert changed["Resource"] == "arn:aws:s3:::logs-prod"


@pytest.mark.parametrize("leaf", ["text", 1, None, {}, []])
def test_map_values_refuses_the_depth_the_plain_definition_refuses(leaf: Any):
    def refuses(node: Any, walk: Any) -> bool:
        try:
            walk(node, str.upper)
        except PolicyFormatError:
            return True
        return False

    for levels in (MAX_DEPTH - 1, MAX_DEPTH, MAX_DEPTH + 1, MAX_DEPTH + 2):
        node = _nested_in_lists(levels, leaf)
        assert refuses(node, map_values) == refuses(node, _mapped_plainly), levels
