"""Links to server routes (downloads, PDFs): the browser must fetch them, not the client router."""

from __future__ import annotations

import reflex as rx


def server_link(*children, href, download: bool = False, new_tab: bool = False, **props) -> rx.Component:
    extra = {"download": True} if download else {}
    if new_tab:
        extra |= {"target": "_blank", "rel": "noopener"}
    return rx.link(*children, href=href, reload_document=True, underline="none", **extra, **props)
