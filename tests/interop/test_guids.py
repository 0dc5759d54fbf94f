"""Stable GUIDs: derived from ids, the same on every export, in the schema's GUID form."""
import re

from workbook.interop.guids import normalise_guid, stable_guid

GUID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


def test_same_ids_give_the_same_guid_and_different_ids_differ():
    assert stable_guid("code", "petch_2014", "vision") == stable_guid("code", "petch_2014", "vision")
    assert stable_guid("code", "petch_2014", "vision") != stable_guid("code", "petch_2014", "time")
    assert stable_guid("code", "a", "bc") != stable_guid("code", "ab", "c")  # parts cannot run together


def test_guids_have_the_schema_form():
    assert GUID.match(stable_guid("source", "ling_2012"))


def test_normalise_ignores_braces_and_case():
    g = stable_guid("user", "coder_a")
    assert normalise_guid("{" + g.lower() + "}") == normalise_guid(g)
