"""cases.yaml: loading, ids, and located errors."""
from pathlib import Path

import pytest

from workbook.core.errors import EvidenceError, ParameterError
from workbook.evidence.cases import get_case, load_cases


def test_the_three_cases_load_in_order():
    assert list(load_cases()) == ["torbay", "english_pilots", "east_london"]


def test_an_unknown_or_hostile_case_id_is_refused_with_the_known_ones():
    with pytest.raises(ParameterError, match="unknown case_id 'leeds'.*torbay, english_pilots, east_london"):
        get_case("leeds")
    with pytest.raises(ParameterError, match="not a valid identifier"):
        get_case("../torbay")


def test_duplicate_case_ids_are_refused_with_their_line(evidence_copy: Path):
    path = evidence_copy / "cases.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("id: east_london", "id: torbay"), encoding="utf-8")
    with pytest.raises(EvidenceError, match=r"cases.yaml:\d+ \[cases/2\]: duplicate case id 'torbay'"):
        load_cases(evidence_copy)
