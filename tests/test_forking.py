"""Work shared with forked helper processes gives what one process gives: the results in order, the first
error in order, and no helper left behind.

Each case runs in a fresh Python process held to two CPUs: helpers are forked only while no other thread
runs (a pytest worker has threads of its own), and one per other CPU.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import changed_dev

pytestmark = pytest.mark.skipif(
    not hasattr(os, "sched_getaffinity") or len(os.sched_getaffinity(0)) < 2, reason="needs two CPUs, and Linux"
)

# Squares 0..39, helpers taking shares of at least 4: with two CPUs, this process and one helper. Prints each
# result with whether this process computed it, or the error raised.
SQUARES = """
import json, os, sys, threading, time
os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:int(sys.argv[2])])
from auditor.forking import map_shared, reap_helpers

mode, here = sys.argv[1], os.getpid()
done_here = []
opened = os.fdopen

def square(i):
    if mode.endswith("die") and os.getpid() != here:
        os._exit(9)
    if mode == "fail-there" and os.getpid() != here:
        raise ValueError(f"item {i}")
    if mode == "cut-short" and os.getpid() != here and os.fdopen is opened:  # the helper's share loses its last byte
        class Short:
            def __init__(self, out): self.out = out
            def __enter__(self): return self
            def __exit__(self, *exc): self.out.close()
            def write(self, data): self.out.write(bytes(data)[:-1])
        os.fdopen = lambda fd, how: Short(opened(fd, how))
    if mode in ("fail", "fail-both", "once-fail", "meanwhile-fail") and i == 6 or mode == "fail-both" and i == 3:
        raise ValueError(f"item {i}")
    if os.getpid() == here:
        order.append(i)
    if mode == "interrupt" and os.getpid() == here:
        done_here.append(i)
        if len(done_here) == 5:
            raise KeyboardInterrupt
    time.sleep(3 if mode == "lopsided" and i == 0 else 0.03)
    return [i * i, os.getpid() == here]

if mode == "thread":
    threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
if mode == "no-fork":
    def no_fork():
        raise OSError(11, "Resource temporarily unavailable")  # EAGAIN: no process left
    os.fork = no_fork
if mode == "no-sigchld":
    import signal
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children reaped by the kernel: no exit status to wait for
meanwhile = []
order = []  # what this process did, in turn: its items, and "meanwhile"

def own_work():
    meanwhile.append(os.getpid() == here)
    order.append("meanwhile")

try:
    if mode.startswith("meanwhile"):  # this process's own work, noted with whether this process did it
        try:
            results = map_shared(square, list(range(40)), 4, meanwhile=own_work)
        except ValueError as exc:
            results = f"ValueError: {exc}"
        print(json.dumps({"results": results, "meanwhile": meanwhile, "order": order}))
    elif mode == "reaped":  # two runs, then every helper waited for: no child process is left behind
        map_shared(square, list(range(40)), 4)
        map_shared(square, list(range(40)), 4)
        reap_helpers()
        try:
            os.waitpid(-1, os.WNOHANG)
            print("a child process is left")
        except ChildProcessError:
            print("no child process is left")
    elif mode.startswith("once"):  # items an iterator each, usable once
        print(json.dumps(map_shared(lambda item: square(next(item)), [iter([i]) for i in range(40)], 4, once=True)))
    else:
        print(json.dumps(map_shared(square, list(range(40)), 4)))
except ValueError as exc:
    print("ValueError:", exc)
except KeyboardInterrupt:
    try:
        os.waitpid(-1, os.WNOHANG)
    except ChildProcessError:
        print("interrupted; no helper left")
