"""The auditor against an independent IAM request evaluator (`@cloud-copilot/iam-simulate`, pinned in
tests/simulator): generated prod/dev role pairs, written differently, changed without effect, or changed for
real, across the classes of drift. For every pair the evaluator decides sampled requests on each side (the
same request in each account: its account ID and environment name); an action "differs" when some request for
it is allowed on one side and not on the other.

The law checked: the auditor flags a pair (low or above) exactly when some action differs, names every action
that differs with the right direction, and names next to no action that does not. Where the two disagree by a
choice the auditor makes on purpose, the pair's family says so and the reason is written in MODELLING_CHOICES.
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import product
from pathlib import Path
from typing import Any

import pytest

from auditor.config import Config
from auditor.findings import Finding, FindingKind, Severity
from auditor.model import AccountSnapshot, ManagedPolicyRecord, RoleRecord
from auditor.normalize import normalize_account
from auditor.pipeline import compare_accounts

SIMULATOR = Path(__file__).parent / "simulator"
ACCOUNTS = {"prod": "111111111111", "dev": "222222222222"}
NOW = datetime(2026, 11, 30, tzinfo=UTC)
PAIRS_PER_FAMILY = {"reworded": 70, "no effect": 65, "change": 120}

MODELLING_CHOICES = {
    "deny only": "An explicit Deny of an action the role is never allowed changes no decision of the role's own "
    "policies; it matters against resource-based policies that would allow the action, so the auditor reports it "
    "as one low finding that says so.",
    "boundary guardrail": "A permissions boundary removed or changed without effect on today's grants changes no "
    "decision; it removes the cap on future grants, which the auditor reports as low.",
    "same spelling": "A resource written letter for letter the same on both sides is taken as the same resource "
    "(AWS-owned names hold env-like words such as an API stage `/prod/`); the evaluator, given each account's own "
    "resource, sees dev reach prod's name instead of its own.",
}


# --- What the generated policies are made of ------------------------------------------------------------------


@dataclass(frozen=True)
class Service:
    """A service with a few actions that all act on `resources`; `pattern` names some of them, `narrow` fewer."""

    actions: tuple[str, ...]
    pattern: str
    narrow: str
    resources: tuple[str, ...]


# `@ACCT@` and `@ENV@` become each side's account ID and environment name.
SERVICES = {
    "sqs": Service(
        ("sqs:SendMessage", "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
        "arn:aws:sqs:*:@ACCT@:orders-@ENV@-*",
        "arn:aws:sqs:*:@ACCT@:orders-@ENV@-jobs",
        (
            "arn:aws:sqs:us-east-1:@ACCT@:orders-@ENV@-jobs",
            "arn:aws:sqs:us-east-1:@ACCT@:orders-@ENV@-events",
            "arn:aws:sqs:us-east-1:@ACCT@:billing-@ENV@-jobs",
        ),
    ),
    "s3": Service(
        ("s3:GetObject", "s3:PutObject", "s3:DeleteObject"),
        "arn:aws:s3:::data-@ENV@/*",
        "arn:aws:s3:::data-@ENV@/reports/*",
        ("arn:aws:s3:::data-@ENV@/reports/a.csv", "arn:aws:s3:::data-@ENV@/raw/b.csv", "arn:aws:s3:::logs-@ENV@/c.txt"),
    ),
    "dynamodb": Service(
        ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:PutItem", "dynamodb:DeleteItem"),
        "arn:aws:dynamodb:*:@ACCT@:table/orders-@ENV@*",
        "arn:aws:dynamodb:*:@ACCT@:table/orders-@ENV@",
        (
            "arn:aws:dynamodb:us-east-1:@ACCT@:table/orders-@ENV@",
            "arn:aws:dynamodb:us-east-1:@ACCT@:table/orders-@ENV@-archive",
            "arn:aws:dynamodb:us-east-1:@ACCT@:table/users-@ENV@",
        ),
    ),
}


@dataclass(frozen=True)
class ConditionTest:
    """One condition test, a tighter and a looser version of it, the same test written differently, and request
    values that tell them apart."""

    key: str
    condition: dict[str, Any]
    tighter: dict[str, Any]
    looser: dict[str, Any]
    reworded: dict[str, Any]
    values: tuple[Any, ...]
    """Request values (a list for a multivalued key; None: the key is absent from the request)."""


TESTS = {
    "ip": ConditionTest(
        "aws:SourceIp",
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8"]}},
        {"IpAddress": {"aws:SourceIp": ["10.20.0.0/16"]}},
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}},
        {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "10.20.0.0/16"]}},
        ("10.20.1.1", "10.1.2.3", "192.168.1.1"),
    ),
    "tag": ConditionTest(
        "aws:ResourceTag/team",
        {"StringEquals": {"aws:ResourceTag/team": ["blue", "green"]}},
        {"StringEquals": {"aws:ResourceTag/team": ["blue"]}},
        {"StringLike": {"aws:ResourceTag/team": ["blue", "green", "red"]}},
        {"StringLike": {"aws:ResourceTag/team": ["green", "blue"]}},
        ("blue", "green", "red"),
    ),
    "mfa": ConditionTest(
        "aws:MultiFactorAuthPresent",
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        {"Bool": {"aws:MultiFactorAuthPresent": "true"}, "IpAddress": {"aws:SourceIp": "10.0.0.0/8"}},
        {"Bool": {"aws:MultiFactorAuthPresent": ["true", "false"]}},
        {"Bool": {"aws:MultiFactorAuthPresent": ["true"]}},
        ("true", "false"),
    ),
    "age": ConditionTest(
        "aws:MultiFactorAuthAge",
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "600"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": "86400"}},
        {"NumericLessThan": {"aws:MultiFactorAuthAge": ["3600", "1200"]}},
        ("300", "1200", "7200"),
    ),
    "time": ConditionTest(
        "aws:CurrentTime",
        {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}},
        {"DateGreaterThan": {"aws:CurrentTime": "2026-01-01T00:00:00Z"}},
        {"DateGreaterThan": {"aws:CurrentTime": "2010-01-01T00:00:00Z"}},
        {"DateGreaterThan": {"aws:CurrentTime": ["2020-01-01T00:00:00Z", "2021-01-01T00:00:00Z"]}},
        ("2015-06-01T00:00:00Z", "2025-06-01T00:00:00Z", "2027-06-01T00:00:00Z"),
    ),
    "tag keys": ConditionTest(
        "aws:TagKeys",
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team", "owner"]}},
        {"ForAllValues:StringEquals": {"aws:TagKeys": ["team"]}},
        {"ForAllValues:StringLike": {"aws:TagKeys": ["team", "owner", "cost*"]}},
        {"ForAllValues:StringLike": {"aws:TagKeys": ["owner", "team"]}},
        (["team"], ["team", "owner"], ["team", "costcenter"], ["secret"]),
    ),
    "any tag key": ConditionTest(
        "aws:TagKeys",
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "owner"]}},
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team"]}},
        {"ForAnyValue:StringEquals": {"aws:TagKeys": ["team", "owner", "costcenter"]}},
        {"ForAnyValue:StringLike": {"aws:TagKeys": ["owner", "team"]}},
        (["team"], ["owner", "secret"], ["costcenter"], ["secret"]),
    ),
    "tag if present": ConditionTest(
        "aws:PrincipalTag/team",
        {"StringEqualsIfExists": {"aws:PrincipalTag/team": ["blue", "green"]}},
        {"StringEquals": {"aws:PrincipalTag/team": ["blue", "green"]}},
        {"StringEqualsIfExists": {"aws:PrincipalTag/team": ["blue", "green", "red"]}},
        {"StringLikeIfExists": {"aws:PrincipalTag/team": ["green", "blue"]}},
        ("blue", "red", None),
    ),
    "owner present": ConditionTest(
        "aws:PrincipalTag/owner",
        {"Null": {"aws:PrincipalTag/owner": "false"}},
        {"Null": {"aws:PrincipalTag/owner": "false"}, "StringEquals": {"aws:PrincipalTag/owner": "alice"}},
        {"Null": {"aws:PrincipalTag/owner": ["false", "true"]}},
        {"Null": {"aws:PrincipalTag/owner": ["false"]}},
        ("alice", "bob", None),
    ),
    "region": ConditionTest(
        "aws:RequestedRegion",
        {"StringLike": {"aws:RequestedRegion": "us-*"}},
        {"StringLike": {"aws:RequestedRegion": "us-east-*"}},
        {"StringLike": {"aws:RequestedRegion": ["us-*", "eu-*"]}},
        {"StringLike": {"aws:RequestedRegion": ["us-*", "us-east-1"]}},
        ("us-east-1", "us-west-2", "eu-west-1"),
    ),
}
BASE_CONTEXT = {
    "aws:SourceIp": "10.1.2.3",
    "aws:ResourceTag/team": "blue",
    "aws:MultiFactorAuthPresent": "true",
    "aws:MultiFactorAuthAge": "300",
    "aws:CurrentTime": "2025-06-01T00:00:00Z",
    "aws:RequestedRegion": "us-east-1",
}


@dataclass
class Case:
    """One role pair: prod's and dev's policies (and boundaries), what they are about, and why they were made."""

    family: str
    story: str
    services: list[str]
    tests: list[str]
    prod: list[dict[str, Any]]
    dev: list[dict[str, Any]]
    prod_boundary: dict[str, Any] | None = None
    dev_boundary: dict[str, Any] | None = None
    choice: str | None = None
    """Set when the auditor and the evaluator are expected to disagree: a key of MODELLING_CHOICES."""
    extra_actions: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)
    """More (action, resources) to request, beyond the services' own."""


