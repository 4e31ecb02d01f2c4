"""What the portal does, as plain functions over a database session. Nothing here imports Reflex."""
