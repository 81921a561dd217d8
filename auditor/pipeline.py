"""compare(): config and account names in, AuditResult (or AuditRun) out. Never prints, exits or writes."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from itertools import islice
from typing import Any

from auditor.config import Config, ResolvedAccount
from auditor.diff import diff_pair, import_deepdiff
from auditor.errors import SourceError, UsageError
from auditor.findings import (
    AccountRef,
    AuditResult,
    AuditRun,
    Finding,
    RolePairing,
    Severity,
    Sides,
    Stats,
    Summary,
    UnreadableAccount,
    classify,
)
from auditor.fixes.plan import with_fixes
from auditor.forking import map_shared
from auditor.gc_pause import gc_paused, thaw
from auditor.heap import release_free_memory, share_arenas
from auditor.iamdb import dataset_version, load_resource_types
from auditor.match import RolePair, match_roles
from auditor.model.normalized import NormalizedAccount
from auditor.model.snapshot import AccountSnapshot
from auditor.normalize import normalize_account
from auditor.normalize.account import PortableAccount, restore_account
from auditor.read_ahead import READ_AHEAD_BYTES, ReadAhead, WorkerRead, named_origin
from auditor.shards import Shard
from auditor.sources import Collector
from auditor.waivers import Waiver, apply_waivers, load_waivers, stale

log = logging.getLogger(__name__)


def compare(
    config: Config, baseline: str, target: str, now: datetime | None = None, only: Iterable[str] = ()
) -> AuditResult:
    """Compare one target with the baseline; the clock is injectable for tests. SourceError if unreadable."""
    run = compare_many(config, baseline, [target], now, only)
    if run.unreadable:
        raise SourceError(run.unreadable[0].reason, run.unreadable[0].fix)
    return run.comparisons[0]


@dataclass(frozen=True)
class RunOptions:
    """How a run reads its accounts: narrowed roles, parallel reads, progress, and the collector to use."""

    only: tuple[str, ...] = ()
    """Globs on role names."""
    concurrency: int = 8
    """Target accounts read at once; each read waits mostly on AWS."""
    progress: Callable[[str, int, int], None] | None = None
    """Called with (step, done, in all) as each target is read ("read dev") and compared ("compare dev")."""
    collector: Collector | None = None
    shard: Shard | None = None
    """--all-accounts: compare only this shard's members."""
    read_ahead_bytes: int | None = READ_AHEAD_BYTES
    """Snapshot files of at least this size are read in worker processes (see auditor.read_ahead); None: none."""
    idle: Sequence[Callable[[], None]] = ()
    """Steps of work the caller does after the run (such as compiling one report template each), done instead
    while the run waits for a worker process's read, and only while it still waits."""
    keep_reads: bool = False
    """Hold the baseline read, the last target's and the run's result until the next run in this process begins,
    rather than free them as the run ends or its caller lets go: for a process that exits once its reports are
    written (the command), which would spend 0.1 s and more at 10,000 roles freeing objects the system takes back
    at exit anyway."""


def compare_many(
    config: Config,
    baseline: str,
    targets: Sequence[str],
    now: datetime | None = None,
    only: Iterable[str] = (),
    collector: Collector | None = None,
    options: RunOptions | None = None,
) -> AuditRun:
    """Compare each target with the baseline, reading the baseline once; `only` narrows the roles (globs)."""
    if not targets:
        raise UsageError("name at least one target account")
    repeated = sorted(name for name, count in Counter(targets).items() if count > 1)
    if repeated:
        raise UsageError(f"target {repeated[0]!r} is named more than once")
    options = _merged(options, tuple(only), collector)
    accounts = [config.account(name) for name in (baseline, *targets)]  # unknown names fail before any call
    return _run(config, accounts[0], accounts[1:], now or datetime.now(UTC), options)


def _merged(options: RunOptions | None, only: tuple[str, ...], collector: Collector | None) -> RunOptions:
    # Arguments given beside `options` join them; the same one given twice, differently, is an error.
    options = options or RunOptions()
    if only and options.only and only != options.only:
        raise UsageError("`only` is given twice, as an argument and in options, with different globs")
    if collector is not None and options.collector is not None and collector is not options.collector:
        raise UsageError("`collector` is given twice, as an argument and in options")
    return replace(options, only=only or options.only, collector=collector or options.collector)


