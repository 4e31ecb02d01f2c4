"""Screens' states of the files domain: files on disk outside Reflex's public folder."""
