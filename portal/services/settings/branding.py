"""Settings > Branding: the contractor's logo and accent colour, and how each place shows them.

Why the screen and the documents use the colour differently: the portal's screens are drawn with
Radix Themes, whose twelve-step colour scales are built so every step pairs with its text at
WCAG contrast (solid buttons on step 9 carry the scale's own contrast colour, dark text on the
bright amber, yellow, lime, mint and sky). Painting an arbitrary hex over the theme would let an
owner's pale yellow put white text on it and fail axe's colour-contrast rule. So on screen the
chosen colour is mapped to the nearest Radix scale (:func:`radix_accent`, by distance in CIELAB,
which follows how different two colours look) and applied with ``rx.theme(accent_color=...)``.
A PDF or an email has no theme: there the exact hex is used, for bands and rules, with its text in
white or near-black, whichever contrasts more (:func:`text_on`).

The logo is an uploaded PNG, JPEG or WebP (decided from its bytes, never its name; SVG is refused,
because an SVG is a document that can carry scripts and links), at most ``LOGO_LIMIT`` bytes, kept
in private storage under a random key and served by ``/brand/logo`` with its checked type.
"""

from __future__ import annotations

import base64
import contextlib
import math
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy import event
from sqlmodel import Session

from portal.core import events, tenant
from portal.core.principal import Duty, StaffMember, require_duty
from portal.models import Contractor
from portal.services.files import uploads
from portal.services.files.storage import storage_path
from portal.services.settings.errors import SettingsError

ACCENT = re.compile(r"^#[0-9a-f]{6}$")
DEFAULT_RADIX = "indigo"  # the app theme's accent (rxconfig.py) when the owner has chosen none
LOGO_TYPES = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WebP"}
LOGO_LIMIT = 1024 * 1024
LOGO_ROUTE = "/brand/logo"
NOT_A_LOGO = "Upload the logo as a PNG, JPEG or WebP image (SVG and other files are not accepted)."
BAD_COLOUR = "Enter the colour as # and six hexadecimal digits, such as #0d9488."
WHITE = "#ffffff"
INK = "#111111"

# Step 9 (the solid colour) of each Radix Themes accent scale, light appearance.
RADIX_SCALES: dict[str, str] = {
    "tomato": "#e54d2e",
    "red": "#e5484d",
    "ruby": "#e54666",
    "crimson": "#e93d82",
    "pink": "#d6409f",
    "plum": "#ab4aba",
    "purple": "#8e4ec6",
    "violet": "#6e56cf",
    "iris": "#5b5bd6",
    "indigo": "#3e63dd",
    "blue": "#0090ff",
    "cyan": "#00a2c7",
    "teal": "#12a594",
    "jade": "#29a383",
    "green": "#30a46c",
    "grass": "#46a758",
    "brown": "#ad7f58",
    "bronze": "#a18072",
    "gold": "#978365",
    "orange": "#f76b15",
    "amber": "#ffc53d",
    "yellow": "#ffe629",
    "lime": "#bdee63",
    "mint": "#86ead4",
    "sky": "#7ce2fe",
    "gray": "#8d8d8d",
}


def accent_problem(value: object) -> str | None:
    """What is wrong with a typed colour, or None; empty means "the portal's own colour"."""
    if not isinstance(value, str):
        return BAD_COLOUR
    typed = value.strip().lower()
    return None if typed == "" or ACCENT.match(typed) else BAD_COLOUR


def normal_accent(value: object) -> str:
    """The colour as stored (lower case), or "" when it is not one."""
    typed = value.strip().lower() if isinstance(value, str) else ""
    return typed if ACCENT.match(typed) else ""


def _rgb(hex_colour: str) -> tuple[float, float, float]:
    return (int(hex_colour[1:3], 16) / 255, int(hex_colour[3:5], 16) / 255, int(hex_colour[5:7], 16) / 255)


def _linear(channel: float) -> float:
    return channel / 12.92 if channel <= 0.04045 else ((channel + 0.055) / 1.055) ** 2.4


def _lab(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > 216 / 24389 else (24389 / 27 * t + 16) / 116

    fx, fy, fz = f(x), f(y), f(z)
    return 116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)


