"""Uploads: size limit while reading, type from content, safe names, private pending storage."""

from __future__ import annotations

import dataclasses
import io
import os
import zipfile

import pytest

from portal import config
from portal.core import clock
from portal.demo.files import tiny_pdf, tiny_png
from portal.services.files import uploads
from portal.services.files.uploads import UploadRefused


def _zip(first: str, second: str) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(first, "<x/>")
        z.writestr(second, "<y/>")
    return buf.getvalue()


SAMPLES = {
    "photo.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 200, "image/jpeg"),
    "plan.png": (tiny_png(), "image/png"),
    "anim.gif": (b"GIF89a" + b"\x01\x00\x01\x00\x00\x00\x00" + b"\x00" * 50, "image/gif"),
    "pic.webp": (b"RIFF\x24\x00\x00\x00WEBPVP8 " + b"\x00" * 60, "image/webp"),
    "IMG_0001.HEIC": (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 60, "image/heic"),
    "report.pdf": (tiny_pdf("Report", ["line"]), "application/pdf"),
    "letter.docx": (
        _zip("word/document.xml", "word/styles.xml"),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "sheet.xlsx": (
        _zip("xl/workbook.xml", "xl/styles.xml"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ),
    "deck.pptx": (
        _zip("ppt/presentation.xml", "ppt/slides/slide1.xml"),
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ),
    "old.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application/msword"),
    "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "application/vnd.ms-excel"),
    "notes.txt": ("Level 2 east stair: exit sign flickering. Température 25°C ✓\n".encode(), "text/plain"),
    "readings.csv": (b"asset,reading\nNP-001,4.5\n", "text/csv"),
}


def _pending_files(cfg) -> list[str]:
    folder = cfg.files_dir / "pending"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_allowed_types_are_decided_from_content(name, fast_settings):
    data, expected = SAMPLES[name]
    found = uploads.save_pending(io.BytesIO(data), name)
    assert found.content_type == expected
    assert found.size == len(data)
    assert found.name == name
    path = uploads.pending_path(found.key)
    assert path.read_bytes() == data
    assert path.parent == fast_settings.files_dir / "pending"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert len(found.key) == 32 and found.key not in name


def test_empty_file_is_refused_and_nothing_kept(fast_settings):
    with pytest.raises(UploadRefused) as refused:
        uploads.save_pending(io.BytesIO(b""), "empty.pdf")
    assert refused.value.name == "empty.pdf"
    assert "empty" in refused.value.message
    assert _pending_files(fast_settings) == []


def test_oversized_file_stops_reading_past_the_limit(monkeypatch, fast_settings):
    small = dataclasses.replace(fast_settings, upload_limit_bytes=100 * 1024)
    monkeypatch.setattr(config, "settings", lambda: small)

    class Endless(io.RawIOBase):
        """A stream that never ends: the reader must stop by itself."""

        read_bytes = 0

        def read(self, n=-1):
            self.read_bytes += n
            return b"A" * n

    stream = Endless()
    with pytest.raises(UploadRefused) as refused:
        uploads.save_pending(stream, "huge.txt")
    assert "larger than 100 KB" in refused.value.message
    assert stream.read_bytes <= 100 * 1024 + uploads.CHUNK
    assert _pending_files(small) == []

    exactly = uploads.save_pending(io.BytesIO(b"B" * 100 * 1024), "fits.txt")
    assert exactly.size == 100 * 1024


def test_default_limit_is_twenty_megabytes():
    assert config.load().upload_limit_bytes == 20 * 1024 * 1024
    assert uploads.limit_text(20 * 1024 * 1024) == "20 MB"


@pytest.mark.parametrize(
    "payload",
    [
        b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 120,  # Linux executable
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 120 + b"PE\x00\x00",  # Windows executable
        b"PK\x03\x04" + b"\x14\x00" * 40,  # a plain zip
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600,  # an OLE container (an MSI, say) named .pdf
        bytes(range(256)) * 4,  # binary junk
        b"caf\xe9 latin-1 text",  # not UTF-8
    ],
)
def test_disallowed_content_named_pdf_is_refused(payload, fast_settings):
    with pytest.raises(UploadRefused) as refused:
        uploads.save_pending(io.BytesIO(payload), "invoice.pdf")
    assert refused.value.message.startswith("That file is not an allowed type")
    assert _pending_files(fast_settings) == []


def test_text_named_like_an_executable_keeps_a_harmless_extension():
    found = uploads.save_pending(io.BytesIO(b"echo hello\n"), "setup.exe")
    assert (found.content_type, found.name) == ("text/plain", "setup.txt")
    png = uploads.save_pending(io.BytesIO(tiny_png()), "scan.pdf")
    assert (png.content_type, png.name) == ("image/png", "scan.png")
    pdf = uploads.save_pending(io.BytesIO(tiny_pdf("x", [])), "Report 3.5")
    assert pdf.name == "Report 3.5.pdf"


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("../../etc/passwd", "passwd.txt"),
        ("..\\..\\windows\\system32\\notes.txt", "notes.txt"),
        ("/abs/path/.bashrc", "bashrc.txt"),
        ("..", "file.txt"),
        ("bad\x00name\x1b[31m.txt", "badname[31m.txt"),
        ("invoice\u202efdp.exe", "invoicefdp.txt"),  # right-to-left override spoofing an extension
        ('a<b>c:"d"|e?f*.txt', "a_b_c__d__e_f_.txt"),
        ("  spaced   out  .txt ", "spaced out.txt"),
        ("x" * 400 + ".txt", "x" * 251 + ".txt"),
    ],
)
def test_names_are_sanitised(raw, expected):
    found = uploads.save_pending(io.BytesIO(b"hello\n"), raw)
    assert found.name == expected
    assert len(found.name) <= 255
    assert "/" not in found.name and "\\" not in found.name


def test_inspect_pending_rechecks_the_bytes(fast_settings):
    found = uploads.save_pending(io.BytesIO(tiny_png()), "plan.png")
    again = uploads.inspect_pending(found.key, "plan.png")
    assert again == found
    uploads.pending_path(found.key).write_bytes(b"\x7fELF" + b"\x00" * 64)
    with pytest.raises(UploadRefused, match="not an allowed type"):
        uploads.inspect_pending(found.key, "plan.png")
    uploads.discard_pending(found.key)
    with pytest.raises(UploadRefused, match="expired"):
        uploads.inspect_pending(found.key, "plan.png")
    for bad in ("../../etc/passwd", "A" * 32, "", None):
        with pytest.raises(UploadRefused, match="expired"):
            uploads.inspect_pending(bad, "x.png")


def test_old_pending_files_are_swept(fast_settings):
    old = uploads.save_pending(io.BytesIO(b"old\n"), "old.txt")
    new = uploads.save_pending(io.BytesIO(b"new\n"), "new.txt")
    past = clock.now().timestamp() - 2 * uploads.PENDING_MAX_AGE_SECONDS
    os.utime(uploads.pending_path(old.key), (past, past))
    assert uploads.sweep_pending() == 1
    assert _pending_files(fast_settings) == [new.key]


def test_nothing_is_written_to_reflex_upload_folder():
    import pathlib

    root = pathlib.Path(__file__).resolve().parents[2] / "portal"
    for path in root.rglob("*.py"):
        assert "get_upload_dir" not in path.read_text(), path
