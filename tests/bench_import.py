"""The customer import on 5,000 assets: reading, the preview's check and the import, each beside a bare floor.

``figures()`` makes a fresh database of its own (``portal migrate``'s schema, nothing seeded) and the
files a contractor would upload: 50 customers, 250 sites and 5,000 assets with their asset types and
service levels. Each figure has its in-run reference, so a slow machine moves both alike:

- reading the assets file: a bare ``csv.reader`` over the same bytes;
- the preview (every row checked against the portal and the other files) and the import (everything
  written in one transaction, then rolled back so each run starts from the same empty portal): a bare
  ``executemany`` INSERT of the 5,000 asset rows, also rolled back;
- the second preview, once the files are imported: every row found already present.
"""

from __future__ import annotations

import csv
import io
import shutil
import statistics
import tempfile
from pathlib import Path

from tests.bench_common import Row, ms, spread, timed

RUNS = 5
CUSTOMERS = 50
SITES_EACH = 5
ASSETS = 5_000


def _files() -> dict[str, bytes]:
    from portal.services.imports.formats import as_text

    customers = [["code", "name", "kind", "email", "phone", "address", "business_number"]]
    sites = [["customer_code", "site", "street", "suburb", "state", "postcode", "access_notes"]]
    for c in range(CUSTOMERS):
        customers.append([f"B{c:04}", f"Bench Customer {c}", "company", f"c{c}@bench.example", "", "", ""])
        for s in range(SITES_EACH):
            sites.append([f"B{c:04}", f"Site {s}", f"{s} Bench St", "Brisbane", "QLD", "4000", ""])
    assets = [
        [
            "customer_code",
            "site",
            "number",
            "type",
            "name",
            "location",
            "make",
            "model",
            "serial",
            "install_date",
            "service_level",
            "next_due",
        ]
    ]
    for a in range(ASSETS):
        c, s = a % CUSTOMERS, a % SITES_EACH
        kind = "Fire Extinguisher" if a % 3 else "Emergency Light"
        level = "Six Monthly" if a % 2 else "Annually"
        assets.append(
            [f"B{c:04}", f"Site {s}", f"A{a:06}", kind, "", f"Level {a % 20}", "Wormald", "CO2", f"SN{a}",
             "2021-03-01", level, "15/01/2027"]
        )  # fmt: skip
    return {
        "asset_types.csv": b"name,expected_life_years\nFire Extinguisher,10\nEmergency Light,8\n",
        "service_levels.csv": b"name,interval_months\nSix Monthly,6\nAnnually,12\n",
        "customers.csv": as_text(customers).encode(),
        "sites.csv": as_text(sites).encode(),
        "assets.csv": as_text(assets).encode(),
    }


def _ratio(ours: list[float], reference: list[float], what: str) -> str:
    return f"{statistics.median(ours) / statistics.median(reference):.1f}x {what}"


def figures() -> list[Row]:
    from sqlalchemy import insert
    from sqlmodel import Session

    from portal import migrations
    from portal.core.principal import Role, StaffMember
    from portal.db import make_engine
    from portal.models import Asset, AssetType, Customer, Site
    from portal.services.imports import checking, reading, saving

    folder = Path(tempfile.mkdtemp(prefix="portal-bench-import-"))
    url = f"sqlite:///{folder / 'import.db'}"
    staff = StaffMember(0, "Bench office", Role.OFFICE)
    data = _files()
    try:
        migrations.upgrade(url)
        engine = make_engine(url)

        def read_all() -> list[tuple[str, reading.ReadFile]]:
            return [(name, reading.read(name, raw)) for name, raw in data.items()]

        def bare_reader() -> object:
            return list(csv.reader(io.StringIO(data["assets.csv"].decode("utf-8"), newline="")))

        def check() -> checking.Batch:
            with Session(engine) as s:
                return checking.check(s, read_all())

        def import_rolled_back() -> object:
            with Session(engine) as s:
                summary = saving.save(s, staff, read_all())
                s.rollback()
                return summary

        def bare_insert() -> object:
            """One parent row of each, then the 5,000 asset rows in one executemany; rolled back."""
            with engine.connect() as conn, conn.begin() as tx:
                customer = conn.execute(insert(Customer.__table__).values(name="Bench")).inserted_primary_key[
                    0
                ]
                site = conn.execute(
                    insert(Site.__table__).values(customer_id=customer, name="S")
                ).inserted_primary_key[0]
                kind = conn.execute(insert(AssetType.__table__).values(name="T")).inserted_primary_key[0]
                rows = [
                    {
                        "customer_id": customer,
                        "site_id": site,
                        "asset_type_id": kind,
                        "number": f"A{a:06}",
                        "name": "Fire Extinguisher",
                        "location": "Level",
                        "make": "Wormald",
                        "model": "CO2",
                        "serial": f"SN{a}",
                        "details": "",
                        "retire_reason": "",
                        "status": "active",
                    }
                    for a in range(ASSETS)
                ]
                conn.execute(insert(Asset.__table__), rows)
                tx.rollback()
            return None

        reader_ref = timed(bare_reader, RUNS)
        reads = timed(lambda: reading.read("assets.csv", data["assets.csv"]), RUNS)
        insert_ref = timed(bare_insert, RUNS)
        previews = timed(check, RUNS)
        batch = check()
        assert batch.ok and batch.counts()["assets"]["new"] == ASSETS, batch.counts()
        imports = timed(import_rolled_back, RUNS)
        with Session(engine) as s:
            saving.save(s, staff, read_all())
            s.commit()
        again = timed(check, RUNS)
        present = check().counts()["assets"]["present"]
        engine.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    rows: list[Row] = []
    size = len(data["assets.csv"]) / 1024
    value, detail = spread(reader_ref)
    rows.append((f"import: bare csv.reader of assets.csv ({ASSETS:,} rows, {size:,.0f} KB; in-run reference)",
                 value, detail))  # fmt: skip
    value, detail = spread(reads)
    rows.append(("import: read assets.csv (encoding, header, kind)", value,
                 f"{detail}; {_ratio(reads, reader_ref, 'the bare reader')}"))  # fmt: skip
    value, detail = spread(insert_ref)
    rows.append((f"import: bare executemany INSERT of {ASSETS:,} assets (in-run reference)", value, detail))
    for name, samples in (
        (f"import: preview of 5 files, {ASSETS:,} new assets (read + check)", previews),
        (f"import: import of {ASSETS:,} assets, schedules, 250 sites, 50 customers", imports),
        (f"import: preview again, {present:,} assets already present", again),
    ):
        value, detail = spread(samples)
        rows.append((name, value, f"{detail}; {_ratio(samples, insert_ref, 'the bare insert')}"))
    rows.append(
        ("import figures", "done", f"each p50 over {RUNS} runs; floor {ms(statistics.median(reader_ref))}")
    )
    return rows


if __name__ == "__main__":
    for row in figures():
        print("  ".join(row))
