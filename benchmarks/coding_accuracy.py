"""Measure automatic coding against expert codes, honestly.

1. Publication-grouped cross-validation on the train set (`../shared/coding/train_set.csv`: 539
   sentences from 101 publications): sklearn GroupKFold by `publication`, so no publication is on both
   sides of a split. For the rule coder (nothing fitted) and the model coder (fitted on the other
   folds, plus the project's reviewer-coded findings): per-dimension and mean Cohen's kappa,
   polarity accuracy and kappa, with 95% bootstrap intervals (resampling publications); the model's
   confidence against how often its whole suggestion is right (reliability table, Brier score).
2. A learning curve: each fold in turn is a held-back group of publications (a new case); the model
   is refitted after a reviewer has coded 0, 10, 20, 40 of its sentences (added to training, weight
   --case-weight), and scored on the group's other sentences (the same ones at every step).
3. The development set (`../shared/coding/dev_set.csv`, 84 sentences): rule, learned and shipped model coders.

Then a verdict per goal. The sentences are read at run time and never written anywhere; when
`../shared/coding` is absent the script says so and exits 0. It is a measurement, not a gate: exit 0
whenever it ran, 2 on bad input.

Usage: python benchmarks/coding_accuracy.py [--folds 5] [--bootstrap 1000] [--no-curve] [--no-dev] [--errors]
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score
from sklearn.model_selection import GroupKFold

from workbook.coding.model import SHIPPED_MODEL, ModelCoder, fit_model, load_model
from workbook.coding.rules import code_frame, read_findings_csv, rule_coder
from workbook.core.errors import WorkbookError
from workbook.evidence.framework import load_framework

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "coding"
DEFAULT_TRAIN = SHARED / "train_set.csv"
DEFAULT_DEV = SHARED / "dev_set.csv"
GOAL_MEAN_KAPPA = 0.65
GOAL_MIN_KAPPA = 0.55
GOAL_POLARITY = 0.75
CURVE_STEPS = (0, 10, 20, 40)
MIN_GROUPS = 3
"""Hashed words seen in fewer publications than this get no weight (as in the shipped model)."""


def dims(cell: object) -> set[str]:
    """Dimension ids of a ';'-joined cell."""
    return {d for d in str(cell or "").split(";") if d}


def kappa(a: np.ndarray, b: np.ndarray) -> float:
    """Cohen's kappa of two label vectors (0 when one side is constant and they agree, as sklearn gives nan)."""
    k = cohen_kappa_score(a, b) if len(set(a.tolist()) | set(b.tolist())) > 1 else 1.0
    return 0.0 if k != k else float(k)


def scores(gold_d: np.ndarray, pred_d: np.ndarray, gold_p: np.ndarray, pred_p: np.ndarray,
           ids: tuple[str, ...]) -> dict[str, float]:
    """Per-dimension kappa, their mean, polarity accuracy and kappa."""
    out = {d: kappa(gold_d[:, j], pred_d[:, j]) for j, d in enumerate(ids)}
    out["mean_kappa"] = float(np.mean([out[d] for d in ids]))
    out["polarity_accuracy"] = float((gold_p == pred_p).mean())
    out["polarity_kappa"] = kappa(gold_p, pred_p)
    return out


def bootstrap(gold_d, pred_d, gold_p, pred_p, groups: np.ndarray, ids, n: int, seed: int = 0
              ) -> dict[str, tuple[float, float]]:
    """95% percentile intervals of every score, resampling publications with replacement."""
    rng = np.random.default_rng(seed)
    uniq = np.unique(groups)
    rows_of = {g: np.flatnonzero(groups == g) for g in uniq}
    samples: dict[str, list[float]] = {}
    for _ in range(n):
        rows = np.concatenate([rows_of[g] for g in rng.choice(uniq, size=len(uniq), replace=True)])
        for k, v in scores(gold_d[rows], pred_d[rows], gold_p[rows], pred_p[rows], ids).items():
            samples.setdefault(k, []).append(v)
    return {k: (float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5))) for k, v in samples.items()}


def gold_matrix(frame: pd.DataFrame, ids: tuple[str, ...]) -> np.ndarray:
    """0/1 matrix of the expert codes (rows: sentences, columns: dimensions)."""
    return np.array([[int(d in dims(s)) for d in ids] for s in frame["dimensions"]], dtype=int).reshape(len(frame), len(ids))