def _grant(actions: Any, resource: Any, condition: dict[str, Any] | None = None, effect: str = "Allow") -> dict:
    statement: dict[str, Any] = {"Effect": effect, "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def _doc(*statements: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": list(statements)}


# --- Generators, one per way a pair can differ ----------------------------------------------------------------


def _base(rng: random.Random) -> tuple[str, Service, list[str], str | None]:
    name = rng.choice(sorted(SERVICES))
    service = SERVICES[name]
    test = rng.choice([None, None, *sorted(TESTS)])
    # Two or more actions, never all: some action of the service is always left to add or deny.
    actions = sorted(rng.sample(service.actions, rng.randint(2, len(service.actions) - 1)))
    return name, service, actions, test


def _case(family: str, story: str, name: str, test: str | None, prod: list, dev: list, **extra: Any) -> Case:
    return Case(family, story, [name], [test] if test else [], prod, dev, **extra)


def reworded(rng: random.Random) -> Case:
    name, service, actions, test = _base(rng)
    condition = TESTS[test].condition if test else None
    prod = _doc(_grant(actions, service.pattern, condition))
    how = rng.choice(["recased and shuffled", "split in two statements", "condition written differently"])
    if how == "recased and shuffled":
        written = [a.upper() if rng.random() < 0.5 else a.lower() for a in actions]
        rng.shuffle(written)
        dev = _doc(_grant(written[0] if len(written) == 1 else written, [service.pattern], condition))
    elif how == "split in two statements":
        cut = rng.randint(1, len(actions) - 1)
        dev = _doc(_grant(actions[:cut], service.pattern, condition), _grant(actions[cut:], service.pattern, condition))
    else:
        test = test or rng.choice(sorted(TESTS))
        prod = _doc(_grant(actions, service.pattern, TESTS[test].condition))
        dev = _doc(_grant(actions, service.pattern, TESTS[test].reworded))
    return _case("reworded", how, name, test, [prod], [dev])