def compare_organization(
    config: Config, baseline: str, now: datetime | None = None, options: RunOptions | None = None
) -> AuditRun:
    """Compare every other account of the baseline's AWS Organization with the baseline (--all-accounts)."""
    from auditor.sources.organizations import member_accounts  # imports boto3, which offline runs do without

    options = options or RunOptions()
    now = now or datetime.now(UTC)
    base_account = config.account(baseline)
    collector = options.collector or Collector(now=now, max_attempts=config.aws.max_attempts)
    _, members = member_accounts(base_account, config.organization, collector.factory)
    if not members:
        raise UsageError("the organization has no other active account in scope")
    if options.shard is not None:  # a shard that holds no account is an empty run, not an error: N is a guess
        members = [m for m in members if options.shard.holds(shard_key(m))]
    members = sorted(members, key=lambda member: member.name)  # the same order however the listing pages
    return _run(config, base_account, members, now, replace(options, collector=collector))


def shard_key(account: ResolvedAccount) -> str:
    """What puts an account in a shard: its ID (from its role ARN), else its name in the config."""
    return account.role_arn.split(":")[4] if account.role_arn else account.name


def _run(
    config: Config, baseline: ResolvedAccount, targets: Sequence[ResolvedAccount], now: datetime, options: RunOptions
) -> AuditRun:
    try:
        return _compare_all(config, baseline, targets, now, options)
    finally:
        thaw()  # snapshots read for the run were frozen (see auditor.gc_pause); the run is over


def _compare_all(
    config: Config, baseline: ResolvedAccount, targets: Sequence[ResolvedAccount], now: datetime, options: RunOptions
) -> AuditRun:
    waivers = load_waivers(config.waivers)
    collector = options.collector or Collector(now=now, max_attempts=config.aws.max_attempts)
    reads = _Reads(baseline, targets, collector, options, now)
    try:
        # Before the progress display or any reading thread starts: large snapshot files are read in worker
        # processes, forked while this one has no other thread, beside the baseline's read here.
        reads.begin()
        if options.progress is not None:
            options.progress(f"read {baseline.name} (baseline)", 0, len(targets))
        _Kept.baseline = _Kept.target = _Kept.run = None
        # Without the baseline there is nothing to compare: SourceError. It is kept all run, as its snapshot is: frozen
        # as it is read, rather than walked by the young collections that follow (0.03 s at 10,000 roles).
        with gc_paused(freeze=True):
            base = load_account(baseline, collector)
        if options.keep_reads:
            _Kept.baseline = base
        # A worker reads a target file as large as the baseline beside this read, and may end later: work due later
        # costs nothing while this process waits. Once the read is in, the rest is left for when it is needed,
        # when it may be shared with helper processes.
        for step in (import_deepdiff, load_resource_types, *options.idle):
            if not reads.in_workers():
                break
            step()
        run = _compare_targets(config, base, targets, now, options, collector, waivers, reads)
        if options.keep_reads:
            _Kept.run = run
        return run
    finally:
        reads.close()


class _Kept:
    """The last run's baseline, last target and result, held with RunOptions.keep_reads."""

    baseline: NormalizedAccount | None = None
    target: NormalizedAccount | None = None
    run: AuditRun | None = None


