"""Tests of workbook.coding.model: fitting, calibrated confidence, reasons, the confidence column, saving
and loading (round trip, corrupt files), the shipped model, and refitting with a prior. Synthetic data only."""
from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest

from workbook.coding.model import (SHIPPED_MODEL, ModelCoder, ModelCoding, fit_model, load_model, model_coder,
                                   project_model_path, save_model)
from workbook.coding.rules import code_frame, rule_coder
from workbook.core.errors import ParameterError

CLEAR = {"vision": "a shared vision and common purpose", "leadership": "senior leaders and board governance",
         "culture": "professional cultures and mutual trust", "local_context": "pooled budgets and local funding",
         "integrated_teams": "a multidisciplinary team with a single point of access",
         "time": "the short pilot period and the years needed", "outcomes": "emergency admissions and bed days"}
POLAR = {"facilitator": "greatly helped", "barrier": "seriously hindered", "neutral": "were described in"}
FILLER = ["the partnership", "the programme", "the district", "the service", "the scheme", "the region"]


def synthetic(n: int, seed: int) -> pd.DataFrame:
    """Sentences whose codes follow clear phrases half the time and are random otherwise (vague phrases)."""
    rng = random.Random(seed)
    dims, pols = list(CLEAR), list(POLAR)
    rows = []
    for i in range(n):
        d, p = rng.choice(dims), rng.choice(pols)
        if rng.random() < 0.5:
            text = f"In {rng.choice(FILLER)}, {CLEAR[d]} {POLAR[p]} the work of site {i % 17}."
        else:
            text = f"Arrangements in {rng.choice(FILLER)} changed somewhat at site {i % 17}."
        rows.append((text, d, p, f"pub{i // 4}"))
    return pd.DataFrame(rows, columns=["text", "dimensions", "polarity", "publication"])


@pytest.fixture(scope="module")
def fitted(framework) -> ModelCoder:
    train = synthetic(280, 1)
    return fit_model(framework, train["text"].tolist(), train["dimensions"].tolist(), train["polarity"].tolist(),
                     groups=train["publication"].tolist(), rules=rule_coder(framework))


def test_clear_sentences_are_coded_right(fitted):
    out = fitted.code(["In the region, senior leaders and board governance seriously hindered the work of site 3.",
                       "In the scheme, emergency admissions and bed days greatly helped the work of site 5."])
    assert out[0].dimensions == ("leadership",) and out[0].polarity == "barrier"
    assert out[1].dimensions == ("outcomes",) and out[1].polarity == "facilitator"
    assert all(isinstance(c, ModelCoding) for c in out)


def test_confidence_is_in_0_1_and_monotone_with_accuracy_on_held_out_data(fitted):
    test = synthetic(420, 2)
    out = fitted.code(test["text"].tolist())
    conf = np.array([c.confidence for c in out])
    assert ((conf >= 0) & (conf <= 1)).all()
    right = np.array([c.dimensions == (d,) and c.polarity == p
                      for c, d, p in zip(out, test["dimensions"], test["polarity"])], dtype=float)
    order = np.argsort(conf, kind="stable")
    thirds = [right[part].mean() for part in np.array_split(order, 3)]
    assert thirds[0] <= thirds[1] <= thirds[2]
    assert thirds[2] - thirds[0] > 0.4
    # calibrated: the mean confidence is close to the share right
    assert abs(conf.mean() - right.mean()) < 0.15
    # per-dimension probabilities are probabilities too
    assert all(0.0 <= v <= 1.0 for c in out for v in c.scores.values())


def test_reasons_name_probability_strong_features_confidence_and_cues(fitted):
    (c,) = fitted.code(["In the district, a shared vision and common purpose greatly helped the work of site 2."])
    assert c.dimensions == ("vision",)
    assert c.reasons.startswith("vision p=")
    assert "'vision'" in c.reasons or "'share vision'" in c.reasons or "rule vision" in c.reasons
    assert "polarity facilitator p=" in c.reasons and "confidence " in c.reasons and "cues: " in c.reasons


def test_code_frame_gets_a_confidence_column_from_the_model_only(fitted, framework):
    df = pd.DataFrame({"text": ["Senior leaders and board governance greatly helped.", ""]})
    coded = code_frame(df, framework, coder=fitted)
    assert "confidence" in coded.columns
    assert coded["confidence"].between(0, 1).all()
    assert "confidence" not in code_frame(df, framework, coder=rule_coder(framework)).columns


def test_save_and_load_round_trip(fitted, framework, tmp_path):
    path = save_model(fitted, tmp_path / "m.json")
    again = load_model(path, framework, rule_coder(framework))
    texts = synthetic(30, 3)["text"].tolist()
    for a, b in zip(again.code(texts), fitted.code(texts)):  # weights are stored to 5 decimals
        assert (a.dimensions, a.polarity) == (b.dimensions, b.polarity)
        assert a.confidence == pytest.approx(b.confidence, abs=1e-3)
        assert a.scores == pytest.approx(b.scores, abs=1e-3)
    assert "Arrangements" not in path.read_text()  # weights, not sentences


