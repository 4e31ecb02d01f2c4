"""The portal's one email rule: what a person types is accepted, nothing that could turn a mailto link
or a mail header into something else is."""

from __future__ import annotations

import pytest

from portal.core import emails


@pytest.mark.parametrize(
    "value",
    [
        "",
        "g@x.com.au",
        "Greg.Malone+site@Example.COM",
        "o'brien@x.io",
        "a@b-c.co",
        "first_last@mail.sub.example.org",
        "a" * 64 + "@" + ".".join(["b" * 60] * 3) + ".com",
    ],
)
def test_addresses_people_type_are_accepted(value):
    assert emails.email_problem(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "a@b.co?cc=evil%40x.com&body=hi",  # a mailto link with a copy and a body of its own
        "a@b.co#x",
        "a@..co",
        "a@b",
        "a@b.c",
        "a@b.com.",
        "a@-b.com",
        "a@b-.com",
        "a@b.c0m",
        ".a@b.com",
        "a.@b.com",
        "a..b@c.com",
        "a b@c.com",
        "a@b.com\nBcc: x@y.z",
        "<a@b.com>",
        "a@b@c.com",
        "a%b@c.com",
        "a&b@c.com",
        "a?b@c.com",
        "a#b@c.com",
        "é@b.com",
        "a@bé.com",
        "a@b.com,c@d.com",
        "a" * 65 + "@b.com",
        "a@" + "b" * 64 + ".com",
        "a@" + ".".join(["b" * 60] * 5) + ".com",  # longer than 254
        "not an email",
    ],
)
def test_anything_else_is_refused(value):
    assert emails.email_problem(value) == emails.BAD_EMAIL


@pytest.mark.parametrize("value", [None, 5, ["a@b.com"], {"a": "b"}])
def test_what_is_not_text_is_no_address(value):
    assert emails.normalised(value) == "" and emails.email_problem(value) is None


def test_the_normalised_form_trims_and_lowers_the_domain_only():
    assert emails.normalised("  Greg.Malone@Example.COM ") == "Greg.Malone@example.com"
    assert emails.normalised("no-at-sign") == "no-at-sign"
