"""The back office's shell: a staff cookie opens /office with the role's menu; no cookie sends the
browser to the office sign-in; a customer's session opens nothing there."""

from tests.browser.conftest import at, login, office_cookie


def test_owner_sees_every_area(page, portal):
    office_cookie(page, portal, "owner")
    page.goto("/office")
    page.locator("#office-home").wait_for()
    for label in ("Inbox", "Quotes", "Jobs", "Invoices", "Staff"):
        assert page.get_by_role("navigation", name="Back office").get_by_text(label, exact=True).is_visible()
    assert page.locator("#staff-role").inner_text() == "owner"


def test_technician_sees_only_its_day(page, portal):
    office_cookie(page, portal, "technician")
    page.goto("/office")
    page.locator("#office-home").wait_for()
    nav = page.get_by_role("navigation", name="Back office")
    assert nav.get_by_text("My day", exact=True).is_visible()
    for label in ("Quotes", "Invoices", "Staff"):
        assert nav.get_by_text(label, exact=True).count() == 0


def test_no_staff_session_goes_to_the_office_login(page, portal):
    page.goto("/office")
    at(page, "/office/login?next=/office")


def test_a_customer_session_does_not_open_the_office(page, portal):
    login(page, "dana@northside.example")
    page.locator("#dashboard-cards").wait_for()
    page.goto("/office")
    at(page, "/office/login?next=/office")
