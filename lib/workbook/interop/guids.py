"""Stable GUIDs for everything the workbook exports, derived from ids so that repeated exports agree."""
from __future__ import annotations

import uuid

WORKBOOK_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:integrated-care-workbook:refi-qda")
"""The namespace of every workbook GUID (a constant: changing it would change every exported GUID)."""


def stable_guid(kind: str, *parts: str) -> str:
    """The GUID of one exported thing (kind such as 'code', 'source', 'selection' plus its ids), upper-case."""
    name = "\x1f".join((kind, *(str(p) for p in parts)))
    return str(uuid.uuid5(WORKBOOK_NAMESPACE, name)).upper()


def normalise_guid(value: str) -> str:
    """A GUID as compared: braces removed, lower-case (tools write either form)."""
    return str(value).strip().strip("{}").lower()
