"""Placeholder: this area's download routes."""

routes: list = []
