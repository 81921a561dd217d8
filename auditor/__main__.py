"""The `auditor` command (and `python -m auditor`): the command line, imported with the collector paused."""

from auditor.gc_pause import starting


def run() -> None:
    """Console-script entry point: import the command line, then run it (it exits the process)."""
    with starting():
        from auditor.cli import run as command
    command()


if __name__ == "__main__":
    run()
