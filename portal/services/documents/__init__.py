"""Documents a customer downloads: the PDFs the portal draws and the contractor's published documents."""
