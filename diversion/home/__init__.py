"""Where each role lands after signing in: the caseload, reports due and texts that need her."""
