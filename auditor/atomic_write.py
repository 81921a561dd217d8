"""Write files and folders so a reader sees the old content or the new one, never half of either, nor a mix.

A file is written beside its destination and renamed over it. A folder of reports is written whole
beside its destination and swapped in at once (Linux's renameat2 RENAME_EXCHANGE; elsewhere two
renames, never a mix of runs). Temporary names carry the writer's process ID, so files and folders
left by a killed run are recognised and removed by the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import glob
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TextIO

from auditor.forking import map_shared

MARKER = ".iam-drift-auditor"
"""Put in every folder the tool writes, so it replaces only folders it wrote."""
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
_SLICE = 1 << 20


def write_text_atomic(path: Path, text: str) -> None:
    """Write `text` to a temp file beside `path`, flush it to disk, then rename it over `path`.

    A symlink is followed (the file it points to is replaced, the link stays); anything but a regular
    file at `path` (a FIFO, a device, a folder) is refused with an OSError.
    """
    path = _resolved(path)
    if path.exists() and not path.is_file():
        raise OSError(errno.EEXIST, "exists and is not a regular file", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(path.parent, path.name)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        # mkstemp creates 0600; give the file the mode a plain open() would have.
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_folder_atomic(folder: Path, files: Mapping[str, str | Iterable[str]]) -> list[Path]:
    """Replace `folder` with one holding exactly `files` (relative path -> text, or its pieces in order), all at once.

    An existing folder is replaced only if this tool wrote it (its marker file) or it is empty;
    OSError otherwise, and for anything at `folder` that is not a folder.
    """
    folder = _resolved(folder)
    if folder.exists() and not _ours(folder):
        raise OSError(
            errno.EEXIST, "exists and was not written by iam-drift-auditor (choose another folder)", str(folder)
        )
    folder.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(folder.parent, folder.name)
    staging = folder.parent / f".{folder.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    every = {**files, MARKER: "written by iam-drift-auditor; replaced whole by each run\n"}
    made = [(staging / relative, text) for relative, text in every.items() if not isinstance(text, str)]
    try:
        for relative, text in every.items():
            if isinstance(text, str):
                _write_file(staging / relative, [text])
        # Pieces are made as they are read (reports rendered as they are written): most of the work, which forked
        # helpers share, each writing whole files of its own (see auditor.forking).
        map_shared(_write_made, made, 1, once=True)
        _swap_in(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)  # the new folder if the swap failed, else the old one
    _sync_folder(folder.parent)
    return [folder / relative for relative in files]


def _write_made(item: tuple[Path, Iterable[str]]) -> None:
    _write_file(*item)


def _write_file(target: Path, pieces: Iterable[str]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "w", encoding="utf-8", newline="\n") as handle:
        for piece in pieces:
            _write_in_slices(handle, piece)
        handle.flush()
        os.fsync(handle.fileno())


def _write_in_slices(handle: TextIO, text: str) -> None:
    # Encoded whole, a report of a hundred megabytes would be held twice at once.
    for start in range(0, len(text), _SLICE):
        handle.write(text[start : start + _SLICE])


def clean_leftovers(parent: Path, name: str) -> None:
    """Remove temporary files and folders for `name` that a run, since dead, left in `parent`."""
    for leftover in parent.glob(f".{glob.escape(name)}.*.tmp"):
        pid = leftover.name[len(name) + 2 :].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            if leftover.is_dir() and not leftover.is_symlink():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)


def _swap_in(staging: Path, folder: Path) -> None:
    if not folder.exists():
        os.rename(staging, folder)
        return
    if _exchange(staging, folder):
        return
    # No atomic exchange here: move the old folder aside first; a reader may briefly find no folder, never a mix.
    aside = folder.parent / f".{folder.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    os.rename(folder, aside)
    try:
        os.rename(staging, folder)
    except OSError:
        os.rename(aside, folder)
        raise
    os.rename(aside, staging)  # removed with the staging folder


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths atomically (Linux renameat2); False where the system cannot."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _ours(folder: Path) -> bool:
    mode = folder.lstat().st_mode
    if not stat.S_ISDIR(mode):
        return False
    return (folder / MARKER).is_file() or not any(folder.iterdir())


def _resolved(path: Path) -> Path:
    # Through a symlink to what it names: the link is the user's, what it points at is what they asked to write.
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
