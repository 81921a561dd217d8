"""report.json has one shape in every case, and follows the JSON Schema committed beside the renderer."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from auditor import load_config
from auditor.cli import main
from auditor.pipeline import compare_many
from auditor.report import html
from auditor.report.json import SCHEMA_FILE, json_pieces, render_json, report_schema
from auditor.report.view import build_run_view

COMMITTED = Path(str(files("auditor.report").joinpath(SCHEMA_FILE)))


def _validate(path: Path) -> dict[str, Any]:
    report = json.loads(path.read_text())
    jsonschema.Draft202012Validator(json.loads(COMMITTED.read_text())).validate(report)
    return report


def test_the_committed_schema_is_the_one_the_models_define():
    generated = json.dumps(report_schema(), indent=2, sort_keys=True) + "\n"
    if os.environ.get("AUDITOR_UPDATE_GOLDEN"):
        COMMITTED.write_text(generated)
    assert COMMITTED.read_text() == generated, (
        "the report models changed: regenerate with AUDITOR_UPDATE_GOLDEN=1, and raise RESULT_SCHEMA_VERSION "
        "if a field was removed or changed (README, 'The JSON contract')"
    )


def test_one_target_is_a_run_with_one_comparison(demo: Path):
    main(["compare", "prod", "dev", "-o", "out", "-f", "json"])
    report = _validate(demo / "out" / "report.json")
    assert report["schema_version"] == 2 and len(report["comparisons"]) == 1 and report["unreadable"] == []


def test_several_targets_are_a_run_with_a_comparison_each(demo: Path):
    main(["compare", "prod", "dev", "prod", "-o", "out", "-f", "json"])
    report = _validate(demo / "out" / "report.json")
    assert [c["target"]["name"] for c in report["comparisons"]] == ["dev", "prod"]


def test_an_unreadable_account_is_listed_in_the_same_shape(demo: Path, monkeypatch: pytest.MonkeyPatch):
    config = (demo / "config.yaml").read_text()
    (demo / "config.yaml").write_text(
        config.replace("    snapshot: baselines/demo/dev.json\n", "    role_arn: arn:aws:iam::222222222222:role/gone\n")
    )
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAEXAMPLEEXAMPLE00")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-a-secret")
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    assert main(["compare", "prod", "dev", "-o", "out", "-f", "json"]) == 3
    report = _validate(demo / "out" / "report.json")
    assert report["comparisons"] == [] and [u["name"] for u in report["unreadable"]] == ["dev"]


@pytest.mark.parametrize("targets", [["dev"], ["dev", "prod"], []], ids=["one", "two", "none"])
def test_report_json_written_in_pieces_is_the_json_of_the_whole_run(demo: Path, targets: list[str]):
    run = compare_many(load_config("config.yaml"), "prod", ["dev", "prod"], now=datetime(2026, 11, 27, tzinfo=UTC))
    run = run.model_copy(update={"comparisons": [c for c in run.comparisons if c.target.name in targets]})
    assert "".join(json_pieces(run)) == render_json(run)


@pytest.mark.parametrize("piece", [1, 1 << 20], ids=["a-piece-a-line", "one-piece"])
def test_report_html_written_in_pieces_is_the_whole_page_and_each_piece_ends_a_line(
    demo: Path, monkeypatch: pytest.MonkeyPatch, piece: int
):
    monkeypatch.setattr(html, "_PIECE", piece)
    run = compare_many(load_config("config.yaml"), "prod", ["dev", "prod"], now=datetime(2026, 11, 27, tzinfo=UTC))
    pieces = list(html.html_pieces(run))
    assert "".join(pieces) == html.render_html(run)
    assert all(p.endswith("\n") for p in pieces[:-1]) and (len(pieces) > 1) == (piece == 1)


def test_a_run_view_builds_each_targets_view_when_reached_and_keeps_only_the_last(demo: Path):
    run = compare_many(load_config("config.yaml"), "prod", ["dev", "prod"], now=datetime(2026, 11, 27, tzinfo=UTC))
    views = build_run_view(run).views
    first = views[0]
    assert views[0] is first and views[-1].result.target.name == "prod" and views[0] is not first
    assert [v.result.target.name for v in views] == ["dev", "prod"]
