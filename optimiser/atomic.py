"""Writing files so that a crash or a second writer never leaves half a file or loses an existing one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomic(path: Path, text: str, overwrite: bool = False) -> None:
    write_bytes_atomic(path, text.encode("utf-8"), overwrite=overwrite)


def write_bytes_atomic(path: Path, content: bytes, overwrite: bool = False) -> None:
    """A reader sees the old file or the new one, never half of one."""
    path = Path(path)
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} already exists; choose another name or confirm overwriting it")
    path.parent.mkdir(parents=True, exist_ok=True)
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


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current
