"""Large snapshot files read in worker processes, while this process reads the baseline.

Parsing, validating and signing a snapshot is Python work that threads cannot share (a 10,000-role file
takes about a second). A worker process does it beside the baseline's read and hands back a
`PortableAccount`: signatures, and each role's record as bytes for the few roles that differ. Live
accounts stay in threads: they wait on AWS, and their clients and credentials stay in this process.

Workers are forked, so they start at once with everything imported (a fresh interpreter would spend about
0.45 s importing what the read needs, as long as the read it would hide). Forking is safe only while no
other thread runs, since a lock another thread holds stays held in the child: workers are forked as the
run begins, before any reading thread, and where another thread already runs (or on a system without fork,
or one that is not Linux), every account is read here as before.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from datetime import datetime

from auditor.config import ResolvedAccount
from auditor.errors import InputFormatError, SnapshotFormatError
from auditor.forking import ignore_interrupts, may_fork, usable_cpus
from auditor.normalize.account import PortableAccount, portable_account
from auditor.sources import collect

READ_AHEAD_BYTES = 8 * 1024 * 1024
"""Snapshot files from this size (about 1,600 roles) are read in a worker: a smaller one is read in a tenth
of a second or so, too little to be worth a process."""


@contextmanager
def named_origin(account: ResolvedAccount) -> Iterator[str]:
    """Where `account` was read from, as format errors name it (its snapshot file, or the account); a format
    error inside the block is raised again naming it."""
    origin = str(account.snapshot) if account.snapshot else f"account {account.name!r}"
    try:
        yield origin
    except InputFormatError as exc:
        raise SnapshotFormatError(f"{origin}: {exc}") from None


def read_portable(account: ResolvedAccount, now: datetime) -> PortableAccount:
    """Read a snapshot account and sign its roles (run in a worker); a malformed file names itself."""
    _Kept.snapshot = None
    snapshot = collect(account, None, now)
    with named_origin(account) as origin:
        portable = portable_account(snapshot, account.name, account.env, account.env_tokens, origin)
    # Freeing the millions of objects parsed takes 0.06 s at 10,000 roles, which the run would wait for before
    # the result is sent: they are freed as the worker's next read begins, or not at all when it exits.
    _Kept.snapshot = snapshot
    return portable


class _Kept:
    """What a worker keeps of its last read."""

    snapshot: object = None


class ReadAhead:
    """Worker processes for the snapshot files of at least `threshold` bytes; `None` reads all here."""

    def __init__(self, threshold: int | None, width: int) -> None:
        self._threshold = threshold
        # One CPU stays with this process, which reads the baseline and compares.
        self._workers = max(1, min(width, usable_cpus() - 1))
        self._pool: ProcessPoolExecutor | None = None

    def wants(self, account: ResolvedAccount) -> bool:
        """True if `account` is a snapshot file worth a worker."""
        if self._threshold is None or account.snapshot is None:
            return False
        try:
            return account.snapshot.stat().st_size >= self._threshold
        except (OSError, ValueError):
            return False  # read here, to fail with the usual message

    def begin(self) -> bool:
        """Fork the workers now, if this process may: call before starting any thread. False: read here."""
        if self._pool is None and may_fork() and usable_cpus() > 1:
            try:
                pool = ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=ignore_interrupts,
                )
            except (ImportError, NotImplementedError, OSError):  # no working semaphores (/dev/shm), as on Lambda
                return False
            try:
                # A fork context forks every worker on the first task, before the pool's own thread starts.
                pool.submit(usable_cpus).result()
            except (OSError, BrokenProcessPool):  # no memory or no process left for a fork: read here
                pool.shutdown(wait=True, cancel_futures=True)
                return False
            self._pool = pool
        return self.open

    @property
    def open(self) -> bool:
        """True from a `begin` that forked the workers until `close`."""
        return self._pool is not None

    def start(self, account: ResolvedAccount, now: datetime) -> Future[PortableAccount]:
        """Begin reading `account` in a worker (while `open`)."""
        if self._pool is None:
            raise RuntimeError("ReadAhead.start before begin")
        return self._pool.submit(read_portable, account, now)

    def close(self) -> None:
        """Stop the workers: reads not yet begun are dropped, and a read under way (a file, not the network:
        a second or two at most) is waited for, so no worker outlives the run."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
