"""Screens' states of the identity domain: who is signed in."""
