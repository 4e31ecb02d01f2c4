"""One test per server error the hostile-input fuzz (test_hostile_input.py) or its review found.

Each was a 500 from a route or an exception from an event handler; each test sends what broke it
and checks what the customer sees instead (a 404, a 400 that says why, a message beside the
field, an empty list) and that nothing was stored.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from portal import db
from portal.config import SESSION_COOKIE
from portal.core import dates
from portal.core.principal import Scope
from portal.models import (
    ALL_PAGES,
    Contractor,
    Credential,
    PortalTier,
    Quote,
    QuoteDecision,
    QuoteStage,
    Site,
)
from portal.services.billing import cards
from portal.services.billing.cards import CardInput
from portal.services.identity import sessions
from portal.state.assets.assets import AssetsState
from portal.state.billing.invoices import InvoicesState
from portal.state.billing.statement import StatementState
from portal.state.reports.monthly_report import MonthlyReportState
from portal.state.reports.ppm import PpmState
from portal.state.reports.published_documents import DocumentsState
from portal.state.reports.test_history import TestHistoryState
from portal.state.session import SessionState
from portal.state.work.jobs import JobsState
from portal.state.work.quotes import QuotesState
from portal.state.work.request import RequestState
from tests.frozen import TODAY
from tests.unit import factories as f
from tests.unit.reflex_client import Tab, client, edge_cookie

ROOT = Path(__file__).resolve().parents[2]


class World:
    """One customer with a little of everything, another customer, and contacts without a page each."""

    def __init__(self, s: Session):
        s.add(Contractor(company_name="Harbourside Fire", portal_tier=PortalTier.ADVANCED))
        mine, theirs = f.customer(s, "Mine"), f.customer(s, "Theirs")
        self.site, there = f.site(s, mine, "North Tower"), f.site(s, theirs, "Chapel")
        self.quote, self.job = f.quote(s, self.site, QuoteStage.ACTIONED), f.job(s, self.site)
        f.quote(s, self.site)  # one outstanding, so every list's first tab has a row
        self.invoice = f.invoice(s, self.site, 11_000)
        self.theirs = {
            "quotes": f.quote(s, there).id,
            "jobs": f.job(s, there).id,
            "invoices": f.invoice(s, there, 5_000).id,
        }
        self.full = f.contact(s, mine).id
        self.without = {
            page: f.contact(s, mine, pages=[p for p in ALL_PAGES if p != page]).id
            for page in ("quotes", "jobs", "invoices")
        }


@pytest.fixture
def world(committed, monkeypatch) -> World:
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed, expire_on_commit=False) as s:
        built = World(s)
        s.commit()
    return built


def raw_session(engine, contact_id: int) -> str:
    with Session(engine) as s:
        raw = sessions.start(s, contact_id)
        s.commit()
    return raw


def tab(engine, contact_id: int, path: str = "/", **query: str) -> Tab:
    return Tab(edge_cookie(raw_session(engine, contact_id)), path, query)


def get(engine, contact_id: int, url: str):
    with client() as http:
        return http.get(url, cookies={SESSION_COOKIE: raw_session(engine, contact_id)})


# --- routes ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["quotes", "jobs", "invoices"])
def test_a_login_without_the_page_gets_the_answer_an_unseen_id_gets(world, committed, kind):
    """Was a 500 (AccessDenied escaped api/documents.py): sam@northside.example printing an invoice."""
    own = {"quotes": world.quote.id, "jobs": world.job.id, "invoices": world.invoice.id}[kind]
    refused = get(committed, world.without[kind], f"/documents/{kind}/{own}.pdf")
    unseen = get(committed, world.full, f"/documents/{kind}/{world.theirs[kind]}.pdf")
    assert (refused.status_code, refused.text) == (unseen.status_code, unseen.text) == (404, "Not found.")
    assert (
        get(committed, world.full, f"/documents/{kind}/{own}.pdf").headers["content-type"]
        == "application/pdf"
    )


@pytest.mark.parametrize("url", ["/documents/statement.pdf", "/export/statement.csv"])
@pytest.mark.parametrize(
    ("query", "said"),
    [
        ("start=2026-01-01&end=9999-12-31", "To: Choose a date between 1990 and 2100."),
        ("start=0001-01-01&end=2026-01-01", "From: Choose a date between 1990 and 2100."),
        ("start=2026-02-30&end=2026-03-01", "From: Enter a date as DD/MM/YYYY."),
        ("start=2026-03-01&end=2026-02-01", "To: The To date must be on or after the From date."),
    ],
)
def test_statement_downloads_say_which_date_is_wrong(world, committed, url, query, said):
    """Was a 500 (OverflowError in services/statements.py) for an end date of 9999-12-31."""
    resp = get(committed, world.full, f"{url}?{query}")
    assert (resp.status_code, resp.text) == (400, said)


def test_monthly_report_csv_for_a_month_before_the_portal_supports_shows_this_month(world, committed):
    """Was a 500 ("year 0 is out of range"): the twelve months up to 0001-01 start in year 0."""
    resp = get(committed, world.full, f"/export/reports/monthly.csv?site={world.site.id}&month=0001-01")
    rows = list(csv.reader(io.StringIO(resp.text.lstrip("\ufeff"))))
    assert resp.status_code == 200
    assert rows[-1][1] == f"{TODAY:%Y-%m}", "the last of the twelve months is this one"


def test_ppm_csv_refuses_a_contract_expiry_outside_the_supported_range(world, committed):
    resp = get(committed, world.full, "/export/reports/ppm.csv?expiry=9999-12-31")
    assert (resp.status_code, resp.text) == (400, dates.OUT_OF_RANGE)


# --- screens: dates ---------------------------------------------------------------------------------


def test_statement_shows_a_far_date_beside_its_field(world, committed):
    """Was an OverflowError in the handler: /invoices/statement?start=2026-01-01&end=9999-12-31."""
    page = tab(committed, world.full, "/invoices/statement", start="2026-01-01", end="9999-12-31")
    shown = page.run(StatementState, "load")
    assert shown.errors == {"end": dates.OUT_OF_RANGE}
    assert (shown.start, shown.end, shown.loaded) == ("2026-01-01", "9999-12-31", False)
    good = (TODAY - timedelta(days=30)).isoformat()
    shown = page.run(StatementState, "search", {"form": {"start": good, "end": TODAY.isoformat()}})
    assert shown.errors == {} and shown.loaded and shown.unpaid_count == 1


def test_statement_search_before_the_page_loaded_asks_for_dates(world, committed):
    """Was a ValueError (date.fromisoformat('')): an event before the page's load, or a form of null."""
    shown = tab(committed, world.full).run(StatementState, "search", {"form": None})
    assert shown.errors == {"start": dates.NOT_A_DATE, "end": dates.NOT_A_DATE} and not shown.loaded
    shown = tab(committed, world.full).run(StatementState, "go_to", {"page": 2})
    assert shown.errors == {"start": dates.NOT_A_DATE, "end": dates.NOT_A_DATE}


