"""The Stripe adapter against a loopback stand-in for Stripe's API: what it sends and how it reads answers.

Stripe itself cannot be reached from the test machine, so these tests check our side of the
contract (request shape, idempotency keys, error mapping) against answers shaped like Stripe's
documented ones (tests/stripe_standin.py), not Stripe's real behaviour.
"""

from __future__ import annotations

import pytest

from portal.services.billing.cards import CardInput
from portal.services.billing.gateways import GatewayError
from portal.services.billing.stripe_gateway import (
    HOSTED_FORM_ONLY,
    NEEDS_ACTION,
    NOT_COMPLETED,
    StripeGateway,
)
from tests.stripe_standin import stripe_standin


@pytest.fixture
def fake_stripe():
    with stripe_standin() as (base, seen):
        yield base, seen


def _gateway(base: str) -> StripeGateway:
    return StripeGateway("sk_test_fake", api_base=base, max_network_retries=1)


def test_succeeded_intent_is_a_charge_with_the_key_amount_and_currency(fake_stripe):
    base, seen = fake_stripe
    result = _gateway(base).charge_payment_method(
        12_345, "AUD", "pm_card_visa", "attempt-key-0001", "Invoices 1, 2", metadata={"invoice_ids": "7,8"}
    )
    assert result.ok and result.reference == "pi_pm_card_visa"
    [req] = seen
    assert req["path"] == "/v1/payment_intents"
    assert req["headers"]["Idempotency-Key"] == "attempt-key-0001"
    assert req["headers"]["Authorization"] == "Bearer sk_test_fake"
    form = req["form"]
    assert form["amount"] == ["12345"] and form["currency"] == ["aud"]
    assert form["confirm"] == ["true"] and form["allowed_payment_method_types[0]"] == ["card"]
    assert form["metadata[attempt_key]"] == ["attempt-key-0001"] and form["metadata[invoice_ids]"] == ["7,8"]


def test_a_retried_call_sends_the_same_idempotency_key(fake_stripe):
    base, seen = fake_stripe
    gw = _gateway(base)
    first = gw.charge_payment_method(500, "aud", "pm_card_visa", "attempt-key-0002", "x")
    second = gw.charge_payment_method(500, "aud", "pm_card_visa", "attempt-key-0002", "x")
    assert first == second
    assert [r["headers"]["Idempotency-Key"] for r in seen] == ["attempt-key-0002"] * 2


def test_the_library_retries_a_503_with_the_same_key(fake_stripe):
    base, seen = fake_stripe
    result = _gateway(base).charge_payment_method(500, "aud", "pm_flaky", "attempt-key-0003", "x")
    assert result.ok
    assert len(seen) == 2 and {r["headers"]["Idempotency-Key"] for r in seen} == {"attempt-key-0003"}


@pytest.mark.parametrize(
    ("pm", "code", "message"),
    [
        ("pm_card_chargeDeclined", "card_declined", "Your card was declined."),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ],
)
def test_card_errors_become_friendly_declines(fake_stripe, pm, code, message):
    base, _ = fake_stripe
    result = _gateway(base).charge_payment_method(500, "aud", pm, "attempt-key-0004", "x")
    assert not result.ok
    assert (result.decline_code, result.message, result.reference) == (code, message, "pi_" + pm)


def test_a_card_error_without_an_intent_still_reads_its_code(fake_stripe):
    base, _ = fake_stripe
    result = _gateway(base).charge_payment_method(
        500, "aud", "pm_card_chargeDeclinedIncorrectCvc", "attempt-key-0007", "x"
    )
    assert (result.ok, result.decline_code, result.reference) == (False, "incorrect_cvc", "")
    assert result.message == "Your card's security code is incorrect."


def test_requires_action_is_not_a_charge(fake_stripe):
    base, _ = fake_stripe
    result = _gateway(base).charge_payment_method(
        500, "aud", "pm_card_threeDSecure2Required", "attempt-key-0005", "x"
    )
    assert not result.ok and result.message == NEEDS_ACTION and result.decline_code == "requires_action"
    assert result.reference == "pi_pm_card_threeDSecure2Required", "kept so the webhook can settle it"


def test_saved_card_is_charged_off_session(fake_stripe):
    base, seen = fake_stripe
    gw = _gateway(base)
    saved = gw.save_payment_method("cus_123", "pm_card_visa")
    assert (saved.token, saved.brand, saved.last4, saved.exp_month, saved.exp_year) == (
        "cus_123:pm_card_visa",
        "visa",
        "4242",
        12,
        2031,
    )
    assert seen[0]["path"] == "/v1/payment_methods/pm_card_visa/attach"
    assert seen[0]["form"]["customer"] == ["cus_123"]
    result = gw.charge_saved(700, "AUD", saved.token, "autopay-1-2026-01-01", "Invoice 9")
    assert result.ok
    form = seen[1]["form"]
    assert form["customer"] == ["cus_123"] and form["off_session"] == ["true"] and form["amount"] == ["700"]
    assert seen[1]["headers"]["Idempotency-Key"] == "autopay-1-2026-01-01"


def test_a_malformed_saved_token_is_refused_without_calling_stripe(fake_stripe):
    base, seen = fake_stripe
    result = _gateway(base).charge_saved(700, "AUD", "tok_sandbox_abc", "autopay-1-2026-01-01", "x")
    assert not result.ok and result.decline_code == "resource_missing" and seen == []


def test_card_numbers_are_refused_before_anything_is_sent(fake_stripe):
    base, seen = fake_stripe
    gw = _gateway(base)
    card = CardInput("Pat Lee", "4242 4242 4242 4242", 12, 2031, "123")
    with pytest.raises(GatewayError, match="Stripe's own form") as charged:
        gw.charge(500, "aud", card, "attempt-key-0006", "x")
    with pytest.raises(GatewayError, match="Stripe's own form"):
        gw.save_card(card)
    assert charged.value.message == HOSTED_FORM_ONLY and seen == []


def test_from_settings_reads_the_stripe_settings(fast_settings):
    import dataclasses

    configured = dataclasses.replace(
        fast_settings, stripe_secret_key="sk_test_from_settings", stripe_api_base="http://127.0.0.1:9"
    )
    gw = StripeGateway.from_settings(configured)
    assert gw.client._requestor._options.api_key == "sk_test_from_settings"
    with pytest.raises(ValueError):
        StripeGateway.from_settings(fast_settings)


def test_card_of_reads_brand_last4_and_expiry_from_stripe(fake_stripe):
    base, seen = fake_stripe
    card = _gateway(base).card_of("pm_card_visa")
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2031)
    assert seen[0]["method"] == "GET" and seen[0]["path"].startswith("/v1/payment_methods/pm_card_visa")


def test_card_of_an_unknown_payment_method_is_a_clear_refusal(fake_stripe):
    base, _ = fake_stripe
    with pytest.raises(GatewayError) as refused:
        _gateway(base).card_of("pm_nobody_knows")
    assert refused.value.message == NOT_COMPLETED
