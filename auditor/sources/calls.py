"""Count AWS API calls per operation, from botocore's own events, on every client the tool makes."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any


class ApiCalls:
    """A thread-safe tally of API calls made, as `service:Operation` -> count (retries not counted)."""

    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def attach(self, register: Callable[..., Any]) -> None:
        """Count every call made by the client or session whose `register` this is."""
        register("before-call.*.*", self._count)

    def _count(self, model: Any, **_: Any) -> None:
        with self._lock:
            self._counts[f"{model.service_model.service_name}:{model.name}"] += 1

    def totals(self) -> dict[str, int]:
        """The counts so far, sorted by operation."""
        with self._lock:
            return dict(sorted(self._counts.items()))
