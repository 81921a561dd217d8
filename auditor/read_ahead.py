"""Large snapshot files read in worker processes, while this process reads the baseline.

Parsing, validating and signing a snapshot is Python work that threads cannot share (a 10,000-role file
takes about a second). A worker process does it beside the baseline's read and hands back a
`PortableAccount`: signatures, and each role's record as bytes for the few roles that differ. The last read
of a run with one worker keeps its records: once the roles are paired, the comparison asks for those it
needs (the roles that differ, and any with a policy that could not be read), and the worker stops. Any other
read writes every record into memory shared with the run (a slot of an anonymous mapping made before the
fork) rather than pickling them through the pool's pipe, and they are copied out of it as the read is taken,
so that the slot is free for the next read; where no shared memory can be had, or a slot is too small, they
come through the pipe. The rest of a read (names and signatures) follows them into the slot, pickled, and only
where it lies comes through the pipe. Live accounts stay in threads: they wait on AWS, and their clients and
credentials stay in this process.

Workers are forked, so they start at once with everything imported (a fresh interpreter would spend about
0.45 s importing what the read needs, as long as the read it would hide). Forking is safe only while no
other thread runs, since a lock another thread holds stays held in the child: workers are forked as the
run begins, before any reading thread, and where another thread already runs (or on a system without fork,
or one that is not Linux), every account is read here as before.
"""

from __future__ import annotations

import logging
import mmap
import multiprocessing
import pickle
from collections.abc import Collection, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

from auditor.config import ResolvedAccount
from auditor.errors import InputFormatError, SnapshotFormatError
from auditor.forking import ignore_interrupts, may_fork, usable_cpus
from auditor.gc_pause import gc_paused
from auditor.model.snapshot import AccountSnapshot
from auditor.normalize.account import PortableAccount, PortableRole, portable_account, role_records
from auditor.sources import collect

log = logging.getLogger(__name__)

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


def read_portable(account: ResolvedAccount, now: datetime, slot: Slot | None = None, keep: bool = False) -> WorkerRead:
    """Read a snapshot account and sign its roles (run in a worker); a malformed file names itself. With a
    `slot` of the shared region, the read is placed there rather than sent back through a pipe; with `keep`,
    the role records stay here, for `kept_records` to give those the comparison asks for."""
    _Kept.snapshot = None
    snapshot = collect(account, None, now)
    # Signing builds large, acyclic data, as normalizing does in the run (see auditor.gc_pause): with the collector
    # running, it took half as long again.
    with named_origin(account) as origin, gc_paused():
        portable = portable_account(snapshot, account.name, account.env, account.env_tokens, origin, records=not keep)
    # Freeing the millions of objects parsed takes 0.06 s at 10,000 roles, which the run would wait for before
    # the result is sent: they are freed as the worker's next read begins, or not at all when it exits.
    _Kept.snapshot = snapshot
    region = _Kept.region
    if slot is None or region is None:
        return portable
    read = portable if keep else _placed(portable, region, slot)
    return _pickled(read, region, slot)


def kept_records(names: list[str]) -> list[bytes]:
    """The records of these roles of the snapshot this worker read last with `keep` (run in that worker)."""
    if _Kept.snapshot is None:
        raise RuntimeError("no snapshot kept in this worker")
    return role_records(_Kept.snapshot, names)


class _Kept:
    """What a worker keeps of its last read, and the region it shares with the run (inherited as it forks)."""

    snapshot: AccountSnapshot | None = None
    region: mmap.mmap | None = None


Slot = tuple[int, int]
"""Where in the shared region one read may place its records: start and size."""


@dataclass(frozen=True, slots=True)
class Placed:
    """A worker's read whose records (all but those past its slot's end, still in the roles) are in the region."""

    portable: PortableAccount
    """With b"" for each record placed in the region."""
    start: int
    lengths: list[int]
    """The length of each role's record in the region, in the order of the roles; 0: not placed there."""


def _placed(portable: PortableAccount, region: mmap.mmap, slot: Slot) -> Placed:
    # A record handed back through the pipe is pickled, sent and unpickled: about 0.1 s for the 23 MiB of
    # 10,000 roles, which the run waits for. Written here, it is copied once, in a few milliseconds.
    start, size = slot
    at, end = start, start + size
    roles: list[PortableRole] = []
    lengths: list[int] = []
    for role in portable.roles:
        record = role[-1]
        if at + len(record) <= end:
            region[at : at + len(record)] = record
            at += len(record)
            roles.append((*role[:-1], b""))
            lengths.append(len(record))
        else:  # past the slot's end: sent back with the role, as without a region
            roles.append(role)
            lengths.append(0)
    return Placed(replace(portable, roles=roles), start, lengths)


