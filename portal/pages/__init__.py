"""One module per menu area. Importing this package registers every page with the shell."""

import portal.pages.request  # noqa: F401  (Request a Quote, Book a Job)
from portal.pages import (  # noqa: F401
    areas,
    assets,
    auth,
    dashboard,
    invoices,
    jobs,
    manage_payments,
    preferences,
    quotes,
    reports,
    statement,
)
