from playwright.sync_api import expect

from tests.browser.conftest import at, login


def test_smoke(page):
    login(page, "dana@northside.example")
    at(page, "/dashboard")
    page.locator("#user-menu").click()
    page.locator("#walk-me-through").click()
    expect(page.locator("#tour-list [data-tour]")).to_have_count(4)
    page.locator("#tour-list [data-tour=basic]").click()
    expect(page.locator(".driver-popover-title")).to_have_text("Welcome to the Customer Portal")
    page.screenshot(path="tests/artifacts/tour-step.png")
