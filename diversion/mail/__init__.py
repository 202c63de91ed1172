"""Outgoing mail: senders (SMTP, or files in development) and the queue every email goes through."""