def no_effect(rng: random.Random) -> Case:
    name, service, actions, test = _base(rng)
    condition = TESTS[test].condition if test else None
    prod = _doc(_grant(actions, service.pattern, condition))
    story = rng.choice(
        [
            "a grant inside a wider grant",
            "a conditioned grant next to the same unconditioned",
            "a Deny of an action never allowed, everywhere",
            "a Deny of an action never allowed, on one resource",
            "a boundary that allows all the role does",
            "a boundary without effect removed",
        ]
    )
    unused = next(a for a in service.actions if a not in actions)
    extra: dict[str, Any] = {}
    if story == "a grant inside a wider grant":
        dev = _doc(_grant(actions, service.pattern, condition), _grant(actions[:1], service.narrow, condition))
    elif story == "a conditioned grant next to the same unconditioned":
        prod = _doc(_grant(actions, service.pattern))
        test = rng.choice(sorted(TESTS))
        dev = _doc(_grant(actions, service.pattern), _grant(actions[:1], service.narrow, TESTS[test].condition))
    elif story.startswith("a Deny"):
        where = "*" if story.endswith("everywhere") else service.narrow
        dev = _doc(_grant(actions, service.pattern, condition), _grant(unused, where, effect="Deny"))
        extra["choice"] = None if where == "*" else "deny only"
    elif story == "a boundary that allows all the role does":
        dev = copy.deepcopy(prod)
        extra["dev_boundary"] = _doc(_grant(f"{name}:*", "*"))
    else:
        story = "a boundary without effect removed"
        dev = copy.deepcopy(prod)
        extra["prod_boundary"] = _doc(_grant(f"{name}:*", "*"))
        extra["choice"] = "boundary guardrail"
    return _case("no effect", story, name, test, [prod], [dev], **extra)


