"""The shared UI: the shell every signed-in page sits in, form fields, cards."""