def project_training() -> pd.DataFrame:
    """The project's reviewer-coded findings (text, dimensions, polarity); empty when there are none."""
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


def fit_on(framework, train: pd.DataFrame, extra: pd.DataFrame, weights: "np.ndarray | None" = None) -> ModelCoder:
    """The model coder fitted to train rows (grouped by publication) plus the extra coded findings."""
    texts = train["text"].tolist() + extra["text"].tolist()
    w = np.concatenate([weights if weights is not None else np.ones(len(train)), np.ones(len(extra))])
    return fit_model(framework, texts, train["dimensions"].tolist() + extra["dimensions"].tolist(),
                     train["polarity"].tolist() + extra["polarity"].tolist(),
                     sections=train["section"].tolist() + extra_sections(extra),
                     groups=train["publication"].tolist() + [f"project:{i}" for i in range(len(extra))],
                     weights=w, min_groups=MIN_GROUPS, rules=rule_coder(framework))


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
    return "nan" if x != x else f"{x:.2f}"


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
    for lo, hi in zip(edges, edges[1:]):
        m = (conf >= lo) & ((conf < hi) if hi < 1 else (conf <= hi))
        if m.sum():
            print(f"    {f'{lo:.1f}-{hi:.1f}':<14}{int(m.sum()):>5}{conf[m].mean():>11.2f}{right[m].mean():>13.2f}")


def grouped_cv(framework, train: pd.DataFrame, extra: pd.DataFrame, folds: int, n_boot: int,
               errors: bool) -> dict[str, dict[str, float]]:
    """Grouped cross-validation of the rule and model coders; prints and returns their scores."""
    ids = framework.dimension_ids
    groups = train["publication"].to_numpy()
    gold_d, gold_p = gold_matrix(train, ids), train["polarity"].to_numpy(dtype=object)
    rules_d, rules_p, _ = predict(rule_coder(framework), train, ids)
    model_d = np.zeros_like(gold_d)
    model_p = np.empty(len(train), dtype=object)
    conf = np.full(len(train), np.nan)
    splits = list(GroupKFold(n_splits=folds).split(train, groups=groups))
    for tr, te in splits:
        assert not set(groups[tr]) & set(groups[te])
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
    if errors:
        print("\n  Misses of the model by kind (dimension: missed / extra; polarity gold -> model):")
        for j, d in enumerate(ids):
            print(f"    {d:<18} missed {int(((gold_d[:, j] == 1) & (model_d[:, j] == 0)).sum()):>3}  extra "
                  f"{int(((gold_d[:, j] == 0) & (model_d[:, j] == 1)).sum()):>3}")
        print("    " + pd.crosstab(pd.Series(gold_p, name="gold"), pd.Series(model_p, name="model")).to_string()
              .replace("\n", "\n    "))
    return out


def learning_curve(framework, train: pd.DataFrame, extra: pd.DataFrame, folds: int, case_weight: float,
                   orders: int = 3, seed: int = 0) -> list[tuple[int, float, float]]:
    """Mean kappa and polarity accuracy on each held-back group after 0, 10, 20, 40 of its sentences were coded
    (averaged over `orders` random orders in which the reviewer codes them)."""
    ids = framework.dimension_ids
    groups = train["publication"].to_numpy()
    rng = np.random.default_rng(seed)
    per_step: dict[int, list[tuple[float, float, int]]] = {k: [] for k in CURVE_STEPS}
    splits = list(GroupKFold(n_splits=folds).split(train, groups=groups))
    for tr, te in [s for s in splits for _ in range(orders)]:
        order = rng.permutation(te)
        held = train.iloc[order[max(CURVE_STEPS):]]
        gd, gp = gold_matrix(held, ids), held["polarity"].to_numpy(dtype=object)
        for k in CURVE_STEPS:
            rows = np.concatenate([tr, order[:k]])
            w = np.concatenate([np.ones(len(tr)), np.full(k, case_weight)])
            coder = fit_on(framework, train.iloc[rows], extra, weights=w)
            d, p, _ = predict(coder, held, ids)
            s = scores(gd, d, gp, p, ids)
            per_step[k].append((s["mean_kappa"], s["polarity_accuracy"], len(held)))
    out = []
    for k in CURVE_STEPS:
        n = sum(x[2] for x in per_step[k])
        out.append((k, sum(x[0] * x[2] for x in per_step[k]) / n, sum(x[1] * x[2] for x in per_step[k]) / n))
    return out


