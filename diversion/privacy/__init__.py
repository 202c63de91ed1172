"""Data protection: the audit trail's search, retention and erasure, subject access, the processing
register and key rotation."""
