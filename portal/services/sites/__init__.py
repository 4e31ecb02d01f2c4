"""The customer's sites and what a contact may see of them."""
