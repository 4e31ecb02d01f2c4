"""How values read on screen: dates as "23 Nov 2026", money with its symbol, blanks as a dash."""

from __future__ import annotations

from datetime import date, datetime

import plotly.graph_objects as go

from portal.core.money import format_money

DASH = "—"


def day(value: date | datetime | None) -> str:
    return value.strftime("%-d %b %Y") if value else DASH


def moment(value: datetime | None) -> str:
    return value.strftime("%-d %b %Y, %H:%M UTC") if value else DASH


def money(cents: int | None, currency: str) -> str:
    return DASH if cents is None else format_money(cents, currency)


def size(n: int) -> str:
    for unit in ("bytes", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} MB"


def item_rows(items, currency: str) -> list[dict[str, str]]:
    """Priced lines of a quote, job or invoice, as the detail table shows them."""
    return [
        {
            "description": i.description,
            "quantity": str(i.quantity),
            "unit": money(i.unit_price_cents, currency),
            "total": money(i.total_cents, currency),
        }
        for i in items
    ]


def attachment_rows(attachments) -> list[dict[str, str]]:
    return [
        {
            "id": str(a.id),
            "name": a.name,
            "size": size(a.size_bytes),
            "when": day(a.uploaded_at),
            "href": f"/files/attachments/{a.id}",
        }
        for a in attachments
    ]


def blank_chart() -> go.Figure:
    """A chart's value before its report runs: without Plotly's default template (about 5 KB), since
    every client's stored state holds one per chart screen, visited or not."""
    return go.Figure(layout={"template": "none"})