def _compare_targets(
    config: Config,
    base: NormalizedAccount,
    targets: Sequence[ResolvedAccount],
    now: datetime,
    options: RunOptions,
    collector: Collector,
    waivers: list[Waiver],
    reads: _Reads,
) -> AuditRun:
    used: set[int] = set()
    results: dict[str, AuditResult] = {}
    unreadable: dict[str, UnreadableAccount] = {}
    # Each target is compared as soon as it is read and then dropped: memory holds the baseline, the accounts
    # in flight and the findings, whatever the number of accounts.
    for done, (account, other) in enumerate(reads.each(base), start=1):
        if options.progress is not None:
            options.progress(f"compare {account.name}", done, len(targets))
        if isinstance(other, SourceError):
            # One unreadable account must not stop the others; it is reported, never taken as "no drift".
            unreadable[account.name] = UnreadableAccount(name=account.name, reason=str(other), fix=other.fix)
            continue
        # Large data and no network (see auditor.gc_pause). What the last comparison leaves, its findings and the
        # cycles deepdiff's trees make, is frozen, and thawed just below into the oldest generation: the first
        # collection after the pause would walk all of it at once (0.08 s at 10,000 roles). Earlier ones are
        # collected as the pause ends, or their cycles would pile up there, which a thaw does not count towards
        # the next full collection.
        with gc_paused(freeze=done == len(targets)):
            results[account.name] = compare_accounts(base, other, config, now, options.only, waivers, used)
        if options.keep_reads and done == len(targets):
            _Kept.target = other  # freed as the next run begins, or never: 0.02 s at 10,000 roles
        del other
        # Cycles left by an earlier comparison may have been frozen along with this target's snapshot: they
        # go back to the collector with it, not at the end of a run of hundreds of accounts.
        thaw()
        release_free_memory()
    stale_waivers = stale(waivers, used)
    stats = Stats(api_calls=collector.calls.totals())
    ordered = [results[a.name] for a in targets if a.name in results]  # the order the targets were named in
    return AuditRun(
        baseline=_ref(base),
        generated_at=now,
        comparisons=[r.model_copy(update={"stale_waivers": stale_waivers, "stats": stats}) for r in ordered],
        unreadable=[unreadable[a.name] for a in targets if a.name in unreadable],
        stale_waivers=stale_waivers,
        stats=stats,
    )


# A thread's read (NormalizedAccount or SourceError) or a worker's (PortableAccount), told apart by type.
_Read = Future[Any]


class _Reads:
    """Each target as it is read, `concurrency` at a time: large snapshot files in worker processes (when
    `begin` could fork them), the rest in threads. An account that cannot be read yields its SourceError."""

    def __init__(
        self,
        baseline: ResolvedAccount,
        targets: Sequence[ResolvedAccount],
        collector: Collector,
        options: RunOptions,
        now: datetime,
    ) -> None:
        self._baseline, self._targets, self._collector, self._now = baseline, targets, collector, now
        self._width = max(1, options.concurrency)
        self._progress = options.progress
        self._ahead = ReadAhead(options.read_ahead_bytes, self._width)
        self._started: dict[str, Future[WorkerRead]] = {}
        self._in_workers: set[Future[WorkerRead]] = set()
        self._base: NormalizedAccount | None = None
        self._ahead_sizes: dict[str, int] = {}
        """The targets worth a worker, in the order they are read, with their files' sizes (each looked up once)."""

    def begin(self) -> None:
        """Start the first reads that go to worker processes, if any may."""
        others = [a for a in self._targets if a.name != self._baseline.name]
        self._ahead_sizes = self._ahead.worth(others)
        first = [a for a in islice(self._targets, self._width) if a.name in self._ahead_sizes]
        if first and self._ahead.begin(self._ahead_sizes.values()):
            for account in first:
                self._started[account.name] = self._start_ahead(account)

    def in_workers(self) -> bool:
        """True while a read in a worker process is still under way."""
        return any(not future.done() for future in self._in_workers)

    def close(self) -> None:
        """Stop the worker processes."""
        self._ahead.close()

    def each(self, base: NormalizedAccount) -> Iterator[tuple[ResolvedAccount, NormalizedAccount | SourceError]]:
        """Each target with what was read of it, as reads finish; a new read starts only when one is taken, so
        read accounts never pile up unread."""
        self._base = base
        share_arenas()
        waiting = iter(self._targets)
        pool = ThreadPoolExecutor(max_workers=self._width, thread_name_prefix="account")
        try:
            running = {self._start(pool, account): account for account in islice(waiting, self._width)}
            read_so_far, started_all = 0, len(running) == len(self._targets)
            while running:
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    account = running.pop(future)
                    read = self._result(future, account)  # before the workers stop: see ReadAhead.result
                    self._in_workers.discard(future)
                    following = next(waiting, None)
                    if following is None:
                        started_all = True
                    else:
                        running[self._start(pool, following)] = following
                    if started_all and not self._in_workers and not self._ahead.holding:
                        self._ahead.close()  # the workers' memory goes back before the comparisons go on
                    if started_all and not running:
                        pool.shutdown()  # no thread is left to keep the last comparison from forking helpers
                    read_so_far += 1
                    if self._progress is not None:
                        self._progress(f"read {account.name}", read_so_far, len(self._targets))
                    yield account, read
        except BaseException:
            # Ctrl-C (or a bug) must not wait for reads still hanging on the network: drop them and go.
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown()

    def _start(self, pool: ThreadPoolExecutor, account: ResolvedAccount) -> _Read:
        started = self._started.pop(account.name, None)
        if started is not None:
            return started
        if self._ahead.open and account.name in self._ahead_sizes:
            return self._start_ahead(account)
        return pool.submit(self._read_here, account)

    def _start_ahead(self, account: ResolvedAccount) -> Future[WorkerRead]:
        log.info("reading account %s from %s in a worker process", account.name, account.snapshot)
        future = self._ahead.start(account, self._now, last=account.name == next(reversed(self._ahead_sizes)))
        self._in_workers.add(future)
        return future

    def _read_here(self, account: ResolvedAccount) -> NormalizedAccount | SourceError:
        if account.name == self._baseline.name and self._base is not None:
            return self._base
        try:
            return load_account(account, self._collector)
        except SourceError as exc:
            return exc

    def _result(self, future: _Read, account: ResolvedAccount) -> NormalizedAccount | SourceError:
        try:
            read = self._ahead.result(future) if future in self._in_workers else future.result()
        except BrokenProcessPool:
            # A worker died (killed, out of memory): this account is read here instead, and so are the rest.
            log.warning("a worker process reading %s stopped; reading it here", account.name)
            self._ahead.close()
            return self._read_here(account)
        if isinstance(read, PortableAccount):
            source = self._ahead.records if self._ahead.holds(future) else None
            with gc_paused(freeze=True):  # kept for the comparison, as a snapshot read here is
                return restore_account(read, source)
        if isinstance(read, NormalizedAccount | SourceError):
            return read
        raise TypeError(f"a read of {account.name} returned {type(read).__name__}")


