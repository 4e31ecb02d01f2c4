"""Screens' states of the reports domain: read-only reports over the other domains."""
