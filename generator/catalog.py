"""The connector catalog: what the generator knows of each TD input connector.

The facts live in ``generator/connectors/`` (one module per kind of connector), each with its
source and confidence; this module is the catalog's entry point: ``CONNECTORS`` and ``get``.
"""

from __future__ import annotations

from .connectors import apis, databases, days, files, saas
from .connectors.model import (EXCLUSIVE, INCLUSIVE, LEGACY, OURS, TD_BOXES, UNKNOWN, Bounds,
                               Connector, Fact, Param, Window, query_bounds)

__all__ = ["CONNECTORS", "EXCLUSIVE", "INCLUSIVE", "LEGACY", "OURS", "TD_BOXES", "UNKNOWN",
           "Bounds", "Connector", "Fact", "Param", "Window", "get", "query_bounds"]

CONNECTORS: dict[str, Connector] = {
    c.type: c for module in (apis, databases, days, files, saas) for c in module.ALL}


def get(connector_type: str) -> Connector | None:
    return CONNECTORS.get(connector_type)
