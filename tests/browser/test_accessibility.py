"""axe-core on every customer page, at desktop and phone sizes: no serious or critical finding.

The pages come from the shell's registry, so a page added later is checked without touching this
file: signed in as the demo's contact with every page (on the Advanced tier, which the demo's
contractor has), the back office's pages signed in as an owner (who may open every one of them),
the public pages (the back office's sign-in screens too) signed out, and the "page not found"
screen both ways. A route
with a parameter is visited with a real id of that contact where the parameter is known here.
A few states that only exist after a click are checked too: an open menu, the phone's drawer, a
quote's pop-up.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from sqlmodel import Session, select

import portal.pages  # noqa: F401  (registers every page with the shell)
from portal.components.shell import REGISTRY, PageSpec
from portal.models import Contact, Invoice, Job, Quote, Site
from tests.browser.conftest import at, login, office_cookie

DANA = "dana@northside.example"
SIZES = {"desktop": {"width": 1280, "height": 860}, "phone": {"width": 390, "height": 844}}
SERIOUS = ("serious", "critical")
PUBLIC = {spec.route for spec in REGISTRY if spec.public}
AXE = Axe()


def _signed_in_routes() -> list[PageSpec]:
    """The customers' pages behind a sign-in."""
    return [s for s in REGISTRY if s.route not in PUBLIC and s.duty is None]


def _office_routes() -> list[PageSpec]:
    """The back office's pages behind a staff sign-in."""
    return [s for s in REGISTRY if s.route not in PUBLIC and s.duty is not None]


def _ids(portal) -> dict[str, str]:
    """A real value for each route parameter this test knows, all Dana's to see."""
    with Session(portal.engine) as s:
        dana = s.exec(select(Contact).where(Contact.username == DANA)).one()
        site = s.exec(select(Site.id).where(Site.customer_id == dana.customer_id).order_by(Site.id)).first()
        # The office screens of one of her quotes, jobs and invoices (staff may open every customer's).
        rows = {
            name: s.exec(
                select(model.id).where(model.customer_id == dana.customer_id).order_by(model.id)
            ).first()
            for name, model in (("quote_id", Quote), ("job_id", Job), ("invoice_id", Invoice))
        }
    return {"contact_id": str(dana.id), "site_id": str(site), **{k: str(v) for k, v in rows.items()}}


def _path(route: str, ids: dict[str, str]) -> str | None:
    """The route with its parameters filled in, or None when one of them is unknown here."""
    missing = [name for name in re.findall(r"\[([^\]]+)\]", route) if name not in ids]
    if missing:
        return None
    return re.sub(r"\[([^\]]+)\]", lambda m: ids[m.group(1)], route)


def _settled(page) -> None:
    """The page has drawn its content: a heading, and no spinner left from its first load."""
    page.locator("h1").first.wait_for(state="visible")
    with suppress(PlaywrightTimeout):  # a spinner still turning is checked as it is
        page.wait_for_function(
            "![...document.querySelectorAll('.rt-Spinner')].some(s => s.getClientRects().length)",
            timeout=10_000,
        )


def _serious(page) -> list[dict]:
    return [v for v in AXE.run(page).response["violations"] if v["impact"] in SERIOUS]


def _node(node: dict) -> str:
    """One element of a finding: where it is and what axe says to fix."""
    target = " ".join(str(t) for t in node["target"])
    summary = (node.get("failureSummary") or "").strip().splitlines()
    return f"      {target}: {summary[-1].strip() if summary else ''}"


def _findings(page, where: str) -> list[str]:
    """The serious and critical findings, each with up to five of its elements, readably.

    A finding is confirmed by a second run a moment later: a page still drawing its data can
    show axe an element halfway through being replaced.
    """
    violations = _serious(page)
    if violations:
        page.wait_for_timeout(1000)
        violations = _serious(page)
    found = []
    for violation in violations:
        nodes = violation["nodes"]
        lines = [_node(n) for n in nodes[:5]] + (
            [f"      … and {len(nodes) - 5} more"] if len(nodes) > 5 else []
        )
        found.append(
            f"{where}: [{violation['impact']}] {violation['id']}: {violation['help']}\n" + "\n".join(lines)
        )
    return found


def _report(findings: list[str]) -> None:
    if findings:
        pytest.fail(f"{len(findings)} serious or critical axe findings:\n\n" + "\n\n".join(findings), False)


