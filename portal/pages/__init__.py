"""Pages grouped as the services are, one module per screen. Importing this package registers every
page with the shell."""

from portal.pages import dashboard, reports  # noqa: F401
from portal.pages.assets import assets  # noqa: F401
from portal.pages.billing import invoices, manage_payments, statement  # noqa: F401
from portal.pages.identity import auth, contacts, preferences  # noqa: F401
from portal.pages.office import asset_lists, calendar, day, home, office_assets, office_sites, staff  # noqa: F401
from portal.pages.office import auth as office_auth  # noqa: F401
from portal.pages.office import customers as office_customers  # noqa: F401
from portal.pages.office import documents as office_documents  # noqa: F401
from portal.pages.office import importing as office_importing  # noqa: F401
from portal.pages.office import inbox as office_inbox  # noqa: F401
from portal.pages.office import invoices as office_invoices  # noqa: F401
from portal.pages.office import jobs as office_jobs  # noqa: F401
from portal.pages.office import outbox as office_outbox  # noqa: F401
from portal.pages.office import payments as office_payments  # noqa: F401
from portal.pages.office import quotes as office_quotes  # noqa: F401
from portal.pages.office import recurring as office_recurring  # noqa: F401
from portal.pages.office import settings as office_settings  # noqa: F401
from portal.pages.sites import site, sites  # noqa: F401
from portal.pages.work import jobs, quotes, request, tasks  # noqa: F401
