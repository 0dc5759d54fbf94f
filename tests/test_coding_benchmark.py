"""benchmarks/coding_accuracy.py: says so and exits 0 when the shared coded sentences are absent, 2 on bad input;
its kappa and publication bootstrap agree with sklearn and with resampling rows; curve steps are compared paired;
the learning curve and the data-size curve run end to end (on the project's own reviewed findings, so without
../shared); on the shared train set (skipped when ../shared/coding is absent) the grouped cross-validation keeps
every publication on one side, and the report has the figures and a verdict per goal. Nothing from the train set
is written."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from benchmark_helpers import load_benchmark
from sklearn.metrics import cohen_kappa_score

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT.parent / "shared" / "coding" / "train_set.csv"
needs_shared = pytest.mark.skipif(not TRAIN.exists(), reason=f"the shared coded sentences are absent ({TRAIN.parent} "
                                  "is not here; it exists in CI and on the project machine)")
SMALL = ["--no-project", "--no-dev", "--bootstrap", "30"]


@pytest.fixture(scope="module")
def bench():
    return load_benchmark("coding_accuracy")


@pytest.fixture(scope="module")
def own_train(bench, tmp_path_factory) -> Path:
    """The project's reviewer-coded findings (evidence/, not ../shared) as a train set of 12 publications."""
    table = bench.project_training()
    assert len(table) >= 48, "the project should ship at least 48 reviewed findings"
    table = table.assign(publication=[f"pub{i % 12}" for i in range(len(table))])
    path = tmp_path_factory.mktemp("own") / "train.csv"
    table.to_csv(path, index=False)
    return path


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


def kappa_of(bench, a: np.ndarray, b: np.ndarray) -> float:
    """The benchmark's count-based kappa of two label vectors."""
    labels = sorted(set(a.tolist()) | set(b.tolist()), key=str)
    code = {x: i for i, x in enumerate(labels)}
    cm = np.zeros((len(labels), len(labels)))
    for x, y in zip(a.tolist(), b.tolist()):
        cm[code[x], code[y]] += 1
    return float(bench.kappa_counts(cm))


def test_kappa_agrees_with_sklearn(bench):
    rng = np.random.default_rng(5)
    for labels in ((0, 1), ("barrier", "facilitator", "neutral")):
        for _ in range(30):
            a, b = rng.choice(labels, 40), rng.choice(labels, 40)
            b[:20] = a[:20]
            assert kappa_of(bench, a, b) == pytest.approx(cohen_kappa_score(a, b), abs=1e-12)
    assert kappa_of(bench, np.zeros(9, int), np.zeros(9, int)) == 1.0  # both say "never": full agreement
    assert kappa_of(bench, np.zeros(9, int), np.ones(9, int)) == pytest.approx(0.0)


def test_bootstrap_by_counts_equals_resampling_rows(bench):
    rng = np.random.default_rng(1)
    ids = ("a", "b", "c")
    n = 60
    gold, pred = rng.integers(0, 2, (n, 3)), rng.integers(0, 2, (n, 3))
    gp = rng.choice(["barrier", "facilitator", "neutral"], n).astype(object)
    pp = rng.choice(["barrier", "facilitator", "neutral"], n).astype(object)
    groups = np.repeat([f"g{i}" for i in range(12)], 5)
    t = bench.tally(gold, pred, gp, pp, groups)
    w = bench.resamples(12, 4, seed=7)
    by_counts = bench.tally_scores(t, ids, w)
    for r in range(4):
        rows = np.concatenate([np.flatnonzero(groups == g).repeat(1) for g, c in zip(t.groups, w[r])
                               for _ in range(int(c))])
        direct = bench.scores(gold[rows], pred[rows], gp[rows], pp[rows], ids)
        for key in ("mean_kappa", "polarity_accuracy", "polarity_kappa", "b"):
            assert by_counts[key][r] == pytest.approx(direct[key], abs=1e-12)


def _point(bench, x, gold, pred, gp, groups, folds, ids):
    t = bench.tally(gold, pred, gp, gp, groups)
    per_fold = [bench.tally(gold[folds == f], pred[folds == f], gp[folds == f], gp[folds == f], groups[folds == f],
                            t.groups) for f in np.unique(folds)]
    return bench.Point(x, bench.tally_scores(t, ids), t, per_fold)


