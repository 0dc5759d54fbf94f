"""Measure automatic coding against expert codes, honestly.

1. Publication-grouped cross-validation on the train set (`../shared/coding/train_set.csv`: 539
   sentences from 101 publications): sklearn GroupKFold by `publication`, so no publication is on both
   sides of a split. For the rule coder (nothing fitted) and the model coder (fitted on the other
   folds, plus the project's reviewer-coded findings): per-dimension and mean Cohen's kappa,
   polarity accuracy and kappa, with 95% bootstrap intervals (resampling publications); the model's
   confidence against how often its whole suggestion is right (reliability table, Brier score).
2. A learning curve: each fold in turn is a held-back group of publications (a new case); a reviewer
   codes 0, 10, 20, 40 of its sentences in a random order (--orders orders per fold) and the model learns
   from them, then is scored on the group's other sentences (the same ones at every step of one order).
   --curve-mode train (default; what a reviewer experiences): as `workbook train` does it, the other
   folds' model (the stand-in for the shipped model) is adapted to the project's reviewed findings plus
   the coded sentences. --curve-mode pooled: the model's recipe refitted to the other folds plus the
   coded sentences (weight --case-weight), as rebuilding the shipped model with them would. Each order's fits (k=0 too) rename the publication ids at random: the model's
   internal grouped folds, which choose its thresholds, follow the ids, and one fixed draw of them moves
   mean kappa by about 0.02, so k=0 is replicated like the other steps instead of being one lucky or
   unlucky fit. Each step's score pools every order's predictions; each step-to-step difference has a 95%
   interval (paired bootstrap of the held-back publications with all their predictions) and the number
   of folds in which it is positive.
3. Optional (--size-curve): a data-size curve, the grouped cross-validation refitted on 25%, 50%, 75% and
   100% of each training fold's publications (--size-subsets random subsets, or renamings, each), with
   intervals, and a log-linear trend of mean kappa against the number of training sentences,
   extrapolated to the goal.
4. The development set (`../shared/coding/dev_set.csv`, 84 sentences): rule, learned and shipped model coders.

Then a verdict per goal. The sentences are read at run time and never written anywhere; when
`../shared/coding` is absent the script says so and exits 0. It is a measurement, not a gate: exit 0
whenever it ran, 2 on bad input (a malformed train set, impossible options).

Usage: python benchmarks/coding_accuracy.py [--folds 5] [--bootstrap 1000] [--orders 5] [--case-weight 3]
       [--curve-mode train|pooled] [--no-curve] [--size-curve] [--size-subsets 3] [--no-dev] [--errors]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import GroupKFold
from workbook.coding.model import SHIPPED_MODEL, ModelCoder, fit_model, load_model
from workbook.coding.rules import code_frame, read_findings_csv, rule_coder
from workbook.core.errors import WorkbookError
from workbook.evidence.framework import POLARITIES, load_framework

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "coding"
DEFAULT_TRAIN = SHARED / "train_set.csv"
DEFAULT_DEV = SHARED / "dev_set.csv"
GOAL_MEAN_KAPPA = 0.65
GOAL_MIN_KAPPA = 0.55
GOAL_POLARITY = 0.75
CURVE_STEPS = (0, 10, 20, 40)
DEFAULT_ORDERS = 5
"""Random coding orders per fold in the learning curve (5: 100 model fits, about 3 minutes on the shared 2-core machine)."""
SIZE_FRACTIONS = (0.25, 0.5, 0.75, 1.0)
MIN_GROUPS = 3
"""Hashed words seen in fewer publications than this get no weight (as in the shipped model)."""


class BadInput(Exception):
    """The train set or the options cannot be measured (exit 2)."""


def dims(cell: object) -> set[str]:
    """Dimension ids of a ';'-joined cell."""
    return {d for d in str(cell or "").split(";") if d}


# ---- scores from confusion counts (so bootstraps resample publications by reweighting their counts) ----

@dataclass
class Tally:
    """Confusion counts per publication: dimensions (groups, dims, gold 0/1, predicted 0/1) and polarity
    (groups, gold, predicted) over `labels`."""

    groups: np.ndarray
    dim: np.ndarray
    pol: np.ndarray
    labels: tuple[str, ...]


def kappa_counts(cm: np.ndarray) -> np.ndarray:
    """Cohen's kappa of confusion matrices (..., L, L); 1 when both sides use one and the same label, as
    for perfect agreement."""
    cm = np.asarray(cm, dtype=float)
    n = cm.sum(axis=(-1, -2))
    safe = np.where(n > 0, n, 1.0)
    po = np.trace(cm, axis1=-2, axis2=-1) / safe
    pe = (cm.sum(axis=-1) * cm.sum(axis=-2)).sum(axis=-1) / safe ** 2
    single = pe >= 1 - 1e-12
    return np.where(single, 1.0, (po - pe) / np.where(single, 1.0, 1 - pe))


def tally(gold_d: np.ndarray, pred_d: np.ndarray, gold_p: np.ndarray, pred_p: np.ndarray, groups: np.ndarray,
          order: np.ndarray | None = None) -> Tally:
    """Confusion counts per group (in the order of `order` when given, so tallies of one set of groups align)."""
    order = np.unique(groups) if order is None else order
    pos = {g: i for i, g in enumerate(order.tolist())}
    gi = np.array([pos[g] for g in np.asarray(groups).tolist()], dtype=int)
    n_g, n_d = len(order), gold_d.shape[1]
    cell = np.asarray(gold_d, dtype=int) * 2 + np.asarray(pred_d, dtype=int)
    dim = np.zeros((n_g, n_d, 4))
    for j in range(n_d):
        dim[:, j] = np.bincount(gi * 4 + cell[:, j], minlength=n_g * 4).reshape(n_g, 4)
    labels = tuple(sorted(set(POLARITIES) | set(np.asarray(gold_p).tolist()) | set(np.asarray(pred_p).tolist()),
                          key=str))
    code = {x: i for i, x in enumerate(labels)}
    n_l = len(labels)
    gp = np.array([code[x] for x in np.asarray(gold_p).tolist()], dtype=int)
    pp = np.array([code[x] for x in np.asarray(pred_p).tolist()], dtype=int)
    pol = np.bincount((gi * n_l + gp) * n_l + pp, minlength=n_g * n_l * n_l).reshape(n_g, n_l, n_l).astype(float)
    return Tally(order, dim.reshape(n_g, n_d, 2, 2), pol, labels)


def scores_of(dim: np.ndarray, pol: np.ndarray, ids) -> dict[str, np.ndarray]:
    """Per-dimension kappa, their mean, polarity accuracy and kappa from summed counts (leading axes: resamples)."""
    k = kappa_counts(dim)
    out = {d: k[..., j] for j, d in enumerate(ids)}
    out["mean_kappa"] = k.mean(axis=-1)
    out["polarity_accuracy"] = np.trace(pol, axis1=-2, axis2=-1) / pol.sum(axis=(-1, -2))
    out["polarity_kappa"] = kappa_counts(pol)
    return out


def tally_scores(t: Tally, ids, weights: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Scores of a tally: all groups once, or (weights: resamples x groups) each resample's reweighted counts."""
    if weights is None:
        return {k: float(v) for k, v in scores_of(t.dim.sum(axis=0), t.pol.sum(axis=0), ids).items()}
    return scores_of(np.tensordot(weights, t.dim, axes=1), np.tensordot(weights, t.pol, axes=1), ids)


