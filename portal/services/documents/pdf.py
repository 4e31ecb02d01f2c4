"""Quotes, job cards, invoices and statements as PDF, in one house style.

A single renderer takes a plain ``Document`` so each area (quotes, jobs, invoices, statements)
only decides *what* goes on the page, and the customer sees the same layout everywhere. Every
string on a document can come from a customer, so the renderer assumes hostile text: any
length, any character, markup that must stay literal. The font ships inside the package
(``portal/data/fonts``) because a server or CI machine may have no system fonts at all.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import cast

from fontTools.ttLib import TTFont
from fpdf import FPDF
from fpdf.enums import ResourceAccessPolicy, XPos, YPos

from portal.core.money import format_money
from portal.services.settings import branding

FONT_DIR = Path(__file__).resolve().parents[2] / "data" / "fonts"
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"
FAMILY = "DejaVu"

# A description is read in the portal; the printout keeps the first pages of it readable.
DESCRIPTION_LIMIT = 20_000
CONTINUED = "… (continued in the portal)"
LOGO_MAX_BYTES = 5 * 1024 * 1024

PAGE_W = 210.0
MARGIN = 15.0
BODY_W = PAGE_W - 2 * MARGIN
BOTTOM_MARGIN = 22.0

INK = (33, 37, 41)
MUTED = (96, 106, 120)
ACCENT = (31, 58, 95)
TINT = (236, 241, 247)
RULE = (208, 215, 224)
WHITE = (255, 255, 255)
STRIPE = (247, 249, 252)


@dataclass(frozen=True)
class Party:
    name: str
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Line:
    description: str
    quantity: int | None = None
    unit_cents: int | None = None
    total_cents: int | None = None


@dataclass(frozen=True)
class Total:
    label: str
    cents: int
    strong: bool = False


@dataclass(frozen=True)
class Document:
    kind_title: str
    number: str
    contractor: Party
    contractor_extra: list[str]
    logo_path: Path | None
    customer: Party
    site: Party | None
    meta: list[tuple[str, str]]
    description: str
    lines: list[Line]
    totals: list[Total]
    currency: str
    sections: list[tuple[str, list[str]]] = field(default_factory=list)
    table_columns: tuple[str, ...] = ("Description", "Qty", "Unit price", "Amount")
    rows: Sequence[tuple[str, ...]] | None = None
    footer: str = ""
    # The contractor's exact accent colour (#rrggbb) for the band, rules and table headings; "" for
    # the portal's own. Text in it is drawn only where it contrasts with white (else in ink).
    accent: str = ""


def render(doc: Document, *, created_at: datetime | None = None) -> bytes:
    """The PDF bytes; ``created_at`` pins the metadata date so two renders can be compared."""
    pdf = _Pdf(doc)
    try:
        if created_at is not None:
            pdf.set_creation_date(created_at)
        pdf.add_page()
        _masthead(pdf, doc)
        _parties(pdf, doc)
        _description(pdf, doc.description)
        _items(pdf, doc)
        _totals(pdf, doc)
        for title, items in doc.sections:
            _section(pdf, title, items)
        return bytes(pdf.output())
    finally:
        # fpdf2 keeps each font file open until garbage collection; a busy server would pile up
        # open files between collections.
        for font in pdf.fonts.values():
            ttfont = getattr(font, "ttfont", None)
            if ttfont is not None:
                ttfont.close()


# --- text hygiene ---------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _drawable() -> frozenset[int]:
    """Code points both weights can draw, so bold and regular text degrade the same way."""
    maps = []
    for path in (FONT_REGULAR, FONT_BOLD):
        with TTFont(path, lazy=True) as font:
            maps.append(set(font.getBestCmap()))
    return frozenset(maps[0] & maps[1])


class _GlyphMap(dict[int, int | str | None]):
    """``str.translate`` table filled on demand: a document touches few distinct characters."""

    def __missing__(self, cp: int) -> int | str | None:
        value: int | str | None
        if cp == 10:
            value = cp
        elif cp == 13:
            value = None
        elif cp < 32 or 0x7F <= cp < 0xA0:
            value = " "
        elif cp in _drawable():
            value = cp
        elif 0x1F3FB <= cp <= 0x1F3FF or unicodedata.category(chr(cp)) in {"Cf", "Mn", "Me"}:
            # Skin tones, joiners, variation selectors: invisible modifiers of a glyph that is
            # already a "?", so one placeholder per emoji is enough.
            value = None
        else:
            value = "?"
        self[cp] = value
        return value


_GLYPHS = _GlyphMap()


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return int(hex_colour[1:3], 16), int(hex_colour[3:5], 16), int(hex_colour[5:7], 16)


def _safe(text: object) -> str:
    return str(text if text is not None else "").translate(_GLYPHS)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _block(text: str, max_chars: int, max_lines: int) -> str:
    """Bound a free-text cell so one pasted essay cannot make a row taller than a page."""
    parts = _clip(text, max_chars).split("\n")
    if len(parts) > max_lines:
        parts = parts[: max_lines - 1] + [parts[max_lines - 1] + " …"]
    return _safe("\n".join(parts))


def _one_line(text: str, max_chars: int = 200) -> str:
    return _safe(_clip(" ".join(str(text or "").split()), max_chars))


# Amounts and counts as the services format them: "$1,234.50", "-$3.00", "NZD 10.00", "(12.00)", "3".
_NUMERIC = re.compile(r"^\(?[-−]?(?:[A-Z]{3} \d[\d,]*\.\d\d|[$£€¥]?\d[\d,]*(?:\.\d+)?)\)?(?: ?(?:CR|DR|%))?$")


def _numeric_looking(text: str) -> bool:
    return bool(_NUMERIC.match(text.strip()))


# --- the PDF --------------------------------------------------------------------------------


class _Pdf(FPDF):
    def __init__(self, doc: Document) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.resource_access_policy = ResourceAccessPolicy.NONE
        self.add_font(FAMILY, "", str(FONT_REGULAR))
        self.add_font(FAMILY, "B", str(FONT_BOLD))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM_MARGIN)
        self.set_draw_color(*RULE)
        self.set_line_width(0.2)
        chosen = branding.normal_accent(doc.accent)
        self.branded = bool(chosen)
        self.accent = _rgb(chosen) if chosen else ACCENT
        self.on_accent = _rgb(branding.text_on(chosen)) if chosen else WHITE
        readable = not chosen or branding.contrast(chosen, branding.WHITE) >= 4.5
        self.accent_ink = self.accent if readable else INK
        self.running_title = _one_line(f"{doc.kind_title} {doc.number}", 80)
        self.running_name = _one_line(doc.contractor.name, 80)
        self.footer_text = _one_line(doc.footer, 400)
        self.set_title(self.running_title)
        self.set_author(self.running_name)
        self.set_creator("Trade portal")

    def style(self, size: float, bold: bool = False, color: tuple[int, int, int] = INK) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*color)

    def fit(self, text: str, width: float) -> str:
        """Cut one line of text to ``width`` with an ellipsis instead of letting it run on."""
        if self.get_string_width(text) <= width:
            return text
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if self.get_string_width(text[:mid] + "…") <= width:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo].rstrip() + "…"

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_y(9)
        self.style(8, bold=True, color=self.accent_ink)
        self.cell(BODY_W / 2, 4, self.fit(self.running_title, BODY_W / 2 - 2))
        self.style(8, color=MUTED)
        self.cell(BODY_W / 2, 4, self.fit(self.running_name, BODY_W / 2 - 2), align="R")
        self.line(MARGIN, 14.5, MARGIN + BODY_W, 14.5)
        self.set_y(18)

    def footer(self) -> None:
        top = -BOTTOM_MARGIN + 6
        self.set_y(top)
        self.line(MARGIN, self.get_y(), MARGIN + BODY_W, self.get_y())
        self.set_y(top + 1.5)
        self.style(7.5, color=MUTED)
        number_w = 32
        if self.footer_text:
            # With output="LINES" alone, fpdf returns the list of lines.
            lines = cast(
                list[str],
                self.multi_cell(BODY_W - number_w, 3.4, self.footer_text, dry_run=True, output="LINES"),
            )
            shown = "\n".join(lines[:3]) if len(lines) <= 3 else "\n".join(lines[:2] + [lines[2] + "…"])
            self.multi_cell(BODY_W - number_w, 3.4, shown, align="L")
        self.set_xy(MARGIN + BODY_W - number_w, top + 1.5)
        self.cell(number_w, 3.4, f"Page {self.page_no()} of {{nb}}", align="R")


def _masthead(pdf: _Pdf, doc: Document) -> None:
    left_w, right_w = 100.0, 76.0
    right_x = MARGIN + BODY_W - right_w
    top = pdf.get_y()
    if pdf.branded:  # the contractor's colour across the top of the first page
        pdf.set_fill_color(*pdf.accent)
        pdf.rect(0, 0, pdf.w, 4, style="F")

    y = top
    logo_h = _logo(pdf, doc.logo_path, MARGIN, y)
    if logo_h:
        y += logo_h + 3
    pdf.set_xy(MARGIN, y)
    pdf.style(13, bold=True)
    pdf.multi_cell(left_w, 5.6, _one_line(doc.contractor.name, 160), align="L")
    pdf.style(8.5, color=MUTED)
    for text in [*doc.contractor.lines[:5], *doc.contractor_extra[:6]]:
        if str(text or "").strip():
            pdf.set_x(MARGIN)
            pdf.multi_cell(left_w, 3.9, _one_line(text, 160), align="L")
    left_bottom = pdf.get_y()

    pdf.set_xy(right_x, top)
    pdf.style(21, bold=True, color=pdf.accent_ink)
    pdf.cell(
        right_w,
        9,
        pdf.fit(_one_line(doc.kind_title, 40), right_w),
        align="R",
        new_x=XPos.LEFT,
        new_y=YPos.NEXT,
    )
    pdf.style(11, bold=True)
    pdf.cell(
        right_w, 6, pdf.fit(_one_line(doc.number, 60), right_w), align="R", new_x=XPos.LEFT, new_y=YPos.NEXT
    )
    pdf.set_y(pdf.get_y() + 2.5)
    label_w = 30.0
    for label, value in doc.meta[:10]:
        pdf.set_x(right_x)
        pdf.style(8.5, color=MUTED)
        pdf.cell(label_w, 4.6, pdf.fit(_one_line(label, 40), label_w - 1))
        pdf.style(8.5, bold=True)
        pdf.cell(
            right_w - label_w,
            4.6,
            pdf.fit(_one_line(value, 80), right_w - label_w),
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.set_y(max(left_bottom, pdf.get_y()) + 6)


def _logo(pdf: _Pdf, path: Path | None, x: float, y: float) -> float:
    """The logo's drawn height, or 0 when there is none that can be drawn.

    A missing, oversized or broken logo must never stop a customer getting their invoice.
    """
    if path is None:
        return 0.0
    try:
        path = Path(path)
        if not path.is_file() or path.stat().st_size > LOGO_MAX_BYTES:
            return 0.0
        # Bytes rather than a path: the access policy then refuses only what an SVG links to.
        data = io.BytesIO(path.read_bytes())
        info = pdf.image(data, x=x, y=y, w=55, h=20, keep_aspect_ratio=True)
    except Exception:  # any decoder or SVG error just means "no logo"
        return 0.0
    return float(getattr(info, "rendered_height", 20.0) or 20.0)


def _parties(pdf: _Pdf, doc: Document) -> None:
    gap = 6.0
    box_w = (BODY_W - gap) / 2
    boxes = [("Customer", doc.customer)] + ([("Site", doc.site)] if doc.site else [])
    top = pdf.get_y()
    band = 6.0
    bottoms = []
    for i, (title, party) in enumerate(boxes):
        x = MARGIN + i * (box_w + gap)
        pdf.set_fill_color(*TINT)
        pdf.rect(x, top, box_w, band, style="F")
        pdf.set_xy(x + 3, top + 1)
        pdf.style(7.5, bold=True, color=pdf.accent_ink)
        pdf.cell(box_w - 6, 4, title.upper())
        pdf.set_xy(x + 3, top + band + 2)
        pdf.style(9.5, bold=True)
        pdf.multi_cell(box_w - 6, 4.6, _one_line(party.name, 200), align="L")
        pdf.style(8.5, color=MUTED)
        for text in party.lines[:6]:
            if str(text or "").strip():
                pdf.set_x(x + 3)
                pdf.multi_cell(box_w - 6, 4.1, _one_line(text, 160), align="L")
        bottoms.append(pdf.get_y())
    bottom = max(bottoms) + 2.5
    for i in range(len(boxes)):
        pdf.rect(MARGIN + i * (box_w + gap), top, box_w, bottom - top)
    pdf.set_y(bottom + 7)


def _heading(pdf: _Pdf, title: str) -> None:
    if pdf.will_page_break(16):
        pdf.add_page()
    pdf.set_x(MARGIN)
    pdf.style(9, bold=True, color=pdf.accent_ink)
    pdf.cell(BODY_W, 5, pdf.fit(_one_line(title, 80).upper(), BODY_W), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_draw_color(*pdf.accent)
    pdf.line(MARGIN, pdf.get_y() + 0.3, MARGIN + BODY_W, pdf.get_y() + 0.3)
    pdf.set_draw_color(*RULE)
    pdf.set_y(pdf.get_y() + 2.2)


def _description(pdf: _Pdf, description: str) -> None:
    text = str(description or "").replace("\r\n", "\n").strip()
    if not text:
        return
    if len(text) > DESCRIPTION_LIMIT:
        text = text[:DESCRIPTION_LIMIT].rstrip() + " " + CONTINUED
    _heading(pdf, "Description")
    pdf.style(9)
    pdf.multi_cell(BODY_W, 4.5, _safe(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_y(pdf.get_y() + 6)


def _money(cents: int | None, currency: str) -> str:
    return "" if cents is None else _safe(format_money(cents, currency))


def _items(pdf: _Pdf, doc: Document) -> None:
    headers = [_one_line(h, 60) for h in doc.table_columns]
    if doc.rows is not None:
        body = [_padded(row, len(headers)) for row in doc.rows]
        aligns = _alignments(body, len(headers))
    else:
        if len(headers) != 4:
            raise ValueError("line items need four columns: description, quantity, unit price, amount")
        body = [
            (
                _block(str(line.description or ""), 1200, 20),
                "" if line.quantity is None else f"{line.quantity:,}",
                _money(line.unit_cents, doc.currency),
                _money(line.total_cents, doc.currency),
            )
            for line in doc.lines
        ]
        aligns = ["L", "R", "R", "R"]
    if not body or not headers:
        return
    pdf.style(8.5)
    widths = _column_widths(pdf, headers, body, aligns)
    _table(pdf, headers, body, aligns, widths)
    pdf.set_y(pdf.get_y() + 3)


def _padded(row: Sequence[object], width: int) -> tuple[str, ...]:
    """A statement row cut or padded to the headings, so a short or long row cannot skew it."""
    cells = [str(c) if c is not None else "" for c in row][:width]
    cells += [""] * (width - len(cells))
    return tuple(_block(c, 600, 8) for c in cells)


def _alignments(body: Sequence[Sequence[str]], width: int) -> list[str]:
    """Right-align a column whose every filled cell looks like an amount or a count."""
    sample = body[:400]
    aligns = []
    for i in range(width):
        filled = [row[i] for row in sample if row[i].strip()]
        aligns.append("R" if filled and all(_numeric_looking(c) for c in filled) else "L")
    return aligns


TABLE_LINE = 4.3
TABLE_PAD_X = 2.0
TABLE_PAD_Y = 1.6


def _table(
    pdf: _Pdf,
    headers: Sequence[str],
    body: Sequence[Sequence[str]],
    aligns: Sequence[str],
    widths: Sequence[float],
) -> None:
    """Drawn by hand rather than with ``FPDF.table``, which is about four times slower per row.

    Each row is measured first, so a row never splits across pages and every new page starts
    with the column headings again.
    """
    inner = [w - 2 * TABLE_PAD_X for w in widths]

    def headings() -> None:
        y = pdf.get_y()
        height = TABLE_LINE + 2 * TABLE_PAD_Y
        pdf.set_fill_color(*pdf.accent)
        pdf.rect(MARGIN, y, BODY_W, height, style="F")
        pdf.style(8.5, bold=True, color=pdf.on_accent)
        x = MARGIN
        for text, w, room, align in zip(headers, widths, inner, aligns, strict=True):
            pdf.set_xy(x + TABLE_PAD_X, y + TABLE_PAD_Y)
            pdf.cell(room, TABLE_LINE, pdf.fit(text, room), align=align)
            x += w
        pdf.set_y(y + height)

    if pdf.will_page_break(3 * (TABLE_LINE + 2 * TABLE_PAD_Y)):
        pdf.add_page()
    headings()
    for n, cells in enumerate(body):
        pdf.style(8.5)
        wrapped = [_wrap(pdf, text, room) for text, room in zip(cells, inner, strict=True)]
        height = max(len(lines) for lines in wrapped) * TABLE_LINE + 2 * TABLE_PAD_Y
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
            headings()
            pdf.style(8.5)
        y = pdf.get_y()
        if n % 2:
            pdf.set_fill_color(*STRIPE)
            pdf.rect(MARGIN, y, BODY_W, height, style="F")
        x = MARGIN
        for lines, w, room, align in zip(wrapped, widths, inner, aligns, strict=True):
            for k, text in enumerate(lines):
                pdf.set_xy(x + TABLE_PAD_X, y + TABLE_PAD_Y + k * TABLE_LINE)
                pdf.cell(room, TABLE_LINE, text, align=align)
            x += w
        pdf.line(MARGIN, y + height, MARGIN + BODY_W, y + height)
        pdf.set_y(y + height)


def _wrap(pdf: _Pdf, text: str, width: float) -> list[str]:
    if not text:
        return [""]
    if "\n" not in text and pdf.get_string_width(text) <= width:
        return [text]
    lines = cast(list[str], pdf.multi_cell(width, TABLE_LINE, text, dry_run=True, output="LINES"))
    return lines or [""]


def _column_widths(
    pdf: _Pdf, headers: Sequence[str], body: Sequence[Sequence[str]], aligns: Sequence[str]
) -> list[float]:
    """Figures get the width they need; free text shares what is left of the page."""
    pad = 4.5
    sample = body[:400]
    natural = []
    for i, header in enumerate(headers):
        pdf.style(8.5, bold=True)
        w = pdf.get_string_width(header)
        pdf.style(8.5)
        for row in sample:
            for part in row[i].split("\n"):
                w = max(w, pdf.get_string_width(part))
        natural.append(min(w + pad, 70.0) if aligns[i] == "R" else max(w + pad, 18.0))
    fixed = sum(w for w, a in zip(natural, aligns, strict=True) if a == "R")
    flexible = [i for i, a in enumerate(aligns) if a != "R"]
    if not flexible:
        return [w * BODY_W / fixed for w in natural]
    room = BODY_W - fixed
    if room < 20.0 * len(flexible):
        return [w * BODY_W / sum(natural) for w in natural]
    wanted = sum(min(natural[i], 120.0) for i in flexible)
    widths = list(natural)
    for i in flexible:
        widths[i] = room * min(natural[i], 120.0) / wanted
    return widths


def _totals(pdf: _Pdf, doc: Document) -> None:
    if not doc.totals:
        return
    block_w, label_w = 88.0, 52.0
    x = MARGIN + BODY_W - block_w
    any_strong = any(t.strong for t in doc.totals)
    if pdf.will_page_break(len(doc.totals) * 6.5 + 4):
        pdf.add_page()
    pdf.set_y(pdf.get_y() + 1)
    for i, total in enumerate(doc.totals):
        strong = total.strong or (not any_strong and i == len(doc.totals) - 1)
        label = _one_line(total.label, 80)
        amount = _money(total.cents, doc.currency)
        if strong:
            y = pdf.get_y() + 1
            pdf.set_fill_color(*TINT)
            pdf.rect(x, y, block_w, 7.5, style="F")
            pdf.set_draw_color(*pdf.accent)
            pdf.set_line_width(0.35)
            pdf.line(x, y, x + block_w, y)
            pdf.set_line_width(0.2)
            pdf.set_draw_color(*RULE)
            pdf.set_xy(x, y + 0.6)
            pdf.style(10.5, bold=True)
            height = 6.5
        else:
            pdf.set_x(x)
            pdf.style(9, color=MUTED)
            height = 5.5
        pdf.cell(label_w, height, " " + pdf.fit(label, label_w - 3))
        if not strong:
            pdf.style(9)
        pdf.cell(
            block_w - label_w,
            height,
            pdf.fit(amount, block_w - label_w - 2) + " ",
            align="R",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        if strong:
            pdf.set_y(pdf.get_y() + 1.5)
    pdf.set_y(pdf.get_y() + 6)


def _section(pdf: _Pdf, title: str, items: Sequence[str]) -> None:
    items = [str(item or "") for item in items]
    _heading(pdf, title)
    pdf.style(9)
    shown = items[:500]
    for item in shown:
        pdf.multi_cell(
            BODY_W,
            4.5,
            _block(item.replace("\r\n", "\n"), 4000, 60),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        pdf.set_y(pdf.get_y() + 0.8)
    if len(items) > len(shown):
        pdf.style(9, color=MUTED)
        pdf.multi_cell(
            BODY_W,
            4.5,
            f"… and {len(items) - len(shown):,} more in the portal",
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
    pdf.set_y(pdf.get_y() + 5)
