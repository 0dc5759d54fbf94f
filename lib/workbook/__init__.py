"""Integrated Care Evidence Workbook: framework synthesis of integrated care case studies."""
from __future__ import annotations

__version__ = "0.1.0"
