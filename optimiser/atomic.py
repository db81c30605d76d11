"""Writing files so that a crash or a second writer never leaves half a file or loses an existing one.

Every failure is a WriteError: a sentence naming the file and saying what to do (disk full, read-only,
no permission, a file where a folder should be), still an OSError for code that catches those.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path

from optimiser.errors import OptimiserError

_REASONS = {
    errno.ENOSPC: "the disk is full (no space left on the device); free some space or choose another place",
    errno.EDQUOT: "your disk quota is used up; free some space or choose another place",
    errno.EROFS: "the file system is read-only; choose a folder you can write to",
    errno.EACCES: "permission denied; choose a folder you can write to",
    errno.EPERM: "permission denied; choose a folder you can write to",
    errno.ENOTDIR: "part of the path is a file, not a folder; check the path",
    errno.EISDIR: "it is a folder; give a file name",
    errno.ENAMETOOLONG: "the name is too long; choose a shorter one",
    errno.ENOENT: "the folder does not exist and cannot be made; check the path",
}


class WriteError(OptimiserError, OSError):
    """A file that could not be written, in words."""

    def __init__(self, path: Path, error: OSError):
        self.path = path
        reason = _REASONS.get(error.errno) or (error.strerror or str(error))
        OptimiserError.__init__(self, f"could not write {path}: {reason}")
        self.errno = error.errno


def write_text_atomic(path: Path, text: str, overwrite: bool = False) -> None:
    write_bytes_atomic(path, text.encode("utf-8"), overwrite=overwrite)


def write_bytes_atomic(path: Path, content: bytes, overwrite: bool = False) -> None:
    """A reader sees the old file or the new one, never half of one."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; choose another name or confirm overwriting it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_then_place(path, content, overwrite)
    except (FileExistsError, WriteError):
        raise
    except OSError as error:
        raise WriteError(path, error) from None


def _write_then_place(path: Path, content: bytes, overwrite: bool) -> None:
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        os.chmod(temp_name, 0o666 & ~_umask())  # mkstemp makes owner-only files; give the usual permissions
        with os.fdopen(handle, "wb") as temp:
            temp.write(content)
            temp.flush()
            os.fsync(temp.fileno())
        if overwrite:
            os.replace(temp_name, path)
        else:
            os.link(temp_name, path)  # fails if the file appeared meanwhile, unlike rename
            os.unlink(temp_name)
    except BaseException:
        if os.path.exists(temp_name):
            os.unlink(temp_name)
        raise


def write_files_atomic(folder: Path, files: dict[str, bytes], overwrite: bool = False) -> list[Path]:
    """Write a set of files into a folder all or nothing: into a hidden temporary folder first, then moved in.

    Nothing is written if any file exists and overwriting was not asked for, and a failure part way (a full
    disk) leaves no file of the set behind, so running again simply works.
    """
    folder = Path(folder)
    targets = [folder / name for name in files]
    existing = [p.name for p in targets if p.exists()]
    if existing and not overwrite:
        raise FileExistsError(f"{folder}/ already exists with {', '.join(existing)} in it; choose another folder or confirm overwriting them")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".writing-", suffix=".part", dir=folder))
    except OSError as error:
        raise WriteError(folder, error) from None
    try:
        for name, content in files.items():
            try:
                _write_then_place(staging / name, content, overwrite=True)
            except OSError as error:
                raise WriteError(folder / name, error) from None
        for target in targets:
            os.replace(staging / target.name, target)
    except OSError as error:
        if isinstance(error, WriteError):
            raise
        raise WriteError(folder, error) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return targets


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
