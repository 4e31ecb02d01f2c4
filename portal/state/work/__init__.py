"""Screens' states of the work domain: quotes, jobs and the customer's requests for them."""