def test_ppm_shows_a_far_contract_expiry_beside_its_field(world, committed):
    shown = tab(committed, world.full, "/reports/ppm", expiry="9999-12-31").run(PpmState, "load")
    assert shown.errors == {"expiry": dates.OUT_OF_RANGE} and shown.expiry == "9999-12-31"


@pytest.mark.parametrize(
    ("picked", "said"),
    [
        ("9999-12-31", "Choose a date within the next 5 years."),
        ("0001-01-01", "The preferred date can't be in the past."),
        ("+10000-01-01", "Choose a date from the calendar."),
        (TODAY.isoformat(), ""),
    ],
)
def test_request_form_checks_the_preferred_date_as_it_is_picked(world, committed, picked, said):
    """A far date was accepted on screen (only the past was checked there) and refused on Submit."""
    page = tab(committed, world.full, "/quotes/request")
    page.run(RequestState, "load", {"purpose": "quote"})
    shown = page.run(RequestState, "set_preferred_date", {"value": picked})
    assert shown.errors.get("preferred_date", "") == said


def test_monthly_report_for_a_month_before_the_portal_supports_shows_this_month(world, committed):
    """Was a ValueError ("year 0 is out of range") after choosing 0001-01."""
    page = tab(committed, world.full, "/reports/monthly")
    page.run(MonthlyReportState, "load")
    page.run(MonthlyReportState, "set_month", {"value": "0001-01"})
    assert page.run(MonthlyReportState, "run").month == f"{TODAY:%Y-%m}"