def change(rng: random.Random) -> Case:
    name, service, actions, test = _base(rng)
    condition = TESTS[test].condition if test else None
    prod = _doc(_grant(actions, service.pattern, condition))
    story = rng.choice(
        [
            "an action removed",
            "an action added",
            "the resource narrowed",
            "the resource widened",
            "the condition tightened",
            "the condition loosened",
            "a condition added",
            "the condition removed",
            "a Deny added",
            "a conditional Deny added",
            "a Deny removed",
            "a boundary that cuts an action",
            "dev names prod's resource",
        ]
    )
    unused = [a for a in service.actions if a not in actions]
    extra: dict[str, Any] = {}
    if story == "an action removed":
        dev = _doc(_grant(actions[1:], service.pattern, condition))
    elif story == "an action added":
        dev = _doc(_grant([*actions, unused[0]], service.pattern, condition))
    elif story == "the resource narrowed":
        dev = _doc(_grant(actions, service.narrow, condition))
    elif story == "the resource widened":
        prod = _doc(_grant(actions, service.narrow, condition))
        dev = _doc(_grant(actions, rng.choice([service.pattern, "*"]), condition))
    elif story in ("the condition tightened", "the condition loosened", "a condition added", "the condition removed"):
        test = test or rng.choice(sorted(TESTS))
        spec = TESTS[test]
        before, after = {
            "the condition tightened": (spec.condition, spec.tighter),
            "the condition loosened": (spec.condition, spec.looser),
            "a condition added": (None, spec.condition),
            "the condition removed": (spec.condition, None),
        }[story]
        prod = _doc(_grant(actions, service.pattern, before))
        dev = _doc(_grant(actions, service.pattern, after))
    elif story in ("a Deny added", "a conditional Deny added"):
        deny_condition = TESTS[rng.choice(sorted(TESTS))].condition if story.startswith("a conditional") else None
        dev = _doc(
            _grant(actions, service.pattern, condition),
            _grant(actions[0], rng.choice(["*", service.narrow]), deny_condition, effect="Deny"),
        )
    elif story == "a Deny removed":
        prod = _doc(_grant(actions, service.pattern, condition), _grant(actions[0], service.narrow, effect="Deny"))
        dev = _doc(_grant(actions, service.pattern, condition))
    elif story == "a boundary that cuts an action":
        dev = copy.deepcopy(prod)
        extra["dev_boundary"] = _doc(_grant(actions[1:], "*"))
    else:
        story = "dev names prod's resource"
        dev = _doc(_grant(actions, service.pattern.replace("@ENV@", "prod"), condition))
        extra["choice"] = "same spelling"
    return _case("change", story, name, test, [prod], [dev], **extra)


GENERATORS: dict[str, Callable[[random.Random], Case]] = {
    "reworded": reworded,
    "no effect": no_effect,
    "change": change,
}


def _cases() -> list[Case]:
    rng = random.Random(20261130)
    cases = [GENERATORS[family](rng) for family, count in PAIRS_PER_FAMILY.items() for _ in range(count)]
    # Class 5: a wildcard that gains only actions which cannot act on the statement's resources.
    alarms = "arn:aws:cloudwatch:*:@ACCT@:alarm:*"
    requests = [
        ("cloudwatch:DisableAlarmActions", ("arn:aws:cloudwatch:us-east-1:@ACCT@:alarm:cpu-@ENV@",)),
        ("cloudwatch:DisableInsightRules", ("arn:aws:cloudwatch:us-east-1:@ACCT@:insight-rule/errors-@ENV@",)),
    ]
    for dev_resource, family in ((alarms, "no effect"), ("*", "change")):
        cases.append(
            Case(
                family,
                f"cloudwatch:Disable* on {dev_resource}",
                [],
                [],
                [_doc(_grant("cloudwatch:DisableAlarmActions", alarms))],
                [_doc(_grant("cloudwatch:Disable*", dev_resource))],
                extra_actions=requests,
            )
        )
    return cases


