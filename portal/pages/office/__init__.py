"""The back office's screens under /office, one module per screen."""
