"""Raw policy JSON -> canonical `PolicyDocument`, with errors that say what is wrong and where."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from auditor.errors import PolicyFormatError
from auditor.model.documents import decode_document
from auditor.model.policy import Condition, Origin, PolicyDocument, Principal, Statement
from auditor.normalize.conditions import canonical_operator, equivalent_operator, ignores_case

_STATEMENT_KEYS = frozenset(
    {"Sid", "Effect", "Action", "NotAction", "Resource", "NotResource", "Principal", "NotPrincipal", "Condition"}
)
_DOCUMENT_KEYS = frozenset({"Version", "Id", "Statement"})
_BARE_ACCOUNT = re.compile(r"^\d{12}$")

Rewrite = Callable[[str], str]


def canonical_document(raw: Any, rewrite: Rewrite = str) -> PolicyDocument:
    """Canonical form of a policy document; `rewrite` maps each value string (placeholders)."""
    raw = decode_document(raw)
    if not isinstance(raw, dict):
        raise PolicyFormatError(f"document must be a JSON object, got {_kind(raw)}")
    _reject_unknown(raw, _DOCUMENT_KEYS, "document")
    version = raw.get("Version")
    if version is not None and not isinstance(version, str):
        raise PolicyFormatError(f"Version must be a string, got {_kind(version)}")
    if not isinstance(raw.get("Id", ""), str):
        raise PolicyFormatError(f"Id must be a string, got {_kind(raw['Id'])}")
    if "Statement" not in raw:
        raise PolicyFormatError("document has no Statement")
    body = raw["Statement"]
    items = body if isinstance(body, list) else [body]
    origins: dict[Statement, list[tuple[str, tuple[str, ...]]]] = {}
    for index, item in enumerate(items):
        statement = _statement(item, index, rewrite)
        origins.setdefault(statement, []).append((_label(item, index), _written(item)))
    ordered = sorted(origins, key=_sort_key)
    return PolicyDocument(
        version=version,
        statements=tuple(ordered),
        origins=tuple(_origin(origins[statement]) for statement in ordered),
    )


def _label(raw: dict[str, Any], index: int) -> str:
    sid = raw.get("Sid")
    return f"Sid {sid}" if isinstance(sid, str) and sid else f"Statement[{index}]"


def _written(raw: dict[str, Any]) -> tuple[str, ...]:
    if "Action" in raw:
        value = raw["Action"]
        return tuple(value) if isinstance(value, list) else (value,)
    value = raw["NotAction"]
    return tuple(f"NotAction {item}" for item in (value if isinstance(value, list) else [value]))


def _origin(found: list[tuple[str, tuple[str, ...]]]) -> Origin:
    return Origin(labels=tuple(label for label, _ in found), written=found[0][1])


def _statement(raw: Any, index: int, rewrite: Rewrite) -> Statement:
    where = f"Statement[{index}]"
    if not isinstance(raw, dict):
        raise PolicyFormatError(f"{where} must be a JSON object, got {_kind(raw)}")
    _reject_unknown(raw, _STATEMENT_KEYS, where)
    if not isinstance(raw.get("Sid", ""), str):
        raise PolicyFormatError(f"{where}.Sid must be a string, got {_kind(raw['Sid'])}")
    effect = raw.get("Effect")
    if not isinstance(effect, str) or effect.capitalize() not in ("Allow", "Deny"):
        raise PolicyFormatError(f"{where}.Effect must be Allow or Deny, got {effect!r}")
    if ("Action" in raw) == ("NotAction" in raw):
        raise PolicyFormatError(f"{where} needs exactly one of Action and NotAction")
    return Statement(
        effect=effect.capitalize(),  # type: ignore[arg-type]
        actions=_strings(raw, "Action", where, str.casefold),
        not_actions=_strings(raw, "NotAction", where, str.casefold),
        resources=_strings(raw, "Resource", where, rewrite),
        not_resources=_strings(raw, "NotResource", where, rewrite),
        principals=_principals(raw, "Principal", where, rewrite),
        not_principals=_principals(raw, "NotPrincipal", where, rewrite),
        conditions=_conditions(raw.get("Condition"), where, rewrite),
    )


def _strings(raw: dict[str, Any], key: str, where: str, rewrite: Rewrite) -> tuple[str, ...]:
    if key not in raw:
        return ()
    value = raw[key]
    items = value if isinstance(value, list) else [value]
    if not items or not all(isinstance(item, str) and item for item in items):
        raise PolicyFormatError(f"{where}.{key} must be a non-empty string or list of strings")
    return tuple(sorted({rewrite(item) for item in items}))


def _principals(raw: dict[str, Any], key: str, where: str, rewrite: Rewrite) -> tuple[Principal, ...]:
    if key not in raw:
        return ()
    value = raw[key]
    # "*" and {"AWS": "*"} are documented as the same principal: everyone.
    if value == "*":
        value = {"AWS": "*"}
    if not isinstance(value, dict) or not value:
        raise PolicyFormatError(f'{where}.{key} must be "*" or an object of principal lists')
    found: set[Principal] = set()
    for kind in value:
        for entry in _strings(value, kind, f"{where}.{key}", str):
            found.add(Principal(type=kind, value=rewrite(_account_root(entry))))
    return tuple(sorted(found, key=lambda p: (p.type, p.value)))


def _account_root(entry: str) -> str:
    # A bare account ID and its :root ARN name the same principal.
    return f"arn:aws:iam::{entry}:root" if _BARE_ACCOUNT.match(entry) else entry


def _conditions(raw: Any, where: str, rewrite: Rewrite) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise PolicyFormatError(f"{where}.Condition must be an object, got {_kind(raw)}")
    found: set[Condition] = set()
    for operator, tests in raw.items():
        if not isinstance(tests, dict):
            raise PolicyFormatError(f"{where}.Condition.{operator} must be an object, got {_kind(tests)}")
        for key, values in tests.items():
            items = values if isinstance(values, list) else [values]
            if not all(isinstance(item, str | bool | int | float) for item in items):
                raise PolicyFormatError(f"{where}.Condition.{operator}.{key} must hold strings, numbers or booleans")
            texts = {rewrite(_condition_text(item)) for item in items}
            canonical = equivalent_operator(canonical_operator(operator), texts)
            if ignores_case(canonical):
                texts = {text.casefold() for text in texts}
            found.add(Condition(operator=canonical, key=key.casefold(), values=tuple(sorted(texts))))
    return tuple(sorted(found, key=lambda c: (c.operator, c.key, c.values)))


def _condition_text(value: str | bool | float) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _reject_unknown(raw: dict[str, Any], allowed: frozenset[str], where: str) -> None:
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise PolicyFormatError(f"{where} has unknown element {unknown[0]!r}")


def _sort_key(statement: Statement) -> tuple[object, ...]:
    return (
        statement.effect,
        statement.actions,
        statement.not_actions,
        statement.resources,
        statement.not_resources,
        [(p.type, p.value) for p in statement.principals],
        [(p.type, p.value) for p in statement.not_principals],
        [(c.operator, c.key, c.values) for c in statement.conditions],
    )


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
