"""Large snapshot files are read in worker processes: the comparison, and every error, as if read here.

Each run is a fresh Python process: whether workers may be forked depends on the threads of the process
(a pytest worker has its own), and a forked worker shares the parent's modules.
"""

from __future__ import annotations

import json
import mmap
import pickle
import re
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from auditor import read_ahead
from auditor.config import load_config
from auditor.normalize.account import PortableAccount
from auditor.pipeline import RunOptions, compare_many
from bench.synth import write
from tests.conftest import SHARED_GAAD, SNAPSHOTS_CONFIG, changed_dev

WORKER = "in a worker process"

# Compares prod with dev, or with the targets of argv[4:] read one at a time (read ahead from 0 bytes, or
# never) and prints the run's JSON, or the error's class and message. As argv[3], `die` makes the worker
# exit at once, as one killed would, `dierecords` makes it exit when asked for the records it kept, `nopool`
# makes a process pool impossible, as where /dev/shm is not, `noshm` makes shared memory impossible, and
# `small` takes each file for 4 KiB when sizing the shared region.
RUN = """
import logging, mmap, os, sys
from datetime import UTC, datetime
from auditor import read_ahead
from auditor.config import load_config
from auditor.errors import AuditorError
from auditor.pipeline import RunOptions, compare_many
from auditor.report.json import render_json

def die(*args):
    os._exit(9)

def nopool(*args, **kwargs):
    raise OSError(38, "Function not implemented")

logging.basicConfig(level=logging.INFO, format="%(message)s")
if sys.argv[3:4] == ["die"]:
    read_ahead.read_portable = die
if sys.argv[3:4] == ["dierecords"]:
    read_ahead.kept_records = die
if sys.argv[3:4] == ["nopool"]:
    read_ahead.ProcessPoolExecutor = nopool
if sys.argv[3:4] == ["noshm"]:
    read_ahead.mmap.mmap = nopool
if sys.argv[3:4] == ["small"]:
    read_ahead._size = lambda account: -1 if account.snapshot is None else 4096
threshold = None if sys.argv[2] == "none" else int(sys.argv[2])
targets = sys.argv[4:] or ["dev"]
options = RunOptions(read_ahead_bytes=threshold, concurrency=1 if sys.argv[4:] else 8)
try:
    run = compare_many(load_config(sys.argv[1]), "prod", targets, now=datetime(2026, 1, 1, tzinfo=UTC), options=options)
except AuditorError as exc:
    print(type(exc).__name__, exc)
else:
    print(render_json(run))
"""


def _run(folder: Path, threshold: str, *extra: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(folder / "config.yaml"), threshold, *extra],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout, done.stderr


def _first_role(data: dict) -> dict:
    return data["roles"][sorted(data["roles"])[0]]


def test_a_target_read_in_a_worker_compares_as_one_read_here(drifted: Path):
    ahead, ahead_log = _run(drifted, "0")
    here, here_log = _run(drifted, "none")
    assert WORKER in ahead_log and WORKER not in here_log
    assert json.loads(ahead)["comparisons"][0]["findings"]
    assert ahead == here


def _trio(drifted: Path) -> Path:
    """prod, dev and qa (dev's roles renamed): dev is read in a worker before qa, the last read."""
    folder = drifted.parent / f"{drifted.name}-three"
    folder.mkdir(exist_ok=True)
    for name in ("prod", "dev"):
        (folder / f"{name}.json").write_bytes((drifted / f"{name}.json").read_bytes())
    (folder / "qa.json").write_bytes((drifted / "dev.json").read_bytes().replace(b"-dev", b"-qa"))
    (folder / "config.yaml").write_text(SNAPSHOTS_CONFIG + "  qa: {snapshot: qa.json, env: qa}\n")
    return folder


def test_the_last_read_leaves_its_records_in_the_worker_which_gives_those_compared(drifted: Path):
    ahead, log = _run(drifted, "0")
    [taken] = re.findall(r"(\d+) role records of dev taken from the worker, as the comparison asked", log)
    compared = json.loads(ahead)["comparisons"][0]["summary"]
    assert 0 < int(taken) < compared["roles_target"]
    assert "shared memory" not in log and "cannot give" not in log
    assert ahead == _run(drifted, "none")[0]


def test_roles_that_agree_but_hold_an_unreadable_policy_have_their_records_handed_over_too(drifted: Path):
    # Equal signatures, yet the comparison lists each policy it could not read: it builds those roles' policies.
    findings = json.loads(_run(drifted, "none")[0])["comparisons"][0]["findings"]
    drifting = {finding["target_role"] for finding in findings}
    folder = drifted.parent / f"{drifted.name}-unreadable"
    folder.mkdir(exist_ok=True)
    (folder / "config.yaml").write_text(SNAPSHOTS_CONFIG)
    for name in ("prod", "dev"):
        data = json.loads((drifted / f"{name}.json").read_text())
        roles = data["roles"].values()
        agreeing = [r for r in roles if r["managed_policies"] and r["name"].replace(name, "dev") not in drifting]
        for role in agreeing[:3]:
            for policy in role["managed_policies"]:
                policy.update(document=None, unreadable="AccessDenied")
        (folder / f"{name}.json").write_text(json.dumps(data))
    ahead, log = _run(folder, "0")
    assert json.loads(ahead)["comparisons"][0]["summary"]
    assert "cannot give" not in log
    assert ahead == _run(folder, "none")[0]


