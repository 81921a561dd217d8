"""Per role pair: equal? nothing to do. Otherwise deepdiff says which policies changed."""

from __future__ import annotations

from typing import Literal

from deepdiff import DeepDiff

from auditor.match import RolePair
from auditor.model.base import Frozen
from auditor.model.normalized import NormalizedPolicy, NormalizedRole

Section = Literal["inline", "managed", "trust", "boundary"]
_KEYED: tuple[Section, ...] = ("inline", "managed")


class PolicyChange(Frozen):
    """One policy that differs between the paired roles; a side is None where the policy is absent."""

    section: Section
    key: str
    baseline: NormalizedPolicy | None
    target: NormalizedPolicy | None


def diff_pair(pair: RolePair) -> list[PolicyChange]:
    """The policies that differ between a matched pair, in a stable order; [] for an unpaired role."""
    if pair.baseline is None or pair.target is None:
        return []
    before, after = pair.baseline.comparable(), pair.target.comparable()
    if before == after:
        return []
    touched = _touched(DeepDiff(before, after, ignore_order=True, view="tree"))
    return [_change(pair.baseline, pair.target, section, key) for section, key in sorted(touched)]


def _touched(delta: DeepDiff) -> set[tuple[Section, str]]:
    touched: set[tuple[Section, str]] = set()
    for levels in delta.tree.values():
        for level in levels:
            path = level.path(output_format="list")
            section = path[0]
            key = str(path[1]) if section in _KEYED and len(path) > 1 else section
            touched.add((section, key))
    return touched


def _change(baseline: NormalizedRole, target: NormalizedRole, section: Section, key: str) -> PolicyChange:
    return PolicyChange(
        section=section, key=key, baseline=_part(baseline, section, key), target=_part(target, section, key)
    )


def _part(role: NormalizedRole, section: Section, key: str) -> NormalizedPolicy | None:
    if section == "inline":
        return role.inline.get(key)
    if section == "managed":
        return role.managed.get(key)
    return role.trust if section == "trust" else role.boundary