def test_only_portal_core_dates_reads_a_date():
    """One range, one reader: a date parsed anywhere else would skip the range the routes and screens
    share."""
    readers = [
        f"{p.relative_to(ROOT)}:{n}"
        for p in (ROOT / "portal").rglob("*.py")
        if p.name != "dates.py"
        for n, line in enumerate(p.read_text().splitlines(), 1)
        if re.search(r"fromisoformat|strptime", line)
    ]
    assert readers == []


# --- screens: events before the page's load ---------------------------------------------------------


@pytest.mark.parametrize("state", [QuotesState, JobsState, InvoicesState])
def test_a_list_event_before_the_page_loaded_shows_the_first_tab(world, committed, state):
    """Was a ValueError ("unknown quotes tab: ''"): paging or sorting before ``load`` set the tab."""
    shown = tab(committed, world.full).run(state, "sort_by", {"key": "number"})
    assert shown.tab == state.TABS[0] and shown.total == 1


def test_test_history_event_before_the_page_loaded_uses_the_last_twelve_months(world, committed):
    """Was a ValueError (date.fromisoformat('')) from sort_by before ``load``."""
    shown = tab(committed, world.full).run(TestHistoryState, "sort_by", {"key": "date"})
    assert shown.errors == {} and shown.total == 0 and not shown.loading


# --- screens: arguments of the wrong kind -----------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "handler", "payload", "field", "expected"),
    [
        (QuotesState, "submit_search", {"form": None}, "search", ""),
        (QuotesState, "sort_by", {"key": {"a": 1}}, "sort", ""),
        (QuotesState, "start_decision", {"which": {"a": 1}}, "deciding", ""),
        (QuotesState, "go_to", {"page": float("inf")}, "page", 1),
        (AssetsState, "set_history_tab", {"tab": {"a": 1}}, "history_tab", "service"),
        (AssetsState, "submit_search", {"form": None}, "search", ""),
        (DocumentsState, "open_kind", {"key": ["site-inductions"]}, "kind", ""),
        (TestHistoryState, "apply", {"form": None}, "errors", {}),
        (PpmState, "search", {"form": None}, "errors", {}),
        (PpmState, "select_cell", {"points": 1}, "cell_open", False),
        (PpmState, "select_cell", {"points": {"0": {"x": 1, "y": 0}}}, "cell_open", False),
        (RequestState, "search_assets", {"form_data": ["q"]}, "asset_query", ""),
        (
            RequestState,
            "add_item",
            {"form_data": ["item"]},
            "errors",
            {"items": "Choose an item from the list."},
        ),
        (RequestState, "upload_progress", {"progress": [0.5]}, "upload_percent", 0),
        (RequestState, "files_rejected", {"rejected": 5}, "file_errors", []),
        (RequestState, "handle_upload", {"files": None}, "file_errors", []),
        (
            RequestState,
            "choose_contact",
            {"contact_id": 2**63},
            "errors",
            {"contact": "Choose a contact from your organisation."},
        ),
    ],
)
def test_an_argument_of_the_wrong_kind_is_treated_as_empty(
    world, committed, state, handler, payload, field, expected
):
    """Each raised before (``form.get`` on null, a dict looked up in a set, int(inf), an id SQLite cannot
    hold)."""
    page = tab(committed, world.full, "/quotes/request")
    if state is RequestState:
        page.run(RequestState, "load", {"purpose": "quote"})
    assert getattr(page.run(state, handler, payload), field) == expected


