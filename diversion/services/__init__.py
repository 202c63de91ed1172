"""Services: one user-level operation each, inside one transaction (views never commit)."""
