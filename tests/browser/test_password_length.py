"""Passwords the browser could count differently from the server: emoji are one character each but
two UTF-16 units, which is what an input's ``maxlength`` counts. The password set is the password
that logs in, and one over the limit is refused beside the field instead of being cut short."""

from __future__ import annotations

from playwright.sync_api import expect
from sqlmodel import Session

from portal.models import Credential
from portal.services.identity.passwords import MAX_LENGTH
from tests.browser.conftest import at, login
from tests.browser.test_sign_in import NEW_PASSWORD, contact_row, invite

EMOJI = "\N{GRINNING FACE}"
LONG_BUT_ALLOWED = "Aa1" + EMOJI * 64  # 67 characters, 131 UTF-16 units
TOO_LONG = "Aa1" + EMOJI * (MAX_LENGTH - 1)  # 130 characters


def _type_new_password(page, password: str) -> None:
    page.locator("#password").fill(password)
    page.locator("#confirm").fill(password)
    expect(page.locator("#password")).to_have_value(password)  # nothing cut off in the browser
    expect(page.locator("#confirm")).to_have_value(password)


def test_an_emoji_password_set_at_invite_logs_in_whole(page, portal):
    email, link = invite(portal, "Emoji")
    page.goto(link)
    expect(page.locator("#username")).to_have_value(email)
    _type_new_password(page, LONG_BUT_ALLOWED)
    expect(page.locator("[data-rule=length]")).to_have_attribute("data-met", "yes")
    page.locator("#save-password").click()
    at(page, "/dashboard")
    page.context.clear_cookies()

    login(page, email, LONG_BUT_ALLOWED[:65])
    expect(page.locator("#form-error")).to_have_text("Username or password is incorrect.")
    login(page, email, LONG_BUT_ALLOWED)
    at(page, "/dashboard")


def test_an_emoji_password_set_in_preferences_logs_in_whole(page, portal):
    email, link = invite(portal, "Prefs")
    page.goto(link)
    _type_new_password(page, NEW_PASSWORD)
    page.locator("#save-password").click()
    at(page, "/dashboard")

    page.goto("/preferences")
    page.locator("#current").fill(NEW_PASSWORD)
    _type_new_password(page, LONG_BUT_ALLOWED)
    page.locator("#change-password").click()
    expect(page.locator("#password-changed")).to_be_visible()
    page.context.clear_cookies()

    login(page, email, NEW_PASSWORD)
    expect(page.locator("#form-error")).to_have_text("Username or password is incorrect.")
    login(page, email, LONG_BUT_ALLOWED)
    at(page, "/dashboard")


def test_a_password_over_the_limit_is_refused_beside_the_field_not_cut(page, portal):
    email, link = invite(portal, "Toolong")
    page.goto(link)
    _type_new_password(page, TOO_LONG)
    message = f"at most {MAX_LENGTH} characters (this one has {len(TOO_LONG)})"
    expect(page.locator(".field-error").first).to_contain_text(message)
    expect(page.locator("[data-rule=length]")).to_have_attribute("data-met", "no")
    page.locator("#save-password").click()
    expect(page.locator(".field-error").first).to_contain_text(message)
    with Session(portal.engine) as s:
        assert s.get(Credential, contact_row(portal, email).id) is None, "nothing saved"

    _type_new_password(page, TOO_LONG[:-2])  # back within the limit: the message goes
    expect(page.locator(".field-error")).to_have_count(0)
    expect(page.locator("[data-rule=length]")).to_have_attribute("data-met", "yes")