def test_a_form_of_null_declines_nothing(world, committed):
    """Was an AttributeError once a quote was open; the quote stays outstanding."""
    page = tab(committed, world.full, "/quotes")
    page.run(QuotesState, "open_detail", {"quote_id": str(world.quote.id)})
    page.run(QuotesState, "start_decision", {"which": "decline"})
    shown = page.run(QuotesState, "decide", {"form": None})
    assert shown.errors == {"reason": "Tell us why you are declining, so we can do better."}
    with Session(committed) as s:
        assert s.get(Quote, world.quote.id).decision == QuoteDecision.NONE


def test_a_new_site_form_of_the_wrong_kind_creates_no_site(world, committed):
    page = tab(committed, world.full, "/quotes/request")
    page.run(RequestState, "load", {"purpose": "quote"})
    assert page.run(RequestState, "create_site", {"form_data": ["North Tower"]}).site_errors
    with Session(committed) as s:
        assert s.exec(select(Site.name).where(Site.customer_id == world.site.customer_id)).all() == [
            "North Tower"
        ]


def test_a_password_form_of_null_changes_nothing(world, committed):
    from portal.state.identity.preferences import PreferencesState

    shown = tab(committed, world.full, "/preferences").run(
        PreferencesState, "change_password", {"form": None}
    )
    assert shown.errors and not shown.busy
    with Session(committed) as s:
        assert s.get(Credential, world.full) is None


def test_a_page_name_of_the_wrong_kind_opens_no_page(world, committed):
    """Was a TypeError (a dict looked up in the scope's set of pages) from any handler taking a page."""
    assert not Scope(1, 1, frozenset({"quotes"}), None).can({"quotes": 1})  # type: ignore[arg-type]
    shown = tab(committed, world.full).run(SessionState, "guard", {"page": {"a": 1}})
    assert shown.granted == ""


# --- text that looks like a number ----------------------------------------------------------------


def test_assets_address_with_a_superscript_digit_offers_the_contacts_sites(world, committed):
    """Was a ValueError: "²".isdigit() is true but int("²") fails."""
    shown = tab(committed, world.full, "/assets", site="²").run(AssetsState, "load")
    assert shown.notice == "That site isn't available to your login. Choose one of your sites."


def test_invoice_search_for_a_superscript_digit_finds_nothing(world, committed):
    shown = tab(committed, world.full, "/invoices", q="²").run(InvoicesState, "load")
    assert shown.search == "²" and shown.total == 0


def test_card_fields_with_a_superscript_digit_are_refused_not_crashed():
    errors = cards.check(
        CardInput(name="Pat Lee", number="4242 4242 4242 424²", exp_month="1²", exp_year="²", cvv="12²"),
        TODAY,
    )
    assert set(errors) == {"number", "expiry", "cvv"}
    assert cards.brand("4²") == "" and cards.last4("4242²") == ""


def test_asset_report_filters_keep_only_text(world, committed):
    """Current Defects' and Test History's filters take text only; a list from the browser is not a site."""
    page = tab(committed, world.full, "/reports/test-history")
    shown = page.run(TestHistoryState, "apply", {"form": {"site": ["1"], "type": {"a": 1}, "q": 12}})
    assert (shown.site, shown.asset_type, shown.search) == ("all", "all", "12")


def test_an_event_nobody_answered_gets_one_plain_sentence_and_no_exception_text(caplog):
    from portal.state import failures

    try:
        raise AttributeError("SessionState has no var 'granted_secret_setter'")
    except AttributeError as exc:
        spec = failures.answer(exc)
    shown = repr(spec)
    assert failures.SOMETHING_WENT_WRONG in shown
    assert "granted_secret_setter" not in shown and "AttributeError" not in shown
    assert "granted_secret_setter" in caplog.text, "the details go to the log"
