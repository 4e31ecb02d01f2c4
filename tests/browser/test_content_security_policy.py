"""The Content-Security-Policy in a real browser: every page, signed out and signed in as Dana, and
the features most likely to trip it (Plotly's heatmap, pop-ups, downloads, Stripe's element) run
without a single ``securitypolicyviolation``, and the policy is really enforced (an injected inline
script does not run)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

import portal.pages  # noqa: F401  (registers every page in the shell's REGISTRY)
from portal.components.shell import REGISTRY
from portal.models import Invoice, InvoiceStatus
from portal.services.assets import ppm
from tests.browser.conftest import at, last_link, login, office_cookie
from tests.browser.test_ppm import MAIN_SITE, _click_cell, _find, _open, _setting
from tests.browser.test_sign_in import invite
from tests.browser.test_stripe_payments import _dana_unpaid, _open_payment, stripe_portal  # noqa: F401

DANA = "dana@northside.example"
PUBLIC = {spec.route for spec in REGISTRY if spec.public}
ROUTES = sorted({spec.route for spec in REGISTRY} | {"/"})
OFFICE = sorted({spec.route for spec in REGISTRY if spec.duty is not None})
SIGNED_IN = [r for r in ROUTES if r not in PUBLIC and r not in OFFICE]

# Installed before any page script runs, in every page and frame the context opens.
LISTEN = """
document.addEventListener('securitypolicyviolation', (e) => window.__cspViolation({
  page: location.pathname, directive: e.effectiveDirective, blocked: e.blockedURI,
  source: e.sourceFile, line: e.lineNumber, sample: e.sample,
}));
"""


class Watched:
    """A browser context that records every policy violation any of its pages reports."""

    def __init__(self, browser, base_url: str) -> None:
        self.violations: list[dict] = []
        self.context = browser.new_context(
            base_url=base_url, viewport={"width": 1280, "height": 860}, accept_downloads=True
        )
        self.context.set_default_timeout(20_000)
        self.context.expose_function("__cspViolation", lambda v: self.violations.append(v))
        self.context.add_init_script(LISTEN)
        self.context.on("page", self._console)
        self.page = self.context.new_page()

    def _console(self, page) -> None:
        page.on(
            "console",
            lambda m: (
                self.violations.append({"console": m.text}) if "Content Security Policy" in m.text else None
            ),
        )

    def report(self) -> str:
        """One line per distinct violation, for the failure message."""
        return "\n".join(sorted({str(v) for v in self.violations}))

    def settle(self) -> None:
        """Give late violations (a chart drawn, a style inserted) the time to be reported."""
        self.page.wait_for_timeout(400)


@pytest.fixture
def watched(browser, portal) -> Iterator[Watched]:
    w = Watched(browser, portal.url)
    yield w
    w.context.close()


def _shown(page, route: str) -> None:
    """Wait until a signed-in page has passed its access check and drawn its content."""
    at(page, route)
    expect(page.locator("#main")).to_be_visible()
    expect(page.locator("#main [aria-label=Loading]")).to_have_count(0)
    expect(page.locator("#not-available")).to_have_count(0)


def test_routes_come_from_the_registry():
    assert {"/dashboard", "/reports/ppm", "/invoices/statement", "/preferences"} <= set(SIGNED_IN)
    assert {"/login", "/forgot", "/setup", "/reset", "/preferences/confirm-email"} <= PUBLIC <= set(ROUTES)


def test_every_signed_out_page_runs_without_a_violation(watched, portal):
    page = watched.page
    for route in ROUTES:
        page.goto(route)
        if route in PUBLIC:
            expect(page.locator("h1")).to_be_visible()
        elif route.startswith("/office"):
            at(page, f"/office/login?next={quote(route)}")
            expect(page.locator("h1")).to_be_visible()
        else:
            at(page, f"/login?next={quote(route)}" if route != "/" else "/login?next=/dashboard")
            expect(page.locator("#login")).to_be_visible()
        watched.settle()
    email, setup = invite(portal, "Policy")
    page.goto(setup)
    expect(page.locator("#password")).to_be_visible()
    page.goto("/forgot")
    page.locator("#username").fill(email)
    page.locator("#send-reset").click()
    expect(page.locator("#reset-sent")).to_be_visible()
    page.goto(last_link(portal, email, "/reset"))
    expect(page.locator("#password")).to_be_visible()
    page.locator("#password").fill("Harbour-Lights-2031")  # the live rule check runs too
    expect(page.locator("[data-rule=length]")).to_have_attribute("data-met", "yes")
    watched.settle()
    assert watched.violations == [], watched.report()


def test_every_signed_in_page_runs_without_a_violation(watched):
    page = watched.page
    login(page, DANA)
    at(page, "/dashboard")
    for route in SIGNED_IN:
        page.goto(route)
        _shown(page, "/dashboard" if route == "/" else route)
        watched.settle()
    page.locator("#logout").click()  # a real form post: what form-action governs
    at(page, "/login?signed_out=1")
    watched.settle()
    assert watched.violations == [], watched.report()


def test_every_office_page_runs_without_a_violation(watched, portal):
    page = watched.page
    office_cookie(page, portal, "owner")
    for route in OFFICE:
        page.goto(route)
        _shown(page, route)
        watched.settle()
    assert watched.violations == [], watched.report()


def test_charts_pop_ups_and_downloads_run_without_a_violation(watched, portal):
    page = watched.page
    _scope, _today, filters, grid = _setting(portal, DANA, MAIN_SITE)
    login(page, DANA)
    at(page, "/dashboard")

    # Plotly's heatmap, its hover label and the cell's pop-up.
    _open(page, filters)
    r, week = _find(grid, (ppm.FAILED, ppm.FAILED_UNTESTED, ppm.DUE))
    _click_cell(page, week, r)
    expect(page.locator("#ppm-cell")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#ppm-cell")).to_be_hidden()

    # An invoice's details pop-up and its PDF, the payment pop-up with the live card check, a CSV.
    target = _dana_unpaid(portal, 0)
    page.goto(f"/invoices?tab=unpaid&q={target.number}")
    page.locator(f"[data-options='{target.number}']").click()
    page.get_by_role("menuitem", name="View details").click()
    expect(page.locator("#invoice-detail")).to_be_visible()
    with page.context.expect_page() as opened:
        page.locator("#print-invoice").click()
    pdf = opened.value
    pdf.wait_for_load_state()
    assert pdf.url.endswith(f"/documents/invoices/{target.id}.pdf")
    pdf.close()
    page.keyboard.press("Escape")
    expect(page.locator("#invoice-detail")).to_have_count(0)

    page.locator(f"[data-options='{target.number}']").click()
    page.locator(f"[data-pay='{target.number}']").click()
    page.locator("#card-number").fill("4242 4242 4242 4242")
    expect(page.locator("#payment-dialog")).to_contain_text("Visa")
    page.keyboard.press("Escape")
    expect(page.locator("#payment-dialog")).to_have_count(0)

    page.wait_for_function("getComputedStyle(document.body).pointerEvents !== 'none'")
    page.locator("#download-menu").click()
    with page.expect_download() as csv_file:
        page.locator("#download-csv").click()
    assert csv_file.value.suggested_filename.endswith(".csv")
    watched.settle()
    assert watched.violations == [], watched.report()


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in policy.split(";")) if d}


def test_pages_and_downloads_carry_the_policy(watched, portal):
    page = watched.page
    response = page.goto("/login")
    policy = _directives(response.headers["content-security-policy"])
    for name, value in {
        "frame-ancestors": "'none'",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "default-src": "'none'",
    }.items():
        assert policy[name] == [value], name
    assert "'unsafe-inline'" not in policy["script-src"]
    assert [s for s in policy["script-src"] if s.startswith("'sha256-")], "the page's inline scripts, by hash"
    assert set(policy["connect-src"]) == {"'self'", re.sub(r"^http", "ws", portal.url)}

    login(page, DANA)
    at(page, "/dashboard")
    target = _dana_unpaid(portal, 0)
    for path in ("/export/invoices.csv?tab=all", f"/documents/invoices/{target.id}.pdf"):
        answer = page.request.get(path)
        assert answer.status == 200, path
        policy = _directives(answer.headers["content-security-policy"])
        assert policy["default-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"], path


def test_an_injected_inline_script_is_refused(watched):
    page = watched.page
    page.goto("/login")
    expect(page.locator("#login")).to_be_visible()
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.__injected = true';
        document.body.appendChild(s);
    }""")
    expect(page.locator("#login")).to_be_visible()
    assert page.evaluate("window.__injected === undefined")
    watched.settle()
    assert [v.get("directive") for v in watched.violations if "directive" in v] == ["script-src-elem"]


def test_stripe_element_and_payment_run_without_a_violation(browser, stripe_portal):  # noqa: F811
    portal, _ = stripe_portal
    watched = Watched(browser, portal.url)
    try:
        page = watched.page
        response = page.goto("/login")
        policy = _directives(response.headers["content-security-policy"])
        standin = re.match(r"https?://[^/]+", portal.env["PORTAL_STRIPE_JS_URL"]).group(0)
        assert standin in policy["script-src"] and standin in policy["connect-src"]
        target = _dana_unpaid(portal, 2)
        _open_payment(page, target)
        page.locator("#card-name").fill("Dana Whitfield")
        page.locator("#stripe-card #standin-card-number").fill("4242 4242 4242 4242")
        page.locator("#pay").click()
        page.locator("#pay-continue").click()
        expect(page.locator("#receipt-number")).to_have_text(re.compile(r"\w+"))
        with Session(portal.engine) as s:
            assert s.get(Invoice, target.id).status == InvoiceStatus.PAID
        watched.settle()
        assert watched.violations == [], watched.report()
    finally:
        watched.context.close()
