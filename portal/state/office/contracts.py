"""``/office/contracts/new?customer=ID`` and ``/office/contracts/[contract_id]``: a customer's contract,
the sites it covers (ticked from the customer's sites) and its assets (by asset number, or every
active asset at the covered sites). The contract and customer live in backend vars; every handler
asks for the staff member with ``MANAGE_CUSTOMERS`` again."""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal.core.principal import AccessDenied, Duty, StaffMember
from portal.db import unit_of_work
from portal.services.assets import office_contracts, registry
from portal.services.assets.office_contracts import ContractError, ContractForm
from portal.state import arguments
from portal.state.office.session import office_staff

DUTY = Duty.MANAGE_CUSTOMERS
TEXT_FIELDS = ("number", "name", "start_date", "expiry_date", "value", "notes", "asset_numbers")
SITE_PREFIX = "site-"


def _amount(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


class OfficeContractState(rx.State):
    is_new: bool = False
    found: bool = True
    loaded: bool = False
    heading: str = ""
    customer_name: str = ""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    sites: list[dict[str, str]] = []  # the customer's open sites, ticked when covered
    form_key: int = 0
    busy: bool = False
    _contract_id: int = 0
    _customer_id: int = 0

    def _staff(self) -> StaffMember | None:
        return office_staff(self, DUTY)

    def _sites(self, staff: StaffMember, covered: set[int]) -> None:
        with unit_of_work(read_only=True) as session:
            options = registry.site_options(session, staff, self._customer_id)
        self.sites = [{"id": str(i), "name": n, "checked": "yes" if i in covered else ""} for i, n in options]

    def _show(self, staff: StaffMember, contract_id: Any) -> bool:
        with unit_of_work(read_only=True) as session:
            d = office_contracts.contract_detail(session, staff, contract_id)
        if d is None:
            self.found, self._contract_id = False, 0
            return False
        self._contract_id, self._customer_id = d.id, d.customer_id
        self.found, self.is_new = True, False
        self.heading, self.customer_name = f"Contract {d.number}", d.customer_name
        self.values = {
            "number": d.number,
            "name": d.name,
            "start_date": d.start_date.isoformat(),
            "expiry_date": d.expiry_date.isoformat(),
            "value": _amount(d.value_cents),
            "notes": d.notes,
            "asset_numbers": "\n".join(d.asset_numbers),
        }
        self.errors, self.form_key = {}, self.form_key + 1
        self._sites(staff, set(d.site_ids))
        return True

    @rx.event
    def load(self):
        self.loaded, self.found, self.errors, self.busy = False, True, {}, False
        self._contract_id = self._customer_id = 0
        staff = self._staff()
        if staff is None:
            return
        raw = self.router.page.params.get("contract_id", "")
        self._show(staff, raw if isinstance(raw, str) else "")
        self.loaded = True

    @rx.event
    def start_new(self):
        self.loaded, self.found, self.is_new, self.busy = False, True, True, False
        self._contract_id = self._customer_id = 0
        self.values, self.errors, self.sites, self.form_key = {}, {}, [], self.form_key + 1
        staff = self._staff()
        if staff is None:
            return
        raw = self.router.url.query_parameters.get("customer", "")
        with unit_of_work(read_only=True) as session:
            customer = office_contracts.office_customer(session, staff, raw if isinstance(raw, str) else "")
        if customer is None or customer.id is None:
            self.found, self.loaded = False, True
            return
        self._customer_id, self.customer_name, self.heading = customer.id, customer.name, "New contract"
        self._sites(staff, set())
        self.loaded = True

    @rx.event
    def save(self, form: dict):
        staff = self._staff()
        if staff is None or self.busy or not (self._contract_id or (self.is_new and self._customer_id)):
            return None
        form = arguments.form(form)
        typed = {name: arguments.text(form.get(name), 100_000) for name in TEXT_FIELDS}
        site_ids = [
            key[len(SITE_PREFIX) :]
            for key, value in list(form.items())[:2000]
            if isinstance(key, str) and key.startswith(SITE_PREFIX) and value not in (False, None, "", "off")
        ]
        sent = ContractForm(
            **typed, site_ids=site_ids, all_assets=form.get("all_assets") not in (False, None, "", "off")
        )
        self.busy = True
        try:
            with unit_of_work() as session:
                if self.is_new:
                    contract = office_contracts.create_contract(session, staff, self._customer_id, sent)
                else:
                    contract = office_contracts.update_contract(session, staff, self._contract_id, sent)
                contract_id = contract.id if contract is not None else None
        except ContractError as err:
            self.errors = dict(err.field_errors)
            self.values = typed
            chosen = set(site_ids)
            self.sites = [{**s, "checked": "yes" if s["id"] in chosen else ""} for s in self.sites]
            self.form_key += 1
            return rx.toast.error("Check the fields marked in red.")
        except AccessDenied:
            return rx.toast.error("Not available to your role.")
        finally:
            self.busy = False
        if contract_id is None:
            self.found = False
            return rx.toast.error("That contract is not available.")
        if self.is_new:
            return [rx.toast.success("Contract created."), rx.redirect(f"/office/contracts/{contract_id}")]
        self._show(staff, contract_id)
        return rx.toast.success("Contract saved.")
