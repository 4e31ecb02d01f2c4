"""Manage Payments in a real browser: change the card, cancel an automatic payment; no card data kept."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import inspect, text
from sqlmodel import Session, select

from portal.models import RecurringInvoice, SavedCard
from portal.services.billing.cards import luhn_ok
from tests.browser.conftest import login

# 13-19 digits, or grouped in fours by spaces or dashes as people type them (Amex 4-6-5); a run inside
# a longer word (a hex token hash, an id) is not a card number, and such hashes hold Luhn-valid
# digit runs by chance.
CARD_LIKE = re.compile(
    rb"(?<![0-9A-Za-z])(?:\d{13,19}|\d{4}(?:[ -]\d{4}){2}[ -]\d{1,7}|\d{4}[ -]\d{6}[ -]\d{5})(?![0-9A-Za-z])"
)


def _card_like(blob: bytes) -> list[str]:
    found = (re.sub(r"[ -]", "", match.decode()) for match in CARD_LIKE.findall(blob))
    return [digits for digits in found if luhn_ok(digits)]


def test_change_card_details(page, portal):
    login(page, "dana@northside.example", next_path="/invoices/payments")
    expect(page.locator("#autopay-table tbody tr").first).to_be_visible()
    page.locator("#change-card").click()
    page.locator("#card-name").fill("Dana Whitfield")
    page.locator("#card-number").fill("4242 4242 4242 4242")
    page.locator("#card-expiry").fill("08/31")
    page.locator("#card-cvv").fill("999")
    page.locator("#save-card").click()
    expect(page.locator("#saved-card")).to_contain_text("4242")
    expect(page.locator("#saved-card")).to_contain_text("08/31")
    with Session(portal.engine) as s:
        current = s.exec(
            select(SavedCard).where(SavedCard.replaced_at.is_(None), SavedCard.exp_year == 2031)
        ).all()
    assert len(current) == 1 and current[0].last4 == "4242" and current[0].gateway_token.startswith("tok_")


def test_cancel_auto_pay_after_confirming(page, portal):
    login(page, "dana@northside.example", next_path="/invoices/payments")
    first = page.locator("#autopay-table tbody tr").first
    expect(first).to_be_visible()
    before = page.locator("#autopay-table tbody tr").count()
    number = first.locator("[data-options]").get_attribute("data-options")
    first.locator("[data-options]").click()
    page.locator(f"[data-cancel='{number}']").click()
    page.locator("#confirm-cancel-autopay").click()
    if before > 1:
        expect(page.locator("#autopay-table tbody tr")).to_have_count(before - 1)
    else:
        expect(page.locator("#no-autopay")).to_be_visible()
    with Session(portal.engine) as s:
        row = s.exec(select(RecurringInvoice).where(RecurringInvoice.number == int(number))).one()
    assert row.autopay is False and row.autopay_cancelled_at is not None


def test_no_card_number_is_kept_anywhere(portal):
    """After the payment tests: no Luhn-valid 13-19 digit number in any table, the database file or the
    log."""
    with Session(portal.engine) as s:
        for table in inspect(portal.engine).get_table_names():
            for row in s.execute(text(f'SELECT * FROM "{table}"')):  # noqa: S608 (table names from the schema)
                for value in row:
                    assert not _card_like(str(value).encode()), f"card-like number in {table}"
    data = Path(portal.env["PORTAL_DATA_DIR"])
    for path in [data / "portal.db", data / "portal.db-wal", portal.log]:
        if not path.exists():
            continue
        assert not _card_like(path.read_bytes()), f"card-like number in {path.name}"


def test_the_card_scan_finds_numbers_as_typed_but_not_inside_hashes():
    assert _card_like(b'{"number": "4242 4242 4242 4242"}') == ["4242424242424242"]
    assert _card_like(b"paid with 4000-0000-0000-0002.") == ["4000000000000002"]
    assert _card_like(b"a3f512459562099845e0") == []
    assert _card_like(b"3782 822463 10005") == ["378282246310005"]
    assert _card_like(b"4242424242424241 2026-11-23 19:34:12") == []
    assert _card_like(b"2026-11-232026-11-23 1221 2026 1123") == []
