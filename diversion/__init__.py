"""The court diversion scheduler: the application (create_app in diversion/app.py) and its
capabilities: accounts, cases, court, mail, privacy and admin. See docs/architecture.md."""
