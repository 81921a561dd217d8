"""CPU-bound work shared with forked helper processes, each handing back its share's results pickled.

Python runs one thread of Python code at a time, so comparing thousands of differing roles uses one CPU
however many there are. A forked helper starts at once with every module and all the data already in
place (copy-on-write). Each process takes the next item not yet taken as it finishes one, so that a few
costly items (a report in HTML beside one in JSON) do not leave one process working while the others wait.
Forking is safe only while no other thread runs (a lock another thread holds stays held in the child), so
helpers are forked only then, and only on Linux.

The results are those of one process in every case: in order, and when an item raises, the first such
error in order. A helper that fails in any way (its item raises, it is killed, its results cannot be
pickled) has the items it took done again here, in order; an error here stops the helpers and does the
whole work again here. Items that can be used only once (iterators, such as reports rendered as they are
written) cannot be done again here once this process has begun them: with `once`, an error here stops the
helpers and is raised as it is.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import pickle
import signal
import struct
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
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


def _nothing() -> None:
    return None


def map_shared(
    func: Callable[[Item], Result],
    items: Sequence[Item],
    min_share: int,
    once: bool = False,
    meanwhile: Callable[[], None] = _nothing,
) -> list[Result]:
    """`[func(item) for item in items]`, shared with one helper process per other CPU where one may be forked
    and there are at least `min_share` items per process; `once`: see above. `meanwhile`, work of this process's
    own, is done once: before it takes items while helpers take theirs, or after the items where none was forked."""
    shares = min(usable_cpus(), len(items) // max(1, min_share))
    if shares < 2 or not may_fork():
        alone = [func(item) for item in items]
        meanwhile()
        return alone
    log.info("%d items shared among %d processes", len(items), shares)
    reap_helpers()
    helpers: list[_Helper] = []
    with _Claims(len(items)) as claims:
        try:
            for _ in range(1, shares):
                helper = _Helper.fork(func, items, claims)
                if helper is None:  # no memory or no process left for a fork: what is left is done here
                    break
                helpers.append(helper)
            # This process's own work first, while the helpers take items: done last, it ran once the items were
            # all taken, the helpers finishing their last ones as it began and then waiting for it.
            meanwhile()
            results: dict[int, Result] = {}
            try:
                for index in claims:
                    results[index] = func(items[index])
            except Exception:
                _stop(helpers)
                if once:
                    raise
                return [func(item) for item in items]  # done again in one process, which meets it (or one before)
            for helper in helpers:
                results.update(helper.results() or {})
        except BaseException:
            _stop(helpers)  # Ctrl-C: helpers ignore it, so the run stops them itself
            raise
    # Taken by a helper that failed: done here, in order, where the first error among them is the first of all.
    return [results[index] if index in results else func(item) for index, item in enumerate(items)]


_END = None
"""What a helper writes after its last result: every result is an (index, result) pair."""
_INDEX = struct.Struct("<I")
_CLAIMS = 1024
"""At most this many claims, 4 KiB of indices: what any pipe holds, even one the system gives a single page."""


class _Claims:
    """Every item's index, in order, in a pipe all processes read: a read of one index takes that item (with more
    than _CLAIMS items, a run of items). Reads of a few bytes from a pipe are whole, so nothing is taken twice;
    the writing end is closed before any helper is forked, so an empty pipe reads as its end."""

    def __init__(self, count: int) -> None:
        self._count = count
        self._step = max(1, -(-count // _CLAIMS))
        self._readable, writable = os.pipe()
        try:
            os.write(writable, b"".join(_INDEX.pack(start) for start in range(0, count, self._step)))
        except BaseException:
            os.close(self._readable)
            raise
        finally:
            os.close(writable)

    def __iter__(self) -> Iterator[int]:
        while taken := os.read(self._readable, _INDEX.size):
            start = _INDEX.unpack(taken)[0]
            yield from range(start, min(start + self._step, self._count))

    def __enter__(self) -> _Claims:
        return self

    def __exit__(self, *_: object) -> None:
        os.close(self._readable)


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
    def fork(cls, func: Callable[[Any], Any], items: Sequence[Any], claims: _Claims) -> _Helper | None:
        """Fork a helper doing the items it takes from `claims`; None if no process can be forked."""
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
                # Each result is pickled as it is made, between the items, rather than all once the items are
                # taken, which the run would wait for (0.02 s for the findings of 250 differing roles). One pickler
                # writes them all, so what results share (action names, descriptions) is written once, and read
                # back once: 12 ms instead of 17 for those findings, in 1.6 MB instead of 2.2.
                written = io.BytesIO()
                pickler = pickle.Pickler(written, protocol=pickle.HIGHEST_PROTOCOL)
                for index in claims:
                    pickler.dump((index, func(items[index])))
                pickler.dump(_END)  # a share cut short lacks it, and is not taken (see `results`)
                with os.fdopen(writable, "wb") as out:
                    out.write(written.getbuffer())
                code = 0
            finally:
                os._exit(code)
        os.close(writable)
        return cls(pid, readable)

    def results(self) -> dict[int, Any] | None:
        """The results of the items it took, by index, once the helper has sent them; None if it failed in any way."""
        pipe, self.pipe = self.pipe, None
        if pipe is None:
            return None
        with os.fdopen(pipe, "rb") as source:
            data = source.read()
        # The results are taken without waiting for the helper to exit, which takes as long as the system needs to
        # free its memory (0.01 s after comparing 10,000 roles): it is reaped later (see `reap_helpers`).
        self.reap(wait=False)
        done: dict[int, Any] = {}
        try:
            unpickler = pickle.Unpickler(io.BytesIO(data))
            while (taken := unpickler.load()) is not _END:
                index, result = taken
                done[index] = result
        except Exception:  # noqa: BLE001 - sent in part (a helper that failed or was killed), or a result that pickles
            return None  # but does not unpickle: its share is done here
        return done

    def reap(self, wait: bool) -> None:
        """Take its exit status once it has exited; without `wait`, only if it has (else `reap_helpers` will)."""
        if self.reaped:
            return
        try:
            pid, self.status = os.waitpid(self.pid, 0 if wait else os.WNOHANG)
        except ChildProcessError:  # reaped by someone else, or by the system where SIGCHLD is ignored
            pid, self.status = self.pid, None
        self.reaped = pid == self.pid
        if not self.reaped:
            _UNREAPED.append(self)

    def stop(self) -> None:
        """Kill the helper if it still runs, and reap it."""
        pipe, self.pipe = self.pipe, None
        if pipe is not None:
            os.close(pipe)
        if not self.reaped:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.reap(wait=True)


_UNREAPED: list[_Helper] = []
"""Helpers whose results were taken before they exited."""


def reap_helpers() -> None:
    """Wait for the helpers whose results were taken before they exited (by now, long since exited): done before
    helpers are forked again, so that none is left behind however many runs a process makes."""
    waiting = list(_UNREAPED)
    _UNREAPED.clear()
    for helper in waiting:
        helper.reap(wait=True)


def _stop(helpers: list[_Helper]) -> None:
    for helper in helpers:
        helper.stop()
