"""The equipment the contractor maintains, how often it is tested, and what the tests found."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from portal.models.base import choice, text, when


class AssetType(SQLModel, table=True):
    __tablename__ = "asset_type"

    id: int | None = Field(default=None, primary_key=True)
    name: str = text(100, index=True)
    expected_life_years: int = 10
    is_active: bool = True


class ServiceLevel(SQLModel, table=True):
    """How often an asset is tested: Monthly, Six Monthly, Annually, Annual Cert. Date..."""

    __tablename__ = "service_level"

    id: int | None = Field(default=None, primary_key=True)
    name: str = text(60)
    interval_months: int
    sort_order: int = 0
    is_active: bool = True


class AssetStatus(StrEnum):
    ACTIVE = "active"
    REMOVED = "removed"


class Asset(SQLModel, table=True):
    __tablename__ = "asset"
    __table_args__ = (Index("ix_asset_site_type", "site_id", "asset_type_id"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    site_id: int = Field(foreign_key="site.id")
    asset_type_id: int = Field(foreign_key="asset_type.id", index=True)
    contract_id: int | None = Field(default=None, foreign_key="contract.id", index=True)
    number: str = text(40, index=True)  # the barcode label
    name: str = text(200)
    location: str = text(200)
    make: str = text(100)
    model: str = text(100)
    serial: str = text(100)
    details: str = text(1000)
    install_date: date | None = None
    expected_life_years: int | None = None  # overrides the type's when set
    status: AssetStatus = choice(AssetStatus, AssetStatus.ACTIVE)
    retired_on: date | None = None
    retire_reason: str = text(500)
    created_at: datetime = when(default_now=True)


class AssetServiceLevel(SQLModel, table=True):
    """One schedule of an asset: its level and when it is next due."""

    __tablename__ = "asset_service_level"
    __table_args__ = (UniqueConstraint("asset_id", "service_level_id"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    service_level_id: int = Field(foreign_key="service_level.id")
    next_due_on: date = Field(index=True)
    last_tested_on: date | None = None


class TestResult(StrEnum):
    __test__ = False  # not a pytest class

    PASS = "pass"  # noqa: S105  (a test result, not a secret)
    FAIL = "fail"
    NOT_TESTED = "not_tested"


class ServiceRecord(SQLModel, table=True):
    """A test of one asset at one service level, dated by the job card it was done on."""

    __tablename__ = "service_record"
    __table_args__ = (Index("ix_service_record_asset_date", "asset_id", "tested_on"),)

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id")
    service_level_id: int = Field(foreign_key="service_level.id")
    job_id: int | None = Field(default=None, foreign_key="job.id", index=True)
    due_on: date
    tested_on: date = Field(index=True)
    result: TestResult = choice(TestResult)
    technician: str = text(100)
    technician_id: int | None = None  # who recorded it; ``technician`` keeps the name
    notes: str = text(1000)


class Transfer(SQLModel, table=True):
    """An asset moved between sites, or to the workshop and back."""

    __tablename__ = "transfer"

    id: int | None = Field(default=None, primary_key=True)
    asset_id: int = Field(foreign_key="asset.id", index=True)
    from_site_id: int | None = Field(default=None, foreign_key="site.id")
    to_site_id: int | None = Field(default=None, foreign_key="site.id")
    from_label: str = text(200)  # "Workshop" when not a site
    to_label: str = text(200)
    transferred_on: date
    reason: str = text(500)


class DefectSeverity(StrEnum):
    CRITICAL = "critical"
    NON_CRITICAL = "non_critical"
    NON_CONFORMANCE = "non_conformance"


class Defect(SQLModel, table=True):
    """What a failed test found; current until a job rectifies it."""

    __tablename__ = "defect"
    __table_args__ = (Index("ix_defect_site_open", "site_id", "rectified_on"),)

    id: int | None = Field(default=None, primary_key=True)
    customer_id: int = Field(foreign_key="customer.id", index=True)
    site_id: int = Field(foreign_key="site.id")
    asset_id: int = Field(foreign_key="asset.id", index=True)
    service_record_id: int | None = Field(default=None, foreign_key="service_record.id")
    found_on: date
    severity: DefectSeverity = choice(DefectSeverity)
    description: str = text(1000)
    rectified_on: date | None = None
    rectified_by_job_id: int | None = Field(default=None, foreign_key="job.id")
    quote_id: int | None = Field(default=None, foreign_key="quote.id")
