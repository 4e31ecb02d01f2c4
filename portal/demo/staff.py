"""The demo's back-office logins: an office member, a technician and an owner.

Each has the demo password and the demo's fixed authenticator secret already set up (with ten
recovery codes nobody is shown), so a salesperson signs in with ``portal totp`` printing the code.
The office member and the technician take the ids the demo's history was made by (``small.OFFICE``
and ``small.TECHNICIAN``); a database whose staff already hold those ids is refused.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, select

from portal.demo import catalog
from portal.demo.rows import Rows
from portal.models import RecoveryCode, Role, Staff
from portal.services.identity import mfa
from portal.services.identity.passwords import hash_password


def add_staff(session: Session, rows: Rows, rounds: int, since: datetime) -> None:
    """Queue the demo's staff rows on ``rows`` (written with the contractor's)."""
    from portal.demo import DemoRefused

    ids = [login.id for login in catalog.STAFF_LOGINS]
    taken = session.exec(select(Staff.email).where(Staff.id.in_(ids))).all()
    if taken:
        raise DemoRefused(
            f"Staff logins already hold the demo's staff ids ({', '.join(taken)}); seed the demo into "
            "an empty database."
        )
    password = hash_password(catalog.PASSWORD, rounds)
    for login in catalog.STAFF_LOGINS:
        rows.add(
            Staff,
            id=login.id,
            email=login.email,
            name=login.name,
            role=Role(login.role),
            is_active=True,
            created_at=since,
            password_hash=password,
            changed_at=since,
            failed_count=0,
            totp_secret=catalog.STAFF_TOTP_SECRET,
            totp_enrolled_at=since,
            totp_last_step=0,
        )
        for code in mfa.new_recovery_codes():
            rows.add(RecoveryCode, staff_id=login.id, code_hash=mfa.recovery_digest(code), created_at=since)
