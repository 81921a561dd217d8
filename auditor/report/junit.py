"""report.junit.xml: one testcase per role pair, a failure where the pair has findings at or above --fail-on."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

from auditor.findings import AuditResult, AuditRun, Finding, Severity


def render_junit(run: AuditRun, fail_on: Severity = Severity.HIGH) -> str:
    """JUnit XML for CI dashboards; lower findings appear in the testcase's output, waived ones not at all."""
    suites = ET.Element("testsuites", name="iam-drift-auditor")
    for result in run.comparisons:
        suites.append(_suite(result, fail_on))
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _suite(result: AuditResult, fail_on: Severity) -> ET.Element:
    name = f"{result.baseline.name}-vs-{result.target.name}"
    by_role: dict[tuple[str | None, str | None], list[Finding]] = defaultdict(list)
    for finding in result.findings:
        if not finding.waived:
            by_role[(finding.baseline_role, finding.target_role)].append(finding)
    suite = ET.Element("testsuite", name=name, timestamp=result.generated_at.isoformat())
    failures = 0
    for pair in result.pairs:
        case = ET.SubElement(suite, "testcase", classname=name, name=pair.target_role or pair.baseline_role or "")
        found = by_role.get((pair.baseline_role, pair.target_role), [])
        failing = [f for f in found if f.severity.at_least(fail_on)]
        if failing:
            failures += 1
            failure = ET.SubElement(case, "failure", message=failing[0].title, type=failing[0].kind.value)
            failure.text = "\n".join(f"[{f.severity.value}] {f.kind.value}: {f.title}" for f in failing)
        rest = [f for f in found if f not in failing]
        if rest:
            ET.SubElement(case, "system-out").text = "\n".join(f"[{f.severity.value}] {f.title}" for f in rest)
    suite.set("tests", str(len(result.pairs)))
    suite.set("failures", str(failures))
    suite.set("errors", "0")
    return suite