def load_account(account: ResolvedAccount, collector: Collector) -> NormalizedAccount:
    """Collect one account and normalize it; a malformed document names the source, role and policy."""
    log.info("reading account %s from %s", account.name, account.snapshot or account.role_arn or "current credentials")
    snapshot = collector.collect(account)
    with gc_paused():  # normalizing builds large, acyclic data; the reading above waits on the network
        normalized = normalize(snapshot, account)
    log.info("account %s (%s): %d roles", account.name, normalized.account_id, len(normalized.roles))
    return normalized


def normalize(snapshot: AccountSnapshot, account: ResolvedAccount) -> NormalizedAccount:
    """Normalize a collected snapshot, naming its file in any format error."""
    with named_origin(account) as origin:
        return normalize_account(snapshot, account.name, account.env, account.env_tokens, origin)


def compare_accounts(
    baseline: NormalizedAccount,
    target: NormalizedAccount,
    config: Config,
    now: datetime,
    only: Iterable[str] = (),
    waivers: list[Waiver] | None = None,
    used: set[int] | None = None,
) -> AuditResult:
    """The comparison proper, on two normalized accounts."""
    sides = Sides(baseline=baseline, target=target)
    pairs = match_roles(baseline, target, config.roles, only)
    pair_findings = partial(findings_of, sides=sides)
    agree = [_same(pair) for pair in pairs]
    different = [pair for pair, same in zip(pairs, agree, strict=True) if not same]
    # A target read in a worker may have left its records there: those of the roles whose policies are built
    # come over now, in one exchange, and the worker stops (helpers are forked only with no other thread or
    # pool left). Besides the pairs that differ, a pair that agrees is built where a policy could not be read:
    # classify lists each such policy.
    built = [pair for pair, same in zip(pairs, agree, strict=True) if not same or _has_unreadable(pair)]
    baseline.prepare(pair.baseline.name for pair in built if pair.baseline is not None)
    target.prepare(pair.target.name for pair in built if pair.target is not None)
    # Pairs with equal signatures take microseconds; each of the others milliseconds, which other CPUs share. The
    # former, and the table of pairings (0.04 s at 10,000 roles), are done here as a helper takes its first pairs.
    agreeing: dict[int, list[Finding]] = {}
    pairings: list[RolePairing] = []
    held: list[Exception] = []

    def meanwhile() -> None:
        try:
            # A pair that agrees has findings only for a policy that could not be read (see classify): the others,
            # nearly all of an account, need no call at all.
            agreeing.update(
                (index, pair_findings(pair) if _has_unreadable(pair) else [])
                for index, pair in enumerate(pairs)
                if agree[index]
            )
        except Exception as exc:  # noqa: BLE001 - raised below, once the pairs that differ have raised theirs
            held.append(exc)
        pairings.extend(_pairing(pair) for pair in pairs)

    differing = iter(map_shared(pair_findings, different, SHARE_OF_PAIRS, meanwhile=meanwhile))
    if held:
        # A pair that agrees builds its policies only to list those that could not be read, and fails where another
        # is malformed. Its error comes after those of the pairs that differ, as when they were all compared first:
        # the same error whichever process compared which pair.
        raise held[0]
    findings = [
        finding for index, same in enumerate(agree) for finding in (agreeing[index] if same else next(differing))
    ]
    findings = apply_waivers(findings, waivers or [], target.name, now.date(), used if used is not None else set())
    findings.sort(key=_order)
    summary = _summary(findings, pairs)
    return AuditResult(
        baseline=_ref(baseline),
        target=_ref(target),
        generated_at=now,
        iam_dataset_version=dataset_version(),
        summary=summary,
        findings=findings,
        pairs=pairings,
        warnings=_warnings(summary, baseline, target),
    )


