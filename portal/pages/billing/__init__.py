"""Screens of the billing domain: money owed and paid."""
