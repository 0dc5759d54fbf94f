"""Checks of the optional evidence files (outcomes, review findings, checklist decisions), registered with validate."""
from __future__ import annotations
