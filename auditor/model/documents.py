"""JSON as the tool reads it (strict) and prints it, and policy documents as they arrive: decoded, JSON text, or
URL-encoded."""

from __future__ import annotations

import json
import math
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from typing import Any
from urllib.parse import unquote

import jiter
import orjson
from jiter import LosslessFloat

from auditor.errors import PolicyFormatError

MAX_DEPTH = 64
"""Deeper than any valid policy or snapshot: IAM's grammar nests a handful of levels."""


class DuplicateKeyError(ValueError):
    """A JSON object names the same key twice; which one counts would be a guess."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise DuplicateKeyError(f"duplicate key {key!r}")
            seen.add(key)
    return found


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    # JSON has no infinity; a number past a double's range would read as one, and orjson (which signs roles
    # and carries them between processes) writes infinity as null.
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"the number {text[:40]} is out of range")
    return number


def loads_strict(text: str | bytes) -> Any:
    """Parse JSON, refusing duplicate keys, NaN/Infinity (or numbers that would read as it) and absurd nesting
    (ValueError says which).

    json.JSONDecodeError carries the position; other ValueErrors describe the problem in words.
    """
    if isinstance(text, bytes):
        data = _parsed_at_once(text)
        if data is not _LEFT_TO_JSON:
            return data
    try:
        # A hook on every object doubles the time json takes on a large snapshot; parsed without one, the
        # data is checked for lost keys at once, and parsed again with the hook only when that cannot tell.
        data = json.loads(text, parse_float=_finite, parse_constant=_no_constant)
        if kept_every_key(text, data):
            return data
        return json.loads(text, object_pairs_hook=_unique_keys, parse_float=_finite, parse_constant=_no_constant)
    except RecursionError:
        raise ValueError("nested too deeply") from None


_LEFT_TO_JSON = object()


def _parsed_at_once(text: bytes) -> Any:
    """`text` parsed by jiter; _LEFT_TO_JSON where jiter refuses it or it holds a number with a fraction or an
    exponent, so that json decides and says why.

    jiter refuses a repeated key as it reads, where json needs a second look, and makes each repeated string
    once: a 10,000-role snapshot is read in two thirds of the time, into half the memory pages. What it admits,
    json reads alike, but for a number past a double's range, which jiter reads as infinity.
    """
    if not _COUNTS_INSTANCES:
        data = _lossless(text)
        return data if data is _LEFT_TO_JSON or _holds_no_lossless_float(data) else _LEFT_TO_JSON
    # Each number with a fraction or an exponent is a LosslessFloat; policies seldom hold one. CPython's heap types
    # are referenced by each of their instances, so the count says whether this parse made any, without a walk of
    # the data (0.05 s at 10,000 roles). The lock keeps another thread's parse out of the count.
    with _PARSING:
        before = sys.getrefcount(LosslessFloat)
        data = _lossless(text)
        if data is not _LEFT_TO_JSON and sys.getrefcount(LosslessFloat) != before:
            del data  # inside the lock: its LosslessFloats go before another parse counts
            return _LEFT_TO_JSON
        return data


def _lossless(text: bytes) -> Any:
    try:
        return jiter.from_json(
            text, allow_inf_nan=False, catch_duplicate_keys=True, cache_mode="all", float_mode="lossless-float"
        )
    except ValueError:
        return _LEFT_TO_JSON


_PARSING = threading.Lock()
_HEAP_TYPE = 1 << 9
"""Py_TPFLAGS_HEAPTYPE: a type whose instances each hold a reference to it."""
_COUNTS_INSTANCES = sys.implementation.name == "cpython" and bool(LosslessFloat.__flags__ & _HEAP_TYPE)


def _holds_no_lossless_float(data: Any) -> bool:
    try:
        # orjson cannot write a LosslessFloat (nor an integer past 64 bits, which json reads alike anyway). Written a
        # role or a policy at a time, the pieces take the same few pages over and over, where the whole file written
        # at once would take as many as it fills.
        for piece in _pieces(data):
            orjson.dumps(piece)
    except TypeError:
        return False
    return True


def _pieces(data: Any) -> Iterator[Any]:
    """Everything in `data`, as the values two levels down (in a snapshot, its roles and policies), and the
    values above them that hold no others."""
    for child in data.values() if isinstance(data, dict) else data if isinstance(data, list) else (data,):
        if isinstance(child, dict):
            yield from child.values()
        elif isinstance(child, list):
            yield from child
        else:
            yield child


def kept_every_key(text: str | bytes, data: Any) -> bool:
    """True if `data`, parsed from the valid JSON `text`, holds every key `text` names; False if it may not.

    Outside its strings, a colon in JSON is a key's; inside them, one is written as itself unless escaped as
    \\u003a. A duplicate key drops a colon from the data (and those of its value) and adds none, so where
    `text` escapes no colon, as many colons in the data written out as in `text` mean no key was lost.
    """
    if isinstance(text, str):
        escaped = "\\" in text and ("\\u003a" in text or "\\u003A" in text)
        colons = text.count(":")
    else:
        if json.detect_encoding(text) not in ("utf-8", "utf-8-sig"):
            return False  # in UTF-16 or UTF-32, a colon's byte may be half of another character
        escaped = b"\\" in text and (b"\\u003a" in text or b"\\u003A" in text)
        colons = text.count(b":")
    if escaped:
        return False
    try:
        written = orjson.dumps(data)
    except orjson.JSONEncodeError:  # integers beyond 64 bits, lone surrogates, deep nesting: rare, and slow anyway
        return False
    return written.count(b":") == colons


def within_depth(document: Any) -> Any:
    """`document` itself, or ValueError if it nests deeper than MAX_DEPTH (checked without recursion)."""
    # Level by level, with no tuple per node: every policy of a snapshot passes here.
    level = [document]
    for _ in range(MAX_DEPTH + 1):
        below = []
        for node in level:
            for child in node.values() if isinstance(node, dict) else node:
                if isinstance(child, dict | list):
                    below.append(child)
        if not below:
            return document
        level = below
    raise ValueError(f"document is nested more than {MAX_DEPTH} levels deep")


def arrays_for(levels: int) -> int:
    """How many arrays (`[` before a JSON text, `]` after it) to read a text inside, for `loads_within` to learn from
    its one parse that it nests at most `levels` deep; 0 where jiter's limit cannot tell (see `nesting_limit`)."""
    limit = nesting_limit()
    return limit + 1 - levels if 0 < levels <= limit else 0


