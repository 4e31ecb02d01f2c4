"""Screens of the identity domain: who is signed in."""
