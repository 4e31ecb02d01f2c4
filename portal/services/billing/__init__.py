"""Money owed and paid: invoices, the statement, card payments, automatic payments, saved cards, gateways."""
