"""What every domain of the portal uses, whatever screen or route calls it."""
