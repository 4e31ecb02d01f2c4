"""The Sites area: the list of sites and a site's page with its tabs."""
