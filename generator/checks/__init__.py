"""Checks: one module each, with a rule id; each yields findings, never raises for one."""
