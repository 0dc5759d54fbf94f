"""Tests of the learned coder: training, prediction, determinism, minimum training data."""
from __future__ import annotations

import itertools

import pandas as pd
import pytest

from workbook.coding.rules import code_frame, default_coder
from workbook.core.errors import ParameterError
from workbook.evidence.framework import PETCH_DIMENSIONS, load_framework
from workbook.coding.learned import enough_training, learned_coder, seed_training

TOPICS = {
    "vision": ["a shared vision", "common goals", "a clear purpose"],
    "leadership": ["strong leaders", "senior leadership", "local champions"],
    "culture": ["mutual trust", "professional cultures", "shared values"],
    "local_context": ["local funding", "council budgets", "the IT systems"],
    "integrated_teams": ["co-located teams", "the multidisciplinary team", "case managers"],
    "time": ["several years", "a long timescale", "slow progress over time"],
    "outcomes": ["hospital admissions", "patient outcomes", "quality of life"],
}
FRAMES = [("{} helped the partnership", "facilitator"), ("{} got in the way badly", "barrier"),
          ("the report described {}", "neutral")]


def synthetic() -> pd.DataFrame:
    rows = []
    for dim, phrases in TOPICS.items():
        for phrase, (frame, pol) in itertools.product(phrases, FRAMES):
            rows.append({"text": frame.format(phrase), "dimensions": dim, "polarity": pol})
    rows.append({"text": "nothing in particular was said", "dimensions": "", "polarity": "neutral"})
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def petch():
    return load_framework()


def test_enough_training_documents_minimum():
    data = synthetic()
    assert len(data) >= 30 and enough_training(data)
    assert not enough_training(data.head(20))
    assert not enough_training(data[data["dimensions"] != "time"])
    assert not enough_training(data.drop(columns=["polarity"]))
    assert not enough_training(None)


def test_learned_coder_trains_and_predicts(petch):
    coder = learned_coder(petch, synthetic())
    out = coder.code(["the multidisciplinary team helped the partnership",
                      "hospital admissions got in the way badly",
                      "the report described a shared vision"])
    assert "integrated_teams" in out[0].dimensions and out[0].polarity == "facilitator"
    assert "outcomes" in out[1].dimensions and out[1].polarity == "barrier"
    assert "vision" in out[2].dimensions and out[2].polarity == "neutral"
    assert set(out[0].scores) == set(PETCH_DIMENSIONS)
    assert "integrated_teams p=" in out[0].reasons


def test_learned_coder_is_deterministic(petch):
    texts = ["slow progress with council budgets", "strong leaders and mutual trust", ""]
    a = learned_coder(petch, synthetic()).code(texts)
    b = learned_coder(petch, synthetic().sample(frac=1.0, random_state=3).sort_index()).code(texts)
    assert a == b


def test_learned_coder_through_code_frame(petch):
    coder = learned_coder(petch, synthetic())
    out = code_frame(pd.DataFrame({"id": [1], "text": ["case managers helped the partnership"]}), petch,
                     coder=coder, scores=True)
    assert out["dimensions"].iat[0] == "integrated_teams"
    assert 0.0 <= out["score_outcomes"].iat[0] <= 1.0


def test_learned_coder_refuses_bad_training(petch):
    with pytest.raises(ParameterError, match="lacks column"):
        learned_coder(petch, pd.DataFrame({"text": ["x"]}))
    bad = synthetic()
    bad.loc[0, "polarity"] = "positive"
    with pytest.raises(ParameterError, match="positive"):
        learned_coder(petch, bad)


def test_seed_training_is_not_empty_and_labelled(petch):
    seed = seed_training(petch)
    assert len(seed) > 100
    assert set(seed["polarity"]) <= {"barrier", "facilitator", "neutral"}
    for dim in PETCH_DIMENSIONS:
        assert (seed["dimensions"] == dim).sum() >= 5


def test_default_coder_auto_uses_learned_when_enough(petch, tmp_path):
    from dataclasses import replace
    auto = replace(petch, coding={**petch.coding, "default_coder": "auto"})
    assert default_coder(auto, synthetic()).name == "learned"
    assert default_coder(auto, None).name == "rules"
    learned = replace(petch, coding={**petch.coding, "default_coder": "learned"})
    with pytest.raises(ParameterError, match="not enough"):
        default_coder(learned, synthetic().head(5))
