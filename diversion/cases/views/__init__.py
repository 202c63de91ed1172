"""Client and case pages (two blueprints: clients, cases)."""
