"""Below core and io: what both need (domain errors, problems found in files, name matching)."""
