"""The PDF renderer, read back with pypdf as a customer's viewer would show it."""

from __future__ import annotations

import dataclasses
import io
import struct
import time
import zlib

import pytest
from pypdf import PdfReader

from portal.services.documents import pdf as documents
from portal.services.documents.pdf import Document, Line, Party, Total, render

SVG_LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="40" viewBox="0 0 120 40">'
    '<rect width="40" height="40" fill="#1f3a5f"/></svg>'
)


def quote(**changes) -> Document:
    doc = Document(
        kind_title="QUOTE",
        number="Q-00042",
        contractor=Party("Acme Fire & Electrical Pty Ltd", ["12 Industrial Drive", "Brisbane QLD 4000"]),
        contractor_extra=["ABN 12 345 678 901", "(07) 3000 1234", "accounts@acme.example"],
        logo_path=None,
        customer=Party("Brisbane Property Group", ["Level 9, 100 Eagle St"]),
        site=Party("Eagle Street Tower", ["100 Eagle St, Brisbane"]),
        meta=[("Date", "23 Nov 2026"), ("Valid until", "23 Dec 2026"), ("Order No.", "PO-7781")],
        description="Annual inspection of extinguishers and emergency lighting.",
        lines=[
            Line("Extinguisher inspection and tagging", 24, 1250, 30000),
            Line("Emergency light discharge test", 40, 850, 34000),
            Line("Replace battery pack", 6, 4500, 27000),
        ],
        totals=[Total("Subtotal", 91000), Total("GST 10%", 9100), Total("Total", 123450)],
        currency="AUD",
        sections=[("Assets", ["EXT-0001 Portable Fire Extinguisher — Level 2"])],
        footer="Payment terms 30 days",
    )
    return dataclasses.replace(doc, **changes)


def pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def squashed(text: str) -> str:
    """Text extraction may split or join lines anywhere; compare without whitespace."""
    return "".join(text.split())


def test_quote_shows_everything_the_customer_decides_on():
    data = render(quote())
    assert data.startswith(b"%PDF-")
    (text,) = pages(data)
    for expected in [
        "QUOTE",
        "Q-00042",
        "Acme Fire & Electrical Pty Ltd",
        "ABN 12 345 678 901",
        "Brisbane Property Group",
        "Eagle Street Tower",
        "23 Dec 2026",
        "PO-7781",
        "Annual inspection of extinguishers",
        "Extinguisher inspection and tagging",
        "Emergency light discharge test",
        "Replace battery pack",
        "$12.50",
        "$300.00",
        "$910.00",
        "$91.00",
        "$1,234.50",
        "EXT-0001 Portable Fire Extinguisher — Level 2",
        "Payment terms 30 days",
        "Page 1 of 1",
    ]:
        assert expected in text, expected


def test_page_is_a4_portrait():
    box = PdfReader(io.BytesIO(render(quote()))).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)


def test_hostile_length_spans_pages_with_headings_repeated_and_totals_last():
    lines = [Line(f"Line item number {i:03d}", i, 1000, 1000 * i) for i in range(300)]
    started = time.process_time()
    data = render(quote(description="pump maintenance " * 6000, lines=lines))
    assert time.process_time() - started < 5

    texts = pages(data)
    assert len(texts) > 3
    assert f"Page 1 of {len(texts)}" in texts[0]
    assert f"Page {len(texts)} of {len(texts)}" in texts[-1]
    assert documents.CONTINUED in "".join(texts)
    table_pages = [t for t in texts if "Line item number" in t]
    assert len(table_pages) >= 3
    assert all("Unit price" in t for t in table_pages)
    everything = "".join(texts)
    assert all(f"Line item number {i:03d}" in everything for i in range(300))
    assert "$1,234.50" in texts[-1]
    assert "$1,234.50" not in "".join(texts[:-1])


def test_long_description_is_wrapped_not_lost():
    words = " ".join(f"word{i}" for i in range(400))
    text = "".join(pages(render(quote(description=words))))
    assert "word0" in squashed(text)
    assert "word399" in squashed(text)
    assert documents.CONTINUED not in text


def test_unbroken_100k_characters_and_huge_cells_do_not_crash():
    data = render(
        quote(
            description="x" * 100_000,
            lines=[Line("y" * 50_000, 1, 1, 1), Line("z\n" * 5000, 1, 1, 1)],
            customer=Party("c" * 5000, ["d" * 5000] * 50),
            meta=[("Order No.", "9" * 5000)],
            footer="f" * 5000,
        )
    )
    texts = pages(data)
    assert len(texts) > 1
    assert "$1,234.50" in texts[-1]
    everything = squashed("".join(texts))
    assert "y…" in everything
    assert "z…" in everything


def test_markup_is_printed_literally():
    nasty = "<script>alert('x')</script> <b>bold</b> & **stars**"
    data = render(quote(customer=Party(nasty, []), description=nasty, lines=[Line(nasty, 1, 100, 100)]))
    text = "".join(pages(data))
    assert text.count("<script>alert('x')</script>") == 3
    assert text.count("**stars**") == 3


