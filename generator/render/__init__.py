"""Rendering: the one Jinja environment, the plan of files, the writer."""
