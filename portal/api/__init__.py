"""HTTP routes mounted on the Reflex backend (they run before Reflex's own routes)."""

from starlette.applications import Starlette

from portal.api import (
    advanced_reports,
    assets,
    auth_routes,
    branding,
    documents,
    exports,
    files,
    maintenance_reports,
    office_customers,
    office_files,
    ppm,
    view_as,
    webhooks,
)
from portal.api.credentials import guard_credentials
from portal.api.headers import security_headers
from portal.api.limits import upload_cap


def backend() -> list:
    """The api_transformer chain: our routes first, a cap on upload bodies, raw secrets kept from
    Reflex's state, headers on every response."""
    routes = [
        *auth_routes.routes,
        *files.routes,
        *exports.routes,
        *documents.routes,
        *webhooks.routes,
        *assets.routes,
        *ppm.routes,
        *maintenance_reports.routes,
        *advanced_reports.routes,
        *office_files.routes,
        *view_as.routes,
        *branding.routes,
        *office_customers.routes,
    ]
    return [Starlette(routes=routes), upload_cap, guard_credentials, security_headers]
