"""Catalog facts per connector, each with its source; ``generator.catalog`` gathers them."""