def radix_accent(hex_colour: object) -> str:
    """The Radix accent scale nearest the chosen colour (``DEFAULT_RADIX`` when none is chosen).

    A colour with almost no chroma (a grey, black or white logo colour) maps to ``gray``: the
    nearest hue would be a guess.
    """
    colour = normal_accent(hex_colour)
    if not colour:
        return DEFAULT_RADIX
    lab = _lab(colour)
    if math.hypot(lab[1], lab[2]) < 10:
        return "gray"
    return min(RADIX_SCALES, key=lambda name: math.dist(lab, _lab(RADIX_SCALES[name])))


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance."""
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_on(hex_colour: str) -> str:
    """White or near-black, whichever reads better on the colour (for PDF and email bands)."""
    colour = normal_accent(hex_colour) or RADIX_SCALES[DEFAULT_RADIX]
    return WHITE if contrast(colour, WHITE) >= contrast(colour, INK) else INK


def printed_accent(row: Contractor) -> str:
    """The exact colour PDFs and emails use: the owner's, or the portal's own indigo."""
    return normal_accent(row.accent_color) or RADIX_SCALES[DEFAULT_RADIX]


# --- the logo --------------------------------------------------------------------------------------


def logo_url(row: Contractor) -> str:
    """Where a page loads the logo, with a query that changes with each new logo (so a cached old
    logo is never shown), or "" when there is none."""
    return f"{LOGO_ROUTE}?v={row.logo_key[:12]}" if row.logo_key else ""


def logo_path(row: Contractor) -> Path | None:
    """The stored logo's file, or None."""
    if not row.logo_key or row.logo_type not in LOGO_TYPES:
        return None
    try:
        path = storage_path(row.logo_key)
    except ValueError:
        return None
    return path if path.is_file() else None


def receive_logo(stream: BinaryIO, raw_name: object) -> uploads.PendingFile:
    """An uploaded logo into private pending storage, refused (``UploadRefused``) when it is too
    large or not a PNG, JPEG or WebP by its content."""
    found = uploads.save_pending(stream, raw_name, LOGO_LIMIT)
    if found.content_type not in LOGO_TYPES:
        uploads.discard_pending(found.key)
        raise uploads.UploadRefused(found.name, NOT_A_LOGO)
    return found


def preview_uri(pending: uploads.PendingFile) -> str:
    """The pending logo as a ``data:`` address for the preview (the page's policy allows ``data:``
    images); the bytes are at most ``LOGO_LIMIT``."""
    data = uploads.pending_path(pending.key).read_bytes()
    return f"data:{pending.content_type};base64,{base64.b64encode(data).decode('ascii')}"


def _when_done(session: Session, committed: Callable[[], None], rolled_back: Callable[[], None]) -> None:
    def on_commit(_sess: Session) -> None:
        committed()

    def on_rollback(_sess: Session, _previous: Any) -> None:
        rolled_back()

    event.listen(session, "after_commit", on_commit, once=True)
    event.listen(session, "after_soft_rollback", on_rollback, once=True)


def _remove(path: Path | None) -> None:
    if path is not None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _store(pending: uploads.PendingFile) -> tuple[str, Path]:
    key = uploads.new_key()
    target = storage_path(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(uploads.pending_path(pending.key), target)
    os.chmod(target, 0o600)
    return key, target


@dataclass(frozen=True)
class LogoUpload:
    """The pending logo the screen holds: its key and the name it was uploaded under."""

    key: str
    name: str


def save_branding(
    session: Session,
    staff: StaffMember,
    accent: object,
    logo: LogoUpload | None = None,
    remove_logo: bool = False,
) -> Contractor:
    """Save the accent colour and, when given, the new logo (or remove the logo), all or nothing.

    The pending logo is checked again from its bytes; its stored copy is removed if the save rolls
    back, and the old logo's file and the pending copy once it commits.
    """
    require_duty(staff, Duty.MANAGE_SETTINGS)
    if problem := accent_problem(accent):
        raise SettingsError(accent=problem)
    checked = None
    if logo is not None:
        try:
            checked = uploads.inspect_pending(logo.key, logo.name, LOGO_LIMIT)
        except uploads.UploadRefused as refused:
            raise SettingsError(logo=refused.message) from None
        if checked.content_type not in LOGO_TYPES:
            raise SettingsError(logo=NOT_A_LOGO)
    row = tenant.contractor(session)
    if row.id is None:
        session.add(row)
    before = {"accent_color": row.accent_color, "logo_key": row.logo_key, "logo_type": row.logo_type}
    old_file = logo_path(row)
    row.accent_color = normal_accent(accent)
    new_file = None
    if checked is not None:
        row.logo_key, new_file = _store(checked)
        row.logo_type = checked.content_type
    elif remove_logo:
        row.logo_key, row.logo_type = "", ""
    after = {"accent_color": row.accent_color, "logo_key": row.logo_key, "logo_type": row.logo_type}
    session.add(row)
    session.flush()
    if before != after:
        events.audit(
            session, staff, "settings_branding_changed", row, detail={"before": before, "after": after}
        )
    replaced = old_file if before["logo_key"] != after["logo_key"] else None
    pending_key = checked.key if checked is not None else ""

    def committed() -> None:
        _remove(replaced)
        if pending_key:
            uploads.discard_pending(pending_key)

    _when_done(session, committed, lambda: _remove(new_file))
    return row


@dataclass(frozen=True)
class Brand:
    """What the pages before and after sign-in show of the contractor."""

    company: str
    logo_url: str
    radix: str
    accent: str


def brand(session: Session) -> Brand:
    row = tenant.contractor(session)
    return Brand(
        company=(row.company_name or "").strip(),
        logo_url=logo_url(row) if logo_path(row) is not None else "",
        radix=radix_accent(row.accent_color),
        accent=printed_accent(row),
    )
