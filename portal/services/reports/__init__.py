"""Read-only reports over the other domains: the dashboard and the Advanced portal's reports."""
