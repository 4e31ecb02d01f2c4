"""The mail outbox and the integration events log."""
