"""A drop zone for files whose hidden file input carries a label too.

``rx.upload`` builds the ``<input type="file">`` itself, with no way to pass it attributes; a
screen reader (and axe) then finds an unlabelled form field inside the zone. Every upload in the
portal goes through :func:`upload_zone`, which names that input after the zone.
"""

from __future__ import annotations

import reflex as rx


def upload_zone(*children: rx.Component, label: str, **props) -> rx.Component:
    """``rx.upload`` whose zone and file input are both called ``label``."""
    zone = rx.upload(*children, aria_label=label, **props)
    for element in zone.children:
        for child in element.children:
            if getattr(child, "tag", "") == "input":
                child.custom_attrs = {**child.custom_attrs, "aria-label": label}
    return zone