def test_step_differences_are_paired_over_publications(bench):
    rng = np.random.default_rng(2)
    ids = ("a", "b")
    n = 200
    gold = rng.integers(0, 2, (n, 2))
    gp = np.array(["neutral"] * n, dtype=object)
    groups = np.repeat(np.arange(40), 5)
    folds = groups % 4
    noisy = np.where(rng.random((n, 2)) < 0.3, 1 - gold, gold)
    better = np.where(rng.random((n, 2)) < 0.5, gold, noisy)  # every row at least as right as before
    points = [_point(bench, x, gold, p, gp, groups, folds, ids) for x, p in ((0, noisy), (10, better), (20, better))]
    (d1, (lo1, _), up1, nf1), (d2, (lo2, hi2), up2, _) = bench.differences(points, ids, 300, "mean_kappa")
    assert d1 > 0 and lo1 > 0 and up1 == nf1 == 4  # a real rise: its interval is above 0 in every fold
    assert d2 == 0 and lo2 == hi2 == 0 and up2 == 0  # the same predictions: no difference at all


def test_relabelled_keeps_the_groups_and_renames_them(bench):
    frame = pd.DataFrame({"text": list("abcdefg"), "publication": ["p", "p", "q", "r", "r", "r", "s"]})
    rng = np.random.default_rng(0)
    renamed = [bench.relabelled(frame, rng)["publication"] for _ in range(6)]
    for r in renamed:
        assert not set(r) & set(frame["publication"])
        assert pd.crosstab(frame["publication"], r).gt(0).sum(axis=1).eq(1).all()  # one-to-one
        assert r.nunique() == 4
    assert len({tuple(r) for r in renamed}) > 1  # different draws, different names


def test_loglinear_trend(bench):
    n = np.array([100.0, 200.0, 300.0, 400.0])
    a, b = bench.loglinear(n, 0.1 + 0.05 * np.log(n))
    assert a == pytest.approx(0.1) and b == pytest.approx(0.05)
    _, flat = bench.loglinear(n, np.full((2, 4), 0.5))
    assert np.allclose(flat, 0)


def test_bad_input_exits_2(bench, tmp_path, own_train, capsys):
    assert bench.main(["--train", str(own_train), "--orders", "0"]) == 2
    assert "--orders must be at least 1" in capsys.readouterr().err
    table = pd.read_csv(own_train, dtype=str, keep_default_na=False)
    bad = table.copy()
    bad.loc[1, "dimensions"] = "visoin"
    path = tmp_path / "bad.csv"
    bad.to_csv(path, index=False)
    assert bench.main(["--train", str(path)] + SMALL) == 2
    err = capsys.readouterr().err
    assert f"{path}, line 3: unknown dimension id(s) visoin" in err and "Fix:" in err
    table.drop(columns=["publication"]).to_csv(path, index=False)
    assert bench.main(["--train", str(path)] + SMALL) == 2
    assert "lacks column(s) publication" in capsys.readouterr().err
    assert bench.main(["--train", str(own_train), "--folds", "13"] + SMALL) == 2
    assert "the train set has 12 publications" in capsys.readouterr().err
    # 3 folds of about 20 sentences cannot hold back 40 coded sentences and still score the rest
    assert bench.main(["--train", str(own_train), "--folds", "3", "--orders", "1"] + SMALL) == 2
    assert "Fix: fewer --folds, or --no-curve" in capsys.readouterr().err


