"""The owner's settings as services: every field's rule, the document number rule, the accent colour
mapping, the logo's type and size refusals and its public route, the portal defaults, the lists, the
gateway status, and Reset MFA on the staff screen's service."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta

import pytest
from PIL import Image
from pypdf import PdfReader
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal import config, db
from portal.api import branding as branding_route
from portal.api.headers import security_headers
from portal.core import clock, tenant
from portal.core.principal import AccessDenied, StaffMember
from portal.models import (
    AuditEvent,
    Contractor,
    DescriptionScript,
    LoginSession,
    OptionalItem,
    OutboxMail,
    PortalTier,
    Quote,
    RecoveryCode,
    Role,
    Staff,
    WebhookEvent,
)
from portal.services.documents import prints
from portal.services.documents.pdf import render
from portal.services.files import uploads
from portal.services.identity import mfa, sessions
from portal.services.identity import staff as staff_service
from portal.services.identity.auth import AuthError
from portal.services.messaging import mail
from portal.services.settings import branding, catalog, company, payments, portal_defaults
from portal.services.settings.errors import SettingsError
from tests.unit import factories as f
from tests.unit.staff_logins import enrolled, member, set_up
from tests.unit.test_documents import quote as sample_document

OWNER = StaffMember(1, "Olive Owner", Role.OWNER)
OFFICE = StaffMember(2, "Kylie Office", Role.OFFICE)
TECH = StaffMember(3, "Liam Tech", Role.TECHNICIAN)


def good_form(**changes: str) -> dict[str, str]:
    form = {
        "company_name": "Harbourside Fire Services",
        "trading_name": "Harbourside",
        "business_number": "12 345 678 901",
        "phone": "(02) 9000 1234",
        "email": "Office@Harbourside.example",
        "website": "https://harbourside.example",
        "address": "1 Wharf Rd\nSydney NSW 2000",
        "timezone": "Australia/Sydney",
        "currency": "nzd",
        "tax_name": "GST",
        "tax_rate": "12.5",
        "payment_terms_days": "14",
        "quote_validity_days": "45",
        "quote_prefix": "Q-",
        "job_prefix": "J-",
        "invoice_prefix": "INV-",
        "quote_start": "10001",
        "job_start": "20001",
        "invoice_start": "30001",
    }
    return {**form, **changes}


def image(kind: str, size: tuple[int, int] = (8, 4)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (13, 148, 136)).save(out, format=kind)
    return out.getvalue()


# --- company -----------------------------------------------------------------------------------------


def test_the_owner_saves_every_company_field_and_the_change_is_audited(session):
    f.contractor(session)
    row = company.save_company(session, OWNER, good_form())
    assert (row.company_name, row.email, row.currency, row.tax_rate_bp) == (
        "Harbourside Fire Services",
        "Office@harbourside.example",  # the domain in lower case, as every form stores it
        "NZD",
        1250,
    )
    assert (row.timezone, row.payment_terms_days, row.quote_validity_days) == ("Australia/Sydney", 14, 45)
    assert (row.quote_prefix, row.job_prefix, row.invoice_prefix) == ("Q-", "J-", "INV-")
    assert row.address == "1 Wharf Rd\nSydney NSW 2000"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "settings_company_changed")).one()
    assert event.detail["before"]["tax_rate_bp"] == 1000 and event.detail["after"]["tax_rate_bp"] == 1250
    assert event.detail["after"]["currency"] == "NZD" and event.staff_id == OWNER.staff_id
    values = company.form_values(session)
    assert values["tax_rate"] == "12.5" and values["currency"] == "NZD" and values["quote_prefix"] == "Q-"


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("company_name", ""),
        ("company_name", "x" * 201),
        ("business_number", "1" * 41),
        ("email", "not an address"),
        ("website", "javascript:alert(1)"),
        ("website", "harbourside.example"),
        ("timezone", "Mars/Olympus"),
        ("timezone", ""),
        ("currency", "DOLLARS"),
        ("currency", "A1D"),
        ("tax_name", ""),
        ("tax_rate", "10.125"),
        ("tax_rate", "-5"),
        ("tax_rate", "101"),
        ("tax_rate", "ten"),
        ("payment_terms_days", "-1"),
        ("payment_terms_days", "366"),
        ("payment_terms_days", "7.5"),
        ("quote_validity_days", "0"),
        ("quote_prefix", "Q 1"),
        ("invoice_prefix", "INVOICE-NO-"),
        ("job_prefix", "<b>"),
        ("job_start", "0"),
        ("job_start", "abc"),
        ("invoice_start", "1000000000"),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_saved(session, field, value):
    f.contractor(session)
    with pytest.raises(SettingsError) as refused:
        company.save_company(session, OWNER, good_form(**{field: value}))
    assert set(refused.value.field_errors) == {field}
    row = tenant.contractor(session)
    assert row.company_name == "Harbourside Fire" and row.tax_rate_bp == 1000 and row.quote_prefix == ""
    assert session.exec(select(AuditEvent)).all() == []


def test_tax_rate_accepts_a_percent_sign_and_two_decimals(session):
    f.contractor(session)
    assert company.save_company(session, OWNER, good_form(tax_rate="7.25%")).tax_rate_bp == 725
    assert company.save_company(session, OWNER, good_form(tax_rate="0")).tax_rate_bp == 0


def test_a_number_start_below_a_used_number_is_refused_with_the_reason(session):
    f.contractor(session)
    where = f.site(session, f.customer(session))
    f.quote_with(session, where, number=10005)
    with pytest.raises(SettingsError) as refused:
        company.save_company(session, OWNER, good_form(quote_start="10005"))
    assert refused.value.field_errors == {
        "quote_start": "Quote 10005 already exists, and numbers are never reused, so the next quote "
        "number must be 10006 or higher."
    }
    assert company.form_values(session)["quote_start"] == "10006"
    company.save_company(session, OWNER, good_form(quote_start="12000", job_start="25000"))
    assert tenant.next_number(session, Quote.number, 1) == 12000
    assert company.next_number(session, "job") == 25000
    assert company.form_values(session)["invoice_start"] == "30001"


def test_document_number_puts_the_prefix_before_the_number():
    row = Contractor(quote_prefix="Q-", invoice_prefix="INV/")
    assert tenant.document_number(row, "quote", 10001) == "Q-10001"
    assert tenant.document_number(row, "invoice", 30001) == "INV/30001"
    assert tenant.document_number(row, "job", 20001) == "20001"
    assert tenant.document_number(row, "job", None) == ""
    assert tenant.document_number(row, "other", 5) == "5"


@pytest.mark.parametrize("who", [OFFICE, TECH])
def test_office_and_technician_are_refused_every_settings_command(session, who):
    f.contractor(session)
    with pytest.raises(AccessDenied):
        company.save_company(session, who, good_form())
    with pytest.raises(AccessDenied):
        branding.save_branding(session, who, "#0d9488")
    with pytest.raises(AccessDenied):
        portal_defaults.save_portal(session, who, "advanced", ["quotes"])
    with pytest.raises(AccessDenied):
        catalog.save_script(session, who, "new", {"title": "T", "body": "B", "use": "both"})
    with pytest.raises(AccessDenied):
        catalog.save_item(session, who, "new", {"name": "N", "price": "1", "kind": "labour"})
    with pytest.raises(AccessDenied):
        payments.gateway_status(session, who)
    assert tenant.contractor(session).accent_color == ""


# --- colour ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("chosen", "scale"),
    [
        ("#0d9488", "mint"),  # teal: white on Radix teal is 3.1:1, so the nearest that passes
        ("#0EA5E9", "sky"),
        ("#3e63dd", "indigo"),
        ("#2563eb", "indigo"),
        ("#7c3aed", "purple"),
        ("#6e56cf", "violet"),
        ("#ab4aba", "plum"),
        ("#e11d48", "plum"),  # red has no passing scale of its own
        ("#777777", "indigo"),
        ("#000000", "indigo"),
        ("", "indigo"),
        ("teal", "indigo"),
        ("#12345", "indigo"),
    ],
)
def test_the_accent_maps_to_the_nearest_radix_scale_that_keeps_text_readable(chosen, scale):
    assert branding.radix_accent(chosen) == scale


def test_only_scales_whose_text_pairs_pass_wcag_aa_are_used():
    assert branding.accessible_scales() == ("plum", "purple", "violet", "iris", "indigo", "mint", "sky")
    for name in branding.accessible_scales():
        scale = branding.RADIX[name]
        assert branding.radix_accent(scale.step9) == name  # each maps to itself
        assert branding.contrast(scale.on_step9, scale.step9) >= 4.5
        assert branding.contrast(scale.step11, scale.step3) >= 4.5
    assert not branding.passes_contrast(branding.RADIX["teal"])  # white on #12a594 is 3.07:1
    every = {
        branding.radix_accent(f"#{r:02x}{g:02x}{b:02x}")
        for r in range(0, 256, 51)
        for g in range(0, 256, 51)
        for b in range(0, 256, 51)
    }
    assert every <= set(branding.accessible_scales())


@pytest.mark.parametrize("typed", ["0d9488", "#0d948", "#0d94888", "#gggggg", "red", 12, None])
def test_a_colour_that_is_not_hash_and_six_hex_digits_is_refused(session, typed):
    f.contractor(session)
    assert branding.accent_problem(typed) == branding.BAD_COLOUR
    with pytest.raises(SettingsError) as refused:
        branding.save_branding(session, OWNER, typed)
    assert set(refused.value.field_errors) == {"accent"}


def test_printed_text_on_the_accent_is_the_colour_that_contrasts():
    assert branding.text_on("#ffe629") == branding.INK  # yellow: dark text
    assert branding.text_on("#1e3a8a") == branding.WHITE  # navy: white text
    for colour in branding.RADIX_SCALES.values():
        assert branding.contrast(colour, branding.text_on(colour)) >= 3.0


# --- logo --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "mime"), [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp")]
)
def test_a_png_jpeg_or_webp_logo_is_kept_by_its_content(kind, mime):
    found = branding.receive_logo(io.BytesIO(image(kind)), "logo.bin")
    assert found.content_type == mime
    assert branding.preview_uri(found).startswith(f"data:{mime};base64,")


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
        ("logo.png", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"),
        ("logo.gif", image("GIF")),
        ("logo.png", b""),
    ],
)
def test_anything_else_is_refused_and_not_kept(name, data):
    with pytest.raises(uploads.UploadRefused):
        branding.receive_logo(io.BytesIO(data), name)
    assert not any(uploads.pending_dir().iterdir())


def test_a_logo_over_the_size_limit_is_refused():
    big = image("PNG") + b"\x00" * branding.LOGO_LIMIT
    with pytest.raises(uploads.UploadRefused) as refused:
        branding.receive_logo(io.BytesIO(big), "logo.png")
    assert "larger than 1 MB" in refused.value.message
    assert not any(uploads.pending_dir().iterdir())


def _route(committed, monkeypatch) -> TestClient:
    monkeypatch.setattr(db, "engine", lambda: committed)
    return TestClient(
        security_headers(Starlette(routes=branding_route.routes)), base_url="http://portal.test"
    )


def test_the_saved_logo_is_served_publicly_with_its_type_and_nosniff(committed, monkeypatch):
    client = _route(committed, monkeypatch)
    assert client.get("/brand/logo").status_code == 404
    with Session(committed) as s:
        f.contractor(s)
        s.commit()
    pending = branding.receive_logo(io.BytesIO(image("PNG")), "logo.png")
    with db.unit_of_work() as s:
        branding.save_branding(s, OWNER, "#0D9488", branding.LogoUpload(pending.key, pending.name))
    assert not uploads.pending_path(pending.key).exists()  # moved to private storage on commit
    with Session(committed) as s:
        row = tenant.contractor(s)
        assert (row.accent_color, row.logo_type) == ("#0d9488", "image/png")
        url = branding.logo_url(row)
        assert url == f"/brand/logo?v={row.logo_key[:12]}"
        assert branding.brand(s) == branding.Brand("Harbourside Fire", url, "mint", "#0d9488")
        assert branding.logo_path(row).parent == config.settings().files_dir
    answer = client.get(url)
    assert answer.status_code == 200 and answer.content == image("PNG")
    assert answer.headers["content-type"] == "image/png"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "immutable" in answer.headers["cache-control"]
    assert "default-src 'none'" in answer.headers["content-security-policy"]
    # Removing it: the file goes once the change commits, and the route answers 404.
    old = branding.logo_path(row)
    with db.unit_of_work() as s:
        branding.save_branding(s, OWNER, "#0d9488", remove_logo=True)
    assert not old.exists() and client.get(url).status_code == 404
    with Session(committed) as s:
        actions = [
            e.detail
            for e in s.exec(select(AuditEvent).where(AuditEvent.action == "settings_branding_changed"))
        ]
    assert actions[0]["before"]["accent_color"] == "" and actions[0]["after"]["logo_type"] == "image/png"
    assert actions[1]["after"]["logo_key"] == ""


def test_a_pending_logo_changed_on_disk_is_checked_again_and_a_failed_save_keeps_nothing(
    committed, monkeypatch
):
    monkeypatch.setattr(db, "engine", lambda: committed)
    with Session(committed) as s:
        f.contractor(s)
        s.commit()
    pending = branding.receive_logo(io.BytesIO(image("PNG")), "logo.png")
    uploads.pending_path(pending.key).write_bytes(b"<svg/>")
    with pytest.raises(SettingsError) as refused, db.unit_of_work() as s:
        branding.save_branding(s, OWNER, "#0d9488", branding.LogoUpload(pending.key, pending.name))
    assert set(refused.value.field_errors) == {"logo"}
    pending = branding.receive_logo(io.BytesIO(image("PNG")), "logo.png")
    stored_before = set(config.settings().files_dir.glob("*"))
    with pytest.raises(RuntimeError), db.unit_of_work() as s:
        branding.save_branding(s, OWNER, "#0d9488", branding.LogoUpload(pending.key, pending.name))
        raise RuntimeError("the save failed after the copy")
    assert set(config.settings().files_dir.glob("*")) == stored_before
    with Session(committed) as s:
        assert tenant.contractor(s).logo_key == ""


def test_pdfs_carry_the_logo_and_the_exact_accent(session, tmp_path):
    f.contractor(session)
    row = tenant.contractor(session)
    pending = branding.receive_logo(io.BytesIO(image("PNG")), "logo.png")
    branding.save_branding(session, OWNER, "#0d9488", branding.LogoUpload(pending.key, pending.name))
    assert prints._logo(row) == branding.logo_path(row)
    data = render(dataclasses.replace(sample_document(), logo_path=prints._logo(row), accent="#0d9488"))
    drawing = PdfReader(io.BytesIO(data)).pages[0].get_contents().get_data()
    assert b"/Subtype /Image" in data
    assert b"0.051 0.5804 0.5333 rg" in drawing  # the band and the table's headings in the exact colour
    plain = PdfReader(io.BytesIO(render(sample_document()))).pages[0].get_contents().get_data()
    assert b"0.051 0.5804 0.5333 rg" not in plain


def test_mail_gets_an_html_part_in_the_brand_with_everything_escaped(session):
    f.contractor(session)
    row = tenant.contractor(session)
    row.accent_color = "#ffe629"
    session.add(row)
    brand = mail.mail_brand(session, "https://portal.example.test")
    assert (brand.accent, brand.ink, brand.logo_src) == ("#ffe629", branding.INK, "")
    body = "Hello <b>Ann</b>,\n\nSee https://portal.example.test/invoices?x=1\n"
    page = mail.html_body(
        body, dataclasses.replace(brand, logo_src="https://portal.example.test/brand/logo?v=ab")
    )
    assert "&lt;b&gt;Ann&lt;/b&gt;" in page and "<b>Ann" not in page
    assert "background:#ffe629;color:#111111" in page
    assert '<a href="https://portal.example.test/invoices?x=1">' in page
    assert 'src="https://portal.example.test/brand/logo?v=ab"' in page
    message = mail._message(
        OutboxMail(to_address="a@b.example", subject="S", body_text=body, kind="k"), "o@x.example", brand
    )
    assert [part.get_content_type() for part in message.iter_parts()] == ["text/plain", "text/html"]


def test_mails_print_numbers_with_the_owner_prefix(session):
    f.contractor(session)
    company.save_company(session, OWNER, good_form())
    contact = f.contact(session, f.customer(session))
    mail.queue_invoice_issued(session, contact, 30001, "Tower", "$10.00", "1 Dec 2026")
    sent = session.exec(select(OutboxMail)).one()
    assert "invoice INV-30001" in sent.body_text and sent.subject.startswith("Invoice INV-30001")


# --- portal, lists, payments -------------------------------------------------------------------------


def test_tier_and_default_pages_save_together_or_not_at_all(session):
    f.contractor(session)
    with pytest.raises(SettingsError) as refused:
        portal_defaults.save_portal(session, OWNER, "premium", [])
    assert set(refused.value.field_errors) == {"tier", "pages"}
    row = portal_defaults.save_portal(session, OWNER, "advanced", ["sites", "quotes", "nonsense", 3])
    assert row.portal_tier == PortalTier.ADVANCED and row.default_pages == ["quotes", "sites"]
    assert tenant.default_pages(Contractor()) == list(portal_defaults.PAGE_LABELS)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "settings_portal_changed")).one()
    assert event.detail["before"]["portal_tier"] == "standard" and event.detail["after"]["default_pages"] == [
        "quotes",
        "sites",
    ]


def test_scripts_are_added_edited_and_retired_with_errors_per_field(session):
    with pytest.raises(SettingsError) as refused:
        catalog.save_script(session, OWNER, "new", {"title": "", "body": "", "use": "always"})
    assert set(refused.value.field_errors) == {"title", "body", "use"}
    row = catalog.save_script(
        session, OWNER, "new", {"title": "Annual test", "body": "Test all.", "use": "job"}
    )
    assert row.is_active
    catalog.save_script(
        session, OWNER, str(row.id), {"title": "Annual test", "body": "Test all.", "use": "both"}
    )
    assert not session.get(DescriptionScript, row.id).is_active  # "active" unticked: retired
    listed = catalog.scripts(session, OWNER)
    assert listed.rows[0]["active"] == "" and listed.rows[0]["use_label"] == "Both"
    with pytest.raises(SettingsError) as gone:
        catalog.save_script(session, OWNER, "999999", {"title": "x", "body": "y", "use": "both"})
    assert set(gone.value.field_errors) == {"form"}
    assert (
        len(session.exec(select(AuditEvent).where(AuditEvent.action == "settings_script_saved")).all()) == 2
    )


def test_price_list_items_keep_price_kind_and_whether_customers_are_offered_them(session):
    with pytest.raises(SettingsError) as refused:
        catalog.save_item(session, OWNER, "new", {"name": "", "price": "12.345", "kind": "service"})
    assert set(refused.value.field_errors) == {"name", "price", "kind"}
    row = catalog.save_item(
        session, OWNER, "new", {"name": "Exit sign", "price": "$85.50", "kind": "material", "offered": "on"}
    )
    assert (row.unit_price_cents, row.offered, row.is_active) == (8550, True, True)
    catalog.save_item(
        session, OWNER, row.id, {"name": "Exit sign", "price": "90", "kind": "labour", "active": "on"}
    )
    again = session.get(OptionalItem, row.id)
    assert (again.unit_price_cents, again.offered, again.is_active) == (9000, False, True)
    for n in range(catalog.PAGE_SIZE + 1):
        catalog.save_item(session, OWNER, "new", {"name": f"Item {n:02d}", "price": "1", "kind": "labour"})
    first, second = catalog.items(session, OWNER, 1), catalog.items(session, OWNER, "2")
    assert (first.total, first.pages, len(first.rows), len(second.rows)) == (22, 2, 20, 2)
    assert catalog.items(session, OWNER, "999").page == 2 and catalog.items(session, OWNER, "x").page == 1


def test_gateway_status_never_shows_a_secret(session, fast_settings, monkeypatch):
    cfg = dataclasses.replace(
        fast_settings,
        payment_gateway="stripe",
        stripe_secret_key="sk_live_SECRETSECRET",
        stripe_publishable_key="pk_live_abcdefgh1234",
    )
    monkeypatch.setattr(config, "settings", lambda: cfg)
    assert payments.gateway_status(session, OWNER).webhook_last_received is None
    at = clock.now() - timedelta(hours=2)
    session.add(WebhookEvent(gateway="stripe", event_id="evt_1", received_at=at))
    session.flush()
    status = payments.gateway_status(session, OWNER)
    assert (status.gateway, status.secret_key_set, status.webhook_secret_set) == ("stripe", True, False)
    assert status.publishable_key_end == "1234" and status.webhook_last_received.replace(
        tzinfo=None
    ) == at.replace(tzinfo=None)
    assert "SECRET" not in repr(status)


# --- staff: reset MFA, sessions end on a role change ---------------------------------------------------


def _live_sessions(session, staff_id: int) -> int:
    rows = session.exec(select(LoginSession).where(LoginSession.staff_id == staff_id)).all()
    return sum(1 for r in rows if r.revoked_at is None)


def test_reset_mfa_clears_the_app_and_codes_and_ends_the_sessions(session):
    owner = member(set_up(session, Role.OWNER, email="owner@harbourside.test"))
    row, _secret, _codes = enrolled(session, Role.OFFICE, email="kylie@harbourside.test")
    sessions.start_staff(session, row.id)
    assert _live_sessions(session, row.id) == 1
    staff_service.reset_mfa(session, owner, str(row.id))
    again = session.get(Staff, row.id)
    assert (again.totp_secret, again.totp_enrolled_at, again.totp_last_step) == ("", None, 0)
    assert session.exec(select(RecoveryCode).where(RecoveryCode.staff_id == row.id)).all() == []
    assert mfa.recovery_codes_left(session, row.id) == 0 and _live_sessions(session, row.id) == 0
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "staff_mfa_reset")).one()
    assert (event.detail["before"], event.detail["after"]) == (
        {"mfa_enrolled": True},
        {"mfa_enrolled": False},
    )
    assert event.staff_id == owner.staff_id and event.target_id == row.id


def test_reset_mfa_is_for_owners_and_not_for_oneself(session):
    owner_row = set_up(session, Role.OWNER, email="owner@harbourside.test")
    office = member(set_up(session, Role.OFFICE, email="office@harbourside.test"))
    row, secret, _ = enrolled(session, Role.TECHNICIAN, email="tech@harbourside.test")
    with pytest.raises(AccessDenied):
        staff_service.reset_mfa(session, office, row.id)
    with pytest.raises(AuthError):
        staff_service.reset_mfa(session, member(owner_row), owner_row.id)
    for forged in ("abc", "-1", "999999", None):
        with pytest.raises(AuthError):
            staff_service.reset_mfa(session, member(owner_row), forged)
    assert session.get(Staff, row.id).totp_secret == secret


def test_a_role_change_ends_the_colleagues_sessions(session):
    owner = member(set_up(session, Role.OWNER, email="owner@harbourside.test"))
    row = set_up(session, Role.OFFICE, email="office@harbourside.test")
    sessions.start_staff(session, row.id)
    staff_service.change_role(session, owner, row.id, "technician")
    assert _live_sessions(session, row.id) == 0