def loads_within(wrapped: bytes, arrays: int, levels: int) -> tuple[Any, bool]:
    """`loads_strict(text)` and `nests_within(text, levels)` of the text that `wrapped` holds inside `arrays` arrays
    (as many as `arrays_for(levels)` says; with none, `wrapped` is the text itself): most often both from one parse.

    jiter refuses values nested past a fixed limit: inside as many arrays as leave it `levels`, a text it parses
    nests no deeper than that. A walk of the bytes (0.06 s and more at 10,000 roles) is left for a text it refuses.
    """
    if arrays:
        data = _unwrapped(_parsed_at_once(wrapped), arrays)
        if data is not _LEFT_TO_JSON and 0 < arrays_for(levels) <= arrays:  # fewer arrays would prove less
            return data, True
        text = wrapped[arrays : len(wrapped) - arrays]
        if data is not _LEFT_TO_JSON:
            return data, nests_within(text, levels)
    else:
        text = wrapped
    return loads_strict(text), nests_within(text, levels)


def _unwrapped(data: Any, arrays: int) -> Any:
    # Where the text is not JSON by itself, the arrays around it may still be, but not arrays of one item each:
    # then the text is parsed alone, and refused with the reason why.
    for _ in range(arrays):
        if type(data) is not list or len(data) != 1:
            return _LEFT_TO_JSON
        data = data[0]
    return data


_PROBED = 4096
"""Nesting probed for jiter's limit; a parser that admits more has no limit to use."""


@cache
def nesting_limit() -> int:
    """The deepest a value may sit inside arrays and objects for jiter to parse it (200 in jiter 0.19); 0 where
    it parses all it was tried with."""

    def parses(depth: int) -> bool:
        return _lossless(b"[" * depth + b"0" + b"]" * depth) is not _LEFT_TO_JSON

    if parses(_PROBED):
        return 0
    low, high = 0, _PROBED  # parses(low) or low == 0; not parses(high)
    while high - low > 1:
        middle = (low + high) // 2
        low, high = (middle, high) if parses(middle) else (low, middle)
    return low


# Every byte but the quotes and brackets, which are all that decide how deep JSON nests; arrays read as objects.
_NOT_STRUCTURE = bytes(byte for byte in range(256) if byte not in b'"{}[]')
_AS_OBJECTS = bytes.maketrans(b"[]", b"{}")
_QUOTED = re.compile(rb'"[^"]*"')