# --- Running both ----------------------------------------------------------------------------------------------


def _render(value: Any, side: str) -> Any:
    text = json.dumps(value).replace("@ACCT@", ACCOUNTS[side]).replace("@ENV@", side)
    return json.loads(text)


def _requests(case: Case, side: str) -> list[dict[str, Any]]:
    keys = sorted({TESTS[test].key for test in case.tests} | _keys(case))
    variants = [dict(zip(keys, values, strict=True)) for values in product(*(_values(key) for key in keys))]
    wanted = [(a, SERVICES[name].resources) for name in case.services for a in SERVICES[name].actions]
    wanted += case.extra_actions
    return [
        {
            "action": action,
            "resource": _render(resource, side),
            "account": ACCOUNTS[side],
            "context": {key: value for key, value in {**BASE_CONTEXT, **variant}.items() if value is not None},
        }
        for action, resources in wanted
        for resource in resources
        for variant in variants or [{}]
    ]


def _keys(case: Case) -> set[str]:
    found: set[str] = set()
    for document in [*case.prod, *case.dev, case.prod_boundary, case.dev_boundary]:
        for statement in (document or {}).get("Statement", []):
            for tests in statement.get("Condition", {}).values():
                found.update(tests)
    return found


def _values(key: str) -> tuple[Any, ...]:
    return tuple(value for test in TESTS.values() if test.key == key for value in test.values)


@pytest.fixture(scope="module")
def evaluator() -> Callable[[list[dict[str, Any]]], list[list[str]]]:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        reason = "no Node.js and npm here (install Debian's nodejs and npm)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the differential test")
        pytest.skip(reason)
    if not (SIMULATOR / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=SIMULATOR, check=True, timeout=600)

    def evaluate(jobs: list[dict[str, Any]]) -> list[list[str]]:
        lines = "".join(json.dumps(job) + "\n" for job in jobs)
        done = subprocess.run(
            [node, "evaluate.mjs"], cwd=SIMULATOR, input=lines, capture_output=True, text=True, check=True, timeout=900
        )
        return [json.loads(line) for line in done.stdout.splitlines()]

    return evaluate


def _role(index: int, side: str, documents: list[dict[str, Any]], boundary: dict[str, Any] | None) -> RoleRecord:
    account = ACCOUNTS[side]
    name = f"dt{index:03d}-{side}"
    fence = None
    if boundary is not None:
        fence = ManagedPolicyRecord(
            name="Fence", arn=f"arn:aws:iam::{account}:policy/Fence", document=_render(boundary, side)
        )
    return RoleRecord(
        name=name,
        arn=f"arn:aws:iam::{account}:role/{name}",
        inline_policies={f"P{i}": _render(document, side) for i, document in enumerate(documents)},
        permissions_boundary=fence,
    )


def _auditor(cases: list[Case]) -> dict[int, list[Finding]]:
    def account(side: str) -> Any:
        roles = {}
        for index, case in enumerate(cases):
            documents, boundary = (case.prod, case.prod_boundary) if side == "prod" else (case.dev, case.dev_boundary)
            record = _role(index, side, documents, boundary)
            roles[record.name] = record
        snapshot = AccountSnapshot(account_id=ACCOUNTS[side], collected_at=NOW, source="test", roles=roles)
        return normalize_account(snapshot, side, side)

    result = compare_accounts(account("prod"), account("dev"), Config(accounts={"prod": {}, "dev": {}}), NOW)
    found: dict[int, list[Finding]] = {index: [] for index in range(len(cases))}
    for finding in result.findings:
        if finding.severity.at_least(Severity.LOW):
            found[int((finding.target_role or finding.baseline_role or "")[2:5])].append(finding)
    return found