def test_records_a_stopped_worker_cannot_give_are_read_here(drifted: Path):
    ahead, log = _run(drifted, "0", "dierecords")
    assert "the worker that read dev cannot give its role records" in log
    assert ahead == _run(drifted, "none")[0]


def test_role_records_come_from_a_worker_through_shared_memory_when_another_read_follows(drifted: Path):
    _, log = _run(_trio(drifted), "0", "-", "dev", "qa")
    [(placed, roles)] = re.findall(r"(\d+) of (\d+) role records of dev came through shared memory", log)
    assert placed == roles and int(roles) > 0


def test_records_past_the_end_of_their_share_of_memory_come_through_the_pipe(drifted: Path):
    folder = _trio(drifted)
    ahead, log = _run(folder, "0", "small", "dev", "qa")
    [(placed, roles)] = re.findall(r"(\d+) of (\d+) role records of dev came through shared memory", log)
    assert 0 < int(placed) < int(roles)
    assert ahead == _run(folder, "none", "-", "dev", "qa")[0]


def test_without_shared_memory_records_come_through_the_pipe(drifted: Path):
    folder = _trio(drifted)
    ahead, log = _run(folder, "0", "noshm", "dev", "qa")
    assert log.count(WORKER) == 2 and "shared memory" not in log
    assert ahead == _run(folder, "none", "-", "dev", "qa")[0]


def _dev_read_with_a_region_of(size: int, drifted: Path, monkeypatch: pytest.MonkeyPatch):
    """dev read as a worker reads it, its last read, with a slot of `size` bytes; and the same read, no slot."""
    region = mmap.mmap(-1, size)
    monkeypatch.setattr(read_ahead._Kept, "region", region)
    monkeypatch.setattr(read_ahead._Kept, "snapshot", None)
    account = load_config(drifted / "config.yaml").account("dev")
    now = datetime(2026, 1, 1, tzinfo=UTC)
    sent = read_ahead.read_portable(account, now, (0, size), keep=True)
    return region, sent, read_ahead.read_portable(account, now, None, keep=True)


def test_a_workers_read_is_written_into_its_slot_and_only_where_it_lies_is_sent(drifted: Path, monkeypatch):
    region, sent, plain = _dev_read_with_a_region_of(1 << 22, drifted, monkeypatch)
    assert isinstance(sent, read_ahead.InRegion)
    assert len(pickle.dumps(sent)) < 200
    assert pickle.loads(region[sent.start : sent.start + sent.length]) == plain


def test_a_read_larger_than_its_slot_is_sent_through_the_pipe(drifted: Path, monkeypatch):
    _, sent, plain = _dev_read_with_a_region_of(4096, drifted, monkeypatch)
    assert isinstance(sent, PortableAccount)
    assert sent == plain


def test_targets_read_in_workers_one_at_a_time_compare_as_read_here(drifted: Path):
    folder = _trio(drifted)
    ahead, ahead_log = _run(folder, "0", "-", "dev", "prod", "qa")  # prod as a target too: the baseline itself
    assert ahead_log.count(WORKER) == 2
    # dev's records come through shared memory as qa's read begins; qa's, the last read's, stay in the worker.
    assert re.findall(r"role records of (\w+) came through shared memory", ahead_log) == ["dev"]
    assert re.findall(r"role records of (\w+) taken from the worker", ahead_log) == ["qa"]
    assert [c["target"]["name"] for c in json.loads(ahead)["comparisons"]] == ["dev", "prod", "qa"]
    assert ahead == _run(folder, "none", "-", "dev", "prod", "qa")[0]


@pytest.mark.skipif(not SHARED_GAAD.is_dir(), reason="../shared/corpus/gaad is not beside this checkout")
def test_a_gaad_file_read_in_a_worker_compares_as_one_read_here(tmp_path: Path):
    gaad = json.loads((SHARED_GAAD / "cloudsplaining-example.json").read_text())
    (tmp_path / "prod.json").write_text(json.dumps(gaad))
    for role in gaad["RoleDetailList"]:
        role["RolePolicyList"] = role["RolePolicyList"][1:]  # each role lacks its first inline policy in dev
    (tmp_path / "dev.json").write_text(json.dumps(gaad))
    (tmp_path / "config.yaml").write_text(SNAPSHOTS_CONFIG)
    ahead, ahead_log = _run(tmp_path, "0")
    assert WORKER in ahead_log
    assert json.loads(ahead)["comparisons"][0]["findings"]
    assert ahead == _run(tmp_path, "none")[0]