@dataclass(frozen=True, slots=True)
class InRegion:
    """Where in the shared region a worker wrote its read (a PortableAccount or a Placed), pickled."""

    start: int
    length: int


WorkerRead = PortableAccount | Placed | InRegion
"""What a worker's read sends back through the pool's pipe."""


def _pickled(read: PortableAccount | Placed, region: mmap.mmap, slot: Slot) -> WorkerRead:
    # Through the pipe, the 1.3 MB that the names and signatures of 10,000 roles pickle to are taken by the run's
    # pool thread a pipe's buffer at a time, each piece waiting for the run's main thread to let go of the
    # interpreter, which it holds while it reads the baseline or does work due later: 0.08 s, against 0.02 s here.
    start, size = slot
    used = sum(read.lengths) if isinstance(read, Placed) else 0  # by the records placed first
    data = pickle.dumps(read, protocol=pickle.HIGHEST_PROTOCOL)
    if used + len(data) > size:
        return read  # the records filled the slot: the rest comes through the pipe
    at = start + used
    region[at : at + len(data)] = data
    return InRegion(at, len(data))


def _size(account: ResolvedAccount) -> int:
    """The size of the account's snapshot file; -1 if it has none, or it cannot be read (then it is read here,
    to fail with the usual message)."""
    if account.snapshot is None:
        return -1
    try:
        return account.snapshot.stat().st_size
    except (OSError, ValueError):
        return -1