@dataclass
class Verdict:
    """What the evaluator saw for one pair, and what the auditor said."""

    lost: set[str]
    gained: set[str]
    named_lost: set[str]
    named_gained: set[str]
    named_either: set[str]
    requested: set[str]
    flagged: bool
    """The auditor has a finding at low or above for the pair."""

    @property
    def differs(self) -> bool:
        return bool(self.lost or self.gained)


_LOST = {FindingKind.PERMISSIONS_MISSING, FindingKind.POLICY_MISSING}
_GAINED = {FindingKind.PERMISSIONS_EXTRA, FindingKind.POLICY_EXTRA}


def _verdicts(cases: list[Case], evaluate: Callable[[list[dict[str, Any]]], list[list[str]]]) -> Iterator[Verdict]:
    jobs, requests = [], []
    for case in cases:
        for side in ("prod", "dev"):
            wanted = _requests(case, side)
            requests.append(wanted)
            boundary = case.prod_boundary if side == "prod" else case.dev_boundary
            documents = case.prod if side == "prod" else case.dev
            jobs.append(
                {
                    "policies": [_render(d, side) for d in documents],
                    "boundary": _render(boundary, side) if boundary else None,
                    "requests": wanted,
                }
            )
    decisions = evaluate(jobs)
    findings = _auditor(cases)
    for index, _ in enumerate(cases):
        prod, dev = decisions[2 * index], decisions[2 * index + 1]
        lost, gained, requested = set(), set(), set()
        for request, before, after in zip(requests[2 * index], prod, dev, strict=True):
            if "invalid" in (before, after):
                continue
            action = request["action"].casefold()
            requested.add(action)
            if before == "Allowed" and after != "Allowed":
                lost.add(action)
            if after == "Allowed" and before != "Allowed":
                gained.add(action)
        named: dict[str, set[str]] = {"lost": set(), "gained": set(), "either": set()}
        for finding in findings[index]:
            side = "lost" if finding.kind in _LOST else "gained" if finding.kind in _GAINED else "either"
            named[side].update(action.casefold() for action in finding.actions)
        yield Verdict(lost, gained, named["lost"], named["gained"], named["either"], requested, bool(findings[index]))


def test_the_auditor_flags_exactly_the_pairs_whose_decisions_differ_and_names_the_actions(evaluator, capsys):
    cases = _cases()
    assert len(cases) >= 200
    verdicts = list(_verdicts(cases, evaluator))
    wrong_flag, unnamed, wrong_way, spurious, choices = [], [], [], [], []
    named_total = 0
    for index, (case, verdict) in enumerate(zip(cases, verdicts, strict=True)):
        label = f"dt{index:03d} {case.family}: {case.story}"
        flagged = verdict.flagged
        if case.choice is not None:
            choices.append((label, case.choice, flagged, verdict.differs))
            continue
        if flagged != verdict.differs:
            wrong_flag.append(label)
        named = verdict.named_lost | verdict.named_gained | verdict.named_either
        if verdict.lost - verdict.named_lost - verdict.named_either or verdict.gained - named:
            unnamed.append(label)
        if (verdict.lost & verdict.named_gained - verdict.named_either) or (
            verdict.gained & verdict.named_lost - verdict.named_either
        ):
            wrong_way.append(label)
        in_view = named & verdict.requested
        named_total += len(in_view)
        spurious += [f"{label}: {action}" for action in sorted(in_view - verdict.lost - verdict.gained)]
    with capsys.disabled():
        families = {family: sum(c.family == family for c in cases) for family in PAIRS_PER_FAMILY}
        differing = sum(v.differs for v in verdicts)
        print(
            f"\n  differential: {len(cases)} pairs {families}, {differing} with differing decisions; "
            f"{len(spurious)} of {named_total} named actions decided alike; "
            f"{len(choices)} modelling choices: {sorted({c[1] for c in choices})}"
        )
    assert wrong_flag == [], "flagged, or not, against the evaluator's decisions"
    assert unnamed == [], "an action whose decision differs is not named"
    assert wrong_way == [], "an action named in the wrong direction"
    assert len(spurious) <= max(1, named_total // 100), spurious
    # Each modelling choice shows up as the disagreement it is documented to be, and nothing else does.
    assert all(flagged != differs for _, _, flagged, differs in choices), choices
