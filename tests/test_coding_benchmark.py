"""benchmarks/coding_accuracy.py: says so and exits 0 when the shared coded sentences are absent; on the shared
train set (skipped when ../shared/coding is absent) the grouped cross-validation keeps every publication on one
side, and the report has the figures and a verdict per goal. Nothing from the train set is written."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchmark_helpers import load_benchmark

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "coding" / "train_set.csv"
needs_shared = pytest.mark.skipif(not TRAIN.exists(), reason=f"the shared coded sentences are absent ({TRAIN.parent} "
                                  "is not here; it exists in CI and on the project machine)")


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("coding_accuracy")


def test_absent_train_set_is_said_and_exits_0(bench, tmp_path, capsys):
    assert bench.main(["--train", str(tmp_path / "nowhere.csv")]) == 0
    assert "Nothing measured" in capsys.readouterr().out


def test_scores_and_bootstrap_intervals(bench):
    ids = ("a", "b")
    gold = np.array([[1, 0], [0, 1], [1, 1], [0, 0]] * 5)
    pol = np.array(["barrier", "neutral", "facilitator", "neutral"] * 5, dtype=object)
    perfect = bench.scores(gold, gold, pol, pol, ids)
    assert perfect["mean_kappa"] == 1.0 and perfect["polarity_accuracy"] == 1.0
    wrong = bench.scores(gold, 1 - gold, pol, pol[::-1], ids)
    assert wrong["mean_kappa"] < 0 and wrong["polarity_accuracy"] < 1
    groups = np.repeat(np.arange(10), 2)
    ci = bench.bootstrap(gold, 1 - gold, pol, pol, groups, ids, 50)
    assert ci["mean_kappa"][0] <= wrong["mean_kappa"] <= ci["mean_kappa"][1]


@pytest.mark.slow
@needs_shared
def test_grouped_cross_validation_report(bench, capsys):
    assert bench.main(["--folds", "3", "--bootstrap", "20", "--no-curve", "--no-dev", "--no-project"]) == 0
    out = capsys.readouterr().out
    assert "Publication-grouped 3-fold cross-validation" in out
    assert "  rules: mean kappa" in out and "  model: mean kappa" in out and "Brier score" in out
    assert "lowest dimension" in out and "polarity accuracy" in out and ("met" in out)
    train = pd.read_csv(TRAIN, dtype=str, keep_default_na=False)
    assert train["text"].iloc[0] not in out  # figures, not sentences
