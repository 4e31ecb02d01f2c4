"""A customer's site in the back office: details, site contacts, close."""
