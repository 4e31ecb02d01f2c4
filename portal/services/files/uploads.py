"""Uploaded files: checked on the server, then kept privately until the request that carries them is saved.

An upload is read in chunks into a *pending* file under ``files_dir/pending/<32 hex>``, never into
Reflex's public upload folder. While it is read, the size limit is enforced (reading stops as soon
as the file is past it), and once complete its type is decided from its content, not its name or
the browser's word for it. Only the metadata (name, size, type, the random key) is handed back;
the screen shows that and the bytes stay where they are.

When a request is saved, :func:`attach` re-checks every pending file, gives it a new random key in
final storage (``portal.services.files.storage.storage_path``) and adds its Attachment row. The pending
copy is removed once the transaction commits; if it rolls back, the final copies are removed
instead, so a failed save leaves no orphan files and the customer can simply try again.
"""

from __future__ import annotations

import codecs
import contextlib
import hashlib
import logging
import os
import re
import secrets
import shutil
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import filetype
from sqlalchemy import event
from sqlmodel import Session

from portal import config
from portal.core import clock
from portal.models import Attachment, AttachmentOwner
from portal.services.files.storage import storage_path

log = logging.getLogger(__name__)

CHUNK = 64 * 1024
HEAD = 8192  # what the type matchers look at
MAX_NAME = 255
PENDING_MAX_AGE_SECONDS = 24 * 3600
_KEY = re.compile(r"^[0-9a-f]{32}$")
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

NOT_ALLOWED = (
    "That file is not an allowed type. Attach photos (JPEG, PNG, GIF, WebP, HEIC), PDF, Word, Excel, "
    "PowerPoint, or text and CSV files."
)


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str
    extensions: tuple[str, ...]  # the first is the one a file is given when its own does not fit


_KINDS = (
    Kind("image/jpeg", "JPEG image", ("jpg", "jpeg", "jpe", "jfif")),
    Kind("image/png", "PNG image", ("png",)),
    Kind("image/gif", "GIF image", ("gif",)),
    Kind("image/webp", "WebP image", ("webp",)),
    Kind("image/heic", "HEIC photo", ("heic", "heif")),
    Kind("application/pdf", "PDF", ("pdf",)),
    Kind(
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word document", ("docx",)
    ),
    Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel workbook", ("xlsx",)),
    Kind(
        "application/vnd.openxmlformats-officedocument.presentationml.presentation", "PowerPoint", ("pptx",)
    ),
    Kind("application/msword", "Word 97-2003 document", ("doc",)),
    Kind("application/vnd.ms-excel", "Excel 97-2003 workbook", ("xls",)),
    Kind("application/vnd.ms-powerpoint", "PowerPoint 97-2003", ("ppt",)),
    Kind("text/csv", "CSV", ("csv",)),
    Kind("text/plain", "Text", ("txt", "text", "log")),
)
KINDS: dict[str, Kind] = {k.content_type: k for k in _KINDS}
# What filetype calls some of them.
_ALIASES = {"image/apng": "image/png", "image/heif": "image/heic"}
# Extensions that name a type: a file of another type named like this gets its own extension instead
# of keeping a misleading one ("invoice.pdf" that is a PNG becomes "invoice.png", "x.exe" text "x.txt").
_KNOWN_EXTENSIONS = {ext for k in _KINDS for ext in k.extensions} | {
    "exe",
    "dll",
    "com",
    "scr",
    "msi",
    "msp",
    "bat",
    "cmd",
    "ps1",
    "psm1",
    "vbs",
    "vbe",
    "js",
    "jse",
    "mjs",
    "wsf",
    "wsh",
    "hta",
    "cpl",
    "jar",
    "apk",
    "app",
    "dmg",
    "pkg",
    "deb",
    "rpm",
    "sh",
    "bash",
    "zsh",
    "py",
    "pl",
    "rb",
    "php",
    "asp",
    "aspx",
    "jsp",
    "cgi",
    "html",
    "htm",
    "xhtml",
    "shtml",
    "svg",
    "svgz",
    "xml",
    "xsl",
    "swf",
    "lnk",
    "url",
    "reg",
    "inf",
    "iso",
    "img",
    "vhd",
    "zip",
    "rar",
    "7z",
    "gz",
    "tgz",
    "bz2",
    "xz",
    "tar",
    "cab",
    "docm",
    "dotm",
    "xlsm",
    "xltm",
    "pptm",
    "potm",
    "ppsm",
    "rtf",
    "odt",
    "ods",
    "odp",
    "tif",
    "tiff",
    "bmp",
    "ico",
    "avif",
    "mp3",
    "mp4",
    "mov",
    "avi",
    "wav",
    "eml",
    "msg",
    "json",
    "md",
}
_WINDOWS_UNSAFE = re.compile(r'[<>:"/\\|?*]')


