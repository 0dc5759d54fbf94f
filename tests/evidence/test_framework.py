"""framework.yaml: loading, ids, and located errors."""
from pathlib import Path

import pytest

from workbook.core.errors import EvidenceError
from workbook.evidence.framework import PETCH_DIMENSIONS, load_framework


def test_the_shipped_framework_has_the_seven_fixed_ids_and_requirements(framework):
    assert framework.dimension_ids == PETCH_DIMENSIONS
    assert len(framework.dimension("leadership").requires) == 7
    assert framework.requirements[0].id == "vision.r1"
    assert framework.order({"outcomes", "vision"}) == ("vision", "outcomes")


def test_an_unknown_dimension_is_named_with_the_known_ones(framework):
    with pytest.raises(EvidenceError, match="unknown dimension id 'visoin'.*vision, leadership"):
        framework.dimension("visoin")


def test_a_requirement_id_must_belong_to_its_dimension(tmp_path: Path):
    path = tmp_path / "fw.yaml"
    path.write_text("id: x\ntitle: X\ndimensions:\n  - id: vision\n    label: V\n    definition: d\n"
                    "    requires:\n      - id: time.r1\n        text: t\n", encoding="utf-8")
    with pytest.raises(EvidenceError) as err:
        load_framework(path)
    assert "fw.yaml:8" in str(err.value) and "vision.rN" in str(err.value)
