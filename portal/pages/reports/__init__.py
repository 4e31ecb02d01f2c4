"""Menu Reports: the index and one module per report (Advanced ones refuse on the Standard tier)."""

from portal.pages.reports import advanced, defects, index, ppm, test_history  # noqa: F401