class UploadRefused(Exception):
    """A file the portal will not keep; ``message`` says why in words for the customer."""

    def __init__(self, name: str, message: str):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


@dataclass(frozen=True)
class PendingFile:
    """A checked upload waiting in private storage for the request that will carry it."""

    key: str
    name: str
    size: int
    content_type: str
    sha256: str

    @property
    def label(self) -> str:
        return KINDS[self.content_type].label


def limit_bytes() -> int:
    return config.settings().upload_limit_bytes


def limit_text(limit: int | None = None) -> str:
    value = limit if limit is not None else limit_bytes()
    mb = value / (1024 * 1024)
    if mb >= 1:
        return f"{mb:g} MB"
    return f"{max(1, value // 1024)} KB"


def pending_dir() -> Path:
    path = config.settings().files_dir / "pending"
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def pending_path(key: str) -> Path:
    """Where a pending key's bytes live; the key is 32 hex characters, so no path can escape."""
    if not isinstance(key, str) or not _KEY.match(key):
        raise ValueError("bad pending key")
    return pending_dir() / key


def new_key() -> str:
    return secrets.token_hex(16)


# --- names ---------------------------------------------------------------------------------------


def display_name(raw: object) -> str:
    """The file's own name, cleaned for showing in a message (no path, no control characters)."""
    text = str(raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch)[0] != "C")
    text = " ".join(text.split()).strip(" .")
    return (text or "file")[:MAX_NAME]


def safe_name(raw: object, kind: Kind) -> str:
    """A name safe to store and to offer on download: base name only, no control or bidi characters,
    no characters Windows refuses, at most 255 characters, ending in an extension of its real type."""
    name = _WINDOWS_UNSAFE.sub("_", display_name(raw)).strip(" .")
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    ext = suffix.lower()
    wanted = suffix if ext in kind.extensions else kind.extensions[0]
    if dot and ext not in kind.extensions and ext not in _KNOWN_EXTENSIONS:
        stem = name  # "Report 3.5" keeps its ".5": it is part of the name, not a type
    stem = stem.strip(" .") or "attachment"
    room = MAX_NAME - len(wanted) - 1
    return f"{stem[:room].rstrip(' .') or 'attachment'}.{wanted}"


# --- reading and checking -----------------------------------------------------------------------


