"""Staff logins for the unit tests: created through the services, as the command line makes them."""

from __future__ import annotations

import itertools
import re
from datetime import datetime, timedelta
from urllib.parse import unquote

from sqlmodel import select

from portal.core import clock
from portal.core.principal import StaffMember
from portal.models import OutboxMail, Role, Staff
from portal.services.identity import mfa, principals, staff

GOOD = "Harbour-Lights-42"
_serial = itertools.count()


def set_up(
    session, role: Role = Role.OFFICE, email: str = "", password: str = GOOD, name: str = "Kim Lee"
) -> Staff:
    """A staff member who followed the setup link (password set, no authenticator app yet)."""
    email = email or f"staff{next(_serial)}@harbourside.test"
    _, raw = staff.create_staff(session, email, role)
    return staff.accept_setup(session, raw, name, password, password)


def enrolled(
    session, role: Role = Role.OFFICE, email: str = "", now: datetime | None = None
) -> tuple[Staff, str, list[str]]:
    """A staff member with an authenticator app; returns the row, its secret and its recovery codes.
    The enrolment used the code of the step before ``now``, so the current code is still unused."""
    now = now or clock.now()
    row = set_up(session, role, email)
    secret = mfa.new_secret()
    earlier = now - timedelta(seconds=mfa.STEP_SECONDS)
    done = mfa.enrol(session, row.id, secret, mfa.code_for(secret, earlier), now=earlier)
    return row, secret, done.recovery_codes


def mailed_token(session, to: str, path: str) -> str:
    """The raw token of the newest link to ``path`` mailed to ``to``."""
    rows = session.exec(
        select(OutboxMail).where(OutboxMail.to_address == to).order_by(OutboxMail.id.desc())
    ).all()
    for row in rows:
        if found := re.search(rf"/{re.escape(path)}\?token=([\w\-%]+)", row.body_text):
            return unquote(found.group(1))
    raise AssertionError(f"no {path} link mailed to {to}")


def member(row: Staff) -> StaffMember:
    return principals.member(row)
