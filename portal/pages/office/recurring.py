"""Recurring invoices: lines, frequency, autopay, pause and end, and the run history."""
