"""Placeholder: replaced by the report's own page."""
