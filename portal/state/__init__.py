"""Reflex states: what one screen shows now. They call services; they hold no business rules."""
