"""Files on disk outside Reflex's public folder: storage, uploads checked by content, attachments."""
