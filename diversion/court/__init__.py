"""The court and the CPS: sitting-day lists, compliance reports and their sign-off, and the jobs
that send them."""