class _Sniffer:
    """What the bytes seen so far say: size, hash, first bytes, and whether it can still be text."""

    def __init__(self) -> None:
        self.size = 0
        self.hash = hashlib.sha256()
        self.head = bytearray()
        self.maybe_text = True
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")

    def feed(self, data: bytes) -> None:
        self.size += len(data)
        self.hash.update(data)
        if len(self.head) < HEAD:
            self.head += data[: HEAD - len(self.head)]
        if self.maybe_text:
            if b"\x00" in data:
                self.maybe_text = False
            else:
                try:
                    self._utf8.decode(data)
                except UnicodeDecodeError:
                    self.maybe_text = False

    def kind(self, name: str) -> Kind | None:
        """The allowed type of the complete content, or None."""
        head = bytes(self.head)
        guess = filetype.guess(head)
        if guess is not None:
            mime = _ALIASES.get(guess.mime, guess.mime)
            return KINDS.get(mime)
        if head.startswith(_OLE):
            # Word and Excel 97-2003 files are OLE containers; filetype knows only some of them.
            # So does an MSI installer, which is why a bare container must be named .doc or .xls,
            # and keeps that name, so it can only ever open in Word or Excel.
            ext = name.rpartition(".")[2].lower() if "." in name else ""
            return {"doc": KINDS["application/msword"], "xls": KINDS["application/vnd.ms-excel"]}.get(ext)
        if self.maybe_text:
            try:
                self._utf8.decode(b"", final=True)
            except UnicodeDecodeError:
                return None
            ext = name.rpartition(".")[2].lower() if "." in name else ""
            return KINDS["text/csv"] if ext == "csv" else KINDS["text/plain"]
        return None


def _check(sniffer: _Sniffer, raw_name: object) -> tuple[Kind, str]:
    shown = display_name(raw_name)
    if sniffer.size == 0:
        raise UploadRefused(shown, "The file is empty.")
    kind = sniffer.kind(shown)
    if kind is None:
        raise UploadRefused(shown, NOT_ALLOWED)
    return kind, safe_name(raw_name, kind)


def _too_big(shown: str, limit: int) -> UploadRefused:
    return UploadRefused(shown, f"The file is larger than {limit_text(limit)}, the limit for one file.")