def test_a_role_that_json_cannot_carry_between_processes_compares_as_read_here(drifted: Path):
    # Role records go from the worker as JSON, which orjson writes only with integers of 64 bits at most.
    def huge_number(data: dict) -> None:
        statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}
        statement["Condition"] = {"NumericLessThan": {"s3:max-keys": 2**70}}
        data["roles"]["svc00000-role-dev"]["inline_policies"]["Huge"] = {"Statement": [statement]}

    changed = changed_dev(drifted, huge_number)
    ahead, ahead_log = _run(changed, "0")
    assert WORKER in ahead_log
    assert "Inline policy Huge on svc00000-role-dev" in ahead
    assert ahead == _run(changed, "none")[0]


def test_a_malformed_file_read_in_a_worker_fails_as_one_read_here(drifted: Path):
    broken = changed_dev(drifted, lambda data: _first_role(data).update(name="a b"))
    ahead, ahead_log = _run(broken, "0")
    assert WORKER in ahead_log
    assert ahead.startswith("SnapshotFormatError") and "dev.json" in ahead
    assert ahead == _run(broken, "none")[0]


def test_a_policy_malformed_past_its_signature_names_file_role_and_policy_as_when_read_here(drifted: Path):
    def bad_effect(data: dict) -> None:
        role = _first_role(data)
        role["inline_policies"]["Broken"] = {"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}

    broken = changed_dev(drifted, bad_effect)
    ahead, ahead_log = _run(broken, "0")
    assert WORKER in ahead_log
    assert ahead.startswith("SnapshotFormatError") and "dev.json" in ahead and "Broken" in ahead
    assert ahead == _run(broken, "none")[0]


def test_an_account_whose_worker_died_is_read_here(drifted: Path):
    ahead, ahead_log = _run(drifted, "0", "die")
    assert WORKER in ahead_log and "stopped; reading it here" in ahead_log
    assert ahead == _run(drifted, "none")[0]


def test_where_no_process_pool_can_be_made_every_account_is_read_here(drifted: Path):
    here, here_log = _run(drifted, "0", "nopool")
    assert WORKER not in here_log
    assert here == _run(drifted, "none")[0]


def test_no_worker_is_forked_while_another_thread_runs(drifted: Path, caplog: pytest.LogCaptureFixture):
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with caplog.at_level("INFO", logger="auditor.pipeline"):
            run = compare_many(
                load_config(drifted / "config.yaml"), "prod", ["dev"], options=RunOptions(read_ahead_bytes=0)
            )
    finally:
        stop.set()
        other.join()
    assert run.comparisons[0].findings
    assert WORKER not in caplog.text


def test_the_command_reads_a_large_target_file_in_a_worker(tmp_path: Path):
    write(2000, tmp_path)  # about 10 MB a file: past the size from which a worker is worth starting
    (tmp_path / "config.yaml").write_text(SNAPSHOTS_CONFIG)
    done = subprocess.run(
        [sys.executable, "-m", "auditor", "-v", "compare", "prod", "dev", "-o", "out", "-f", "json"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert f"reading account dev from dev.json {WORKER}" in done.stderr
    # The worker holding dev's records has stopped by then: helpers are forked only with no other process pool.
    assert re.search(r"\d+ items shared among \d+ processes", done.stderr)
    assert json.loads((tmp_path / "out" / "report.json").read_text())["comparisons"][0]["findings"]


_IMPORTED = """
import sys, time
from auditor import iamdb, pipeline, read_ahead
from auditor.config import load_config
from auditor.pipeline import RunOptions, compare_many
threshold = None if sys.argv[2] == "none" else int(sys.argv[2])
slow, name = (read_ahead, "read_portable") if sys.argv[3] == "worker" else (pipeline, "load_account")
reading = getattr(slow, name)

def slowly(*args):  # the worker, or this process, is still reading when the other is done
    time.sleep(1)
    return reading(*args)

setattr(slow, name, slowly)
idle = []

def at_idle():  # what the run has done by then
    idle.append(["deepdiff" in sys.modules, iamdb._formats.cache_info().currsize == 1])

options = RunOptions(read_ahead_bytes=threshold, idle=[at_idle])
compare_many(load_config(sys.argv[1]), "prod", ["dev"], options=options)
print(idle, "deepdiff" in sys.modules)
"""


@pytest.mark.parametrize(
    ("threshold", "slow", "printed"),
    [("0", "worker", "[[True, True]] True"), ("none", "worker", "[] False"), ("0", "baseline", "[] False")],
)
def test_work_due_later_is_done_only_while_a_worker_still_reads_and_deepdiff_not_imported_for_pairs_that_agree(
    tmp_path: Path, threshold: str, slow: str, printed: str
):
    write(50, tmp_path, drift_rate=0.0)
    (tmp_path / "config.yaml").write_text(SNAPSHOTS_CONFIG)
    done = subprocess.run(
        [sys.executable, "-c", _IMPORTED, str(tmp_path / "config.yaml"), threshold, slow],
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.strip() == printed
