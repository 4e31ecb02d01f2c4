"""Quotes, jobs and the customer's requests for them."""