def test_unicode_is_drawn_and_undrawable_glyphs_become_question_marks():
    data = render(
        quote(
            customer=Party("Zoë Müller — Ærø Ψ", []),
            description="Café crème 漢字 🦜 done",
            lines=[Line("Ölwechsel 漢 🦜🏽", 1, 100, 100)],
        )
    )
    text = "".join(pages(data))
    assert "Zoë Müller — Ærø Ψ" in text
    assert "Café crème ?? ? done" in text
    assert "Ölwechsel ? ?" in text
    assert "漢" not in text
    assert "🦜" not in text


def test_control_characters_and_lone_surrogates_do_not_crash():
    data = render(quote(description="bell\x07 tab\t nul\x00 cr\r\nsurrogate \ud800 end"))
    text = "".join(pages(data))
    assert "surrogate ? end" in text


def test_missing_or_broken_logo_is_left_out(tmp_path):
    broken = tmp_path / "logo.png"
    broken.write_bytes(b"\x89PNG not really")
    baseline = pages(render(quote()))
    for logo in [tmp_path / "missing.png", broken, tmp_path]:
        assert pages(render(quote(logo_path=logo))) == baseline


def tiny_png() -> bytes:
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    pixels = b"".join(b"\x00" + b"\xc0\x30\x30" * 4 for _ in range(4))
    header = struct.pack(">IIBBBBB", 4, 4, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels))
        + chunk(b"IEND", b"")
    )


def first_page_drawing(data: bytes) -> bytes:
    return PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data()


def test_png_logo_is_embedded(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(tiny_png())
    assert b"/Subtype /Image" in render(quote(logo_path=logo))
    assert b"/Subtype /Image" not in render(quote())


def test_svg_logo_is_drawn(tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_text(SVG_LOGO)
    with_logo, without = render(quote(logo_path=logo)), render(quote())
    assert b"0 0 40 40 re" in first_page_drawing(with_logo)
    assert b"0 0 40 40 re" not in first_page_drawing(without)
    assert pages(with_logo) == pages(without)


def test_svg_logo_cannot_pull_in_other_local_files(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(tiny_png())
    logo = tmp_path / "logo.svg"
    logo.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">'
        f'<image href="{secret}" width="10" height="10"/></svg>'
    )
    assert b"/Subtype /Image" not in render(quote(logo_path=logo))


def test_statement_rows_with_custom_columns():
    rows = [
        ("01 Jan 2026", "INV-0001", "Invoice for job J-1", "$1,100.00", "", "$1,100.00"),
        ("05 Jan 2026", "PAY-0001", "Payment, thank you", "", "-$1,100.00", "$0.00"),
        ("12 Feb 2026", "INV-0002", "Invoice for job J-7", "$990.00", "", "$990.00", "extra cell"),
        ("13 Feb 2026",),
    ]
    data = render(
        quote(
            kind_title="STATEMENT",
            number="ST-2026-03",
            lines=[],
            rows=rows,
            table_columns=("Date", "Reference", "Description", "Debit", "Credit", "Balance"),
            totals=[Total("Opening balance", 0), Total("Closing balance", 99000, strong=True)],
        )
    )
    (text,) = pages(data)
    for expected in ["STATEMENT", "ST-2026-03", "Reference", "Balance", "PAY-0001", "-$1,100.00", "$990.00"]:
        assert expected in text, expected
    assert "extra cell" not in text
    assert "Extinguisher inspection" not in text


def test_statement_numeric_columns_are_right_aligned():
    body = [("01 Jan 2026", "INV-0001", "$1,100.00", "3"), ("02 Jan 2026", "PAY 1", "", "-NZD 4.00")]
    assert documents._alignments(body, 4) == ["L", "L", "R", "R"]


def test_last_total_is_bold_unless_another_is_marked_strong():
    def bold_text(doc: Document) -> str:
        found: list[str] = []

        def visit(text, cm, tm, font, size):
            if font and "Bold" in str(font.get("/BaseFont", "")):
                found.append(text)

        PdfReader(io.BytesIO(render(doc))).pages[0].extract_text(visitor_text=visit)
        return "".join(found)

    assert "$1,234.50" in bold_text(quote())
    marked = quote(totals=[Total("Amount due", 500, strong=True), Total("Paid to date", 700)])
    assert "$5.00" in bold_text(marked)
    assert "$7.00" not in bold_text(marked)


def test_lines_without_prices_leave_cells_blank_and_other_currencies_format():
    data = render(
        quote(
            lines=[Line("Heading only", None, None, None), Line("Widget", 2, 1050, 2100)],
            totals=[Total("Total", 2100)],
            currency="GBP",
        )
    )
    text = pages(data)[0]
    assert "Heading only" in text
    assert "£10.50" in text
    assert "£21.00" in text
    assert "$" not in text


def test_lines_need_four_columns():
    with pytest.raises(ValueError):
        render(quote(table_columns=("Description", "Amount")))


def test_no_site_and_empty_optional_parts():
    data = render(quote(site=None, description="", sections=[], footer="", lines=[], totals=[], meta=[]))
    (text,) = pages(data)
    assert "Eagle Street Tower" not in text
    assert "Description" not in text
    assert "Page 1 of 1" in text


def test_two_hundred_lines_render_quickly():
    """CPU time, not wall time, so other work on a shared machine does not fail the test."""
    doc = quote(lines=[Line(f"Service item {i}", 1, 100, 100) for i in range(200)])
    timings = []
    for _ in range(3):
        started = time.process_time()
        render(doc)
        timings.append(time.process_time() - started)
    assert min(timings) < 1.0