def resamples(n_groups: int, n: int, seed: int = 0) -> np.ndarray:
    """(n, n_groups) counts of each group in n bootstrap resamples of the groups, with replacement."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, n_groups, size=(n, n_groups))
    return np.stack([np.bincount(p, minlength=n_groups) for p in picks]).astype(float)


def interval(v: np.ndarray) -> tuple[float, float]:
    """95% percentile interval."""
    return float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))


def scores(gold_d: np.ndarray, pred_d: np.ndarray, gold_p: np.ndarray, pred_p: np.ndarray,
           ids: tuple[str, ...]) -> dict[str, float]:
    """Per-dimension kappa, their mean, polarity accuracy and kappa."""
    return tally_scores(tally(gold_d, pred_d, gold_p, pred_p, np.zeros(len(gold_p), dtype=int)), ids)


def bootstrap(gold_d, pred_d, gold_p, pred_p, groups: np.ndarray, ids, n: int, seed: int = 0
              ) -> dict[str, tuple[float, float]]:
    """95% percentile intervals of every score, resampling publications with replacement."""
    t = tally(gold_d, pred_d, gold_p, pred_p, groups)
    return {k: interval(v) for k, v in tally_scores(t, ids, resamples(len(t.groups), n, seed)).items()}


# ---- data, fitting, predicting ----

def gold_matrix(frame: pd.DataFrame, ids: tuple[str, ...]) -> np.ndarray:
    """0/1 matrix of the expert codes (rows: sentences, columns: dimensions)."""
    return np.array([[int(d in dims(s)) for d in ids] for s in frame["dimensions"]], dtype=int).reshape(len(frame), len(ids))


def check_train(train: pd.DataFrame, path: Path, ids: tuple[str, ...]) -> None:
    """Refuse a train set the measurement cannot use, naming the file, the line and the fix."""
    missing = [c for c in ("text", "dimensions", "polarity", "publication", "section") if c not in train.columns]
    if missing:
        raise BadInput(f"{path}: lacks column(s) {', '.join(missing)}. Fix: give columns text, dimensions, "
                       f"polarity, publication, section (as ../shared/coding/train_set.csv has them).")
    for line, row in enumerate(train.itertuples(index=False), start=2):
        unknown = sorted(dims(row.dimensions) - set(ids))
        if unknown:
            raise BadInput(f"{path}, line {line}: unknown dimension id(s) {', '.join(unknown)}. Fix: use the "
                           f"framework's ids ({', '.join(ids)}), joined by ';'.")
        if str(row.polarity) not in POLARITIES:
            raise BadInput(f"{path}, line {line}: polarity {str(row.polarity)!r} is not one of "
                           f"{', '.join(POLARITIES)}. Fix: write one of them.")
        if not str(row.text).strip() or not str(row.publication).strip():
            raise BadInput(f"{path}, line {line}: the text or the publication is empty. Fix: fill it in, or "
                           f"remove the row.")


def project_training() -> pd.DataFrame:
    """The project's reviewer-coded findings (text, dimensions, polarity, section); empty when there are none."""
    try:
        from workbook.pipeline.stages import resolve, training_table
        table = training_table(resolve())
    except (ImportError, WorkbookError):
        return pd.DataFrame(columns=["text", "dimensions", "polarity", "section"])
    return table.reset_index(drop=True)


