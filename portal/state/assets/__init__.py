"""Screens' states of the assets domain: assets on the customer's sites and their maintenance."""