class PendingWriter:
    """Writes one upload to pending storage chunk by chunk, refusing it the moment it is too big."""

    def __init__(self, raw_name: object, limit: int | None = None):
        self.raw_name = raw_name
        self.limit = limit if limit is not None else limit_bytes()
        self.key = new_key()
        self.path = pending_path(self.key)
        self._sniffer = _Sniffer()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        self._fh: BinaryIO | None = os.fdopen(fd, "wb")

    def write(self, data: bytes) -> None:
        if self._fh is None:
            raise ValueError("writer is closed")
        if self._sniffer.size + len(data) > self.limit:
            self.abort()
            raise _too_big(display_name(self.raw_name), self.limit)
        self._sniffer.feed(data)
        self._fh.write(data)

    def finish(self) -> PendingFile:
        if self._fh is None:
            raise ValueError("writer is closed")
        self._fh.close()
        self._fh = None
        stamp = clock.now().timestamp()  # its age is read on the portal's clock, like everything else
        os.utime(self.path, (stamp, stamp))
        try:
            kind, name = _check(self._sniffer, self.raw_name)
        except UploadRefused:
            self.abort()
            raise
        return PendingFile(
            self.key, name, self._sniffer.size, kind.content_type, self._sniffer.hash.hexdigest()
        )

    def abort(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()


def save_pending(stream: BinaryIO, raw_name: object, limit: int | None = None) -> PendingFile:
    """Read an uploaded file in chunks into pending storage; :class:`UploadRefused` says why not."""
    writer = PendingWriter(raw_name, limit)
    try:
        while True:
            data = stream.read(CHUNK)
            if not data:
                break
            writer.write(data)
        return writer.finish()
    except UploadRefused:
        raise
    except BaseException:
        writer.abort()
        raise


def inspect_pending(key: str, raw_name: object, limit: int | None = None) -> PendingFile:
    """Check a pending file again, from its bytes, before it is attached to anything.

    The metadata the form kept is never trusted: size, hash, type and name are worked out afresh.
    A key that is malformed or whose file has gone raises :class:`UploadRefused`.
    """
    shown = display_name(raw_name)
    try:
        path = pending_path(key)
    except ValueError:
        raise UploadRefused(shown, "This upload has expired. Remove it and attach the file again.") from None
    limit = limit if limit is not None else limit_bytes()
    sniffer = _Sniffer()
    try:
        with path.open("rb") as fh:
            while data := fh.read(CHUNK):
                if sniffer.size + len(data) > limit:
                    raise _too_big(shown, limit)
                sniffer.feed(data)
    except FileNotFoundError:
        raise UploadRefused(shown, "This upload has expired. Remove it and attach the file again.") from None
    kind, name = _check(sniffer, raw_name)
    return PendingFile(key, name, sniffer.size, kind.content_type, sniffer.hash.hexdigest())


def discard_pending(key: str) -> None:
    """Forget a pending upload (removed from the form, or replaced)."""
    try:
        path = pending_path(key)
    except ValueError:
        return
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def sweep_pending(max_age_seconds: int = PENDING_MAX_AGE_SECONDS, now: float | None = None) -> int:
    """Remove pending uploads older than ``max_age_seconds`` (forms that were never submitted)."""
    cutoff = (now if now is not None else clock.now().timestamp()) - max_age_seconds
    removed = 0
    for path in pending_dir().iterdir():
        if not _KEY.match(path.name):
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            continue
    return removed


# --- attaching ----------------------------------------------------------------------------------


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)
        os.chmod(target, 0o600)


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _settle_files_with_transaction(session: Session, pending: list[Path], final: list[Path]) -> None:
    """Drop the pending copies once the session commits; drop the final copies if the transaction
    that made them (its savepoint, or any transaction around it) rolls back.

    ``after_commit`` also fires when a savepoint is released, so only the outermost commit counts;
    a savepoint rolled back later beside this one is none of its business.
    """
    owner = session.get_nested_transaction() or session.get_transaction()
    lineage = []
    while owner is not None:
        lineage.append(owner)
        owner = owner.parent
    settled = False

    def committed(sess: Session) -> None:
        nonlocal settled
        if (
            not settled
            and lineage
            and sess.get_transaction() is lineage[-1]
            and not sess.in_nested_transaction()
        ):
            settled = True
            _remove(pending)

    def rolled_back(_sess: Session, previous: Any) -> None:
        nonlocal settled
        if not settled and any(previous is t for t in lineage):
            settled = True
            _remove(final)

    event.listen(session, "after_commit", committed)
    event.listen(session, "after_soft_rollback", rolled_back)


def attach(
    session: Session,
    checked: list[PendingFile],
    *,
    customer_id: int,
    owner_type: AttachmentOwner,
    owner_id: int,
    contact_id: int | None,
) -> list[Attachment]:
    """Attachment rows for checked pending files, their bytes under new random keys in final storage.

    Call with files from :func:`inspect_pending`. If anything here fails, the final copies made so far
    are removed before the error goes on; after that, the session's commit or rollback decides which
    copies stay (see the module's docstring).
    """
    created: list[Path] = []
    rows: list[Attachment] = []
    try:
        for item in checked:
            key = new_key()
            target = storage_path(key)
            target.parent.mkdir(parents=True, exist_ok=True)
            _link(pending_path(item.key), target)
            created.append(target)
            row = Attachment(
                customer_id=customer_id,
                owner_type=owner_type,
                owner_id=owner_id,
                name=item.name,
                content_type=item.content_type,
                size_bytes=item.size,
                sha256=item.sha256,
                storage_key=key,
                uploaded_by_contact_id=contact_id,
            )
            session.add(row)
            rows.append(row)
        session.flush()
    except BaseException:
        _remove(created)
        raise
    _settle_files_with_transaction(session, [pending_path(item.key) for item in checked], created)
    return rows


def remove_stored(rows: Iterable[Attachment]) -> None:
    """Remove the final copies of attachments whose rows are being thrown away with a failed save."""
    paths = []
    for row in rows:
        with contextlib.suppress(ValueError):
            paths.append(storage_path(row.storage_key))
    _remove(paths)
