"""Mistakes that used to pass quietly: globs that match nothing, a wrong account, arguments dropped, path types."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

import auditor.cli
from auditor import load_config, pipeline
from auditor.cli import main
from auditor.errors import UsageError
from auditor.gc_pause import frozen, gc_paused, thaw
from auditor.pipeline import RunOptions, compare, compare_many
from auditor.report import write_reports
from auditor.sources import read_snapshot, write_snapshot

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def test_a_role_glob_that_matches_nothing_exits_2_naming_it(demo: Path, capsys):
    assert main(["compare", "prod", "dev", "-o", "out", "--role", "deep-insihgt-*"]) == 2
    err = capsys.readouterr().err
    assert "no role of prod is in scope" in err and "--role deep-insihgt-*" in err
    assert not (demo / "out").exists()


def test_an_include_that_matches_nothing_exits_2_naming_it(demo: Path, capsys):
    config = (demo / "config.yaml").read_text().replace('include: ["*"]', 'include: ["app-*"]')
    (demo / "config.yaml").write_text(config)
    assert main(["compare", "prod", "dev", "-o", "out"]) == 2
    assert "roles.include app-*" in capsys.readouterr().err


def test_a_glob_matching_roles_on_one_side_only_names_that_side(demo: Path, capsys):
    assert main(["compare", "prod", "dev", "-o", "out", "--role", "*-reporting-*"]) == 2
    assert "no role of dev is in scope" in capsys.readouterr().err  # prod has a reporting role, dev none


def _renamed_dev(demo: Path) -> None:
    """Dev as if the config pointed at an unrelated account: no role name shares a stack with prod's."""
    path = demo / "baselines" / "demo" / "dev.json"
    data = json.loads(path.read_text())
    data["roles"] = {f"other-{name}": {**role, "name": f"other-{name}"} for name, role in data["roles"].items()}
    path.write_text(json.dumps(data))


def test_no_role_pairing_warns_at_the_top_of_every_report_and_on_the_console(demo: Path, capsys):
    _renamed_dev(demo)
    assert main(["compare", "prod", "dev", "-o", "out"]) == 1
    err = capsys.readouterr().err
    assert "warning: prod vs dev: No role of dev" in err and "Check the account and env settings" in err
    markdown = (demo / "out" / "report.md").read_text()
    assert markdown.index("**Warning:**") < markdown.index("## Summary")
    html = (demo / "out" / "report.html").read_text()
    assert html.index('class="warning"') < html.index('id="findings"')
    [comparison] = json.loads((demo / "out" / "report.json").read_text())["comparisons"]
    assert comparison["warnings"] and "env dev" in comparison["warnings"][0]


def test_a_comparison_with_pairs_has_no_warning(demo: Path):
    assert compare(load_config(demo / "config.yaml"), "prod", "dev", now=NOW).warnings == []


def test_a_run_leaves_no_object_frozen_away_from_the_collector(demo: Path):
    # Snapshots are frozen while a run holds them; a long-lived process running audits must get them back.
    gc.unfreeze()
    compare(load_config(demo / "config.yaml"), "prod", "dev", now=NOW)
    assert gc.get_freeze_count() == 0


def test_a_run_leaves_what_its_caller_froze_frozen_and_freezes_nothing_more(demo: Path):
    # A server forked from a frozen parent keeps its pages shared; an audit run must not thaw them.
    gc.unfreeze()
    gc.freeze()
    before = gc.get_freeze_count()
    try:
        compare(load_config(demo / "config.yaml"), "prod", "dev", now=NOW)
        assert 0 < gc.get_freeze_count() <= before  # none thawed, none added (some may have been freed)
    finally:
        gc.unfreeze()


def test_rendering_in_the_command_freezes_what_it_renders_from_and_leaves_nothing_frozen(demo: Path, monkeypatch):
    gc.unfreeze()
    seen: list[int] = []
    rendering = auditor.cli.write_reports

    def write_reports(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.get_freeze_count())
        return rendering(*args, **kwargs)

    monkeypatch.setattr(auditor.cli, "write_reports", write_reports)
    assert main(["compare", "prod", "dev", "-o", "out"]) == 1
    assert seen[0] > 0 and gc.get_freeze_count() == 0


