"""``portal create-staff`` and ``portal totp``: a setup link for a new staff login, and the demo's
codes (only ever for the demo's fixed secret, so the command opens nothing on a real install)."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from portal import cli, db
from portal.demo.catalog import STAFF_TOTP_SECRET
from portal.models import Role, Staff
from portal.services.identity import mfa, staff
from tests.unit.staff_logins import enrolled


@pytest.fixture
def shared(committed, monkeypatch):
    monkeypatch.setattr(db, "engine", lambda: committed)
    return committed


def test_create_staff_prints_a_setup_link_that_works(shared, capsys):
    assert (
        cli.main(["create-staff", "--email", "Mia@Harbourside.test", "--role", "owner", "--name", "Mia"]) == 0
    )
    out = capsys.readouterr().out
    link = next(line for line in out.splitlines() if "/office/setup?token=" in line)
    token = link.split("token=", 1)[1]
    with Session(shared) as s:
        row = staff.setup_details(s, token)
        assert (row.email, row.role, row.name) == ("mia@harbourside.test", Role.OWNER, "Mia")


def test_create_staff_refuses_a_taken_email(shared, capsys):
    assert cli.main(["create-staff", "--email", "kim@harbourside.test", "--role", "office"]) == 0
    capsys.readouterr()
    assert cli.main(["create-staff", "--email", "KIM@harbourside.test", "--role", "technician"]) == 2
    assert "email:" in capsys.readouterr().err
    with Session(shared) as s:
        assert len(s.exec(select(Staff).where(Staff.email == "kim@harbourside.test")).all()) == 1


def test_create_staff_refuses_an_unknown_role():
    with pytest.raises(SystemExit):
        cli.main(["create-staff", "--email", "kim@harbourside.test", "--role", "admin"])


def test_totp_prints_the_code_of_a_demo_login_only(shared, capsys):
    with Session(shared, expire_on_commit=False) as s:
        demo = staff.create_staff(s, "demo@harbourside.test", "owner")[0]
        demo.totp_secret = STAFF_TOTP_SECRET
        real, secret, _ = enrolled(s, email="real@harbourside.test")
        s.commit()
    assert cli.main(["totp", "--email", "demo@harbourside.test"]) == 0
    assert capsys.readouterr().out.strip() == mfa.code_for(STAFF_TOTP_SECRET)
    for email in ("real@harbourside.test", "nobody@harbourside.test"):
        assert cli.main(["totp", "--email", email]) == 2
        captured = capsys.readouterr()
        assert captured.out == "" and "only for the demo" in captured.err
        assert mfa.code_for(secret) not in captured.err
    assert real.id
