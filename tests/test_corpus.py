"""Real documents nobody here wrote: every AWS managed policy moto ships, and published GAAD files."""

from __future__ import annotations

import json
import random
from typing import Any

from moto.iam.aws_managed_policies import aws_managed_policies_data

from auditor import iamdb
from auditor.findings import FindingKind
from auditor.normalize import canonical_document
from auditor.sources import read_snapshot
from tests.conftest import SHARED_GAAD
from tests.test_findings import DEV, PROD, findings, role

AWS_MANAGED = {name: entry["Document"] for name, entry in json.loads(aws_managed_policies_data).items()}
# Env tokens that occur in no corpus document: AWS managed policies name real buckets such as
# `prod.agentless...`, which under env "prod" would rightly read as environment-specific.
ENVS = ("envone", "envtwo")
GAAD_FILES = sorted(SHARED_GAAD.glob("*.json")) if SHARED_GAAD.is_dir() else []


def _gaad_documents() -> dict[str, Any]:
    documents: dict[str, Any] = {}
    for path in GAAD_FILES:
        for role_name, record in read_snapshot(path).roles.items():
            for name, document in record.inline_policies.items():
                documents[f"{path.name}:{role_name}:{name}"] = document
            for attached in record.managed_policies:
                if attached.document is not None:
                    documents[f"{path.name}:{attached.arn}"] = attached.document
    return documents


def _reworded(document: dict[str, Any], seed: int) -> dict[str, Any]:
    """Equal in meaning, written differently: shuffled, re-cased, string-vs-list, object-vs-list."""
    rng = random.Random(seed)
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    out = []
    for written in statements:
        statement = dict(written)
        for key in ("Action", "NotAction", "Resource", "NotResource"):
            if key in statement:
                values = statement[key] if isinstance(statement[key], list) else [statement[key]]
                values = [v.upper() if key.endswith("Action") and rng.random() < 0.5 else v for v in values]
                rng.shuffle(values)
                statement[key] = values[0] if len(values) == 1 and rng.random() < 0.5 else values
        out.append(dict(rng.sample(list(statement.items()), len(statement))))
    rng.shuffle(out)
    return {"Version": document.get("Version", "2012-10-17"), "Statement": out[0] if len(out) == 1 else out}


def _spelled_out(document: dict[str, Any]) -> dict[str, Any]:
    """Every wildcard action replaced by the concrete actions it matches that can act on the statement's resource
    (one statement per resource): equal in effect only."""
    statements = document["Statement"] if isinstance(document["Statement"], list) else [document["Statement"]]
    out = []
    for written in statements:
        if "Action" not in written or "Resource" not in written:
            out.append(dict(written))
            continue
        patterns = written["Action"] if isinstance(written["Action"], list) else [written["Action"]]
        resources = written["Resource"] if isinstance(written["Resource"], list) else [written["Resource"]]
        for resource in resources:
            acting = iamdb.actions_on(resource)
            actions = set()
            for pattern in patterns:
                matched = iamdb.expand(pattern)
                if not matched:  # unknown to the dataset: kept as written
                    actions.add(pattern.casefold())
                elif "*" in pattern or "?" in pattern:
                    actions |= matched if acting is None else matched & acting
                else:
                    actions |= matched
            if actions:
                out.append({**written, "Action": sorted(actions), "Resource": resource})
    return {"Version": document.get("Version", "2012-10-17"), "Statement": out}


def _corpus() -> dict[str, Any]:
    return {**{f"aws:{name}": doc for name, doc in AWS_MANAGED.items()}, **_gaad_documents()}


def test_every_document_normalizes_and_a_reworded_copy_shows_no_drift(capsys):
    corpus = _corpus()
    drifted = []
    for index, (name, document) in enumerate(sorted(corpus.items())):
        canonical_document(document)
        found = findings(
            role(ENVS[0], PROD, {"P": document}), role(ENVS[1], DEV, {"P": _reworded(document, index)}), ENVS
        )
        if [f for f in found if f.kind != FindingKind.UNKNOWN_ACTION]:
            drifted.append(name)
    with capsys.disabled():
        print(
            f"\n  corpus: {len(corpus)} documents normalized and compared with a reworded copy "
            f"({len(AWS_MANAGED)} AWS managed from moto, {len(corpus) - len(AWS_MANAGED)} from GAAD files)"
        )
    assert len(AWS_MANAGED) > 1500
    assert drifted == []


def test_wildcards_spelled_out_grant_the_same_permissions(capsys):
    corpus = sorted(_corpus().items())
    drifted = []
    for name, document in corpus:
        found = findings(role(ENVS[0], PROD, {"P": document}), role(ENVS[1], DEV, {"P": _spelled_out(document)}), ENVS)
        kinds = {f.kind for f in found} - {FindingKind.RESTRUCTURED, FindingKind.UNKNOWN_ACTION}
        if kinds:
            drifted.append((name, sorted(kinds)))
    with capsys.disabled():
        print(f"\n  corpus: {len(corpus)} documents compared with their wildcards spelled out as concrete actions")
    assert drifted == []
