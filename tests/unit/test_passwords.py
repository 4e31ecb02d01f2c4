import dataclasses

import bcrypt
import pytest

from portal import config
from portal.models import Credential
from portal.services.identity import auth, passwords
from portal.services.identity.auth import AuthError
from tests.unit.test_auth import make_user


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


def test_sign_up_and_login_use_cost_12_by_default(session, fast_settings, monkeypatch):
    """The cost the portal really uses: settings loaded with PORTAL_BCRYPT_ROUNDS unset, a password
    set through the invite (sign-up) use case, and the hashes login checks against, known account or not."""
    monkeypatch.delenv("PORTAL_BCRYPT_ROUNDS", raising=False)
    defaults = dataclasses.replace(fast_settings, bcrypt_rounds=config.load().bcrypt_rounds)
    monkeypatch.setattr(config, "settings", lambda: defaults)
    checked: list[bytes] = []
    real_checkpw = bcrypt.checkpw
    monkeypatch.setattr(
        bcrypt, "checkpw", lambda pw, hashed: checked.append(hashed) or real_checkpw(pw, hashed)
    )

    contact = make_user(session, username="cost-check", password="Harbour-Lights-42")
    assert session.get(Credential, contact.id).password_hash.startswith("$2b$12$")
    assert auth.authenticate(session, "cost-check", "Harbour-Lights-42").id == contact.id
    with pytest.raises(AuthError):
        auth.authenticate(session, "nobody-by-this-name", "Harbour-Lights-42")
    assert len(checked) == 2 and all(h.startswith(b"$2b$12$") for h in checked), (
        "no cheaper check for a stranger"
    )


@pytest.mark.parametrize("emoji", [64, 125])
def test_length_counts_characters_not_utf16_units_or_bytes(emoji):
    """Each of these emoji is 2 UTF-16 units and 4 UTF-8 bytes, yet one character."""
    password = "Aa1" + "\N{GRINNING FACE}" * emoji
    assert passwords.problems(password) == []
    h = passwords.hash_password(password, rounds=4)
    assert passwords.verify_password(password, h) and not passwords.verify_password(password[:65], h)


def test_too_long_says_how_long_it_is():
    password = "Aa1" + "\N{GRINNING FACE}" * 128
    assert passwords.too_long(password) == "at most 128 characters (this one has 131)"
    assert passwords.problems(password) == ["at most 128 characters (this one has 131)"]
    assert passwords.too_long("Aa1" + "\N{GRINNING FACE}" * 125) == ""
    assert passwords.problems("Short1a") == ["10 to 128 characters"]
