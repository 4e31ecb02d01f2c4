"""/office/settings: the owner's company details, branding (with a preview), portal defaults and the
payment gateway's status.

Every handler asks :func:`office_staff` for ``Duty.MANAGE_SETTINGS`` first and does nothing for
anyone else (office, technician, a customer, a signed-out tab); the services refuse them too. The
logo being previewed lives in a backend var (its pending key), never in a value the browser sends.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import reflex as rx

from portal.core import tenant
from portal.core.principal import AccessDenied, Duty, StaffMember
from portal.db import unit_of_work
from portal.models import PortalTier
from portal.services.files import uploads
from portal.services.settings import branding, company, payments, portal_defaults
from portal.services.settings.errors import SettingsError
from portal.state import arguments
from portal.state.display import moment
from portal.state.files.attachments import uploaded
from portal.state.office.session import office_staff

log = logging.getLogger(__name__)

LOGO_UPLOAD = "settings-logo-upload"
TABS = ("company", "branding", "portal", "payments")
NOT_AVAILABLE = "Not available to your role."
TRY_AGAIN = "That did not save. Try again."


def settings_owner(state: rx.State) -> StaffMember | None:
    return office_staff(state, Duty.MANAGE_SETTINGS)


class SettingsState(rx.State):
    tab: str = "company"
    loaded: bool = False
    company: dict[str, str] = {}
    company_errors: dict[str, str] = {}
    company_saved: str = ""
    # Branding: what is typed and uploaded, shown in the preview before it is saved.
    accent: str = ""
    accent_error: str = ""
    preview_radix: str = branding.DEFAULT_RADIX
    logo_src: str = ""  # the saved logo's address, or the uploaded one's data: address
    logo_name: str = ""
    logo_error: str = ""
    logo_changed: bool = False
    branding_saved: str = ""
    # Portal.
    tier: str = PortalTier.STANDARD.value
    pages: list[str] = []
    portal_errors: dict[str, str] = {}
    portal_saved: str = ""
    # Payments (read-only).
    gateway: dict[str, str] = {}
    _logo: tuple[str, str] = ("", "")  # the pending upload's (key, name)
    _remove_logo: bool = False

    @rx.var
    def colour_value(self) -> str:
        """What the colour picker shows: the typed colour when it is one, else the portal's own."""
        return branding.normal_accent(self.accent) or branding.RADIX_SCALES[branding.DEFAULT_RADIX]

    @rx.event
    def load(self):
        self.loaded = False
        staff = settings_owner(self)
        if staff is None:
            self.company, self.gateway, self.pages = {}, {}, []
            return
        self.tab = self.tab if self.tab in TABS else "company"
        self._fill(staff)
        self.loaded = True

    def _fill(self, staff: StaffMember) -> None:
        self._drop_logo()
        with unit_of_work(read_only=True) as session:
            row = tenant.contractor(session)
            self.company = company.form_values(session)
            self.accent = row.accent_color or ""
            self.logo_src = branding.brand(session).logo_url
            self.tier = PortalTier(row.portal_tier).value
            self.pages = tenant.default_pages(row)
            status = payments.gateway_status(session, staff)
        self.preview_radix = branding.radix_accent(self.accent)
        self.logo_name, self.logo_changed, self._remove_logo = "", False, False
        self.company_errors, self.portal_errors = {}, {}
        self.accent_error = self.logo_error = ""
        self.company_saved = self.branding_saved = self.portal_saved = ""
        self.gateway = {
            "name": "Stripe" if status.gateway == "stripe" else "Sandbox (test payments only)",
            "secret": "Present" if status.secret_key_set else "Not set",
            "webhook_secret": "Present" if status.webhook_secret_set else "Not set",
            "publishable": f"ends in {status.publishable_key_end}"
            if status.publishable_key_end
            else "Not set",
            "webhook_last": moment(status.webhook_last_received) if status.webhook_last_received else "Never",
        }

    @rx.event
    def set_tab(self, value: str):
        if settings_owner(self) is None:
            return
        wanted = arguments.text(value, 20)
        self.tab = wanted if wanted in TABS else "company"

    # --- company ---------------------------------------------------------------------------------

    @rx.event
    async def save_company(self, form: dict[str, Any]):
        staff = settings_owner(self)
        if staff is None:
            self.company_errors = {"form": NOT_AVAILABLE}
            return
        typed = {key: arguments.text(value, 2000) for key, value in arguments.form(form).items()}
        self.company = {**self.company, **{k: v for k, v in typed.items() if k in self.company}}
        self.company_saved = ""
        try:
            await asyncio.to_thread(_save_company, staff, typed)
        except SettingsError as exc:
            self.company_errors = dict(exc.field_errors)
            return
        except AccessDenied:
            self.company_errors = {"form": NOT_AVAILABLE}
            return
        except Exception:
            log.exception("company settings failed")
            self.company_errors = {"form": TRY_AGAIN}
            return
        self._fill(staff)
        self.company_saved = "Company details saved."

    # --- branding --------------------------------------------------------------------------------

    @rx.event
    def set_accent(self, value: str):
        if settings_owner(self) is None:
            return
        self.accent = arguments.text(value, 20).strip()
        self.accent_error = branding.accent_problem(self.accent) or ""
        self.preview_radix = branding.radix_accent(self.accent)
        self.branding_saved = ""

    @rx.event
    async def upload_logo(self, files: list[rx.UploadFile]):
        """The logo goes to private pending storage and must be a PNG, JPEG or WebP by its content;
        the preview shows it before anything is saved."""
        if settings_owner(self) is None:
            return None
        chosen = uploaded(files)[:1]
        if not chosen:
            return None
        raw_name = chosen[0].name or chosen[0].filename or "logo"
        try:
            found = await asyncio.to_thread(branding.receive_logo, chosen[0].file, raw_name)
            preview = await asyncio.to_thread(branding.preview_uri, found)
        except uploads.UploadRefused as refused:
            self.logo_error = refused.message
            return rx.clear_selected_files(LOGO_UPLOAD)
        self._drop_logo()
        self._logo, self._remove_logo = (found.key, found.name), False
        self.logo_src, self.logo_name, self.logo_changed = preview, found.name, True
        self.logo_error = self.branding_saved = ""
        return rx.clear_selected_files(LOGO_UPLOAD)

    @rx.event
    def remove_logo(self):
        if settings_owner(self) is None:
            return
        self._drop_logo()
        self._remove_logo = True
        self.logo_src, self.logo_name, self.logo_changed, self.branding_saved = "", "", True, ""

    def _drop_logo(self) -> None:
        if self._logo[0]:
            uploads.discard_pending(self._logo[0])
        self._logo = ("", "")

    @rx.event
    async def save_branding(self):
        staff = settings_owner(self)
        if staff is None:
            self.accent_error = NOT_AVAILABLE
            return
        logo = branding.LogoUpload(*self._logo) if self._logo[0] else None
        try:
            await asyncio.to_thread(_save_branding, staff, self.accent, logo, self._remove_logo)
        except SettingsError as exc:
            self.accent_error = exc.field_errors.get("accent", "")
            self.logo_error = exc.field_errors.get("logo", "")
            return
        except AccessDenied:
            self.accent_error = NOT_AVAILABLE
            return
        except Exception:
            log.exception("branding settings failed")
            self.logo_error = TRY_AGAIN
            return
        self._logo = ("", "")  # stored now; the pending copy went with the commit
        self._fill(staff)
        self.tab = "branding"
        self.branding_saved = "Branding saved. The login page, the portal, PDFs and emails use it now."

    # --- portal ----------------------------------------------------------------------------------

    @rx.event
    def set_tier(self, value: str):
        if settings_owner(self) is None:
            return
        wanted = arguments.text(value, 20)
        if wanted in portal_defaults.TIERS:
            self.tier, self.portal_saved = wanted, ""

    @rx.event
    def set_page(self, page: str, checked: bool):
        if settings_owner(self) is None:
            return
        key = arguments.text(page, 20)
        if key not in portal_defaults.PAGE_LABELS:
            return
        chosen = set(self.pages) - {key}
        if arguments.flag(checked):
            chosen.add(key)
        self.pages = [p for p in portal_defaults.PAGE_LABELS if p in chosen]
        self.portal_saved = ""

    @rx.event
    async def save_portal(self):
        staff = settings_owner(self)
        if staff is None:
            self.portal_errors = {"form": NOT_AVAILABLE}
            return
        try:
            await asyncio.to_thread(_save_portal, staff, self.tier, list(self.pages))
        except SettingsError as exc:
            self.portal_errors = dict(exc.field_errors)
            return
        except AccessDenied:
            self.portal_errors = {"form": NOT_AVAILABLE}
            return
        self.portal_errors = {}
        self.portal_saved = "Portal settings saved."


def _save_company(staff: StaffMember, typed: dict[str, str]) -> None:
    with unit_of_work() as session:
        company.save_company(session, staff, typed)


def _save_branding(
    staff: StaffMember, accent: str, logo: branding.LogoUpload | None, remove_logo: bool
) -> None:
    with unit_of_work() as session:
        branding.save_branding(session, staff, accent, logo, remove_logo)


def _save_portal(staff: StaffMember, tier: str, pages: list[str]) -> None:
    with unit_of_work() as session:
        portal_defaults.save_portal(session, staff, tier, pages)