def findings_of(pair: RolePair, sides: Sides) -> list[Finding]:
    """The findings of one role pair, each with its fixes."""
    return with_fixes(classify(pair, diff_pair(pair, (sides.baseline.env, sides.target.env)), sides), pair, sides)


SHARE_OF_PAIRS = 32
"""Differing role pairs worth a helper process: about 0.1 s of comparing, against some 0.02 s to fork a
process holding a 10,000-role baseline and take its findings back."""


def _same(pair: RolePair) -> bool:
    return pair.baseline is not None and pair.target is not None and pair.baseline.signature == pair.target.signature


def _has_unreadable(pair: RolePair) -> bool:
    return any(role is not None and role.has_unreadable for role in (pair.baseline, pair.target))


def _warnings(summary: Summary, baseline: NormalizedAccount, target: NormalizedAccount) -> list[str]:
    if summary.roles_compared or not summary.roles_baseline or not summary.roles_target:
        return []
    # Not one pair: far likelier a wrong account or env setting than a target that shares no role at all.
    return [
        f"No role of {target.name} ({target.account_id}, env {target.env}) pairs with a role of {baseline.name} "
        f"({baseline.account_id}, env {baseline.env}): every role is reported missing or extra. Check the "
        "account and env settings."
    ]


def _pairing(pair: RolePair) -> RolePairing:
    return RolePairing(
        baseline_role=pair.baseline.name if pair.baseline else None,
        target_role=pair.target.name if pair.target else None,
        rule=pair.rule,
    )


def _order(finding: Finding) -> tuple[int, int, str, str, str]:
    # Most urgent first (severity, then what breaks the target before what widens it), so the first finding
    # of every format is the headline; then by role, policy and title for a stable order.
    policy = finding.policy.name if finding.policy else ""
    severity, kind = finding.urgency
    return (severity, kind, finding.role, policy, finding.title)


def _summary(findings: list[Finding], pairs: list[RolePair]) -> Summary:
    counts = {severity.value: 0 for severity in Severity}
    for finding in findings:
        if not finding.waived:
            counts[finding.severity.value] += 1
    return Summary(
        roles_compared=sum(1 for p in pairs if p.baseline and p.target),
        roles_baseline=sum(1 for p in pairs if p.baseline),
        roles_target=sum(1 for p in pairs if p.target),
        waived=sum(1 for finding in findings if finding.waived),
        **counts,
    )


def _ref(account: NormalizedAccount) -> AccountRef:
    return AccountRef(
        name=account.name,
        account_id=account.account_id,
        env=account.env,
        source=account.source,
        collected_at=account.collected_at,
    )
