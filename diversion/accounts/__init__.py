"""Accounts: sign-in with a password and a code, sessions held on the server, two-factor set-up and
recovery codes, passwords, throttling, and her own account pages."""