def nests_within(text: bytes, levels: int) -> bool:
    """True if no object or array of valid UTF-8 JSON `text` nests more than `levels` deep, judged on the bytes
    without a walk of the parsed data. False means it may: `within_depth` on each document then decides."""
    if b"\x00" in text[:4]:
        return False  # UTF-16 or UTF-32 (which json.loads reads): a quote or bracket byte may be half a character
    if b"\\" in text:
        # Escaped backslashes, then escaped quotes: the quotes left are exactly where strings start and end.
        text = text.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Adjacent quotes go in pairs: two strings merged, or one emptied, are still only strings.
    text = text.translate(_AS_OBJECTS, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in text:
        text = _QUOTED.sub(b"", text)  # strings holding brackets, such as ${aws:username}
    # Each pass removes the containers that hold no container (replace does not look again at what it joined):
    # exactly one level of every branch.
    for _ in range(levels):
        if not text:
            return True
        text = text.replace(b"{}", b"")
    return not text


_BOUNDED: ContextVar[bool] = ContextVar("documents_bounded", default=False)


@contextmanager
def depth_bounded() -> Iterator[None]:
    """Documents validated within were parsed from a JSON file measured whole: they nest at most MAX_DEPTH levels,
    and their keys are strings."""
    token = _BOUNDED.set(True)
    try:
        yield
    finally:
        _BOUNDED.reset(token)


def checked_depth(document: Any) -> Any:
    """`within_depth(document)`, unless the file it came from was measured whole (see `depth_bounded`)."""
    return document if _BOUNDED.get() else within_depth(document)


def from_measured_file() -> bool:
    """True inside `depth_bounded`: the documents being validated came from a JSON file measured whole."""
    return _BOUNDED.get()


def decode_document(document: Any) -> Any:
    """Accept a document as decoded JSON, a JSON string, or URL-encoded JSON; anything else as it is."""
    if not isinstance(document, str):
        return document
    text = unquote(document) if document.lstrip()[:3].upper() == "%7B" else document
    try:
        decoded = loads_strict(text)
    except json.JSONDecodeError as exc:
        raise PolicyFormatError(f"document is not valid JSON ({exc.msg} at position {exc.pos})") from None
    except ValueError as exc:
        raise PolicyFormatError(f"document is not valid JSON ({exc})") from None
    if not isinstance(decoded, dict | list):
        return decoded
    try:
        # Checked here, not only where a model holds it: a file measured whole says nothing of JSON in its strings.
        return within_depth(decoded)
    except ValueError as exc:
        raise PolicyFormatError(str(exc)) from None


def indented(document: Any) -> str:
    """`json.dumps(document, indent=2, ensure_ascii=False)`, character for character: written by orjson where it
    writes the same text, since reports and fixes print a document for each finding."""
    try:
        text = orjson.dumps(document, option=orjson.OPT_INDENT_2).decode("utf-8")
    except TypeError:  # integers past 64 bits, lone surrogates, keys that are not strings
        return json.dumps(document, indent=2, ensure_ascii=False)
    # orjson writes NaN and infinity as null, and floats in its own way (1e16 for 1e+16, 0.0000117 for 1.17e-05).
    # Policies seldom hold either; a string that reads like one only costs the slower writer.
    if "null" in text or _FLOAT.search(text):
        return json.dumps(document, indent=2, ensure_ascii=False)
    return text


_FLOAT = re.compile(r'(?m)(?:^ *|": )-?[0-9]+[.eE]')
"""A number with a fraction or an exponent where one can stand in indented JSON: first on its line, or a value."""


def action_count(document: dict[str, Any]) -> int | None:
    """Number of Action entries as written, when every statement lists its actions as a JSON list."""
    statements = document.get("Statement")
    items = statements if isinstance(statements, list) else [statements]
    if not items or not all(isinstance(s, dict) and isinstance(s.get("Action"), list) for s in items):
        return None
    return sum(len(s["Action"]) for s in items if isinstance(s, dict))


_DOCUMENT_ORDER = ("Version", "Id", "Statement")
_STATEMENT_ORDER = (
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
)


def conventional_order(document: Any) -> Any:
    """The document with keys in the order AWS documentation writes them (JSON order carries no meaning)."""
    if not isinstance(document, dict):
        return document
    ordered = _ordered(document, _DOCUMENT_ORDER)
    statements = ordered.get("Statement")
    if isinstance(statements, list):
        ordered["Statement"] = [_ordered(s, _STATEMENT_ORDER) if isinstance(s, dict) else s for s in statements]
    elif isinstance(statements, dict):
        ordered["Statement"] = _ordered(statements, _STATEMENT_ORDER)
    return ordered


def _ordered(mapping: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    known = {key: mapping[key] for key in order if key in mapping}
    return known | {key: value for key, value in mapping.items() if key not in known}