@pytest.mark.parametrize("content,expected", [
    ("{not json", "is not a readable model file"),
    ('{"format": "something else"}', "not a workbook-model-coder/1 model"),
    ("", "is not a readable model file"),
])
def test_a_corrupt_model_file_is_one_clear_error(framework, tmp_path, content, expected):
    path = tmp_path / "coder.json"
    path.write_text(content)
    with pytest.raises(ParameterError) as err:
        load_model(path, framework, rule_coder(framework))
    assert "coder.json" in str(err.value) and expected in str(err.value) and "workbook train" in str(err.value)


def test_a_model_with_out_of_range_columns_or_other_dimensions_is_refused(fitted, framework, tmp_path):
    data = json.loads(save_model(fitted, tmp_path / "m.json").read_text())
    data["dimensions"]["vision"]["coef"]["99999999"] = 1.0
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(ParameterError, match="outside"):
        load_model(tmp_path / "bad.json", framework, rule_coder(framework))
    data = json.loads((tmp_path / "m.json").read_text())
    data["dimension_ids"] = ["a", "b"]
    (tmp_path / "other.json").write_text(json.dumps(data))
    with pytest.raises(ParameterError, match="not the framework's"):
        load_model(tmp_path / "other.json", framework, rule_coder(framework))


def test_fit_refuses_bad_labels(framework):
    with pytest.raises(ParameterError, match="polarity values"):
        fit_model(framework, ["a"], [""], ["good"], rules=rule_coder(framework))
    with pytest.raises(ParameterError, match="not in the framework"):
        fit_model(framework, ["a"], ["teamwork"], ["neutral"], rules=rule_coder(framework))
    with pytest.raises(ParameterError, match="no coded texts"):
        fit_model(framework, [], [], [], rules=rule_coder(framework))
    with pytest.raises(ParameterError, match="needs the rule coder"):
        fit_model(framework, ["a"], [""], ["neutral"])


def test_the_shipped_model_loads_and_codes(framework):
    assert SHIPPED_MODEL.exists()
    coder = load_model(SHIPPED_MODEL, framework, rule_coder(framework))
    assert "train_set" in coder.meta["source"] and coder.meta["min_publications_per_hashed_feature"] >= 3
    (c,) = coder.code(["There was a lack of leadership and no shared vision."])
    assert 0 <= c.confidence <= 1 and c.polarity == "barrier"


def test_model_coder_prefers_the_projects_own_model(fitted, framework, tmp_path):
    assert model_coder(framework, rule_coder(framework), tmp_path).meta == load_model(SHIPPED_MODEL, framework, rule_coder(framework)).meta
    save_model(fitted, project_model_path(tmp_path))
    assert model_coder(framework, rule_coder(framework), tmp_path).meta == fitted.meta


def test_refitting_with_a_prior_keeps_it_for_dimensions_without_examples(fitted, framework):
    texts = ["Quirkle arrangements were reported."] * 6 + ["Nothing about zorp happened."] * 6
    refit = fit_model(framework, texts, ["culture"] * 6 + [""] * 6, ["neutral"] * 12, prior=fitted)
    probe = "In the scheme, emergency admissions and bed days greatly helped the work of site 5."
    (before,) = fitted.code([probe])
    (after,) = refit.code([probe])
    assert "outcomes" in before.dimensions and "outcomes" in after.dimensions  # no examples: prior kept
    assert after.scores["outcomes"] == pytest.approx(before.scores["outcomes"], abs=0.02)
    quirkle = "Quirkle arrangements were reported."
    (old,), (new,) = fitted.code([quirkle]), refit.code([quirkle])
    assert "culture" not in old.dimensions
    # the decisions move the coder towards culture; a penalised correction, not a jump (ADAPT_C, measured)
    assert new.scores["culture"] > old.scores["culture"] + 0.2, (old.scores, new.scores)


def test_adapting_to_decisions_that_agree_with_the_prior_changes_little(framework):
    shipped = load_model(SHIPPED_MODEL, framework, rule_coder(framework))
    texts = [f"Staff from the two organisations did not trust each other at site {i}." for i in range(8)]
    texts += [f"Emergency admissions fell by a fifth at site {i}." for i in range(8)]
    before = shipped.code(texts)
    dims, pols = [";".join(c.dimensions) for c in before], [c.polarity for c in before]  # decisions that agree
    assert all(dims) and len(set(pols)) >= 2  # coded, with more than one polarity
    refit = fit_model(framework, texts, dims, pols, prior=shipped)
    after = refit.code(texts)
    assert sum(a.dimensions == b.dimensions for a, b in zip(after, before)) >= 14
    assert np.mean([abs(a.scores[d] - b.scores[d]) for a, b in zip(after, before) for d in a.scores]) < 0.1
    assert sum(c.polarity == p for c, p in zip(after, pols)) >= 14
    assert refit.dims["culture"].threshold == shipped.dims["culture"].threshold  # thresholds are the prior's
