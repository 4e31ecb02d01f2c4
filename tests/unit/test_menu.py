"""The top menu's entries lead somewhere real, and a list's columns say what they are on a phone's card.

Why: a menu entry is a string (``/jobs?tab=progres``) that nothing else checks. A misspelt tab
lands on the list's first tab without a word, and a page renamed leaves a link to "page not found".
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import reflex as rx

import portal.pages  # noqa: F401  (registers every page with the shell)
from portal.components.menu import MENU
from portal.components.reports import REPORTS
from portal.components.shell import REGISTRY
from portal.components.table import CARD_ROLES, Column, _as_cards
from portal.models import Page
from portal.state.billing.invoices import InvoicesState
from portal.state.work.jobs import JobsState
from portal.state.work.quotes import QuotesState

TABS = {"/quotes": QuotesState.TABS, "/jobs": JobsState.TABS, "/invoices": InvoicesState.TABS}


def _entries():
    return [(area, entry) for area in MENU for entry in area.entries]


def test_every_area_is_a_page_key_once():
    pages = [area.page for area in MENU]
    assert len(pages) == len(set(pages))
    assert set(pages) == set(Page) - {Page.CONTACTS}, "every menu area but contacts (under Preferences)"


@pytest.mark.parametrize(("area", "entry"), _entries(), ids=lambda v: getattr(v, "href", ""))
def test_every_entry_is_a_registered_page_and_a_real_tab(area, entry):
    parts = urlsplit(entry.href)
    routes = {spec.route for spec in REGISTRY}
    assert parts.path in routes, f"{entry.href} is not a page"
    tab = parse_qs(parts.query).get("tab")
    if tab:
        assert tab[0] in TABS[parts.path], f"{entry.href}: no such tab"


def test_the_guides_sub_entries():
    labels = {area.label: [e.label for e in area.entries] for area in MENU}
    assert labels["Quotes"] == ["Outstanding", "Actioned"]
    assert labels["Jobs"] == ["Pending", "Progress", "Complete", "Invoiced", "Archive"]
    assert labels["Invoices"] == ["All", "Unpaid", "Paid", "Statement", "Manage Payments"]
    assert labels["Sites"] == ["Sites", "Create New Site"]
    assert labels["Tasks"] == ["View Tasks"]
    assert labels["Reports"] == [r.title for r in REPORTS]


def test_advanced_reports_are_marked_so_in_the_menu():
    reports = next(a for a in MENU if a.page == Page.REPORTS)
    assert {e.href for e in reports.entries if e.advanced} == {r.route for r in REPORTS if r.advanced}


def test_a_column_role_is_one_the_phone_layout_knows():
    with pytest.raises(ValueError, match="card role"):
        Column("x", "X", card="headline")
    assert Column("x", "X").role == "field"
    assert Column("x", "X", phone=False).role == "hidden"
    assert Column("x", "X", card="amount").role == "amount"
    assert set(CARD_ROLES) >= {"title", "status", "subtitle", "amount", "options", "hidden"}


def test_cells_carry_their_columns_role_and_label():
    columns = [
        Column("n", "No.", card="title"),
        Column("due", "Due", card="detail"),
        Column("x", "X", phone=False),
    ]
    row = _as_cards(
        columns, lambda r: rx.table.row(rx.table.cell("1"), rx.table.cell("2"), rx.table.cell("3"))
    )
    cells = row(rx.Var("r")).children
    assert [c.custom_attrs.get("data-card") for c in cells] == ["title", "detail", "hidden"]
    assert [c.custom_attrs.get("data-label") for c in cells] == [None, "Due", None]


def test_a_row_that_does_not_line_up_is_left_alone():
    columns = [Column("n", "No.", card="title"), Column("due", "Due", card="detail")]
    row = _as_cards(columns, lambda r: rx.table.row(rx.table.cell("1")))
    assert "data-card" not in row(rx.Var("r")).children[0].custom_attrs
