"""Card checks for the pop-up and the sandbox gateway's test-mode answers."""

from __future__ import annotations

from datetime import date

import pytest

from portal.services.billing import cards, gateways
from portal.services.billing.cards import CardInput

TODAY = date(2026, 5, 15)


def card(number="4242 4242 4242 4242", month=12, year=2030, cvv="123", name="Pat Lee") -> CardInput:
    return CardInput(name=name, number=number, exp_month=month, exp_year=year, cvv=cvv)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("4242424242424242", "visa"),
        ("4000 0000 0000 0002", "visa"),
        ("5555555555554444", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("2721000000000000", ""),
        ("378282246310005", "amex"),
        ("341111111111111", "amex"),
        ("6011111111111117", "discover"),
        ("6445644564456445", "discover"),
        ("6221260000000000", "discover"),
        ("6229260000000000", ""),
        ("3530111333300000", ""),
        ("", ""),
        ("abcd", ""),
    ],
)
def test_brand_from_issuer_prefix(number, expected):
    assert cards.brand(number) == expected


@pytest.mark.parametrize("number", ["4242424242424242", "378282246310005", "6011111111111117", "79927398713"])
def test_luhn_accepts_valid_numbers(number):
    assert cards.luhn_ok(number)


@pytest.mark.parametrize("number", ["4242424242424241", "79927398710", "", "4242x42424242424"])
def test_luhn_refuses_invalid_numbers(number):
    assert not cards.luhn_ok(number)


def test_a_good_card_has_no_errors():
    assert cards.check(card(), TODAY) == {}
    assert cards.check(card("4242-4242-4242-4242"), TODAY) == {}
    assert cards.check(card("378282246310005", cvv="1234"), TODAY) == {}


def test_name_is_required():
    assert cards.check(card(name="   "), TODAY) == {"name": cards.NAME_REQUIRED}


@pytest.mark.parametrize(
    ("number", "error"),
    [
        ("", cards.NUMBER_REQUIRED),
        ("4242 4242 4242 424a", cards.NUMBER_DIGITS),
        ("424242424242", cards.NUMBER_LENGTH),
        ("42424242424242424242", cards.NUMBER_LENGTH),
        ("4242424242424241", cards.NUMBER_INVALID),
    ],
)
def test_number_rules(number, error):
    assert cards.check(card(number), TODAY)["number"] == error


def test_expiry_is_good_until_the_end_of_its_month():
    assert "expiry" not in cards.check(card(month=5, year=2026), TODAY)
    assert "expiry" not in cards.check(card(month="5", year="26"), date(2026, 5, 31))
    assert cards.check(card(month=5, year=2026), date(2026, 6, 1))["expiry"] == cards.EXPIRY_PAST
    assert cards.check(card(month=4, year=2026), TODAY)["expiry"] == cards.EXPIRY_PAST


@pytest.mark.parametrize(("month", "year"), [(0, 2030), (13, 2030), ("x", 2030), (12, ""), (True, 2030)])
def test_expiry_must_be_a_month_and_year(month, year):
    assert cards.check(card(month=month, year=year), TODAY)["expiry"] == cards.EXPIRY_INVALID


def test_cvv_length_follows_the_brand():
    assert cards.check(card(cvv="1234"), TODAY)["cvv"] == "The CVV must be 3 digits."
    assert cards.check(card(cvv="12a"), TODAY)["cvv"] == "The CVV must be 3 digits."
    assert cards.check(card("378282246310005", cvv="123"), TODAY)["cvv"] == "The CVV must be 4 digits."


def test_last4_and_mask():
    assert cards.last4("4242 4242 4242 4242") == "4242"
    assert cards.mask("4000-0000-0000-0002") == "•••• 0002"
    assert cards.mask("") == ""


def test_card_repr_leaves_out_number_and_cvv():
    text = repr(card(cvv="987"))
    assert "4242" not in text and "987" not in text and "Pat Lee" in text


# The sandbox gateway.

SANDBOX_CASES = [
    ("4242424242424242", True, "", ""),
    ("4000000000000002", False, "card_declined", "Your card was declined."),
    ("4000000000009995", False, "insufficient_funds", "Your card has insufficient funds."),
    ("4000000000000069", False, "expired_card", "Your card has expired."),
    ("4000000000000127", False, "incorrect_cvc", "Your card's security code is incorrect."),
    ("5555555555554444", False, "test_mode_live_card", "Use a test card number in the sandbox."),
]


@pytest.mark.parametrize(("number", "ok", "code", "message"), SANDBOX_CASES)
def test_sandbox_answers_each_test_card(number, ok, code, message):
    result = gateways.SandboxGateway().charge(1000, "AUD", card(number), "key-0123456789abcdef", "Invoice 1")
    assert (result.ok, result.decline_code, result.message) == (ok, code, message)
    assert result.reference.startswith("ch_sandbox_") if ok else True


def test_sandbox_same_key_same_reference_other_key_other_reference():
    gw = gateways.SandboxGateway()
    first = gw.charge(1000, "AUD", card(), "key-aaaaaaaaaaaaaaaa", "x")
    again = gateways.SandboxGateway().charge(1000, "AUD", card(), "key-aaaaaaaaaaaaaaaa", "x")
    other = gw.charge(1000, "AUD", card(), "key-bbbbbbbbbbbbbbbb", "x")
    assert first == again
    assert first.reference != other.reference


def test_sandbox_refuses_a_non_positive_or_float_amount():
    gw = gateways.SandboxGateway()
    for amount in (0, -5, 10.5):
        with pytest.raises(ValueError):
            gw.charge(amount, "AUD", card(), "key-aaaaaaaaaaaaaaaa", "x")


def test_sandbox_saves_4242_and_charges_the_token():
    gw = gateways.SandboxGateway()
    saved = gw.save_card(card(month="7", year="31"))
    assert saved.token.startswith("tok_sandbox_") and len(saved.token) > len("tok_sandbox_")
    assert (saved.brand, saved.last4, saved.exp_month, saved.exp_year) == ("visa", "4242", 7, 2031)
    assert gw.save_card(card()).token != saved.token
    assert gw.charge_saved(500, "AUD", saved.token, "autopay-1-2026-05-15", "x").ok


def test_sandbox_refuses_to_save_a_declining_or_unknown_card():
    gw = gateways.SandboxGateway()
    with pytest.raises(gateways.GatewayError, match="declined"):
        gw.save_card(card("4000000000000002"))
    with pytest.raises(gateways.GatewayError, match="test card"):
        gw.save_card(card("5555555555554444"))


def test_sandbox_card_that_saves_but_declines_later():
    gw = gateways.SandboxGateway()
    saved = gw.save_card(card("4000000000000341"))
    result = gw.charge_saved(500, "AUD", saved.token, "autopay-1-2026-05-15", "x")
    assert not result.ok and result.message == gateways.DECLINED
    assert not gw.charge_saved(500, "AUD", "tok_other", "autopay-1-2026-05-16", "x").ok


def test_get_gateway_defaults_to_the_sandbox():
    assert gateways.get_gateway().name == "sandbox"
    with pytest.raises(ValueError):
        gateways.get_gateway("nonsense")
