"""The office's customers: list, create, a customer's page with its contacts and their logins."""
