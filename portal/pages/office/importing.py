"""Import customers, sites, contacts and assets from CSV files: a preview, then one transaction."""