"""


def _squares(mode: str, cpus: int = 2) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SQUARES, mode, str(cpus)], capture_output=True, text=True, check=True, timeout=60
    )
    return done.stdout.strip()


def _results(printed: str) -> list[list]:
    return json.loads(printed)


def test_items_are_shared_with_a_helper_and_the_results_come_back_in_order():
    results = _results(_squares("plain"))
    assert [value for value, _ in results] == [i * i for i in range(40)]
    assert {here for _, here in results} == {True, False}


def test_a_process_takes_the_next_item_as_it_finishes_one():
    # Item 0 takes three seconds, the others 0.03 s each (1.2 s in all): whoever takes it does nothing else.
    results = _results(_squares("lopsided"))
    assert [value for value, _ in results] == [i * i for i in range(40)]
    assert {here for _, here in results[1:]} == {not results[0][1]}


def test_a_process_that_ignores_sigchld_still_takes_its_helpers_results():
    results = _results(_squares("no-sigchld"))
    assert [value for value, _ in results] == [i * i for i in range(40)]
    assert {here for _, here in results} == {True, False}


def test_the_items_a_helper_that_dies_took_are_done_here():
    results = _results(_squares("die"))
    assert results == [[i * i, True] for i in range(40)]


def test_the_items_of_a_helper_whose_results_came_only_in_part_are_done_again_here():
    assert _results(_squares("cut-short")) == [[i * i, True] for i in range(40)]


def test_the_items_of_a_helper_that_raises_are_done_again_here():
    assert _results(_squares("fail-there")) == [[i * i, True] for i in range(40)]


def test_an_error_is_raised_here_wherever_its_item_was_done():
    assert _squares("fail") == "ValueError: item 6"


def test_of_several_errors_the_first_in_order_is_raised():
    assert _squares("fail-both") == "ValueError: item 3"


@pytest.mark.parametrize("cpus", [1, 2])
def test_work_of_this_process_given_as_meanwhile_is_done_once_here_with_or_without_a_helper(cpus: int):
    printed = json.loads(_squares("meanwhile", cpus))
    assert printed["meanwhile"] == [True]
    assert [value for value, _ in printed["results"]] == [i * i for i in range(40)]
    assert {here for _, here in printed["results"]} == ({True, False} if cpus == 2 else {True})


def test_with_a_helper_work_of_this_process_is_done_before_it_takes_an_item():
    # Done after its items, it would leave the helper waiting: the items are taken as fast as either process can.
    assert json.loads(_squares("meanwhile", 2))["order"][0] == "meanwhile"


def test_work_of_this_process_is_done_once_when_an_item_fails_and_the_items_are_done_again_here():
    printed = json.loads(_squares("meanwhile-fail", 2))
    assert printed["results"] == "ValueError: item 6"
    assert printed["meanwhile"] == [True]


def test_items_usable_once_that_a_helper_took_are_done_here_from_the_start():
    assert _results(_squares("once-die")) == [[i * i, True] for i in range(40)]


def test_an_error_among_items_usable_once_is_raised_as_it_is():
    assert _squares("once-fail") == "ValueError: item 6"


def test_ctrl_c_here_stops_and_reaps_the_helpers():
    assert _squares("interrupt") == "interrupted; no helper left"


def test_where_no_helper_can_be_forked_the_work_is_done_here():
    assert _results(_squares("no-fork")) == [[i * i, True] for i in range(40)]


def test_no_helper_is_forked_while_another_thread_runs():
    assert _results(_squares("thread")) == [[i * i, True] for i in range(40)]


def test_no_helper_is_forked_on_one_cpu():
    assert _results(_squares("plain", cpus=1)) == [[i * i, True] for i in range(40)]


# Compares prod with dev, differing pairs shared from `share` pairs on (or never: `none`), and prints the
# run's JSON or the error's class and message.
COMPARE = """
import logging, os, sys
os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])
from datetime import UTC, datetime
from auditor import forking, pipeline
from auditor.config import load_config
from auditor.errors import AuditorError
from auditor.report.json import render_json

logging.basicConfig(level=logging.INFO, format="%(message)s")
if sys.argv[2] == "none":
    forking.may_fork = lambda: False
else:
    pipeline.SHARE_OF_PAIRS = int(sys.argv[2])
try:
    run = pipeline.compare_many(load_config(sys.argv[1]), "prod", ["dev"], now=datetime(2026, 1, 1, tzinfo=UTC))
except AuditorError as exc:
    print(type(exc).__name__, exc)
else:
    print(render_json(run))
