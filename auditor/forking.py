"""CPU-bound work shared with forked helper processes, each handing back its share's results pickled.

Python runs one thread of Python code at a time, so comparing thousands of differing roles uses one CPU
however many there are. A forked helper starts at once with every module and all the data already in
place (copy-on-write), and takes every n-th item. Forking is safe only while no other thread runs (a lock
another thread holds stays held in the child), so helpers are forked only then, and only on Linux.

The results are those of one process in every case: in order, and when an item raises, the first such
error in order. A helper that fails in any way (its item raises, it is killed, its results cannot be
pickled) has its share done again here, in order; an error here stops the helpers and does the whole
work again here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

log = logging.getLogger(__name__)
Item = TypeVar("Item")
Result = TypeVar("Result")


def usable_cpus() -> int:
    """CPUs this process may run on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def may_fork() -> bool:
    """True where a child may be forked now: Linux, and no thread but this one."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def ignore_interrupts() -> None:
    """In a forked process: leave Ctrl-C to the run, which reaches the whole process group and stops its
    children itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def map_shared(func: Callable[[Item], Result], items: Sequence[Item], min_share: int) -> list[Result]:
    """`[func(item) for item in items]`, with one helper process per other CPU taking a share of at least
    `min_share` items, where one may be forked."""
    shares = min(usable_cpus(), len(items) // max(1, min_share))
    if shares < 2 or not may_fork():
        return [func(item) for item in items]
    log.info("%d items shared among %d processes", len(items), shares)
    helpers: list[_Helper] = []
    try:
        for share in range(1, shares):
            helper = _Helper.fork(func, items[share::shares])
            if helper is None:  # no memory or no process left for a fork
                _stop(helpers)
                return [func(item) for item in items]
            helpers.append(helper)
        results: list[Result | None] = [None] * len(items)
        try:
            results[0::shares] = [func(item) for item in items[0::shares]]
        except Exception:  # noqa: BLE001 - done again in one process, which meets it (or one before it)
            _stop(helpers)
            return [func(item) for item in items]
        failed: list[int] = []
        for share, helper in enumerate(helpers, start=1):
            done = helper.results()
            if done is None:
                failed.extend(range(share, len(items), shares))
            else:
                results[share::shares] = done
    except BaseException:
        _stop(helpers)  # Ctrl-C: helpers ignore it, so the run stops them itself
        raise
    for index in sorted(failed):
        results[index] = func(items[index])
    return results  # type: ignore[return-value]  # every slot is filled above


class _Helper:
    """A forked process doing one share, and the pipe its results come back by."""

    def __init__(self, pid: int, pipe: int) -> None:
        self.pid = pid
        self.pipe: int | None = pipe
        """None once closed."""
        self.reaped = False
        self.status: int | None = None
        """The exit status once reaped; None where the process ignores SIGCHLD, and so has none."""

    @classmethod
    def fork(cls, func: Callable[[Any], Any], share: Sequence[Any]) -> _Helper | None:
        """Fork a helper doing `share`; None if no process can be forked."""
        readable, writable = os.pipe()
        try:
            pid = os.fork()
        except OSError:
            os.close(readable)
            os.close(writable)
            return None
        if pid == 0:  # the helper: never returns, never runs the parent's cleanup or exit handlers
            code = 1
            try:
                ignore_interrupts()
                os.close(readable)
                data = pickle.dumps([func(item) for item in share], protocol=pickle.HIGHEST_PROTOCOL)
                with os.fdopen(writable, "wb") as out:
                    out.write(data)
                code = 0
            finally:
                os._exit(code)
        os.close(writable)
        return cls(pid, readable)

    def results(self) -> list[Any] | None:
        """The share's results, once the helper is done; None if it failed in any way."""
        pipe, self.pipe = self.pipe, None
        if pipe is None:
            return None
        with os.fdopen(pipe, "rb") as source:
            data = source.read()
        self.status, self.reaped = _reaped(self.pid), True
        if self.status not in (0, None):  # None: reaped by someone else; a share cut short does not unpickle
            return None
        try:
            done: list[Any] = pickle.loads(data)
        except Exception:  # noqa: BLE001 - a result that pickles but does not unpickle: its share is done here
            return None
        return done

    def stop(self) -> None:
        """Kill the helper if it still runs, and reap it."""
        pipe, self.pipe = self.pipe, None
        if pipe is not None:
            os.close(pipe)
        if not self.reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.status, self.reaped = _reaped(self.pid), True


def _reaped(pid: int) -> int | None:
    """The helper's exit status once it ends (None: see `_Helper.status`)."""
    try:
        return os.waitpid(pid, 0)[1]
    except ChildProcessError:
        return None


def _stop(helpers: list[_Helper]) -> None:
    for helper in helpers:
        helper.stop()
