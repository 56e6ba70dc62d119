"""The one reader of Digdag projects, shared by the checker and the local engine."""
