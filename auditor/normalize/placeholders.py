"""Account IDs and environment tokens inside values become `${Account}` and `${Env}`, and back."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from auditor.errors import PolicyFormatError
from auditor.model.documents import MAX_DEPTH

ACCOUNT = "${Account}"
ENV = "${Env}"
# A wildcard ends a segment too: `orders-prod*` is prod's `orders-prod...`, as `orders-dev*` is dev's.
SEGMENT_DELIMITERS = "-_/.:*?"
# Keys whose values are not account- or environment-specific data.
LITERAL_KEYS = frozenset({"Version", "Id", "Sid", "Effect", "Action", "NotAction"})


_PLACEHOLDER = re.compile(r"\$\$|\$\{Account\}|\$\{Env\}")
_NOTHING_KNOWN: Mapping[str, str] = {}


def spelled(text: str, env: str) -> str:
    """`text` with `${Env}` written out as `env`, all else as it is: how an account's name reads letter for letter
    (up to its account ID), so names of two accounts can be compared as written."""
    if ENV not in text:
        return text
    return _PLACEHOLDER.sub(lambda found: escape_literal(env) if found.group() == ENV else found.group(), text)


def escape_literal(text: str) -> str:
    """`$` doubled, so a value that already reads `${Env}` can never pass for a placeholder (`$${Env}` is not one)."""
    return text.replace("$", "$$")


@cache
def env_segment_pattern(*tokens: str) -> re.Pattern[str]:
    """Match any token only as a whole segment between `-`, `_`, `/`, `.`, `:` (`dev` never hits `device`)."""
    delim = re.escape(SEGMENT_DELIMITERS)
    # Longest first, so `production` wins over `prod` where both would match.
    alternatives = "|".join(re.escape(token) for token in sorted(tokens, key=len, reverse=True))
    return re.compile(rf"(?<![^{delim}])(?:{alternatives})(?![^{delim}])", re.IGNORECASE)


@dataclass(frozen=True)
class AccountContext:
    """The account-specific tokens of one account: its ID and its environment name."""

    account_id: str
    env: str
    """The primary env token: what `${Env}` turns back into."""
    tokens: tuple[str, ...] = ()
    """Every token that reads as this account's env (default: just `env`)."""
    _account: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _seen: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_account", re.compile(rf"(?<!\d){re.escape(self.account_id)}(?!\d)"))
        # The same ARNs recur across thousands of statements; two regex passes each add up.
        object.__setattr__(self, "_seen", {})

    def to_placeholders(self, text: str) -> str:
        """Replace this account's ID and env segment with placeholders (a literal `$` is written `$$`)."""
        done = self._seen.get(text)
        if done is None:
            escaped = escape_literal(text)
            done = env_segment_pattern(*(self.tokens or (self.env,))).sub(ENV, self._account.sub(ACCOUNT, escaped))
            self._seen[text] = done
        return done

    @property
    def known(self) -> Mapping[str, str]:
        """Every text `to_placeholders` has mapped so far, and what it made of each."""
        return self._seen

    def placeholdered(self, document: Any) -> Any:
        """`map_values(document, self.to_placeholders)`: every value string of a document with placeholders."""
        return map_values(document, self.to_placeholders, known=self._seen)

    def from_placeholders(self, text: str) -> str:
        """Put this account's ID and env back where placeholders stand, and literal `$` back where `$$` does."""
        values = {ACCOUNT: self.account_id, ENV: self.env, "$$": "$"}
        return _PLACEHOLDER.sub(lambda found: values[found.group()], text)

    def retarget(self, document: Any, target: AccountContext) -> Any:
        """Rewrite a document written for this account so it reads as written for `target`."""
        return map_values(document, lambda text: target.from_placeholders(self.to_placeholders(text)))


def map_values(node: Any, func: Callable[[str], str], depth: int = 0, known: Mapping[str, str] = _NOTHING_KNOWN) -> Any:
    """Apply `func` to every string value of a policy document, except names and actions; `known` holds strings
    already mapped (func's own cache), taken from it rather than by a call. What `func` leaves as it is, the result
    shares with `node`: neither may be changed in place.

    PolicyFormatError past MAX_DEPTH levels: no valid document nests that deep, and recursion would fail.
    """
    if isinstance(node, dict):
        return _mapped(node, node.items(), func, depth, known)
    if isinstance(node, list):
        return _mapped(node, enumerate(node), func, depth, known)
    _within(depth)
    if isinstance(node, str):
        return known[node] if node in known else func(node)
    return node


# Every role of an account passes here for its signature: plain dicts, lists and strings, most of a document, are
# handled in the loop rather than by a call each, and a string seen before costs a lookup. A container none of whose
# strings change (a statement on "*", a service principal) is returned as it is, not copied: a quarter less time.
def _mapped(
    node: Any, entries: Iterable[tuple[Any, Any]], func: Callable[[str], str], depth: int, known: Mapping[str, str]
) -> Any:
    """`node` (a dict, or a list) mapped, its `entries` being its items (or its items enumerated)."""
    _within(depth)
    mapped = None
    for key, value in entries:
        if key in LITERAL_KEYS:  # a list's index never is
            continue
        kind = value.__class__
        if kind is str:
            new = known[value] if value in known else func(value)
        elif kind is dict:
            new = _mapped(value, value.items(), func, depth + 1, known)
        elif kind is list:
            new = _mapped(value, enumerate(value), func, depth + 1, known)
        else:
            new = map_values(value, func, depth + 1, known)
        # Equal strings need not be one object (a parser's string cache keeps only some): equal is unchanged.
        if new is not value and (kind is not str or new != value):
            if mapped is None:
                mapped = node.copy()
            mapped[key] = new
    return node if mapped is None else mapped


def _within(depth: int) -> None:
    if depth > MAX_DEPTH:
        raise PolicyFormatError(f"document is nested more than {MAX_DEPTH} levels deep")
