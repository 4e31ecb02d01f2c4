import pytest

from portal.services import passwords


@pytest.mark.parametrize(
    ("password", "broken"),
    [
        ("Short1a", {"length"}),
        ("nonumbersHere", {"number"}),
        ("nouppercase123", {"upper"}),
        ("NOLOWERCASE123", {"lower"}),
        ("Password123", {"common"}),
        ("A1" + "b" * 127, {"length"}),
        ("", {"length", "number", "upper", "lower", "common"}),
    ],
)
def test_each_rule_is_reported(password, broken):
    met = passwords.rule_results(password)
    assert {k for k, ok in met.items() if not ok} == broken


def test_good_password_has_no_problems():
    assert passwords.problems("Harbour-Lights-42") == []


def test_common_list_is_shipped_and_large():
    common = passwords.common_passwords()
    assert len(common) == 10_000
    assert "password1" in common


def test_unicode_password_longer_than_72_bytes_hashes_and_verifies():
    pw = "Ünïcødé-Pässwörd-9" * 7  # well over 72 bytes in UTF-8, within 128 characters
    assert len(pw.encode()) > 72 and len(pw) <= 128
    h = passwords.hash_password(pw, rounds=4)
    assert passwords.verify_password(pw, h)
    assert not passwords.verify_password(pw[:-1], h)


def test_prefix_beyond_72_bytes_still_matters():
    base = "A1b" + "x" * 80
    h = passwords.hash_password(base + "1", rounds=4)
    assert not passwords.verify_password(base + "2", h)


def test_garbage_hash_does_not_raise():
    assert passwords.verify_password("anything", "not-a-hash") is False
    assert passwords.verify_password("anything", "") is False


def test_cost_12_by_default():
    assert passwords.hash_password("Harbour-Lights-42").startswith("$2b$12$")
