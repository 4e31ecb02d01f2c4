"""The one error a settings command raises: what to show beside each field, nothing saved."""

from __future__ import annotations


class SettingsError(Exception):
    """Field name to message; ``form`` for a message about the whole form."""

    def __init__(self, field_errors: dict[str, str] | None = None, **fields: str) -> None:
        self.field_errors: dict[str, str] = {**(field_errors or {}), **fields}
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.field_errors.items()))