def extra_sections(extra: pd.DataFrame) -> list[str]:
    """The section heading of each extra coded finding ('' when the table has none)."""
    if "section" not in extra.columns:
        return [""] * len(extra)
    return extra["section"].fillna("").astype(str).tolist()


def fit_on(framework, train: pd.DataFrame, extra: pd.DataFrame, weights: np.ndarray | None = None) -> ModelCoder:
    """The model coder fitted to train rows (grouped by publication) plus the extra coded findings."""
    texts = train["text"].tolist() + extra["text"].tolist()
    w = np.concatenate([weights if weights is not None else np.ones(len(train)), np.ones(len(extra))])
    return fit_model(framework, texts, train["dimensions"].tolist() + extra["dimensions"].tolist(),
                     train["polarity"].tolist() + extra["polarity"].tolist(),
                     sections=train["section"].tolist() + extra_sections(extra),
                     groups=train["publication"].tolist() + [f"project:{i}" for i in range(len(extra))],
                     weights=w, min_groups=MIN_GROUPS, rules=rule_coder(framework))


def train_like(framework, prior: ModelCoder, reviewed: pd.DataFrame) -> ModelCoder:
    """The model `workbook train` fits (lib/workbook/cli/train.py): the reviewed findings with their sections,
    nothing else, with the starting model as its prior."""
    return fit_model(framework, reviewed["text"].tolist(), reviewed["dimensions"].tolist(),
                     reviewed["polarity"].tolist(), sections=extra_sections(reviewed), prior=prior)


def predict(coder, frame: pd.DataFrame, ids) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dimension 0/1 matrix, polarity, confidence or nan) of a coder on a frame."""
    if isinstance(coder, ModelCoder):
        codings = coder.code(frame["text"].tolist(), sections=frame["section"].tolist() if "section" in frame else None)
    else:
        codings = coder.code(frame["text"].tolist())
    d = np.array([[int(x in c.dimensions) for x in ids] for c in codings], dtype=int).reshape(len(frame), len(ids))
    p = np.array([c.polarity for c in codings], dtype=object)
    conf = np.array([float(getattr(c, "confidence", float("nan"))) for c in codings])
    return d, p, conf


def fmt(x: float) -> str:
    """Two decimals, or nan."""
    return "nan" if np.isnan(x) else f"{x:.2f}"


def signed(x: float) -> str:
    """Three decimals with a sign."""
    return f"{x:+.3f}"


def print_scores(name: str, s: dict[str, float], ci: dict[str, tuple[float, float]], ids) -> None:
    """One coder's grouped-CV figures with intervals."""
    def one(k: str) -> str:
        return f"{fmt(s[k])} [{fmt(ci[k][0])}, {fmt(ci[k][1])}]"
    print(f"  {name}: mean kappa {one('mean_kappa')}; polarity accuracy {one('polarity_accuracy')}, "
          f"kappa {one('polarity_kappa')}")
    print("    " + "; ".join(f"{d} {one(d)}" for d in ids))


