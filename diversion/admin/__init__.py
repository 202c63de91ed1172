"""Administration: courts, venues, requirement types and user accounts, and the reference data
every installation starts with."""