class ReadAhead:
    """Worker processes for the snapshot files of at least `threshold` bytes; `None` reads all here."""

    def __init__(self, threshold: int | None, width: int) -> None:
        self._threshold = threshold
        self._width = width
        self._workers = 0
        self._pool: ProcessPoolExecutor | None = None
        self._region: mmap.mmap | None = None
        self._free: list[Slot] = []
        self._slots: dict[Future[WorkerRead], Slot] = {}
        self._kept: tuple[Future[WorkerRead], ResolvedAccount, datetime] | None = None
        self._again: AccountSnapshot | None = None
        """The kept read's file read here again, where its worker could not give the records."""

    def worth(self, accounts: Iterable[ResolvedAccount]) -> dict[str, int]:
        """The accounts whose snapshot files are worth a worker, in order, by name, with their files' sizes."""
        if self._threshold is None:
            return {}
        sizes = {account.name: _size(account) for account in accounts}
        return {name: size for name, size in sizes.items() if size >= self._threshold}

    def begin(self, sizes: Collection[int] = ()) -> bool:
        """Fork the workers now, if this process may: call before starting any thread. False: read here.

        `sizes`: those of the files the workers may read (see `worth`), to size the region records are placed in."""
        if self._pool is None and may_fork() and usable_cpus() > 1:
            # One CPU stays with this process, which reads the baseline and compares.
            self._workers = max(1, min(self._width, usable_cpus() - 1, len(sizes)))
            self._share(max(sizes, default=0))
            try:
                pool = ProcessPoolExecutor(
                    max_workers=self._workers,
                    mp_context=multiprocessing.get_context("fork"),
                    initializer=ignore_interrupts,
                )
            except (ImportError, NotImplementedError, OSError):  # no working semaphores (/dev/shm), as on Lambda
                self.close()
                return False
            try:
                # A fork context forks every worker on the first task, before the pool's own thread starts.
                pool.submit(usable_cpus).result()
            except (OSError, BrokenProcessPool):  # no memory or no process left for a fork: read here
                pool.shutdown(wait=True, cancel_futures=True)
                self.close()
                return False
            self._pool = pool
        return self.open

    @property
    def open(self) -> bool:
        """True from a `begin` that forked the workers until `close`."""
        return self._pool is not None

    def start(self, account: ResolvedAccount, now: datetime, last: bool = False) -> Future[WorkerRead]:
        """Begin reading `account` in a worker (while `open`); take its `result` once done. `last`: no read begins
        after it."""
        if self._pool is None:
            raise RuntimeError("ReadAhead.start before begin")
        # The last read's records stay in the worker, which gives the few the comparison asks for (`records`):
        # writing all of them, sending and taking them delays the read by 0.2 to 0.4 s at 10,000 roles. Only one
        # worker can be sure to be asked: a process pool sends each task to whichever worker is free.
        keep = last and self._workers == 1
        slot = self._free.pop() if self._free else None
        future = self._pool.submit(read_portable, account, now, slot, keep)
        if slot is not None:
            self._slots[future] = slot
        if keep:
            self._kept = (future, account, now)
        return future

    def result(self, future: Future[WorkerRead]) -> PortableAccount:
        """The read `future` holds, taken out of the region (raises what the read raised)."""
        slot = self._slots.pop(future, None)
        try:
            # Unpickling a 10,000-role read makes as many tuples, none in a cycle: with the collector running, young
            # collections walk them (0.01 s or more) before the run freezes them with the account it restores.
            with gc_paused():
                return self._taken(future.result())
        finally:
            if slot is not None:
                self._free.append(slot)

    def _taken(self, read: WorkerRead) -> PortableAccount:
        if isinstance(read, InRegion):
            read = self._unpickled(read)
        if not isinstance(read, Placed):
            return read
        # One copy of the span the records take: the slot is free for the next read at once.
        taken = memoryview(self._open_region()[read.start : read.start + sum(read.lengths)])
        roles: list[PortableRole] = []
        at = 0
        for role, length in zip(read.portable.roles, read.lengths, strict=True):
            roles.append((*role[:-1], taken[at : at + length]) if length else role)
            at += length
        placed, name = sum(1 for length in read.lengths if length), read.portable.account.name
        log.info("%d of %d role records of %s came through shared memory", placed, len(roles), name)
        return replace(read.portable, roles=roles)

    def _open_region(self) -> mmap.mmap:
        if self._region is None:
            raise RuntimeError("a read placed in a region that is closed")
        return self._region

    def _unpickled(self, read: InRegion) -> PortableAccount | Placed:
        # Written by a worker this run forked, never by anything outside it.
        taken: PortableAccount | Placed = pickle.loads(self._open_region()[read.start : read.start + read.length])
        return taken

    def holds(self, future: Future[WorkerRead]) -> bool:
        """True if the read `future` stands for left its records in the worker: take them with `records`."""
        return self._kept is not None and self._kept[0] is future

    @property
    def holding(self) -> bool:
        """True while a worker holds the records of a read: `records` stops it once they are taken."""
        return self._kept is not None and self._pool is not None

    def records(self, names: list[str]) -> list[bytes]:
        """The records of these roles of the read that left them in its worker, which then stops (the run forks
        helpers to compare only with no worker left). Should the worker be gone, the file is read here again."""
        if self._kept is None:
            raise RuntimeError("ReadAhead.records without a read that kept them")
        _, account, now = self._kept
        try:
            if self._pool is None:
                raise BrokenProcessPool("the workers have stopped")
            records = self._pool.submit(kept_records, names).result()
            log.info("%d role records of %s taken from the worker, as the comparison asked", len(names), account.name)
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            if self._again is None:
                name = account.name
                log.warning("the worker that read %s cannot give its role records (%s); reading it here", name, exc)
            records = self._read_again(account, now, names)
        finally:
            self.close()
        return records

    def _read_again(self, account: ResolvedAccount, now: datetime, names: list[str]) -> list[bytes]:
        # Once: a role asked for later than the others (a bug, but a slow one only) finds the snapshot read.
        if self._again is None:
            self._again = collect(account, None, now)
        with named_origin(account):
            gone = next((name for name in names if name not in self._again.roles), None)
            if gone is not None:
                raise InputFormatError(f"changed while it was read: role {gone!r} is gone")
            return role_records(self._again, names)

    def close(self) -> None:
        """Stop the workers: reads not yet begun are dropped, and a read under way (a file, not the network:
        a second or two at most) is waited for, so no worker outlives the run."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        if self._region is not None:
            _Kept.region = None
            self._region.close()
            self._region, self._free = None, []
            self._slots.clear()

    def _share(self, largest: int) -> None:
        # Shared memory the workers inherit as they fork: a slot per read that may be under way, each as large as
        # the largest file (its records take about half that); pages are taken only as records are written.
        slots = max(1, self._width)
        try:
            self._region = mmap.mmap(-1, slots * largest) if largest > 0 else None
        except (OSError, ValueError, OverflowError):  # no shared memory to be had: records come through the pipe
            self._region = None
        if self._region is not None:
            self._free = [(index * largest, largest) for index in reversed(range(slots))]
            _Kept.region = self._region
