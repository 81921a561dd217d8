"""Where runs are kept: run ids, the local folder, and S3 (on moto) through a client that can touch nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import boto3
import pytest

from auditor.cli import main
from auditor.errors import HistoryError, ReadOnlyViolationError, UsageError
from auditor.store import RUN_RECORD, new_run_id, open_store, run_order, runs_before
from auditor.store.local import LocalStore
from auditor.store.s3 import S3Store

AT = datetime(2026, 11, 30, 6, 0, 5, tzinfo=UTC)


def test_a_run_id_is_the_utc_start_to_the_second():
    assert new_run_id(AT) == "2026-11-30T060005Z"


def test_two_runs_in_one_second_get_different_ids_that_sort_in_order():
    first = new_run_id(AT)
    second = new_run_id(AT, {first})
    third = new_run_id(AT, {first, second})
    assert (second, third) == ("2026-11-30T060005Z-2", "2026-11-30T060005Z-3")
    assert runs_before([first, third, second], third) == [second, first]


def test_a_folder_named_by_day_alone_is_a_run_of_an_earlier_version_at_midnight():
    assert run_order("2026-11-20") == (datetime(2026, 11, 20, tzinfo=UTC), 1)
    assert runs_before(["2026-11-20", "2026-11-30T000000Z"], new_run_id(AT)) == ["2026-11-30T000000Z", "2026-11-20"]


@pytest.mark.parametrize("name", ["latest", "notes", "2026-13-45", "2026-11-30T250000Z", "2026-11-30T060005Z-0"])
def test_names_that_are_not_run_ids_are_no_runs(name: str):
    assert run_order(name) is None


def test_the_local_store_swaps_a_run_in_whole_and_points_latest_at_it(tmp_path: Path):
    store = LocalStore(tmp_path)
    store.write_run("2026-11-30T060005Z", {"a/report.md": "x", RUN_RECORD: "{}"})
    assert store.run_ids() == ["2026-11-30T060005Z"]
    assert store.read("2026-11-30T060005Z", "a/report.md") == "x"
    assert store.read("2026-11-30T060005Z", "a/missing.md") is None
    assert (tmp_path / "latest").read_text() == "2026-11-30T060005Z\n"


@pytest.fixture
def bucket(aws: str) -> str:
    """A fresh bucket in the moto account the default credentials act in (the audit account)."""
    name = f"audit-history-{datetime.now(UTC):%H%M%S%f}"
    boto3.client("s3").create_bucket(Bucket=name)
    return name


def _keys(bucket: str) -> list[str]:
    listed = boto3.client("s3").list_objects_v2(Bucket=bucket)
    return [item["Key"] for item in listed.get("Contents", [])]


def test_the_s3_store_keeps_a_run_under_its_prefix_and_finds_it_again(bucket: str):
    store = open_store(f"s3://{bucket}/iam/weekly")
    assert store.run_ids() == []
    store.write_run("2026-11-30T060005Z", {"prod-vs-dev/report.md": "# r", RUN_RECORD: "{}"})
    assert store.run_ids() == ["2026-11-30T060005Z"]
    assert store.read("2026-11-30T060005Z", "prod-vs-dev/report.md") == "# r"
    assert store.read("2026-11-30T060005Z", "nothing.md") is None
    assert sorted(_keys(bucket)) == [
        "iam/weekly/2026-11-30T060005Z/prod-vs-dev/report.md",
        "iam/weekly/2026-11-30T060005Z/run.json",
        "iam/weekly/latest",
    ]


def test_the_s3_store_may_not_delete_even_under_its_prefix(bucket: str):
    store = S3Store(f"s3://{bucket}/iam")
    with pytest.raises(ReadOnlyViolationError, match="s3:DeleteObject"):
        store.client.delete_object(Bucket=bucket, Key="iam/latest")


@pytest.mark.parametrize(
    ("call", "where"),
    [
        (lambda c, b: c.get_object(Bucket=b, Key="other/secret.txt"), "outside the prefix"),
        (lambda c, b: c.put_object(Bucket=b, Key="iamx/run.json", Body=b""), "a sibling prefix"),
        (lambda c, b: c.get_object(Bucket="someone-elses-bucket", Key="iam/latest"), "another bucket"),
        (lambda c, b: c.list_objects_v2(Bucket=b), "the whole bucket"),
    ],
)
def test_the_s3_store_may_not_touch_objects_outside_its_prefix(bucket: str, call, where: str):
    store = S3Store(f"s3://{bucket}/iam")
    with pytest.raises(ReadOnlyViolationError, match="under s3://"):
        call(store.client, bucket)


def test_the_s3_stores_session_cannot_call_iam_or_any_other_service(bucket: str):
    session = boto3.Session()
    S3Store(f"s3://{bucket}/iam", session=session)
    with pytest.raises(ReadOnlyViolationError, match="iam:ListRoles"):
        session.client("iam").list_roles()


def test_an_s3_location_that_is_not_one_is_refused(aws: str):
    with pytest.raises(UsageError, match="expected s3://BUCKET"):
        S3Store("s3://Not_A_Bucket/x")


def test_a_missing_bucket_is_one_line_naming_the_location(aws: str):
    with pytest.raises(HistoryError, match="s3://no-such-bucket-here/iam: cannot list the runs: NoSuchBucket"):
        S3Store("s3://no-such-bucket-here/iam").run_ids()


def test_audit_with_a_missing_history_bucket_exits_2_naming_it_and_still_writes_nothing_half(
    demo: Path, aws: str, capsys
):
    assert main(["audit", "--history", "s3://no-such-bucket-here/iam"]) == 2
    assert "s3://no-such-bucket-here/iam: cannot list the runs" in capsys.readouterr().err
    assert not (demo / "reports").exists()


def test_a_history_in_the_config_that_is_not_an_s3_location_names_the_key(demo: Path, capsys):
    (demo / "config.yaml").write_text((demo / "config.yaml").read_text() + "history: s3://UPPER/x\n")
    assert main(["audit"]) == 2
    err = capsys.readouterr().err
    assert "config.yaml" in err and "history" in err and "expected s3://BUCKET" in err


def test_a_run_cut_short_in_s3_has_no_record_and_is_not_the_previous_run(demo: Path, bucket: str):
    history = f"s3://{bucket}/iam"
    assert main(["audit", "--history", history, "--now", "2026-11-20T06:00:00"]) == 1
    # A week later an upload stopped half-way: the report is there, the record is not.
    s3 = boto3.client("s3")
    report = s3.get_object(Bucket=bucket, Key="iam/2026-11-20T060000Z/prod-vs-dev/report.json")["Body"].read()
    emptied = json.loads(report)
    emptied["comparisons"][0]["findings"] = []
    s3.put_object(Bucket=bucket, Key="iam/2026-11-27T060000Z/prod-vs-dev/report.json", Body=json.dumps(emptied))
    assert main(["audit", "--history", history, "--now", "2026-11-28T06:00:00", "--fail-on-new", "low"]) == 0
    record = json.loads(s3.get_object(Bucket=bucket, Key="iam/2026-11-28T060000Z/run.json")["Body"].read())
    assert record["previous_run_id"] == "2026-11-20T060000Z"


def test_an_audit_kept_in_s3_holds_every_file_of_the_local_run_as_written(demo: Path, bucket: str):
    # The history gets the files read back from the reports folder, not rendered a second time.
    assert main(["audit", "--history", f"s3://{bucket}/iam", "--now", "2026-11-20T06:00:00"]) == 1
    run = demo / "reports" / "2026-11-20T060000Z"
    local = {p.relative_to(run).as_posix(): p.read_bytes() for p in run.rglob("*") if p.is_file()}
    local.pop(".iam-drift-auditor")
    s3 = boto3.client("s3")
    prefix = "iam/2026-11-20T060000Z/"
    kept = {
        key[len(prefix) :]: s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        for key in _keys(bucket)
        if key.startswith(prefix)
    }
    assert "prod-vs-dev/report.html" in local and kept == local


def test_an_unreadable_history_is_a_history_error_not_a_traceback(tmp_path: Path):
    (tmp_path / "2026-11-30T060005Z").mkdir()
    (tmp_path / "2026-11-30T060005Z" / RUN_RECORD).write_bytes(b"\xff\xfe")
    with pytest.raises(HistoryError, match=r"run\.json: cannot read"):
        LocalStore(tmp_path).read("2026-11-30T060005Z", RUN_RECORD)


def test_a_history_folder_apart_from_the_reports_folder_gets_the_run_too(demo: Path):
    assert main(["audit", "--history", str(demo / "kept"), "--now", "2026-11-20T06:00:00"]) == 1
    assert main(["audit", "--history", str(demo / "kept"), "--now", "2026-11-27T06:00:00", "--fail-on-new", "low"]) == 0
    assert (demo / "kept" / "latest").read_text() == "2026-11-27T060000Z\n"
    assert sorted(p.name for p in (demo / "reports").iterdir()) == [
        "2026-11-20T060000Z",
        "2026-11-27T060000Z",
        "latest",
    ]
