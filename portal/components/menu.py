"""The main menu as the guide describes it: "Hover over Quotes at the top of the page, click Outstanding".

Each area of the portal opens its sub-entries. On a desktop that is Radix's navigation menu (the
disclosure pattern for site navigation): it opens on hover, by click, and by Enter, Space or
ArrowDown on the focused entry, sets ``aria-expanded``, closes on Escape and gives the focus back
to the entry. On a phone the drawer lists the same entries under each area's name. An area shows
only when the contact's login has its page; an Advanced report only on that tier.

The primitive comes from the ``radix-ui`` package Radix Themes already depends on (it is in
``reflex.lock``), imported without asking the build to install anything more.
"""

from __future__ import annotations

from typing import NamedTuple

import reflex as rx
from reflex_base.utils.imports import ImportVar

from portal.components.reports import REPORTS
from portal.models import Page
from portal.state.session import SessionState


class Entry(NamedTuple):
    label: str
    href: str
    advanced: bool = False  # an Advanced report: shown only when the contractor's tier has them


class Area(NamedTuple):
    page: Page
    label: str
    entries: tuple[Entry, ...]


MENU: tuple[Area, ...] = (
    Area(
        Page.QUOTES,
        "Quotes",
        (Entry("Outstanding", "/quotes?tab=outstanding"), Entry("Actioned", "/quotes?tab=actioned")),
    ),
    Area(
        Page.JOBS,
        "Jobs",
        (
            Entry("Pending", "/jobs?tab=pending"),
            Entry("Progress", "/jobs?tab=progress"),
            Entry("Complete", "/jobs?tab=complete"),
            Entry("Invoiced", "/jobs?tab=invoiced"),
            Entry("Archive", "/jobs?tab=archive"),
        ),
    ),
    Area(
        Page.INVOICES,
        "Invoices",
        (
            Entry("All", "/invoices?tab=all"),
            Entry("Unpaid", "/invoices?tab=unpaid"),
            Entry("Paid", "/invoices?tab=paid"),
            Entry("Statement", "/invoices/statement"),
            Entry("Manage Payments", "/invoices/payments"),
        ),
    ),
    Area(Page.SITES, "Sites", (Entry("Sites", "/sites"), Entry("Create New Site", "/sites/new"))),
    Area(Page.ASSETS, "Assets", (Entry("View Assets", "/assets"),)),
    Area(Page.REPORTS, "Reports", tuple(Entry(r.title, r.route, r.advanced) for r in REPORTS)),
    Area(Page.TASKS, "Tasks", (Entry("View Tasks", "/tasks"),)),
)


class _NavigationMenu(rx.Component):
    """A part of ``NavigationMenu`` from ``radix-ui``, which is already installed with Radix Themes."""

    library = "radix-ui"

    @property
    def import_var(self) -> ImportVar:
        return ImportVar(tag="NavigationMenu", install=False)


class _Root(_NavigationMenu):
    tag = "NavigationMenu.Root"
    delay_duration: rx.Var[int]


class _List(_NavigationMenu):
    tag = "NavigationMenu.List"


class _Item(_NavigationMenu):
    tag = "NavigationMenu.Item"
    value: rx.Var[str]


class _Trigger(_NavigationMenu):
    tag = "NavigationMenu.Trigger"

    def get_event_triggers(self) -> dict:
        return {**super().get_event_triggers(), "on_key_down": lambda e: [e]}


class _Content(_NavigationMenu):
    tag = "NavigationMenu.Content"


class _Link(_NavigationMenu):
    """Wraps the router link so choosing it closes the menu, even when the page stays the same."""

    tag = "NavigationMenu.Link"
    as_child: rx.Var[bool]


# Radix opens the content on ArrowDown only once it is open; from a closed entry ArrowDown opens it
# and moves to its first sub-entry, as a menu button does.
_ARROW_DOWN_OPENS = rx.vars.FunctionStringVar.create(
    """((e) => {
  const trigger = e.currentTarget;
  if (e.key !== "ArrowDown" || trigger.getAttribute("aria-expanded") === "true") return;
  e.preventDefault();
  trigger.click();
  let tries = 0;
  const focusFirst = () => {
    const content = document.getElementById(trigger.getAttribute("aria-controls") || "");
    const first = content && content.querySelector("a");
    if (first) first.focus();
    else if (tries++ < 20) requestAnimationFrame(focusFirst);
  };
  requestAnimationFrame(focusFirst);
})"""
)


def _shown(entry: Entry, link: rx.Component) -> rx.Component:
    return rx.cond(SessionState.advanced, link) if entry.advanced else link


def _entry_link(entry: Entry, **props) -> rx.Component:
    return rx.link(entry.label, href=entry.href, underline="none", data_entry=entry.href, **props)


def _desktop_area(area: Area) -> rx.Component:
    item = _Item.create(
        _Trigger.create(
            area.label,
            rx.icon("chevron-down", size=12, class_name="menu-chevron", aria_hidden="true"),
            class_name="menu-link menu-trigger",
            data_page=area.page,
            on_key_down=_ARROW_DOWN_OPENS,
        ),
        _Content.create(
            rx.el.ul(
                *[
                    _shown(
                        e, rx.el.li(_Link.create(_entry_link(e, class_name="submenu-link"), as_child=True))
                    )
                    for e in area.entries
                ],
                class_name="submenu-list",
            ),
            class_name="submenu",
            data_submenu=area.page,
        ),
        value=area.page,
        class_name="menu-item",
    )
    return rx.cond(SessionState.pages.contains(area.page), item)


def desktop_menu() -> rx.Component:
    """The row of areas across the top; each opens its sub-entries below it."""
    return _Root.create(
        _List.create(*[_desktop_area(a) for a in MENU], class_name="menu-list"),
        delay_duration=100,
        class_name="main-menu",
        custom_attrs={"aria-label": "Main menu"},
    )


def _drawer_area(area: Area) -> rx.Component:
    heading_id = f"drawer-{area.page}"
    group = rx.el.li(
        rx.text(area.label, id=heading_id, class_name="drawer-heading", size="1", weight="bold"),
        rx.el.ul(
            *[_shown(e, rx.el.li(_entry_link(e, class_name="menu-link drawer-link"))) for e in area.entries],
            aria_labelledby=heading_id,
            class_name="drawer-entries",
        ),
        data_group=area.page,
    )
    return rx.cond(SessionState.pages.contains(area.page), group)


def drawer_menu() -> rx.Component:
    """The same areas on a phone, each a group of its entries under the area's name."""
    return rx.el.nav(
        rx.el.ul(
            rx.el.li(rx.link("Dashboard", href="/dashboard", class_name="menu-link", underline="none")),
            *[_drawer_area(a) for a in MENU],
            class_name="drawer-groups",
        ),
        aria_label="Main menu",
    )
