"""Mail to customers and staff, queued in the database and delivered in the background."""