"""
SHARED = "items shared among"


def _in_child(script: str, folder: Path, mode: str) -> tuple[str, str]:
    done = subprocess.run(
        [sys.executable, "-c", script, str(folder / "config.yaml"), mode],
        cwd=folder,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    return done.stdout, done.stderr


def _compare(folder: Path, share: str) -> tuple[str, str]:
    return _in_child(COMPARE, folder, share)


def test_a_comparison_shared_with_a_helper_reports_as_one_made_here(drifted: Path):
    shared, shared_log = _compare(drifted, "4")
    here, here_log = _compare(drifted, "none")
    assert SHARED in shared_log and SHARED not in here_log
    assert json.loads(shared)["comparisons"][0]["findings"]
    assert shared == here


def test_a_policy_malformed_past_its_signature_fails_as_when_compared_here(drifted: Path):
    def bad_effects(data: dict) -> None:
        for name in sorted(data["roles"])[:5]:  # in both shares, likely: the first in order is the error reported
            bad = {"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}
            data["roles"][name]["inline_policies"]["Broken"] = bad

    broken = changed_dev(drifted, bad_effects)
    shared, shared_log = _compare(broken, "4")
    assert SHARED in shared_log
    assert shared.startswith("SnapshotFormatError") and "dev.json" in shared and "Broken" in shared
    assert shared == _compare(broken, "none")[0]


def test_a_pair_that_agrees_fails_after_every_pair_that_differs_wherever_each_was_compared(drifted: Path):
    # The first role agrees in both accounts but holds an unreadable managed policy, so its policies are built,
    # and beside it a malformed one; the last role that drifts holds another in dev. Compared first, the pairs
    # that differ raise first: so they must, shared with a helper or not.
    findings = json.loads(_compare(drifted, "none")[0])["comparisons"][0]["findings"]
    drifting = sorted({finding["target_role"] for finding in findings if finding["target_role"]})
    folder = drifted.parent / f"{drifted.name}-agreeing-broken"
    folder.mkdir(exist_ok=True)
    (folder / "config.yaml").write_text((drifted / "config.yaml").read_text())
    broken = {"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}
    for name in ("prod", "dev"):
        data = json.loads((drifted / f"{name}.json").read_text())
        roles = [data["roles"][key] for key in sorted(data["roles"])]
        first = next(r for r in roles if r["managed_policies"] and r["name"].replace(name, "dev") not in drifting)
        for policy in first["managed_policies"]:
            policy.update(document=None, unreadable="AccessDenied")
        first["inline_policies"]["AgreeingButBroken"] = broken
        if name == "dev":
            data["roles"][drifting[-1]]["inline_policies"]["DriftingAndBroken"] = broken
        (folder / f"{name}.json").write_text(json.dumps(data))
    here, _ = _compare(folder, "none")
    assert here.startswith("SnapshotFormatError") and "DriftingAndBroken" in here
    for _ in range(3):  # which process takes the last pair that differs is left to chance
        shared, log = _compare(folder, "4")
        assert SHARED in log and shared == here


# Writes the reports of prod against dev to `out`: each format rendered in whichever process takes it (or all
# here: `none`; or a helper that dies halfway through the first file it writes: `die`). Prints the files.
WRITE = """
import json, logging, os, sys, time
os.sched_setaffinity(0, sorted(os.sched_getaffinity(0))[:2])
from datetime import UTC, datetime
from pathlib import Path
from auditor import atomic_write, forking, pipeline
from auditor.config import load_config
from auditor.report import render_pieces, write_reports

logging.basicConfig(level=logging.INFO, format="%(message)s")
mode, here = sys.argv[2], os.getpid()
if mode == "none":
    forking.may_fork = lambda: False
if mode == "die":
    whole = atomic_write._write_file

    def half_then_die(target, pieces):
        if os.getpid() == here:
            time.sleep(0.5)  # so that the helper surely takes a file
            return whole(target, pieces)
        target.write_text("half")
        Path("helper-died").touch()
        os._exit(9)

    atomic_write._write_file = half_then_die
run = pipeline.compare_many(load_config(sys.argv[1]), "prod", ["dev"], now=datetime(2026, 1, 1, tzinfo=UTC))
paths = write_reports(render_pieces(run, ["md", "html", "json"]), "out")
print(json.dumps({path.name: path.read_text() for path in paths}))
"""


def _written(folder: Path, mode: str) -> tuple[dict[str, str], str]:
    printed, log = _in_child(WRITE, folder, mode)
    return json.loads(printed), log


def test_reports_rendered_in_helpers_are_those_rendered_here(drifted: Path):
    shared, log = _written(drifted, "shared")
    assert "3 items shared among 2 processes" in log
    here, _ = _written(drifted, "none")
    assert sorted(shared) == ["report.html", "report.json", "report.md"]
    assert shared == here


def test_a_report_a_helper_left_half_written_is_written_again_here(drifted: Path):
    shared, log = _written(drifted, "die")
    assert "3 items shared among 2 processes" in log and (drifted / "helper-died").exists()
    assert shared == _written(drifted, "none")[0]


def test_helpers_whose_results_were_taken_before_they_exited_are_all_reaped():
    assert _squares("reaped") == "no child process is left"
