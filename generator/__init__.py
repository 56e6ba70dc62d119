"""Generate, check and deploy Treasure Data ingestion workflows from source specs."""

__version__ = "0.1.0"