def test_frozen_leaves_what_its_caller_froze_frozen():
    gc.unfreeze()
    gc.freeze()
    before = gc.get_freeze_count()
    try:
        with frozen():
            pass
        assert 0 < gc.get_freeze_count() <= before
    finally:
        gc.unfreeze()


@pytest.fixture
def collector_as_found():
    """Whatever a test does to the collector, the next test finds it on and nothing frozen."""
    gc.unfreeze()
    yield
    thaw()
    gc.unfreeze()
    gc.enable()


def test_what_the_command_imports_at_start_is_frozen_and_handed_back_by_a_run(collector_as_found):
    with gc_paused(freeze=True):
        assert not gc.isenabled()
        kept = [{"made": index} for index in range(100)]
    assert gc.isenabled() and gc.get_freeze_count() >= len(kept)
    thaw()
    assert gc.get_freeze_count() == 0


def test_pausing_at_start_leaves_the_collector_off_if_it_was_off(collector_as_found):
    gc.disable()
    with gc_paused(freeze=True):
        pass
    assert not gc.isenabled()


def _in_a_fresh_interpreter(*lines: str) -> None:
    done = subprocess.run([sys.executable, "-c", "\n".join(lines)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_importing_the_package_imports_no_pipeline_until_a_name_is_asked_for():
    _in_a_fresh_interpreter(
        "import sys, auditor",
        "assert 'auditor.pipeline' not in sys.modules and 'auditor.config' not in sys.modules",
        "from auditor import compare, load_config",
        "assert compare.__module__ == 'auditor.pipeline' and load_config.__module__ == 'auditor.config'",
    )


def test_a_module_of_the_package_is_there_when_named_after_importing_the_package_alone():
    _in_a_fresh_interpreter(
        "import auditor",
        "assert callable(auditor.report.render) and callable(auditor.pipeline.compare_accounts)",
        "assert not hasattr(auditor, 'no_such_module')",
    )


def test_reading_a_snapshot_freezes_what_it_built(demo: Path):
    gc.unfreeze()
    read_snapshot("baselines/demo/prod.json")
    assert gc.get_freeze_count() > 0
    gc.unfreeze()


def test_a_run_holds_its_baseline_and_last_target_when_asked_and_only_until_the_next_run(demo: Path):
    config = load_config(demo / "config.yaml")
    compare_many(config, "prod", ["dev"], now=NOW, options=RunOptions(keep_reads=True))
    held, last = pipeline._Kept.baseline, pipeline._Kept.target
    assert held is not None and held.name == "prod" and held.roles
    assert last is not None and last.name == "dev" and last.roles
    compare_many(config, "prod", ["dev"], now=NOW)
    assert pipeline._Kept.baseline is None and pipeline._Kept.target is None


def test_load_config_takes_a_str_path(demo: Path):
    assert load_config("config.yaml").baseline == "prod"


def test_compare_many_keeps_only_given_beside_options(demo: Path):
    config = load_config(demo / "config.yaml")
    run = compare_many(config, "prod", ["dev"], now=NOW, only=["deep-insight-api-*"], options=RunOptions(concurrency=1))
    assert run.comparisons[0].summary.roles_compared == 1


def test_compare_many_refuses_only_given_twice_differently(demo: Path):
    config = load_config(demo / "config.yaml")
    with pytest.raises(UsageError, match="`only` is given twice"):
        compare_many(config, "prod", ["dev"], now=NOW, only=["a*"], options=RunOptions(only=("b*",)))


def test_snapshots_and_reports_take_str_paths_too(demo: Path):
    snapshot = read_snapshot("baselines/demo/prod.json")
    write_snapshot(snapshot, "copy.json")
    assert read_snapshot("copy.json") == snapshot
    written = write_reports({"report.md": "# r\n"}, "out")
    assert [path.name for path in written] == ["report.md"]
