"""The owner's settings: company, branding, tier, default pages, scripts, price list, gateway."""
