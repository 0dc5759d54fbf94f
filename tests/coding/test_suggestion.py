"""The Coder contract every coder keeps: one Coding per text, in input order, with framework ids in framework
order, a known polarity and numeric scores, the same whether texts come one at a time or in a batch."""
from __future__ import annotations

import math

import pytest

from workbook.coding.learned import learned_coder, seed_training
from workbook.coding.model import model_coder
from workbook.coding.rules import rule_coder
from workbook.coding.suggestion import Coder, Coding
from workbook.evidence.framework import POLARITIES

TEXTS = ["Leaders from the council and the trust shared a vision of care closer to home.",
         "Staff turnover and separate budgets hindered the integrated teams.",
         "",
         "Emergency admissions fell by 14% over three years.",
         "The pilot ran for only two years, too short to embed change."]


@pytest.fixture(scope="module", params=["rules", "model", "learned"])
def coder(request, framework) -> Coder:
    """Each kind of coder the workbook builds."""
    rules = rule_coder(framework)
    return {"rules": lambda: rules, "model": lambda: model_coder(framework, rules),
            "learned": lambda: learned_coder(framework, seed_training(framework))}[request.param]()


def test_one_coding_per_text_with_known_ids_in_framework_order(coder: Coder, framework):
    codings = coder.code(TEXTS)
    assert len(codings) == len(TEXTS) and all(isinstance(c, Coding) for c in codings)
    for c in codings:
        assert c.dimensions == framework.order(c.dimensions) and len(set(c.dimensions)) == len(c.dimensions)
        assert set(c.dimensions) <= set(framework.dimension_ids)
        assert c.polarity in POLARITIES
        assert all(isinstance(v, float) and not math.isnan(v) for v in c.scores.values())
    assert codings[2].dimensions == ()  # an empty text says nothing about any dimension


def test_a_batch_codes_each_text_as_it_would_alone_and_keeps_the_input_order(coder: Coder):
    batch = coder.code(TEXTS)
    assert coder.code(TEXTS[::-1]) == batch[::-1]
    assert [coder.code([t])[0] for t in TEXTS] == batch
    assert coder.code([]) == []
