"""A template's output taken in pieces, for reports written without being held whole."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice


def batches(chunks: Iterator[str], count: int = 4096) -> Iterator[str]:
    """Jinja's output (`Template.generate`) joined `count` chunks at a time: it yields one per expression and
    literal, too small to handle one by one."""
    while batch := list(islice(chunks, count)):
        yield "".join(batch)
