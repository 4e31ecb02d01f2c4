"""An import's uploaded files, kept in the portal's private pending storage until the import is done.

The attachments' path (:mod:`portal.services.files.uploads`) is used for the place, the keys, the
size limit and the clean-up of abandoned files; only its type check is not, because it accepts
UTF-8 text alone and a CSV saved by a spreadsheet is often UTF-16 or Windows-1252. Whether the bytes
are a CSV the import reads is decided by :mod:`reading` when the file is read, from its content.
The files are read again for the import itself, so no parsed rows live in a screen's state.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from typing import BinaryIO

from sqlmodel import Session

from portal.core import clock
from portal.core.principal import Duty, StaffMember, require_duty
from portal.services.files import uploads
from portal.services.imports.checking import Batch, check
from portal.services.imports.reading import ReadFile, read

MAX_FILES = 6  # one per kind
LIMIT_BYTES = 10 * 1024 * 1024  # 20,000 rows of assets is about 4 MB


@dataclass(frozen=True)
class Stored:
    key: str
    name: str
    size: int


def limit() -> int:
    return min(LIMIT_BYTES, uploads.limit_bytes())


def keep(stream: BinaryIO, raw_name: object) -> Stored:
    """Write an uploaded file to pending storage in chunks; :class:`uploads.UploadRefused` when it is
    empty or too big (reading stops at the limit)."""
    name = uploads.display_name(raw_name)
    key = uploads.new_key()
    path = uploads.pending_path(key)
    size = 0
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            while data := stream.read(uploads.CHUNK):
                size += len(data)
                if size > limit():
                    raise uploads.UploadRefused(
                        name,
                        f"The file is larger than {uploads.limit_text(limit())}, the limit for one file.",
                    )
                out.write(data)
        if size == 0:
            raise uploads.UploadRefused(name, "The file is empty.")
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        raise
    stamp = clock.now().timestamp()  # its age is read on the portal's clock, so the sweep removes it in time
    os.utime(path, (stamp, stamp))
    return Stored(key, name, size)


EXPIRED = "This upload has expired. Upload the file again."


def read_stored(key: str, name: str) -> ReadFile:
    """A kept file read again; a key that is malformed or whose file has gone reads as a problem."""
    try:
        path = uploads.pending_path(key)
        with path.open("rb") as fh:
            data = fh.read(limit() + 1)
    except (ValueError, FileNotFoundError):
        return ReadFile(name, problem=EXPIRED)
    if len(data) > limit():
        return ReadFile(name, problem=f"The file is larger than {uploads.limit_text(limit())}.")
    return read(name, data)


def read_all(files: list[tuple[str, str]]) -> list[tuple[str, ReadFile]]:
    """Kept files ``(key, name)`` read again, in the order given."""
    return [(key, read_stored(key, name)) for key, name in files]


def preview(session: Session, staff: StaffMember, files: list[tuple[str, str]]) -> Batch:
    """The check of kept files ``(key, name)``, for the office to read before importing; writes nothing."""
    require_duty(staff, Duty.MANAGE_CUSTOMERS)
    return check(session, read_all(files))


def forget(keys: list[str]) -> None:
    for key in keys:
        uploads.discard_pending(key)
