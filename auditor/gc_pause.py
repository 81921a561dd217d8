"""Pause Python's cyclic garbage collector while large acyclic data is built.

Reading a 10,000-role snapshot allocates millions of dicts and strings; the collector would walk them
again and again (3.5 s instead of 0.7 s for two such files). Nothing built there forms cycles, so
reference counting frees it all the same; the collector runs as usual once the block ends.

Data the run keeps (a snapshot read from a file) can be frozen as the block ends: otherwise the first
collection after it walks every object the block built (0.2 s per 10,000-role file), and each older
generation walks them again later. Frozen objects are still freed by reference counting; `thaw` hands
them back to the collector as each target is done and when the run ends, so a cycle frozen along with them
(another thread's garbage) does not outlive its account. A process that froze objects of its own before
(a server forked from a frozen parent) is left as it is: nothing is frozen, and nothing of its thawed.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Frozen:
    """Whether what the collector holds frozen was frozen here, and may be thawed here."""

    lock = threading.Lock()
    here = False


@contextmanager
def gc_paused(freeze: bool = False) -> Iterator[None]:
    """Disable the cyclic collector inside the block, restoring its previous state after.

    `freeze`: move everything alive as the block ends out of the collector's sight, until `thaw`."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            _freeze()
        if was_enabled:
            gc.enable()


def _freeze() -> None:
    with _Frozen.lock:
        if _Frozen.here or gc.get_freeze_count() == 0:
            gc.freeze()
            _Frozen.here = True


def thaw() -> None:
    """Give what was frozen here back to the collector (the oldest generation): once a target is done, and at
    the end of a run."""
    with _Frozen.lock:
        if _Frozen.here:
            gc.unfreeze()
            _Frozen.here = False


@contextmanager
def frozen() -> Iterator[None]:
    """Everything alive as the block begins is out of the collector's sight inside it (unless the process froze
    objects of its own): the findings and modules reports are rendered from, which each full collection while
    rendering would walk for nothing (0.1 s at 10,000 roles)."""
    _freeze()
    try:
        yield
    finally:
        thaw()