def reliability(conf: np.ndarray, right: np.ndarray, bins: int = 5) -> None:
    """Reliability table (confidence bins against the share right) and the Brier score."""
    print(f"  model confidence that the whole suggestion is right: Brier score "
          f"{np.mean((conf - right) ** 2):.3f} (always saying the base rate {right.mean():.2f}: "
          f"{np.mean((right.mean() - right) ** 2):.3f})")
    print(f"    {'confidence':<14}{'n':>5}{'mean conf':>11}{'share right':>13}")
    edges = np.linspace(0, 1, bins + 1)
    for lo, hi in pairwise(edges):
        m = (conf >= lo) & ((conf < hi) if hi < 1 else (conf <= hi))
        if m.sum():
            print(f"    {f'{lo:.1f}-{hi:.1f}':<14}{int(m.sum()):>5}{conf[m].mean():>11.2f}{right[m].mean():>13.2f}")


def splits_of(train: pd.DataFrame, folds: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Publication-grouped folds (no publication on both sides); too many folds is bad input."""
    groups = train["publication"].to_numpy()
    n_groups = len(set(groups.tolist()))
    if not 2 <= folds <= n_groups:
        raise BadInput(f"--folds {folds}: the train set has {n_groups} publications. Fix: give 2 to {n_groups}.")
    splits = list(GroupKFold(n_splits=folds).split(train, groups=groups))
    for tr, te in splits:
        assert not set(groups[tr]) & set(groups[te])
    return splits


@dataclass
class CV:
    """The grouped cross-validation: its folds and each coder's scores."""

    splits: list[tuple[np.ndarray, np.ndarray]]
    scores: dict[str, dict[str, float]]


def relabelled(train: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The train set with its publication ids renamed one-to-one at random: the same groups, but a different
    assignment of equal-sized publications to the model's internal grouped folds (which follows the ids), so
    repeated fits sample that arbitrary choice instead of keeping one draw of it."""
    pubs = train["publication"].unique()
    names = {p: f"publication {i:04d}" for p, i in zip(pubs, rng.permutation(len(pubs)))}
    return train.assign(publication=train["publication"].map(names))


def grouped_cv(framework, train: pd.DataFrame, extra: pd.DataFrame, folds: int, n_boot: int,
               errors: bool, renamings: int = 0) -> CV:
    """Grouped cross-validation of the rule and model coders, and of the model refitted `renamings` times with
    the publication ids renamed at random; prints their scores and returns them."""
    ids = framework.dimension_ids
    groups = train["publication"].to_numpy()
    gold_d, gold_p = gold_matrix(train, ids), train["polarity"].to_numpy(dtype=object)
    rules_d, rules_p, _ = predict(rule_coder(framework), train, ids)
    model_d = np.zeros_like(gold_d)
    model_p = np.empty(len(train), dtype=object)
    conf = np.full(len(train), np.nan)
    splits = splits_of(train, folds)
    for tr, te in splits:
        coder = fit_on(framework, train.iloc[tr], extra)
        model_d[te], model_p[te], conf[te] = predict(coder, train.iloc[te], ids)
    print(f"\n1. Publication-grouped {folds}-fold cross-validation on {len(train)} train-set sentences from "
          f"{len(set(groups))} publications (95% intervals: {n_boot} bootstrap resamples of publications)")
    if len(extra):
        print(f"   the model is also fitted to the project's {len(extra)} reviewer-coded findings in every fold")
    out = {}
    for name, pd_, pp in (("rules", rules_d, rules_p), ("model", model_d, model_p)):
        s = scores(gold_d, pd_, gold_p, pp, ids)
        print_scores(name, s, bootstrap(gold_d, pd_, gold_p, pp, groups, ids, n_boot), ids)
        out[name] = s
    right = ((model_d == gold_d).all(axis=1) & (model_p == gold_p)).astype(float)
    reliability(conf, right)
    if renamings:
        rng = np.random.default_rng(11)
        rows, draws = [], []
        for _ in range(renamings):
            fitted = relabelled(train, rng)
            d, p = np.zeros_like(gold_d), np.empty(len(train), dtype=object)
            for tr, te in splits:
                d[te], p[te], _ = predict(fit_on(framework, fitted.iloc[tr], extra), train.iloc[te], ids)
            draws.append(scores(gold_d, d, gold_p, p, ids))
            rows.append((d, p))
        d, p = np.concatenate([r[0] for r in rows]), np.concatenate([r[1] for r in rows])
        gd, gp, g = np.tile(gold_d, (renamings, 1)), np.tile(gold_p, renamings), np.tile(groups, renamings)
        s = scores(gd, d, gp, p, ids)
        each = ", ".join(f"{x['mean_kappa']:.3f}" for x in draws)
        print(f"  the model again with the publication ids renamed at random ({renamings} draws; only its internal "
              f"fold assignment, and so its thresholds, change): mean kappa {each} (as given "
              f"{out['model']['mean_kappa']:.3f}); pooled:")
        print_scores("model, renamed ids", s, bootstrap(gd, d, gp, p, g, ids, n_boot), ids)
        out["model, renamed ids"] = s
    if errors:
        print("\n  Misses of the model by kind (dimension: missed / extra; polarity gold -> model):")
        for j, d in enumerate(ids):
            print(f"    {d:<18} missed {int(((gold_d[:, j] == 1) & (model_d[:, j] == 0)).sum()):>3}  extra "
                  f"{int(((gold_d[:, j] == 0) & (model_d[:, j] == 1)).sum()):>3}")
        print("    " + pd.crosstab(pd.Series(gold_p, name="gold"), pd.Series(model_p, name="model")).to_string()
              .replace("\n", "\n    "))
    return CV(splits, out)


# ---- curves: each point pools predictions; differences between points are paired over publications ----

@dataclass
class Point:
    """One point of a curve: its label, pooled scores, and the per-publication and per-fold tallies."""

    x: float
    scores: dict[str, float]
    tally: Tally
    folds: list[Tally]


def curve_point(x: float, rows: list[tuple[int, np.ndarray, np.ndarray, np.ndarray]], train: pd.DataFrame,
                ids, order: np.ndarray) -> Point:
    """A point from (fold, row indices, predicted dimensions, predicted polarity) blocks of predictions."""
    idx = np.concatenate([r[1] for r in rows])
    gd, gp = gold_matrix(train.iloc[idx], ids), train["polarity"].to_numpy(dtype=object)[idx]
    pd_, pp = np.concatenate([r[2] for r in rows]), np.concatenate([r[3] for r in rows])
    fold = np.concatenate([np.full(len(r[1]), r[0]) for r in rows])
    groups = train["publication"].to_numpy()[idx]
    t = tally(gd, pd_, gp, pp, groups, order)
    folds = [tally(gd[fold == f], pd_[fold == f], gp[fold == f], pp[fold == f], groups[fold == f], order)
             for f in sorted(set(fold.tolist()))]
    return Point(x, tally_scores(t, ids), t, folds)


def differences(points: list[Point], ids, n_boot: int, key: str, seed: int = 1
                ) -> list[tuple[float, tuple[float, float], int, int]]:
    """Each step-to-step difference of `key`: (difference, 95% paired-bootstrap interval over publications,
    folds in which it is positive, folds)."""
    w = resamples(len(points[0].tally.groups), n_boot, seed)
    boot = [tally_scores(p.tally, ids, w)[key] for p in points]
    out = []
    for i in range(1, len(points)):
        a, b = points[i - 1], points[i]
        up = sum(tally_scores(fb, ids)[key] > tally_scores(fa, ids)[key] for fa, fb in zip(a.folds, b.folds, strict=True))
        out.append((b.scores[key] - a.scores[key], interval(boot[i] - boot[i - 1]), int(up), len(a.folds)))
    return out


def learning_curve(framework, train: pd.DataFrame, extra: pd.DataFrame, cv: CV, case_weight: float,
                   orders: int, mode: str, seed: int = 0) -> list[Point]:
    """Scores on each held-back group after 0, 10, 20, 40 of its sentences were coded (in `orders` random
    orders per group), the coded sentences entering as `mode` says (pooled or train); each order's fits,
    k=0 included, share one random relabelling of the publication ids."""
    ids = framework.dimension_ids
    smallest = min(len(te) for _, te in cv.splits)
    if smallest < max(CURVE_STEPS) + 10:
        raise BadInput(f"the learning curve needs every held-back fold to have at least {max(CURVE_STEPS) + 10} "
                       f"sentences (the smallest has {smallest}). Fix: fewer --folds, or --no-curve.")
    rng = np.random.default_rng(seed)
    blocks: dict[int, list] = {k: [] for k in CURVE_STEPS}
    reviewed_cols = ["text", "dimensions", "polarity", "section"]
    for f, (tr, te) in enumerate(cv.splits):
        for _ in range(orders):
            order = rng.permutation(te)
            held_idx = order[max(CURVE_STEPS):]
            held = train.iloc[held_idx]
            fitted = relabelled(train, rng)
            base = fit_on(framework, fitted.iloc[tr], extra)
            for k in CURVE_STEPS:
                if k == 0:
                    coder = base
                elif mode == "train":
                    reviewed = pd.concat([extra.reindex(columns=reviewed_cols, fill_value=""),
                                          train.iloc[order[:k]][reviewed_cols]], ignore_index=True)
                    coder = train_like(framework, base, reviewed)
                else:
                    rows = np.concatenate([tr, order[:k]])
                    w = np.concatenate([np.ones(len(tr)), np.full(k, case_weight)])
                    coder = fit_on(framework, fitted.iloc[rows], extra, weights=w)
                d, p, _ = predict(coder, held, ids)
                blocks[k].append((f, held_idx, d, p))
    order = np.unique(train["publication"].to_numpy())
    return [curve_point(k, blocks[k], train, ids, order) for k in CURVE_STEPS]


def print_curve(points: list[Point], ids, n_boot: int, x_name: str, labels: list[str] | None = None) -> None:
    """Each point's mean kappa and polarity accuracy (with intervals), then each step's differences."""
    w = resamples(len(points[0].tally.groups), n_boot, 2)
    for i, p in enumerate(points):
        b = tally_scores(p.tally, ids, w)
        label = labels[i] if labels else f"{x_name}={p.x:.0f}"
        print(f"  {label:<26} mean kappa {p.scores['mean_kappa']:.3f} [{fmt(interval(b['mean_kappa'])[0])}, "
              f"{fmt(interval(b['mean_kappa'])[1])}]; polarity accuracy {p.scores['polarity_accuracy']:.3f} "
              f"[{fmt(interval(b['polarity_accuracy'])[0])}, {fmt(interval(b['polarity_accuracy'])[1])}]")
    for key, name in (("mean_kappa", "mean kappa"), ("polarity_accuracy", "polarity accuracy")):
        diffs = differences(points, ids, n_boot, key)
        print(f"  step differences of {name} (95% interval, paired; folds where it rose):")
        for (a, b), (d, (lo, hi), up, nf) in zip(pairwise(points), diffs, strict=True):
            verdict_ = "rise" if lo > 0 else "fall" if hi < 0 else "within noise"
            print(f"    {x_name} {a.x:.0f} -> {b.x:.0f}: {signed(d)} [{signed(lo)}, {signed(hi)}], up in {up} of {nf} "
                  f"folds: {verdict_}")
        if len(points) > 2:
            (d, (lo, hi), up, nf), = differences([points[0], points[-1]], ids, n_boot, key)
            print(f"    first to last, {x_name} {points[0].x:.0f} -> {points[-1].x:.0f}: {signed(d)} [{signed(lo)}, "
                  f"{signed(hi)}], up in {up} of {nf} folds")


def size_curve(framework, train: pd.DataFrame, extra: pd.DataFrame, cv: CV, subsets: int, seed: int = 0
               ) -> list[Point]:
    """Grouped-CV scores of the model fitted on 25%, 50%, 75% (random subsets of publications) and 100% of
    each training fold (`subsets` fits each, every one with its own relabelling of the publication ids); each
    point's x is the mean number of train-set sentences fitted."""
    ids = framework.dimension_ids
    rng = np.random.default_rng(seed)
    groups = train["publication"].to_numpy()
    points = []
    for frac in SIZE_FRACTIONS:
        blocks, sizes = [], []
        for f, (tr, te) in enumerate(cv.splits):
            pubs = np.unique(groups[tr])
            for _ in range(subsets):
                chosen = rng.choice(pubs, size=max(2, round(frac * len(pubs))), replace=False)
                rows = tr[np.isin(groups[tr], chosen)]
                d, p, _ = predict(fit_on(framework, relabelled(train, rng).iloc[rows], extra), train.iloc[te], ids)
                blocks.append((f, te, d, p))
                sizes.append(len(rows))
        points.append(curve_point(float(np.mean(sizes)), blocks, train, ids, np.unique(groups)))
    return points


def loglinear(n: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares (intercept, slope) of y against log n, for each row of y (points along the last axis)."""
    x = np.log(n)
    xc = x - x.mean()
    slope = (y - y.mean(axis=-1, keepdims=True)) @ xc / (xc @ xc)
    return y.mean(axis=-1) - slope * x.mean(), slope


def extrapolate(points: list[Point], ids, key: str, goal: float, n_boot: int) -> None:
    """Print the log-linear trend of `key` against training sentences and the size it predicts for the goal."""
    n = np.array([p.x for p in points])
    y = np.array([p.scores[key] for p in points])
    a, b = loglinear(n, y)
    w = resamples(len(points[0].tally.groups), n_boot, 3)
    yb = np.stack([tally_scores(p.tally, ids, w)[key] for p in points], axis=-1)
    ab, bb = loglinear(n, yb)
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):
        need = np.where(bb > 0, np.exp(np.minimum((goal - ab) / np.where(bb > 0, bb, 1.0), 700.0)), np.inf)
    need = np.minimum(need, 1e300)  # "no rise" counts as more than any size, and percentiles stay finite
    point = float(np.exp((goal - a) / b)) if b > 0 else float("inf")
    lo, hi = np.percentile(need, 2.5), np.percentile(need, 97.5)

    def count(v: float) -> str:
        return "never (no rise)" if not np.isfinite(v) else "over 1,000,000" if v > 1e6 else f"{v:,.0f}"
    print(f"  {key.replace('_', ' ')} = {float(a):.3f} + {float(b):.3f} x ln(sentences) ({float(b) * np.log(2):+.3f} per "
          f"doubling; slope 95% interval [{signed(interval(bb)[0])}, {signed(interval(bb)[1])}]): {goal} at about "
          f"{count(point)} coded sentences (95% interval {count(lo)} to {count(hi)}; "
          f"{100 * float(np.mean(bb <= 0)):.0f}% of resamples show no rise)")


def dev_rows(dev: pd.DataFrame) -> pd.DataFrame:
    """The development set shaped like the train set: a publication group per source title, no sections."""
    out = dev.copy()
    out["publication"] = "dev:" + out["source_title"].astype(str) if "source_title" in out else "dev"
    out["section"] = ""
    return out


def dev_figures(framework, dev_path: Path, extra: pd.DataFrame, train: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Rule, learned and model coders on the development set; when the shipped model was fitted to it too,
    the model fitted without it is shown beside it (out of sample)."""
    from workbook.coding.learned import learned_coder, seed_training
    ids = framework.dimension_ids
    dev = read_findings_csv(dev_path)
    coders = {"rules": rule_coder(framework)}
    coders["learned"] = learned_coder(framework, pd.concat([extra, seed_training(framework)], ignore_index=True))
    if SHIPPED_MODEL.exists():
        shipped = load_model(SHIPPED_MODEL, framework, coders["rules"])
        if shipped.meta.get("fitted_to_dev_set"):
            coders["model (train set)"] = fit_on(framework, train, extra)
            coders["model (shipped: fitted to these sentences too, so in-sample)"] = shipped
        else:
            coders["model (shipped)"] = shipped
    gd, gp = gold_matrix(dev, ids), dev["polarity"].to_numpy(dtype=object)
    print(f"\n4. Development set ({len(dev)} sentences from 14 publications; the rule cues were tuned on it)")
    out = {}
    for name, coder in coders.items():
        coded = code_frame(dev[["text"]].copy(), framework, coder=coder)
        d = np.array([[int(x in dims(c)) for x in ids] for c in coded["dimensions"]], dtype=int)
        s = scores(gd, d, gp, coded["polarity"].to_numpy(dtype=object), ids)
        out[name] = s
        print(f"  {name:<17} mean kappa {s['mean_kappa']:.3f}; polarity accuracy {s['polarity_accuracy']:.3f} "
              f"(kappa {s['polarity_kappa']:.3f}); " + ", ".join(f"{d} {fmt(s[d])}" for d in ids))
    return out


def verdict(name: str, s: dict[str, float], ids) -> None:
    """Whether one coder's grouped-CV figures meet the goals."""
    worst = min(ids, key=lambda d: s[d])
    ok_mean, ok_min, ok_pol = s["mean_kappa"] >= GOAL_MEAN_KAPPA, s[worst] >= GOAL_MIN_KAPPA, \
        s["polarity_accuracy"] >= GOAL_POLARITY
    print(f"  {name}: mean kappa {s['mean_kappa']:.3f} >= {GOAL_MEAN_KAPPA}: {'met' if ok_mean else 'NOT met'}; "
          f"lowest dimension {worst} {s[worst]:.3f} >= {GOAL_MIN_KAPPA}: {'met' if ok_min else 'NOT met'}; "
          f"polarity accuracy {s['polarity_accuracy']:.3f} >= {GOAL_POLARITY}: {'met' if ok_pol else 'NOT met'}")


def curve_verdict(points: list[Point], ids, n_boot: int) -> None:
    """Whether the learning curve's kappa rises at every step, and at how many steps beyond noise."""
    kappas = [p.scores["mean_kappa"] for p in points]
    rising = all(b > a for a, b in pairwise(kappas))
    clear = sum(lo > 0 for _, (lo, _), _, _ in differences(points, ids, n_boot, "mean_kappa"))
    steps = len(kappas) - 1
    verdict = ("met" if rising and clear == steps else
               f"NOT shown (higher at every step, but {steps - clear} of {steps} steps are within noise)" if rising
               else "NOT met")
    print(f"  learning curve kappa rises at every step ({' -> '.join(f'{k:.3f}' for k in kappas)}): "
          f"{verdict}; rises beyond its 95% interval at {clear} of {steps} steps")


def parser_of() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--curve-mode", choices=("pooled", "train"), default="train",
                        help="how the coded sentences enter the model (learning curve; see the module docstring)")
    parser.add_argument("--case-weight", type=float, default=3.0,
                        help="training weight of the held-back group's reviewer-coded sentences (pooled curve)")
    parser.add_argument("--orders", type=int, default=DEFAULT_ORDERS,
                        help="random coding orders per fold in the learning curve")
    parser.add_argument("--renamings", type=int, default=2,
                        help="grouped-CV refits of the model with the publication ids renamed at random (0: none)")
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    parser.add_argument("--size-curve", action="store_true", help="also fit on 25/50/75/100%% of each training fold")
    parser.add_argument("--size-subsets", type=int, default=3, help="random publication subsets per size")
    parser.add_argument("--no-dev", action="store_true", help="skip the development set")
    parser.add_argument("--no-project", action="store_true", help="do not add the project's reviewed findings")
    parser.add_argument("--errors", action="store_true", help="also count the model's misses by kind")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the report."""
    try:
        args = parser_of().parse_args(argv)
    except SystemExit as exc:  # argparse has printed the one-line usage error (2) or the help (0)
        return int(exc.code or 0)
    wrong = [f"{name} must be at least {least} (got {value:g})" for name, value, least in
             (("--bootstrap", args.bootstrap, 1), ("--orders", args.orders, 1), ("--size-subsets", args.size_subsets, 1),
              ("--renamings", args.renamings, 0))
             if value < least] + ([f"--case-weight must be above 0 (got {args.case_weight:g})"]
                                  if not args.case_weight > 0 else [])
    if wrong:
        print(f"error: {'; '.join(wrong)}.", file=sys.stderr)
        return 2
    if not args.train.exists():
        print(f"coding_accuracy: the coded sentences are not here ({args.train} is absent; they live outside the "
              f"project, in ../shared/coding/). Nothing measured.")
        return 0
    start = time.time()
    print(f"Coding accuracy (load average at start {os.getloadavg()[0]:.1f})")
    curve: list[Point] = []
    try:
        framework = load_framework()
        ids = framework.dimension_ids
        train = read_findings_csv(args.train)
        check_train(train, args.train, ids)
        extra = pd.DataFrame(columns=["text", "dimensions", "polarity", "section"]) if args.no_project \
            else project_training()
        cv = grouped_cv(framework, train, extra, args.folds, args.bootstrap, args.errors, args.renamings)
        if not args.no_curve:
            t0 = time.time()
            curve = learning_curve(framework, train, extra, cv, args.case_weight, args.orders, args.curve_mode)
            how = (f"refitted to the other folds plus the k coded sentences (weight {args.case_weight:g})"
                   if args.curve_mode == "pooled" else
                   f"as `workbook train` does it: the other folds' model as the prior of a model fitted to the "
                   f"project's {len(extra)} reviewed findings plus the k coded sentences")
            print(f"\n2. Learning curve ({args.curve_mode}): each of the {args.folds} folds held back as a new case, "
                  f"coded in {args.orders} random orders; the model {how}; scored on the group's other sentences "
                  f"(pooled over orders; 95% intervals: {args.bootstrap} bootstrap resamples of publications; "
                  f"{time.time() - t0:.0f} s)")
            print_curve(curve, ids, args.bootstrap, "k")
        if args.size_curve:
            t0 = time.time()
            size = size_curve(framework, train, extra, cv, args.size_subsets)
            print(f"\n3. Data-size curve: the grouped cross-validation with the model fitted on a share of each "
                  f"training fold's publications ({args.size_subsets} random subsets per share below 100%; plus "
                  f"the project's {len(extra)} reviewed findings every time; {time.time() - t0:.0f} s)")
            print_curve(size, ids, args.bootstrap, "sentences",
                        [f"{frac:.0%} ({p.x:.0f} sentences)" for frac, p in zip(SIZE_FRACTIONS, size)])
            print("  log-linear trend over the four points (an extrapolation far beyond the data: a guide, "
                  "not a promise):")
            extrapolate(size, ids, "mean_kappa", GOAL_MEAN_KAPPA, args.bootstrap)
            extrapolate(size, ids, "polarity_accuracy", GOAL_POLARITY, args.bootstrap)
        if not args.no_dev and args.dev.exists():
            dev_figures(framework, args.dev, extra, train)
    except (WorkbookError, BadInput) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    default = str((framework.coding or {}).get("default_coder", "rules"))
    print(f"\nGoals (grouped cross-validation; the default coder is '{default}')")
    for name in cv.scores:
        verdict(name, cv.scores[name], ids)
    if curve:
        curve_verdict(curve, ids, args.bootstrap)
    print(f"(took {time.time() - start:.0f} s; load average at end {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
