"""Working as one partnership: the caseload check across every organisation."""
