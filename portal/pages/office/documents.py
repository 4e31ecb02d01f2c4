"""Published documents and attached files, and whether the customer sees them."""
