"""The `auditor` command (and `python -m auditor`): the command line, imported with the collector paused."""

from auditor.gc_pause import gc_paused


def run() -> None:
    """Console-script entry point: import the command line, then run it (it exits the process)."""
    # The imports build some 150,000 objects that live as long as the process: collected as they come, the young
    # generation walks them about a hundred times (15 to 25 ms of start-up); frozen as this tool's own, never (a
    # run's thaw hands them back with what it read).
    with gc_paused(freeze=True):
        from auditor.cli import run as command
    command()


if __name__ == "__main__":
    run()