@pytest.mark.parametrize("mode", ["pooled", "train"])
def test_curves_run_end_to_end(bench, own_train, monkeypatch, capsys, mode):
    monkeypatch.setattr(bench, "CURVE_STEPS", (0, 2, 4))
    fitted, trained = [], []
    real_fit_on, real_train_like = bench.fit_on, bench.train_like

    def fit_on(framework, train, extra, weights=None):
        fitted.append((len(train), None if weights is None else weights.tolist(), set(train["publication"])))
        return real_fit_on(framework, train, extra, weights)

    def train_like(framework, prior, reviewed):
        trained.append((prior, len(reviewed)))
        return real_train_like(framework, prior, reviewed)

    monkeypatch.setattr(bench, "fit_on", fit_on)
    monkeypatch.setattr(bench, "train_like", train_like)
    args = ["--train", str(own_train), "--folds", "3", "--orders", "2", "--curve-mode", mode, "--case-weight", "2.5",
            "--size-curve", "--size-subsets", "1"] + SMALL
    assert bench.main(args) == 0
    out = capsys.readouterr().out
    assert f"2. Learning curve ({mode})" in out and "k=4" in out
    assert "step differences of mean kappa" in out and "k 2 -> 4:" in out and "first to last, k 0 -> 4:" in out
    assert "3. Data-size curve" in out and "100% (" in out and "mean kappa = " in out and "coded sentences" in out
    assert "learning curve kappa rises at every step" in out and "beyond its 95% interval at" in out
    case_fits = [w for _, w, _ in fitted if w is not None]
    cv_fits, later = fitted[:3], fitted[3:]
    assert all(p <= {f"pub{i}" for i in range(12)} for _, _, p in cv_fits)  # the grouped CV: ids as given
    assert all(not p & {f"pub{i}" for i in range(12)} for _, _, p in later)  # curves: ids renamed at random
    # unweighted: 2 renamed grouped CVs of 3 folds, k=0 per fold and order, 4 sizes x 3 folds x 1 subset
    assert len([1 for _, w, _ in later if w is None]) == 2 * 3 + 3 * 2 + 4 * 3
    assert "  model, renamed ids: mean kappa" in out and out.count("model, renamed ids: mean kappa") == 2  # + verdict
    if mode == "pooled":  # the coded sentences join the other folds at the case weight, 2 orders x 2 steps x 3 folds
        assert len(case_fits) == 12 and not trained
        assert sorted({w.count(2.5) for w in case_fits}) == [2, 4]
        assert all(set(w[-w.count(2.5):]) == {2.5} and set(w[:-w.count(2.5)]) == {1.0} for w in case_fits)
    else:  # as `workbook train`: only the coded sentences (no project findings here), the fold's model as prior
        assert not case_fits and sorted({n for _, n in trained}) == [2, 4] and len(trained) == 12
        assert all(p is not None for p, _ in trained)
    train = pd.read_csv(own_train, dtype=str, keep_default_na=False)
    assert not any(t in out for t in train["text"] if len(t) > 20)  # figures, not sentences


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


@pytest.mark.parametrize("kappas,lows,expected", [
    ([0.50, 0.52, 0.54, 0.56], [0.01, 0.01, 0.01], "): met;"),
    ([0.513, 0.518, 0.5181, 0.522], [-0.01, -0.009, -0.007], "NOT shown (higher at every step, but 3 of 3"),
    ([0.50, 0.52, 0.51, 0.56], [0.01, -0.02, 0.01], "NOT met"),
])
def test_the_curve_verdict_does_not_call_a_rise_within_noise_met(bench, monkeypatch, capsys, kappas, lows, expected):
    points = [bench.Point(i, {"mean_kappa": k}, None, []) for i, k in enumerate(kappas)]
    monkeypatch.setattr(bench, "differences", lambda pts, ids, n, key: [
        (b - a, (lo, lo + 0.05), 3, 5) for a, b, lo in zip(kappas, kappas[1:], lows)])
    bench.curve_verdict(points, ("vision",), 10)
    assert expected in capsys.readouterr().out


@pytest.mark.parametrize("fitted_to_dev", [False, True])
def test_dev_figures_show_a_model_fitted_to_the_dev_set_beside_one_that_was_not(bench, own_train, monkeypatch, capsys,
                                                                               fitted_to_dev, framework):
    import dataclasses

    real = bench.load_model

    def shipped(path, fw, rules):
        coder = real(path, fw, rules)
        return dataclasses.replace(coder, meta={**coder.meta, "fitted_to_dev_set": fitted_to_dev})

    monkeypatch.setattr(bench, "load_model", shipped)
    train = pd.read_csv(own_train, dtype=str, keep_default_na=False)
    out = bench.dev_figures(framework, own_train, bench.project_training().iloc[0:0], train)
    models = [name for name in out if name.startswith("model")]
    if fitted_to_dev:
        assert models == ["model (train set)", "model (shipped: fitted to these sentences too, so in-sample)"]
    else:
        assert models == ["model (shipped)"]
    assert all(0 <= out[m]["polarity_accuracy"] <= 1 for m in models)
    assert "Development set" in capsys.readouterr().out
