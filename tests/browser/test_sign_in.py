"""Sign-in flows in a real browser: invite, login, logout, rules, reset, lock-out, access."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from itertools import count

from playwright.sync_api import expect
from sqlmodel import Session, select

from portal.models import Attachment, Contact, Credential, Customer, LoginSession, OneTimeToken
from tests.browser.conftest import at, last_link, login

MAIN = "Northside Property Group"
NEW_PASSWORD = "Harbour-Lights-2031"
_n = count(1)


def invite(portal, first: str = "Alex") -> tuple[str, str]:
    """Invite a new contact through the CLI, as an administrator would; returns (email, link)."""
    email = f"{first.lower()}{next(_n)}@northside.example"
    out = portal.run_cli(
        "create-user", "--customer", MAIN, "--email", email, "--first-name", first, "--last-name", "Tester"
    )
    link = re.search(r"https?://\S+/setup\?token=\S+", out).group(0)
    return email, link


def contact_row(portal, email: str) -> Contact:
    with Session(portal.engine) as s:
        return s.exec(select(Contact).where(Contact.email == email)).one()


def test_invite_set_password_login_dashboard_logout(page, portal):
    email, link = invite(portal)
    assert link == last_link(portal, email, "/setup"), "the printed link is the one mailed"
    page.goto(link)
    expect(page.locator("#username")).to_have_value(email)
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    for rule in ("length", "number", "upper", "lower", "common"):
        expect(page.locator(f"[data-rule={rule}]")).to_have_attribute("data-met", "yes")
    page.locator("#save-password").click()
    at(page, "/dashboard")
    expect(page.get_by_role("heading", name="Welcome, Alex Tester")).to_be_visible()
    expect(page.locator("#user-menu")).to_contain_text("Alex Tester")

    who = contact_row(portal, email)
    with Session(portal.engine) as s:
        assert s.get(Credential, who.id).password_hash.startswith("$2b$")
        assert (
            s.exec(
                select(OneTimeToken).where(OneTimeToken.contact_id == who.id, OneTimeToken.used_at.is_(None))
            ).all()
            == []
        )
    assert page.evaluate("document.cookie") == "", "the session cookie is HttpOnly"

    before = page.evaluate("window.sessionStorage.getItem('token')")
    page.locator("#logout").click()
    at(page, "/login?signed_out=1")
    expect(page.locator("#notice")).to_contain_text("You have logged out")
    assert page.evaluate("window.sessionStorage.getItem('token')") != before, "the tab starts afresh"
    with Session(portal.engine) as s:
        live = s.exec(
            select(LoginSession).where(LoginSession.contact_id == who.id, LoginSession.revoked_at.is_(None))
        ).all()
    assert live == [], "logout revokes the session server-side"
    page.goto("/dashboard")
    at(page, "/login?next=/dashboard")

    login(page, email, NEW_PASSWORD)
    at(page, "/dashboard")
    expect(page.locator("[data-card=quotes]")).to_be_visible()
    page.goto(link)
    expect(page.locator("#link-expired")).to_be_visible()


def test_a_logout_link_or_form_on_another_site_signs_nobody_out(page, portal):
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    elsewhere = page.context.new_page()
    elsewhere.set_content(f'''<img src="{portal.url}/auth/logout" alt="">
        <form method="post" action="{portal.url}/auth/logout">
        <button id="bait">Win a prize</button></form>''')
    with elsewhere.expect_response(f"{portal.url}/auth/logout") as answer:
        elsewhere.locator("#bait").click()
    assert answer.value.status == 403
    page.reload()
    expect(page.locator("[data-card=quotes]")).to_be_visible()
    expect(page.locator("#user-menu")).to_contain_text("Dana")
    page.locator("#user-menu").click()
    page.locator("#logout-item").press("Enter")
    at(page, "/login?signed_out=1")


def test_link_form_waits_for_the_link_check(page, portal):
    """A form drawn before the server checked the link would offer an empty, required username
    (the browser silently refuses to submit it): the page says it is checking until it knows."""
    email, link = invite(portal, "Casey")
    held: list[str | bytes] = []
    sockets = []

    def hold_replies(ws):
        sockets.append(ws)
        ws.connect_to_server().on_message(lambda m: ws.send(m) if held is None else held.append(m))

    page.route_web_socket(re.compile(r"/_event"), hold_replies)
    page.goto(link)
    expect(page.locator("#checking-link")).to_contain_text("Checking your link")
    page.wait_for_timeout(500)
    expect(page.locator("#password")).to_have_count(0)
    expect(page.locator("#save-password")).to_have_count(0)
    assert held, "the server answered; only the page has not heard yet"

    waiting, held = held, None
    for message in waiting:
        sockets[-1].send(message)
    expect(page.locator("#username")).to_have_value(email)
    expect(page.locator("#checking-link")).to_have_count(0)


def test_each_password_rule_is_shown_and_enforced(page, portal):
    email, link = invite(portal, "Robin")
    page.goto(link)
    cases = {
        "Sh0rtPw": "length",
        "no-numbers-Here": "number",
        "no-upper-case-42": "upper",
        "NO-LOWER-CASE-42": "lower",
        "Password123": "common",
    }
    for password, rule in cases.items():
        page.locator("#password").fill(password)
        expect(page.locator(f"[data-rule={rule}]")).to_have_attribute("data-met", "no")
    page.locator("#password").fill("Password123")
    page.locator("#confirm").fill("Password123")
    page.locator("#save-password").click()
    expect(page.locator(".field-error").first).to_contain_text("common")
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD + "x")
    expect(page.get_by_text("Passwords do not match")).to_be_visible()
    with Session(portal.engine) as s:
        assert s.get(Credential, contact_row(portal, email).id) is None, "nothing saved for a bad password"


def test_forgot_password_reset_and_login(page, portal):
    email, link = invite(portal, "Jordan")
    page.goto(link)
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.locator("#save-password").click()
    at(page, "/dashboard")
    page.context.clear_cookies()

    page.goto("/login")
    page.locator("#forgot").click()
    at(page, "/forgot")
    page.locator("#username").fill(email)
    page.locator("#send-reset").click()
    expect(page.locator("#reset-sent")).to_be_visible()
    reset = last_link(portal, email, "/reset")
    page.goto(reset)
    changed = "Second-Harbour-2032"
    page.locator("#password").fill(changed)
    page.locator("#confirm").fill(changed)
    page.locator("#save-password").click()
    at(page, "/dashboard")
    page.context.clear_cookies()
    login(page, email, NEW_PASSWORD)
    expect(page.locator("#form-error")).to_contain_text("Username or password is incorrect.")
    login(page, email, changed)
    at(page, "/dashboard")


def test_unknown_account_gets_the_same_reset_answer_and_no_mail(page, portal):
    from portal.models import OutboxMail

    with Session(portal.engine) as s:
        before = len(s.exec(select(OutboxMail)).all())
    page.goto("/forgot")
    page.locator("#username").fill("nobody@nowhere.example")
    page.locator("#send-reset").click()
    expect(page.locator("#reset-sent")).to_be_visible()
    with Session(portal.engine) as s:
        assert len(s.exec(select(OutboxMail)).all()) == before


def test_wrong_password_and_unknown_user_get_the_same_message(page, portal):
    login(page, "dana@northside.example", "Wrong-Password-1")
    expect(page.locator("#form-error")).to_have_text("Username or password is incorrect.")
    login(page, "ghost@northside.example", "Wrong-Password-1")
    expect(page.locator("#form-error")).to_have_text("Username or password is incorrect.")


def test_locked_out_account_recovers_through_reset(page, portal):
    email, link = invite(portal, "Casey")
    page.goto(link)
    page.locator("#password").fill(NEW_PASSWORD)
    page.locator("#confirm").fill(NEW_PASSWORD)
    page.locator("#save-password").click()
    at(page, "/dashboard")
    page.context.clear_cookies()
    for _ in range(6):
        login(page, email, "Not-The-Password-9")
        expect(page.locator("#form-error")).to_have_text("Username or password is incorrect.")
    login(page, email, NEW_PASSWORD)
    expect(page.locator("#form-error")).to_contain_text("Too many attempts")
    assert "/dashboard" not in page.url

    page.goto("/forgot")
    # The page's own load runs first (it clears the form's state): ask once it has answered.
    page.wait_for_load_state("networkidle")
    page.locator("#username").fill(email)
    expect(page.locator("#username")).to_have_value(email)
    page.locator("#send-reset").click()
    expect(page.locator("#reset-sent")).to_be_visible(timeout=15_000)
    page.goto(last_link(portal, email, "/reset"))
    page.locator("#password").fill("Recovered-Lights-77")
    page.locator("#confirm").fill("Recovered-Lights-77")
    page.locator("#save-password").click()
    at(page, "/dashboard")


def test_limited_contact_is_refused_a_page_by_url(page, portal):
    login(page, "sam@northside.example")
    at(page, "/dashboard")
    expect(page.locator("[data-card=quotes]")).to_be_visible()
    expect(page.locator("[data-card=invoices]")).to_have_count(0)
    expect(page.locator("header nav >> text=Invoices")).to_have_count(0)
    expect(page.locator("header nav >> text=Quotes")).to_be_visible()
    page.goto("/invoices")
    expect(page.locator("#not-available")).to_have_text("Not available to your login")
    expect(page.locator("[data-area=invoices]")).to_have_count(0)


def test_limited_contact_sees_only_its_sites_figures(page, portal):
    login(page, "sam@northside.example")
    at(page, "/dashboard")
    sam_quotes = int(page.locator("[data-card=quotes] .stat-value").inner_text())
    page.context.clear_cookies()
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    dana_quotes = int(page.locator("[data-card=quotes] .stat-value").inner_text())
    assert 0 < sam_quotes < dana_quotes


def _fetch(portal, path: str, cookie: str = "") -> tuple[int, bytes, dict]:
    req = urllib.request.Request(portal.url + path, headers={"Cookie": cookie} if cookie else {})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return resp.status, resp.read(), dict(resp.headers)
    except urllib.error.HTTPError as err:
        return err.code, err.read(), dict(err.headers)


def test_second_customers_attachment_id_is_refused(page, portal):
    with Session(portal.engine) as s:
        northside = s.exec(select(Customer).where(Customer.name == MAIN)).one()
        theirs = s.exec(select(Attachment).where(Attachment.customer_id == northside.id)).first()
    assert theirs is not None, "the demo has attachments"
    path = f"/files/attachments/{theirs.id}"
    assert _fetch(portal, path)[0] == 401

    login(page, "office@stbrigids.example")
    at(page, "/dashboard")
    school = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    assert _fetch(portal, path, school)[0] == 404
    assert _fetch(portal, "/files/attachments/../../etc/passwd", school)[0] == 404

    page.context.clear_cookies()
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    dana = "; ".join(f"{c['name']}={c['value']}" for c in page.context.cookies())
    status, body, headers = _fetch(portal, path, dana)
    assert status == 200 and len(body) == theirs.size_bytes
    assert headers["content-disposition"].startswith("attachment")


def test_signed_out_visitor_is_sent_to_login_with_next(page, portal):
    page.goto("/jobs")
    at(page, "/login?next=/jobs")
    login(page, "dana@northside.example", next_path="/jobs")
    at(page, "/jobs")
    expect(page.get_by_role("heading", name="Jobs", exact=True)).to_be_visible()


def test_open_redirect_is_refused(page, portal):
    login(page, "dana@northside.example", next_path="//evil.example/x")
    at(page, "/dashboard")


def test_phone_menu_collapses(phone, portal):
    login(phone, "dana@northside.example")
    at(phone, "/dashboard")
    expect(phone.locator("header nav >> text=Invoices")).to_be_hidden()
    phone.locator("#menu-open").click()
    phone.locator("#menu-drawer [data-group=invoices]").get_by_role("link", name="All").click()
    at(phone, "/invoices?tab=all")
