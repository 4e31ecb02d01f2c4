"""Placeholder: replaced by Assets > View Assets."""
