"""Monitoring: the guide's standard monitoring data and the aggregate reports for managers and
commissioners (docs/architecture.md)."""
