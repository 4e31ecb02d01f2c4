"""The contractor's own people: back-office logins with a role and a second factor.

Staff are not contacts of any customer, so they have tables of their own and no visibility rule:
what a staff member may do is its role's business (``portal/core/principal.py``). Their sessions and
links live in the same tables as the customers' (``login_session``, ``one_time_token``), with
``staff_id`` in place of ``contact_id``, so one set of rules (expiry, revocation, single use, hashing)
covers both.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import String
from sqlmodel import Field, SQLModel

from portal.models.base import choice, text, when


class Role(StrEnum):
    OWNER = "owner"  # everything: settings and staff too
    OFFICE = "office"  # customers, quotes, jobs, invoices
    TECHNICIAN = "technician"  # their own jobs and the tests on them


class Staff(SQLModel, table=True):
    """A back-office login. The password's counters mirror a contact's ``credential`` so the same
    throttle reads both; ``totp_last_step`` is the last accepted code's time step, so a code works
    once."""

    __tablename__ = "staff"

    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(sa_type=String(254), unique=True)  # lower-cased; also the username
    name: str = text(200)
    role: Role = choice(Role, Role.OFFICE)
    is_active: bool = True
    created_at: datetime = when(default_now=True)
    deactivated_at: datetime | None = when(nullable=True)
    password_hash: str = text(100)  # empty until the setup link is followed
    changed_at: datetime = when(default_now=True)
    failed_count: int = 0
    last_failed_at: datetime | None = when(nullable=True)
    locked_until: datetime | None = when(nullable=True)
    totp_secret: str = text(64)  # base32; empty until enrolled
    totp_enrolled_at: datetime | None = when(nullable=True)
    totp_last_step: int = 0
    last_login_at: datetime | None = when(nullable=True)


class RecoveryCode(SQLModel, table=True):
    """One of a staff member's ten single-use recovery codes; only its SHA-256 digest is kept."""

    __tablename__ = "recovery_code"

    id: int | None = Field(default=None, primary_key=True)
    staff_id: int = Field(foreign_key="staff.id", index=True)
    code_hash: str = Field(sa_type=String(64), unique=True)
    created_at: datetime = when(default_now=True)
    used_at: datetime | None = when(nullable=True)
