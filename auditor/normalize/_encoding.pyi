from collections.abc import Callable, Mapping
from typing import Any

def encode(
    node: Any,
    func: Callable[[str], str],
    known: Mapping[str, str],
    literal_keys: frozenset[str],
    max_depth: int,
    error: type[Exception],
) -> bytes: ...
