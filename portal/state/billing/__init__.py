"""Screens' states of the billing domain: money owed and paid."""
