"""``tdgen import``: a hand-copied legacy ingestion project taken in as specs.

``legacy`` reads the project (workflows, datasource lists, load configs, month ranges) with
positions; ``mapping`` turns each legacy source into a spec and notes; ``report`` says what was
carried over, what was not and what a reviewer must accept; ``write`` validates the specs with
the project's own loader and writes them all or none.
"""
