"""Catalog facts of SaaS connectors: Salesforce (window in SOQL), Google Sheets."""

from __future__ import annotations

from .model import Connector

ALL: list[Connector] = []
