"""Clients and cases: finding and adding clients, opening cases, court outcomes, closing, notes,
and the compliance rule with its adapters."""
