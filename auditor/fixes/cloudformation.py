"""CloudFormation for each fix: the properties of the AWS::IAM::Role (or ManagedPolicy) resource as they
should read, in YAML."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import yaml

from auditor.findings.sides import TargetRole
from auditor.terminal import printable

# libyaml's dumper where PyYAML was built with it: the same YAML, several times faster than the pure-Python one.
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def document_yaml(document: Any) -> str:
    """A document as CloudFormation YAML, keys in the order they were written, non-ASCII escaped."""
    try:
        return "\n".join(_block(document))
    except _NotPlainError:
        written = yaml.dump(document, Dumper=_DUMPER, sort_keys=False, default_flow_style=False, allow_unicode=False)
        return written.rstrip()


class _NotPlainError(Exception):
    """A value `_block` does not write as PyYAML would be sure to."""


def _block(document: Any) -> list[str]:
    # PyYAML's representer is Python, and most of a fix's cost: policies are mappings, lists and plain words, which
    # are written here line for line as PyYAML writes them (block style, lists level with their key), and anything
    # else is left to it. Each word is looked at once: actions and ARNs recur across a run's findings.
    lines: list[str] = []
    if isinstance(document, dict) and document:
        _mapping(document, 0, "", lines)
    elif isinstance(document, list) and document:
        _sequence(document, 0, lines)
    else:
        raise _NotPlainError
    return lines


def _mapping(mapping: dict[Any, Any], indent: int, lead: str, lines: list[str]) -> None:
    pad = " " * indent
    for key, value in mapping.items():
        if not isinstance(key, str) or len(key) > _SIMPLE_KEY:
            raise _NotPlainError
        head = f"{lead or pad}{_scalar(key)}:"
        lead = ""
        if isinstance(value, dict) and value:
            lines.append(head)
            _mapping(value, indent + 2, "", lines)
        elif isinstance(value, list) and value:
            lines.append(head)
            _sequence(value, indent, lines)
        else:
            lines.append(f"{head} {_value(value)}")


def _sequence(items: list[Any], indent: int, lines: list[str]) -> None:
    lead = " " * indent + "- "
    for item in items:
        if isinstance(item, dict) and item:
            _mapping(item, indent + 2, lead, lines)
        elif isinstance(item, list) and item:
            raise _NotPlainError
        else:
            lines.append(lead + _value(item))


_SIMPLE_KEY = 128
"""A longer key is written as a complex key (`? key`) by PyYAML."""


def _value(value: Any) -> str:
    if isinstance(value, str):
        return _scalar(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if value == {}:
        return "{}"
    if value == []:
        return "[]"
    raise _NotPlainError


# Words of letters, digits and the punctuation of ARNs, actions and policy variables: no blank or quote, nothing
# PyYAML would escape or fold. Plain unless one of them reads as a YAML indicator, or as another type.
_WORD = re.compile(r"[A-Za-z0-9_./:*@+=$?,{}\[\]-]+")
_INDICATOR_FIRST = frozenset("*@,{}[]")
_RESOLVE: Callable[[type[yaml.Node], str, tuple[bool, bool]], str] = yaml.resolver.Resolver().resolve
_STRING_TAG = "tag:yaml.org,2002:str"


@lru_cache(maxsize=65536)
def _scalar(text: str) -> str:
    if not _WORD.fullmatch(text):
        raise _NotPlainError
    quoted = (
        text[0] in _INDICATOR_FIRST
        or text in ("-", "?", ":")
        or text.endswith(":")
        or text.startswith(("---", "..."))
        or _RESOLVE(yaml.ScalarNode, text, (True, False)) != _STRING_TAG
    )
    return f"'{text}'" if quoted else text


def inline_policy(role: str, policy: str, document: dict[str, Any]) -> str:
    """The inline policy under the role's Policies."""
    where = f"In the AWS::IAM::Role resource for {role}, under Properties -> Policies:"
    return _note(where) + "\n" + document_yaml([{"PolicyName": policy, "PolicyDocument": document}])


def inline_removal(role: str, policy: str) -> str:
    """Take the inline policy out of the role's Policies."""
    return _note(f"In the AWS::IAM::Role resource for {role}, remove the Policies entry {policy}.")


def attachment(role: str, arn: str) -> str:
    """The managed policy in the role's ManagedPolicyArns."""
    return _note(f"In the AWS::IAM::Role resource for {role}, under Properties:") + "\n" + _arns(arn)


def detachment(role: str, arn: str) -> str:
    """Take the managed policy out of the role's ManagedPolicyArns."""
    return _note(f"In the AWS::IAM::Role resource for {role}, remove {arn} from ManagedPolicyArns.")


def managed_policy(arn: str, document: dict[str, Any]) -> str:
    """The managed policy's document."""
    where = f"In the AWS::IAM::ManagedPolicy resource for {arn}, under Properties:"
    return _note(where) + "\n" + document_yaml({"PolicyDocument": document})


def trust(role: str, document: dict[str, Any]) -> str:
    """The role's AssumeRolePolicyDocument."""
    where = f"In the AWS::IAM::Role resource for {role}, under Properties:"
    return _note(where) + "\n" + document_yaml({"AssumeRolePolicyDocument": document})


def boundary(role: str, arn: str | None) -> str:
    """The role's PermissionsBoundary, or a note to remove it."""
    if arn is None:
        return _note(f"In the AWS::IAM::Role resource for {role}, remove PermissionsBoundary.")
    where = f"In the AWS::IAM::Role resource for {role}, under Properties:"
    return _note(where) + "\n" + document_yaml({"PermissionsBoundary": arn})


def role(wanted: TargetRole) -> str:
    """A whole AWS::IAM::Role resource with its policies and boundary."""
    properties: dict[str, Any] = {
        "RoleName": wanted.name,
        "Path": wanted.path,
        "AssumeRolePolicyDocument": wanted.trust or {},
    }
    if wanted.inline:
        properties["Policies"] = [{"PolicyName": n, "PolicyDocument": d} for n, d in wanted.inline.items()]
    if wanted.managed:
        properties["ManagedPolicyArns"] = wanted.managed
    if wanted.boundary:
        properties["PermissionsBoundary"] = wanted.boundary
    logical_id = "".join(part.capitalize() for part in re.split(r"[^A-Za-z0-9]+", wanted.name) if part) or "Role"
    return document_yaml({"Resources": {logical_id: {"Type": "AWS::IAM::Role", "Properties": properties}}})


def role_removal(name: str) -> str:
    """Remove the role's resource, or add it to the baseline account."""
    return _note(f"Remove the AWS::IAM::Role resource for {name}, or add it to the baseline account.")


def statement(statement: dict[str, Any]) -> str:
    """One statement to add to a policy."""
    return document_yaml({"Statement": [statement]})


def _arns(arn: str) -> str:
    return document_yaml({"ManagedPolicyArns": [arn]})


def _note(text: str) -> str:
    # A YAML comment that stays one comment: no line break or control character can end it.
    return "# " + printable(text)
