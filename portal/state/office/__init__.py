"""The back office's states: one per screen, each re-checking the staff member on every event."""
