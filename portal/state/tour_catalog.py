"""The guide's four Walk Me Through tours, as data: which element each step shows and what it says.

A step names its element by CSS selectors; the browser highlights the first one visible on the
screen (``assets/tours.js``), so a step can name the desktop menu entry and the phone's menu button
alike, and a step whose element is not on this screen is skipped. A step may need a page of the
portal (``Page``): the contact gets only the steps of pages its login may open, and only the tours
whose page it may open. ``action`` makes the tour wait for the contact to click the element
(``click``), or to choose a value or fill the field in and leave it (``change``: typing goes on
undisturbed until the contact presses Tab or clicks elsewhere) before it moves on; ``wait_ms`` is
how long a step waits for its element to appear (the form of a page that is still loading, the tab
that appears after saving).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any, Literal

from portal.core.principal import DASHBOARD
from portal.models import Page

Action = Literal["", "click", "change"]

PAGE_LOAD_MS = 15_000  # a form that loads its choices after the page opens
AFTER_SAVE_MS = 120_000  # a tab that appears once the contact has saved (maybe after fixing a field)


@dataclass(frozen=True)
class Step:
    title: str
    text: str
    element: tuple[str, ...] = ()  # none: a pop-up in the middle of the screen
    page: str = DASHBOARD
    action: Action = ""
    wait_ms: int = 0

    def for_browser(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "text": self.text,
            "element": list(self.element),
            "action": self.action,
            "wait": self.wait_ms,
        }


@dataclass(frozen=True)
class Tour:
    key: str
    title: str
    summary: str
    route: str  # the page the tour runs on; the portal goes there first
    page: str  # the page key a contact needs to take the tour
    steps: tuple[Step, ...]


def _menu(key: Page, title: str, text: str) -> Step:
    """A top menu entry; only on a desktop (on a phone the menu is behind one button)."""
    return Step(title, text, (f"header [data-page='{key.value}']",), page=key)


BASIC = Tour(
    key="basic",
    title="Basic tour of the Customer Portal",
    summary="Where to find your quotes, jobs, invoices and sites, and how to ask us for work.",
    route="/dashboard",
    page=DASHBOARD,
    steps=(
        Step(
            "Welcome to the Customer Portal",
            "This short tour shows you around. Use Next or the arrow keys to move on, and Escape "
            "to leave at any time.",
        ),
        Step(
            "The menu",
            "Tap the menu button to open every part of the portal your login includes.",
            ("#menu-open",),
        ),
        _menu(Page.QUOTES, "Quotes", "Quotes waiting for your approval, and the ones you have actioned."),
        _menu(Page.JOBS, "Jobs", "Your jobs at every stage, from booked to invoiced."),
        _menu(Page.INVOICES, "Invoices", "Unpaid and paid invoices, your statement and your payments."),
        _menu(Page.SITES, "Sites", "Your sites with their contacts and attachments; create a new site."),
        _menu(Page.ASSETS, "Assets", "The equipment we look after at your sites, and its service history."),
        _menu(Page.REPORTS, "Reports", "Reports on maintenance, defects and test history."),
        _menu(Page.TASKS, "Tasks", "The tasks we are working on for your sites."),
        Step(
            "Your dashboard",
            "These cards sum up what needs your attention. Click a card to open its list.",
            ("#dashboard-cards",),
            wait_ms=PAGE_LOAD_MS,
        ),
        Step(
            "Request a Quote",
            "Ask us to price some work. You will find the quote under Quotes.",
            ("header a[href='/quotes/request']",),
            page=Page.QUOTES,
        ),
        Step(
            "Book a Job",
            "Ask us to do some work. You will find the job under Jobs.",
            ("header a[href='/jobs/book']",),
            page=Page.JOBS,
        ),
        Step(
            "Your account",
            "Your preferences and Logout are here, and Walk Me Through, to take this tour or the "
            "others again.",
            ("#user-menu",),
        ),
    ),
)


def _request_steps(page: Page, submit_text: str) -> tuple[Step, ...]:
    """Request a Quote and Book a Job share one form (portal/pages/work/request.py)."""
    return (
        Step(
            "Choose the site",
            "Pick the site the work is for. Choose one now to go on.",
            ("#site",),
            page=page,
            action="change",
            wait_ms=PAGE_LOAD_MS,
        ),
        Step(
            "A site that is not listed?",
            "Create New adds a site to your account and picks it on this form.",
            ("#create-site",),
            page=page,
        ),
        Step("Who we should talk to", "The contact we call about this work.", ("#contact",), page=page),
        Step(
            "Order number and date",
            "Add your purchase order number if you use one, and the date that suits you.",
            ("#order-number",) if page == Page.QUOTES else ("#preferred-date",),
            page=page,
        ),
        Step(
            "Describe the work",
            "What needs doing, where on the site and how urgent it is. Type a few words, then press "
            "Tab to go on.",
            ("#description",),
            page=page,
            action="change",
        ),
        Step(
            "Assets",
            "Search the assets at this site and add the ones that need attention.",
            ("#assets-section",),
            page=page,
        ),
        Step(
            "Photos and documents",
            "Drag photos, plans or a purchase order here, or click to choose them.",
            ("#attachments-zone",),
            page=page,
        ),
        Step("Send it", submit_text, ("#submit-request",), page=page),
    )


REQUEST_QUOTE = Tour(
    key="quote",
    title="Request a Quote",
    summary="Ask us to price some work at one of your sites.",
    route="/quotes/request",
    page=Page.QUOTES,
    steps=_request_steps(
        Page.QUOTES, "Submit sends us your request. You will find it under Quotes, Outstanding."
    ),
)

BOOK_JOB = Tour(
    key="job",
    title="Book a Job",
    summary="Ask us to do some work at one of your sites.",
    route="/jobs/book",
    page=Page.JOBS,
    steps=_request_steps(Page.JOBS, "Submit sends us your booking. You will find it under Jobs, Pending."),
)


def _site_step(name: str, title: str, text: str, **options: Any) -> Step:
    return Step(title, text, (f"#site-{name}",), page=Page.SITES, **options)


CREATE_SITE = Tour(
    key="site",
    title="Create a New Site",
    summary="Add a site to your account, then the people we should talk to there.",
    route="/sites/new",
    page=Page.SITES,
    steps=(
        _site_step(
            "name",
            "Name the site",
            "A name your people know it by. Type one, then press Tab to go on.",
            action="change",
            wait_ms=PAGE_LOAD_MS,
        ),
        _site_step("street", "Street address", "Where we should go."),
        _site_step("suburb", "Suburb or town", "The suburb or town of the site."),
        _site_step("state", "State", "The state the site is in."),
        _site_step("postcode", "Postcode", "The site's postcode."),
        _site_step(
            "save-finish", "Save and Finish", "Saves the site and takes you back to your list of sites."
        ),
        _site_step(
            "save",
            "Save",
            "Saves the site and keeps it open, so you can add its contacts. Click Save to go on.",
            action="click",
        ),
        Step(
            "Site contacts",
            "Add the people we should talk to at this site: name, position, phones and email.",
            ("[data-tab='contacts']:not([data-disabled])",),  # enabled once the new site is saved
            page=Page.SITES,
            wait_ms=AFTER_SAVE_MS,
        ),
    ),
)

TOURS: tuple[Tour, ...] = (BASIC, REQUEST_QUOTE, BOOK_JOB, CREATE_SITE)


def _allowed(page: str, pages: Collection[str]) -> bool:
    return page == DASHBOARD or page in pages


def available(pages: Collection[str]) -> list[Tour]:
    """The tours a contact with these pages may take, in the guide's order."""
    return [t for t in TOURS if _allowed(t.page, pages)]


def find(key: object, pages: Collection[str]) -> Tour | None:
    """The tour named ``key`` (any value from a browser) when this contact may take it."""
    return next((t for t in available(pages) if t.key == key), None)


def steps_for(tour: Tour, pages: Collection[str]) -> list[Step]:
    """The tour's steps without those of pages the contact cannot open."""
    return [s for s in tour.steps if _allowed(s.page, pages)]
