"""One module per menu area. Importing this package registers every page with the shell."""

from portal.pages import areas, auth, dashboard, jobs, preferences, quotes  # noqa: F401