def dev_figures(framework, dev_path: Path, extra: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Rule, learned and shipped-model coders on the development set."""
    from workbook.coding.learned import learned_coder, seed_training
    ids = framework.dimension_ids
    dev = read_findings_csv(dev_path)
    coders = {"rules": rule_coder(framework)}
    coders["learned"] = learned_coder(framework, pd.concat([extra, seed_training(framework)], ignore_index=True))
    if SHIPPED_MODEL.exists():
        coders["model (shipped)"] = load_model(SHIPPED_MODEL, framework, coders["rules"])
    gd, gp = gold_matrix(dev, ids), dev["polarity"].to_numpy(dtype=object)
    print(f"\n3. Development set ({len(dev)} sentences from 14 publications; the rule cues were tuned on it)")
    out = {}
    for name, coder in coders.items():
        coded = code_frame(dev[["text"]].copy(), framework, coder=coder)
        d = np.array([[int(x in dims(c)) for x in ids] for c in coded["dimensions"]], dtype=int)
        s = scores(gd, d, gp, coded["polarity"].to_numpy(dtype=object), ids)
        out[name] = s
        print(f"  {name:<16} mean kappa {s['mean_kappa']:.3f}; polarity accuracy {s['polarity_accuracy']:.3f} "
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


def main(argv: list[str] | None = None) -> int:
    """Run the measurements and print the report."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--train", type=Path, default=DEFAULT_TRAIN)
    parser.add_argument("--dev", type=Path, default=DEFAULT_DEV)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--case-weight", type=float, default=3.0,
                        help="training weight of the held-back group's reviewer-coded sentences (learning curve)")
    parser.add_argument("--orders", type=int, default=3, help="random coding orders averaged in the learning curve")
    parser.add_argument("--no-curve", action="store_true", help="skip the learning curve")
    parser.add_argument("--no-dev", action="store_true", help="skip the development set")
    parser.add_argument("--no-project", action="store_true", help="do not add the project's reviewed findings")
    parser.add_argument("--errors", action="store_true", help="also count the model's misses by kind")
    args = parser.parse_args(argv)
    if not args.train.exists():
        print(f"coding_accuracy: the coded sentences are not here ({args.train} is absent; they live outside the "
              f"project, in ../shared/coding/). Nothing measured.")
        return 0
    start = time.time()
    print(f"Coding accuracy (load average at start {os.getloadavg()[0]:.1f})")
    try:
        framework = load_framework()
        ids = framework.dimension_ids
        train = read_findings_csv(args.train)
        missing = [c for c in ("text", "dimensions", "polarity", "publication", "section") if c not in train.columns]
        if missing:
            print(f"error: {args.train} lacks column(s) {', '.join(missing)}.", file=sys.stderr)
            return 2
        extra = pd.DataFrame(columns=["text", "dimensions", "polarity"]) if args.no_project else project_training()
        cv = grouped_cv(framework, train, extra, args.folds, args.bootstrap, args.errors)
        curve = [] if args.no_curve else learning_curve(framework, train, extra, args.folds, args.case_weight, args.orders)
        if curve:
            print(f"\n2. Learning curve: each of the {args.folds} folds held back as a new case; the model refitted "
                  f"after a reviewer coded k of its sentences (weight {args.case_weight:g}); scored on the same "
                  f"other sentences of the group at every step; mean of {args.orders} random coding orders")
            for k, mk, pa in curve:
                print(f"  k={k:<3} mean kappa {mk:.3f}; polarity accuracy {pa:.3f}")
        if not args.no_dev and args.dev.exists():
            dev_figures(framework, args.dev, extra)
    except WorkbookError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    default = str((framework.coding or {}).get("default_coder", "rules"))
    print(f"\nGoals (grouped cross-validation; the default coder is '{default}')")
    for name in cv:
        verdict(name, cv[name], ids)
    if curve:
        rising = all(b[1] > a[1] for a, b in zip(curve, curve[1:]))
        print(f"  learning curve kappa rises at every step ({' -> '.join(f'{x[1]:.3f}' for x in curve)}): "
              f"{'met' if rising else 'NOT met'}")
    print(f"(took {time.time() - start:.0f} s; load average at end {os.getloadavg()[0]:.1f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
