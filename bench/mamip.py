"""Accuracy on real history: every change AWS made to its managed policies (../shared/corpus/mamip), prod holding
the old document and dev the new one, scored against the corpus's independent truth. Prints one JSON line.

Counted: a pair is flagged when it has a finding at low or above; its reported actions are those of its
permissions and policy findings (missing and extra, Allow grants), compared with the truth's action sets
on `action_change` pairs. The truth ignores condition semantics and resource types (see its SOURCE.md).
"""

from __future__ import annotations

import json
import lzma
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from auditor.config import Config
from auditor.findings import Finding, FindingKind, Severity
from auditor.pipeline import compare

CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "mamip"
_MISSING = {FindingKind.PERMISSIONS_MISSING, FindingKind.POLICY_MISSING}
_EXTRA = {FindingKind.PERMISSIONS_EXTRA, FindingKind.POLICY_EXTRA}
_SCOPED = {FindingKind.RESOURCE_DRIFT, FindingKind.CONDITION_DRIFT}


def _pair(finding: Finding) -> str:
    return finding.role.rsplit("-", 1)[0]


def _allow_actions(finding: Finding, side: str) -> set[str]:
    return {
        action.casefold()
        for group in finding.grants
        if group.effect == "Allow" and group.side == side
        for action in group.actions
    }


def main(corpus: Path = CORPUS) -> dict[str, object]:
    """Compare the corpus's two accounts once and score every pair."""
    truth = json.loads(lzma.decompress((corpus / "truth.json.xz").read_bytes()))["pairs"]
    with tempfile.TemporaryDirectory() as folder:
        for side in ("prod", "dev"):
            (Path(folder) / f"{side}.json").write_bytes(lzma.decompress((corpus / f"{side}.gaad.json.xz").read_bytes()))
        config = Config(
            accounts={
                "prod": {"snapshot": Path(folder) / "prod.json", "env": "prod"},
                "dev": {"snapshot": Path(folder) / "dev.json", "env": "dev"},
            }
        )
        started = time.perf_counter()
        result = compare(config, "prod", "dev")
        elapsed = time.perf_counter() - started
    by_pair: dict[str, list[Finding]] = defaultdict(list)
    for finding in result.findings:
        by_pair[_pair(finding)].append(finding)
    flagged = {pair for pair, found in by_pair.items() if any(f.severity.at_least(Severity.LOW) for f in found)}
    changed = [p for p in truth if p["class"] != "no_semantic_change"]
    unchanged = [p for p in truth if p["class"] == "no_semantic_change"]
    action_changes = [p for p in truth if p["class"] == "action_change"]
    exact, inexact, grant_exact = 0, [], 0
    for pair in action_changes:
        found = by_pair.get(pair["pair"], [])
        missing = set().union(*(_allow_actions(f, "baseline") for f in found if f.kind in _MISSING))
        extra = set().union(*(_allow_actions(f, "target") for f in found if f.kind in _EXTRA))
        if missing == set(pair["missing"]) and extra == set(pair["extra"]):
            exact += 1
        else:
            inexact.append(pair["pair"])
        # Grant level: every action some finding names on each side, against the truth's per-grant sets.
        lost = set().union(*(_allow_actions(f, "baseline") for f in found if f.kind in _MISSING | _SCOPED))
        gained = set().union(*(_allow_actions(f, "target") for f in found if f.kind in _EXTRA | _SCOPED))
        grant_exact += lost == set(pair["grant_missing"]) and gained == set(pair["grant_extra"])
    return {
        "pairs": len(truth),
        "seconds": round(elapsed, 2),
        "recall": f"{sum(p['pair'] in flagged for p in changed)}/{len(changed)}",
        "false_positives": f"{sum(p['pair'] in flagged for p in unchanged)}/{len(unchanged)}",
        "false_positive_pairs": sorted(p["pair"] for p in unchanged if p["pair"] in flagged)[:20],
        "unflagged_changed_pairs": sorted(p["pair"] for p in changed if p["pair"] not in flagged)[:20],
        "exact_action_sets": f"{exact}/{len(action_changes)}",
        "exact_grant_action_sets": f"{grant_exact}/{len(action_changes)}",
        "inexact_sample": inexact[:20],
    }


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]) if len(sys.argv) > 1 else CORPUS)))
