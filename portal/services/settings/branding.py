"""Settings > Branding: the contractor's logo and accent colour, and how each place shows them.

Why the screen and the documents use the colour differently: the portal's screens are drawn with
Radix Themes, whose accent scales set every accent pairing (white or dark text on a solid button's
step 9, accent text on a soft button's step 3 and on white). Painting an arbitrary hex over the
theme would let an owner's pale yellow put white text on it and fail axe's colour-contrast rule.
And not every Radix scale passes either: white on teal, green, blue, red or orange step 9 is about
3:1 (the table below, checked by :func:`passes_contrast`). So on screen the chosen colour is mapped
to the nearest scale that passes (:func:`radix_accent`, by distance in CIELAB, which follows how
different two colours look) and applied with ``rx.theme(accent_color=...)``: a teal brand shows in
Radix's mint or sky. A PDF or an email has no theme: there the exact hex is used, for bands and
rules, with its text in white or near-black, whichever contrasts more (:func:`text_on`), and as
text only where it contrasts with white.

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
AA = 4.5  # WCAG AA contrast for normal-size text


@dataclass(frozen=True)
class Scale:
    """The steps of a Radix Themes accent scale (light appearance, @radix-ui/themes 3) that text
    sits on: 3 (a soft button's and a selected tab's background), 9 (a solid button), 11 (accent
    text, links) and the scale's own text colour on step 9."""

    step3: str
    step9: str
    step11: str
    on_step9: str


RADIX: dict[str, Scale] = {
    "tomato": Scale("#feebe7", "#e54d2e", "#d13415", "#ffffff"),
    "red": Scale("#feebec", "#e5484d", "#ce2c31", "#ffffff"),
    "ruby": Scale("#feeaed", "#e54666", "#ca244d", "#ffffff"),
    "crimson": Scale("#ffe9f0", "#e93d82", "#cb1d63", "#ffffff"),
    "pink": Scale("#fee9f5", "#d6409f", "#c2298a", "#ffffff"),
    "plum": Scale("#fbebfb", "#ab4aba", "#953ea3", "#ffffff"),
    "purple": Scale("#f7edfe", "#8e4ec6", "#8145b5", "#ffffff"),
    "violet": Scale("#f4f0fe", "#6e56cf", "#6550b9", "#ffffff"),
    "iris": Scale("#f0f1fe", "#5b5bd6", "#5753c6", "#ffffff"),
    "indigo": Scale("#edf2fe", "#3e63dd", "#3a5bc7", "#ffffff"),
    "blue": Scale("#e6f4fe", "#0090ff", "#0d74ce", "#ffffff"),
    "cyan": Scale("#def7f9", "#00a2c7", "#107d98", "#ffffff"),
    "teal": Scale("#e0f8f3", "#12a594", "#008573", "#ffffff"),
    "jade": Scale("#e6f7ed", "#29a383", "#208368", "#ffffff"),
    "green": Scale("#e6f6eb", "#30a46c", "#218358", "#ffffff"),
    "grass": Scale("#e9f6e9", "#46a758", "#2a7e3b", "#ffffff"),
    "brown": Scale("#f6eee7", "#ad7f58", "#815e46", "#ffffff"),
    "bronze": Scale("#f6edea", "#a18072", "#7d5e54", "#ffffff"),
    "gold": Scale("#f2f0e7", "#978365", "#71624b", "#ffffff"),
    "orange": Scale("#ffefd6", "#f76b15", "#cc4e00", "#ffffff"),
    "amber": Scale("#fff7c2", "#ffc53d", "#ab6400", "#21201c"),
    "yellow": Scale("#fffab8", "#ffe629", "#9e6c00", "#21201c"),
    "lime": Scale("#eef6d6", "#bdee63", "#5c7c2f", "#1d211c"),
    "mint": Scale("#ddf9f2", "#86ead4", "#027864", "#1a211e"),
    "sky": Scale("#e1f6fd", "#7ce2fe", "#00749e", "#1c2024"),
    "gray": Scale("#f0f0f0", "#8d8d8d", "#646464", "#ffffff"),
}
RADIX_SCALES: dict[str, str] = {name: scale.step9 for name, scale in RADIX.items()}


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


def passes_contrast(scale: Scale) -> bool:
    """Whether every text pairing the portal's screens draw in this scale meets WCAG AA (4.5:1, as
    axe checks it): solid-button text on step 9, accent text on step 3 and on white."""
    return (
        contrast(scale.on_step9, scale.step9) >= AA
        and contrast(scale.step11, scale.step3) >= AA
        and contrast(scale.step11, WHITE) >= AA
    )


def accessible_scales() -> tuple[str, ...]:
    """The Radix scales an owner's colour may be shown in (indigo, iris, violet, purple, plum, mint
    and sky with @radix-ui/themes 3); worked out from the table so a new Radix release that changes
    a step changes the answer."""
    return tuple(name for name, scale in RADIX.items() if passes_contrast(scale))


def radix_accent(hex_colour: object) -> str:
    """The accessible Radix accent scale nearest the chosen colour (``DEFAULT_RADIX`` when none is
    chosen), by CIELAB distance to each scale's solid step.

    A colour with almost no chroma (a grey, black or white brand) keeps the portal's own indigo: the
    nearest hue would be a guess, and Radix's gray fails the button text rule.
    """
    colour = normal_accent(hex_colour)
    if not colour:
        return DEFAULT_RADIX
    lab = _lab(colour)
    if math.hypot(lab[1], lab[2]) < 10:
        return DEFAULT_RADIX
    return min(accessible_scales(), key=lambda name: math.dist(lab, _lab(RADIX[name].step9)))


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