@pytest.fixture(params=list(SIZES))
def sized(request, browser, portal):
    context = browser.new_context(
        base_url=portal.url,
        viewport=SIZES[request.param],
        is_mobile=request.param == "phone",
        has_touch=request.param == "phone",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield request.param, page
    context.close()


def test_every_signed_in_page(sized, portal):
    size, page = sized
    ids = _ids(portal)
    login(page, DANA)
    at(page, "/dashboard")
    findings: list[str] = []
    skipped = []
    for spec in _signed_in_routes():
        path = _path(spec.route, ids)
        if path is None:
            skipped.append(spec.route)
            continue
        page.goto(path)
        _settled(page)
        assert page.locator("#not-available").count() == 0, f"{path} is not available to {DANA}"
        findings += _findings(page, f"{size} {path}")
    page.goto("/no/such/page")
    page.get_by_role("heading", name="Page not found").wait_for()
    findings += _findings(page, f"{size} page not found, signed in")
    if skipped:
        print(f"not visited (no known value for their parameters): {', '.join(skipped)}")
    _report(findings)


def test_every_office_page_as_an_owner(sized, portal):
    size, page = sized
    office_cookie(page, portal, "owner")
    findings: list[str] = []
    skipped = []
    for spec in _office_routes():
        path = _path(spec.route, {})
        if path is None:
            skipped.append(spec.route)
            continue
        page.goto(path)
        _settled(page)
        assert page.locator("#not-available").count() == 0, f"{path} is not available to an owner"
        findings += _findings(page, f"{size} {path}")
    if skipped:
        print(f"not visited (no known value for their parameters): {', '.join(skipped)}")
    _report(findings)


def test_public_pages_signed_out(sized, portal):
    size, page = sized
    findings: list[str] = []
    for route in sorted(PUBLIC):
        page.goto(route)
        _settled(page)
        findings += _findings(page, f"{size} {route}")
    page.goto("/no/such/page")
    page.get_by_role("heading", name="Page not found").wait_for()
    findings += _findings(page, f"{size} page not found, signed out")
    _report(findings)


def _open_menu(page) -> None:
    page.locator("header [data-page=quotes]").hover()
    page.locator("[data-submenu=quotes]").wait_for()


def _open_user_menu(page) -> None:
    page.locator("#user-menu").click()
    page.get_by_role("menuitem", name="Preferences").wait_for()


def _open_drawer(page) -> None:
    page.locator("#menu-open").click()
    page.locator("#menu-drawer [data-group=quotes]").wait_for()
    page.wait_for_function("document.getElementById('menu-drawer').getBoundingClientRect().left >= 0")


def _open_quote(page, portal) -> None:
    with Session(portal.engine) as s:
        dana = s.exec(select(Contact).where(Contact.username == DANA)).one()
        number = s.exec(
            select(Quote.number).where(Quote.customer_id == dana.customer_id).order_by(Quote.id.desc())
        ).first()
    page.goto(f"/quotes?tab=outstanding&q={number}")
    page.locator(f"[data-quote='{number}']").click()
    page.locator("#quote-detail").wait_for()


def test_states_after_a_click(sized, portal):
    size, page = sized
    login(page, DANA)
    at(page, "/dashboard")
    _settled(page)
    steps: dict[str, Callable[[], None]] = {
        "user menu open": lambda: _open_user_menu(page),
        "quote pop-up": lambda: _open_quote(page, portal),
    }
    if size == "desktop":
        steps["Quotes menu open"] = lambda: _open_menu(page)
    else:
        steps["menu drawer open"] = lambda: _open_drawer(page)
    findings: list[str] = []
    for name, step in steps.items():
        page.goto("/dashboard")
        _settled(page)
        step()
        findings += _findings(page, f"{size} {name}")
    _report(findings)


def _office_sign_in_steps(page, portal, size: str) -> list[str]:
    """The authenticator set-up, the recovery codes and the code step, which only a sign-in reaches."""
    from datetime import timedelta

    from portal.core import clock
    from portal.services.identity import mfa, staff

    email = f"axe-{size}-{clock.now().timestamp():.0f}@office.test"
    with Session(portal.engine) as s:
        _, raw = staff.create_staff(s, email, "office", "Axe Tester")
        staff.accept_setup(s, raw, "Axe Tester", "Harbour-Lights-42", "Harbour-Lights-42")
        s.commit()
    findings: list[str] = []

    def password() -> None:
        page.goto("/office/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill("Harbour-Lights-42")
        page.locator("#office-login").click()

    password()
    page.locator("#enrol-secret").wait_for()
    findings += _findings(page, f"{size} office sign-in: authenticator set-up")
    secret = page.locator("#enrol-secret").inner_text().replace(" ", "")
    page.locator("#code").fill(mfa.code_for(secret, clock.now() - timedelta(seconds=mfa.STEP_SECONDS)))
    page.locator("#confirm-code").click()
    page.locator("#recovery-codes").wait_for()
    findings += _findings(page, f"{size} office sign-in: recovery codes")
    page.locator("#codes-saved").click()
    page.locator("#office-home").wait_for()  # the page's sign-in check is done: logging out cannot race it
    page.locator("#office-logout").click()
    at(page, "/office/login?signed_out=1")
    password()
    page.locator("#code").wait_for()
    page.locator("#code").fill("000000")
    page.locator("#verify-code").click()
    page.locator(".field-error").wait_for()
    findings += _findings(page, f"{size} office sign-in: code step with an error")
    return findings


def _open_staff_dialogs(page) -> list[str]:
    page.goto("/office/staff")
    page.locator("#office-staff").wait_for()
    page.locator("#invite-open").click()
    page.locator("#invite-dialog").wait_for()
    findings = _findings(page, "staff invite dialog")
    page.keyboard.press("Escape")
    page.locator("[data-staff-row] button").first.click()
    page.locator("#member-dialog").wait_for()
    return findings + _findings(page, "staff member dialog")


def test_office_states_after_a_click(sized, portal):
    size, page = sized
    findings = _office_sign_in_steps(page, portal, size)
    page.context.clear_cookies()
    office_cookie(page, portal, "owner")
    findings += [f"{size} {f}" for f in _open_staff_dialogs(page)]
    _report(findings)
