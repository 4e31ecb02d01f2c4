"""The contractor's customers as the back office keeps them: the list, one customer's record and
page, and deactivating a customer (which ends its contacts' logins)."""
