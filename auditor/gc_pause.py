"""Pause Python's cyclic garbage collector while large acyclic data is built.

Reading a 10,000-role snapshot allocates millions of dicts and strings; the collector would walk them
again and again (3.5 s instead of 0.7 s for two such files). Nothing built there forms cycles, so
reference counting frees it all the same; the collector runs as usual once the block ends.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block, restoring its previous state after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
