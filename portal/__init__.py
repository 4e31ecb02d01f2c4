"""Customer portal for trade contractors."""
