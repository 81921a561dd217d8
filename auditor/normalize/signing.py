"""What a role's signature digests: its documents with `${Account}` and `${Env}` in place, in one encoding.

Where the compiled encoder was built (`_encoding.c`, when `pip install` found a C compiler), each document is
encoded as its strings are mapped, in one pass; elsewhere the documents are rewritten by `map_values` and
written by orjson with sorted keys, as fast as Python goes. Either way equal digests mean equal rewritten
documents, and every process of a run signs the same way (the workers are forked from it).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from typing import Any

import orjson

from auditor.errors import PolicyFormatError
from auditor.model.documents import MAX_DEPTH
from auditor.normalize.placeholders import LITERAL_KEYS, AccountContext

encode: Callable[[Any, Callable[[str], str], Mapping[str, str], frozenset[str], int, type[Exception]], bytes] | None
try:
    from auditor.normalize import _encoding
except ImportError:  # installed without a C compiler
    encode = None
else:
    encode = _encoding.encode


class Signer:
    """Signed forms of one account's documents, and the digest of a role's documents and signed parts."""

    def __init__(self, context: AccountContext) -> None:
        self._context = context
        # What the encoder maps value strings with, and where it stops mapping or nesting.
        self._mapping = (context.to_placeholders, context.known, LITERAL_KEYS, MAX_DEPTH, PolicyFormatError)

    def signed(self, document: Any) -> Any:
        """`document` with placeholders, in the form `signature` takes: encoded, where the encoder is built."""
        if encode is None:
            return self._context.placeholdered(document)
        return encode(document, *self._mapping)

    def signature(self, documents: list[Any], signed: list[Any]) -> bytes:
        """SHA-256 of one list: `documents` with placeholders, then `signed`, parts that `signed` made already."""
        if encode is not None:
            text = encode([*documents, *signed], *self._mapping)
        else:
            parts = [*map(self._context.placeholdered, documents), *signed]
            try:
                text = orjson.dumps(parts, option=orjson.OPT_SORT_KEYS)
            except TypeError:  # integers beyond 64 bits: rare enough for the slow path
                text = json.dumps(parts, sort_keys=True, default=str).encode("utf-8")
        return hashlib.sha256(text).digest()
