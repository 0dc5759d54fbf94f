"""The model coder: logistic regressions over the features of workbook.coding.features (the rule
coder's output, scoped word and phrase stems, sentence features), one per dimension plus one for
polarity, with calibrated probabilities and a calibrated confidence per suggestion.

Fitting (`fit_model`) works out, by publication-grouped internal cross-validation, a Platt scaling
and a decision threshold per dimension (the threshold that maximises Cohen's kappa out of fold), a
temperature for polarity, and a Platt scaling of the whole suggestion's confidence (the chance that
every dimension and the polarity are right). A model saves to and loads from JSON (`save_model`,
`load_model`): weights of named and hashed features only, never a sentence. A model refitted on a
project's own decisions (`workbook train`) adapts the model it started from (the prior): the prior's
calibrated log-odds stay as a fixed offset, and only a strongly penalised correction is fitted to the
new decisions (`ADAPT_C`), keeping the prior's thresholds and calibration, which a few dozen decisions
cannot re-estimate without making the coder worse.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from workbook.coding.features import Featurizer
from workbook.coding.suggestion import Coder, Coding
from workbook.core.atomic import atomic_open
from workbook.core.errors import ParameterError, problem
from workbook.evidence.framework import POLARITIES, Framework

FORMAT = "workbook-model-coder/1"
SHIPPED_MODEL = Path(__file__).with_name("model_weights.json")
"""The model fitted to the published train set (benchmarks/train_shipped_model.py rebuilds it)."""
PROJECT_MODEL = ("models", "coder.json")
"""Where `workbook train` writes a project's model, inside evidence/."""
C_DIM = 4.0
C_POLARITY = 4.0
PRIOR_SCALE = 4.0
"""A prior model's log-odds sit in the feature matrix multiplied by PRIOR_SCALE / 10; an adapted model's weight
10 / PRIOR_SCALE on those columns gives them back unchanged (the fixed offset of `_adapt`)."""
ADAPT_C = 0.1
"""Inverse penalty of the correction fitted on top of a prior (`workbook train`). Measured with
`benchmarks/coding_accuracy.py --curve-mode train`: refitting from scratch with the prior as a feature
(C 4) lost 0.05-0.07 kappa; a correction at C 1 lost 0.02 (a prototype); at C 0.1 nothing beyond noise
(chosen on the same folds, from those two values)."""
THRESHOLD_PARTITIONS = 3
"""Partitions of the groups into internal folds whose out-of-fold scores set each dimension's threshold and
Platt scaling. With one, which publications happened to share a fold moved grouped-CV mean kappa by about
0.025 (benchmarks/coding_accuracy.py, renamed ids)."""
MIN_PER_CLASS = 3
"""A dimension is refitted only when it is coded (and not coded) at least this often; else the prior is kept."""
RANDOM_STATE = 0
EPS = 1e-6


@dataclass(frozen=True)
class ModelCoding(Coding):
    """A Coding with the model's calibrated confidence that the whole suggestion is right (0..1)."""

    confidence: float = float("nan")


@dataclass
class DimModel:
    """One dimension's classifier: weights, Platt scaling of its score, and its decision threshold."""

    coef: np.ndarray
    intercept: float
    platt: tuple[float, float] = (1.0, 0.0)
    threshold: float = 0.5
    constant: "float | None" = None

    def logit(self, X: sp.csr_matrix) -> np.ndarray:
        """Calibrated log-odds of the dimension for each row."""
        raw = np.asarray(X @ self.coef).ravel() + self.intercept
        if self.constant is not None:
            return np.full(X.shape[0], _logit(self.constant))
        return self.platt[0] * raw + self.platt[1]


@dataclass
class PolarityModel:
    """The polarity classifier: one weight vector per polarity and a temperature."""

    classes: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray
    temperature: float = 1.0

    def proba(self, X: sp.csr_matrix) -> np.ndarray:
        """Calibrated probability of each polarity (columns in self.classes order)."""
        z = (np.asarray(X @ self.coef.T) + self.intercept) / self.temperature
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)


@dataclass
class ModelCoder:
    """Codes texts with the fitted dimension and polarity models; reasons name the rule cues and the
    strongest model features; every suggestion has a calibrated confidence."""

    framework: Framework
    featurizer: Featurizer
    dims: dict[str, DimModel]
    polarity: PolarityModel
    confidence_platt: tuple[float, float] = (1.0, 0.0)
    prior: "ModelCoder | None" = None
    meta: dict[str, Any] = field(default_factory=dict)
    name: str = "model"
    uses_sections: bool = True
    """code() reads each text's section heading (what the sentence does: methods, results, ...)."""

    def features(self, texts: Sequence[str], sections: "Sequence[str] | None" = None,
                 codings: "list[Coding] | None" = None) -> tuple[sp.csr_matrix, list[Coding]]:
        """Feature matrix of the texts (with the prior's log-odds when there is a prior) and the rule codings."""
        codings = codings if codings is not None else self.featurizer.rule_codings(texts)
        X = self.featurizer.transform(texts, sections, codings)
        if self.prior is not None:
            P = self.prior.logits(texts, sections, codings)
            X = sp.hstack([X, sp.csr_matrix(P * (PRIOR_SCALE / 10.0))], format="csr")
        return X, codings

    def logits(self, texts: Sequence[str], sections: "Sequence[str] | None" = None,
               codings: "list[Coding] | None" = None) -> np.ndarray:
        """Calibrated log-odds per dimension, then per polarity (log-probabilities), one row per text."""
        X, _ = self.features(texts, sections, codings)
        cols = [self.dims[d].logit(X) for d in self.framework.dimension_ids]
        cols += list(np.log(np.clip(self.polarity.proba(X), EPS, 1.0)).T)
        return np.clip(np.column_stack(cols), -10, 10)

    def predict(self, texts: Sequence[str], sections: "Sequence[str] | None" = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, sp.csr_matrix, list[Coding]]:
        """(dimension probabilities, coded flags, polarity probabilities, features, rule codings)."""
        X, codings = self.features(texts, sections)
        ids = self.framework.dimension_ids
        probs = np.column_stack([_sigmoid(self.dims[d].logit(X)) for d in ids]) if ids else np.zeros((len(texts), 0))
        coded = np.column_stack([probs[:, j] >= self.dims[d].threshold for j, d in enumerate(ids)]) \
            if ids else np.zeros((len(texts), 0), bool)
        return probs, coded, self.polarity.proba(X), X, codings

    def confidence(self, probs: np.ndarray, coded: np.ndarray, pol: np.ndarray) -> np.ndarray:
        """Calibrated chance that every dimension decision and the polarity are right, per row."""
        return _confidence(probs, coded, pol, self.confidence_platt)

    def code(self, texts: Sequence[str], progress: bool = False, sections: "Sequence[str] | None" = None
             ) -> list[ModelCoding]:
        """Code each text: dimensions, polarity, per-dimension probabilities, reasons and confidence."""
        texts = ["" if t is None else str(t) for t in texts]
        if not texts:
            return []
        probs, coded, pol, X, codings = self.predict(texts, sections)
        conf = self.confidence(probs, coded, pol)
        ids = self.framework.dimension_ids
        terms = self.featurizer.term_columns_many(texts)
        X = X.tocsr()
        out: list[ModelCoding] = []
        for i, text in enumerate(texts):
            dims = tuple(d for j, d in enumerate(ids) if coded[i, j])
            k = int(np.argmax(pol[i]))
            polarity = self.polarity.classes[k]
            lo, hi = X.indptr[i], X.indptr[i + 1]
            row = (X.indices[lo:hi], X.data[lo:hi])
            out.append(ModelCoding(dims, polarity, {d: round(float(probs[i, j]), 6) for j, d in enumerate(ids)},
                                   self._reasons(terms[i], row, dims, probs[i], polarity, float(pol[i, k]),
                                                 codings[i], float(conf[i])),
                                   round(float(conf[i]), 6)))
        return out

    def _reasons(self, terms: dict[int, str], row: tuple[np.ndarray, np.ndarray], dims: tuple[str, ...],
                 probs: np.ndarray, polarity: str, p_pol: float, rule: Coding, conf: float) -> str:
        """Readable reasons: each coded dimension's probability and strongest features, polarity, the cues."""
        parts = []
        ids = self.framework.dimension_ids
        for d in dims:
            j = ids.index(d)
            parts.append(f"{d} p={probs[j]:.2f}" + self._top(row, self.dims[d].coef, terms))
        k = self.polarity.classes.index(polarity)
        parts.append(f"polarity {polarity} p={p_pol:.2f}" + self._top(row, self.polarity.coef[k], terms))
        parts.append(f"confidence {conf:.2f}")
        parts.append(f"cues: {rule.reasons}" if rule.reasons else "cues: none")
        return "; ".join(parts)

    def _top(self, row: tuple[np.ndarray, np.ndarray], coef: np.ndarray, terms: dict[int, str], n: int = 3) -> str:
        """The n features of one row (its columns and values) that pushed a decision most, as ' (a, b, c)'."""
        indices, data = row
        if not len(indices):
            return ""
        contrib = data * coef[indices]
        order = np.argsort(-contrib)[:n]
        names = []
        width = self.featurizer.width
        for o in order:
            if contrib[o] <= 0:
                break
            col = int(indices[o])
            names.append("prior model" if col >= width else self.featurizer.column_name(col, terms))
        return f" ({', '.join(names)})" if names else ""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """The logistic function."""
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


def _logit(p: float) -> float:
    """Log-odds of a probability (clipped away from 0 and 1)."""
    p = min(max(p, EPS), 1 - EPS)
    return math.log(p / (1 - p))


def _confidence(probs: np.ndarray, coded: np.ndarray, pol: np.ndarray, platt: tuple[float, float]) -> np.ndarray:
    """Platt-scaled product of each decision's probability of being right."""
    right = np.where(coded, probs, 1.0 - probs).prod(axis=1) * pol.max(axis=1)
    z = np.log(np.clip(right, EPS, 1.0)) - np.log(np.clip(1.0 - right, EPS, 1.0))
    return _sigmoid(platt[0] * z + platt[1])


def _platt(scores: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Platt scaling (a, b) of scores against 0/1 outcomes."""
    if len(set(y.tolist())) < 2:
        return 1.0, 0.0
    lr = LogisticRegression(C=100.0, solver="lbfgs").fit(scores.reshape(-1, 1), y)
    return float(lr.coef_[0, 0]), float(lr.intercept_[0])


def _kappa(y: np.ndarray, p: np.ndarray) -> float:
    """Cohen's kappa of two 0/1 vectors (0 when undefined)."""
    n = len(y)
    if n == 0:
        return 0.0
    po = float((y == p).mean())
    pe = float(y.mean() * p.mean() + (1 - y.mean()) * (1 - p.mean()))
    return 0.0 if pe >= 1 - 1e-12 else (po - pe) / (1 - pe)


def _temperature(logp: np.ndarray, y: np.ndarray) -> float:
    """The temperature that minimises the log loss of softmax(logp / T) against class indices y."""
    best, best_t = float("inf"), 1.0
    for t in np.exp(np.linspace(np.log(0.3), np.log(5.0), 40)):
        z = logp / t
        z = z - z.max(axis=1, keepdims=True)
        lp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
        loss = -lp[np.arange(len(y)), y].mean()
        if loss < best:
            best, best_t = loss, float(t)
    return best_t


def _renamed(groups: np.ndarray, seed: int) -> np.ndarray:
    """The group labels replaced by a seeded random renaming (same groups, another grouped fold assignment)."""
    names = np.unique(groups)
    new = np.random.default_rng(seed).permutation(len(names))
    return new[np.searchsorted(names, groups)]


def _folds(n: int, groups: np.ndarray, k: int = 5) -> list[tuple[np.ndarray, np.ndarray]]:
    """Grouped k-fold splits (fewer when there are fewer groups)."""
    n_groups = len(set(groups.tolist()))
    k = min(k, n_groups)
    if k < 2:
        return []
    return list(GroupKFold(n_splits=k).split(np.zeros(n), groups=groups))


class _Linear:
    """A fitted linear model's weights over every column (fitted on the used columns only, for speed)."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: np.ndarray) -> None:
        self.coef_, self.intercept_, self.classes_ = coef, intercept, classes

    def decision_function(self, X: sp.csr_matrix) -> np.ndarray:
        """Scores of the rows (one column per class beyond the first, as sklearn gives them)."""
        z = np.asarray(X @ self.coef_.T) + self.intercept_
        return z.ravel() if z.shape[1] == 1 else z


def _fit_linear(X: sp.csr_matrix, y: np.ndarray, w: np.ndarray, C: float, solver: str) -> _Linear:
    """A class-balanced logistic regression fitted on the columns the rows use, weights mapped back."""
    used = np.unique(X.indices)
    lr = LogisticRegression(C=C, class_weight="balanced", solver=solver, max_iter=3000,
                            random_state=RANDOM_STATE).fit(X[:, used], y, sample_weight=w)
    coef = np.zeros((lr.coef_.shape[0], X.shape[1]))
    coef[:, used] = lr.coef_
    return _Linear(coef, lr.intercept_.copy(), lr.classes_)


def _fit_lr(X: sp.csr_matrix, y: np.ndarray, w: np.ndarray, C: float) -> _Linear:
    """A class-balanced binary logistic regression."""
    return _fit_linear(X, y, w, C, "liblinear")


def _fit_dim(X: sp.csr_matrix, y: np.ndarray, w: np.ndarray, folds: list, C: float) -> DimModel:
    """Fit one dimension, its Platt scaling and threshold from out-of-fold scores."""
    pos = int(y.sum())
    if pos < MIN_PER_CLASS or len(y) - pos < MIN_PER_CLASS:
        return DimModel(np.zeros(X.shape[1]), 0.0, constant=float(y.mean()) if len(y) else 0.0)
    held_scores, held_y = [], []  # out-of-fold scores of every split (several partitions add up)
    for tr, te in folds:
        if 0 < y[tr].sum() < len(tr):
            m = _fit_lr(X[tr], y[tr], w[tr], C)
            held_scores.append(m.decision_function(X[te]))
            held_y.append(y[te])
    model = _fit_lr(X, y, w, C)
    oof = np.concatenate(held_scores) if held_scores else np.zeros(0)
    yo = np.concatenate(held_y) if held_y else np.zeros(0, int)
    if len(yo) < 10 or len(set(yo.tolist())) < 2:
        return DimModel(model.coef_[0].copy(), float(model.intercept_[0]))
    a, b = _platt(oof, yo)
    cal = _sigmoid(a * oof + b)
    grid = np.round(np.arange(0.1, 0.91, 0.025), 3)
    scores = [_kappa(yo, (cal >= t).astype(int)) for t in grid]
    best = float(np.max(scores))
    # the middle of the thresholds within 0.01 of the best kappa (a plateau, not a lucky point)
    near = [t for t, s in zip(grid, scores) if s >= best - 0.01]
    threshold = float(near[len(near) // 2])
    return DimModel(model.coef_[0].copy(), float(model.intercept_[0]), (a, b), threshold)


def fit_model(framework: Framework, texts: Sequence[str], dimensions: Sequence[str], polarity: Sequence[str],
              sections: "Sequence[str] | None" = None, groups: "Sequence[str] | None" = None,
              weights: "Sequence[float] | None" = None, prior: "ModelCoder | None" = None,
              min_groups: int = 1, C: float = C_DIM, meta: "dict[str, Any] | None" = None,
              featurizer: "Featurizer | None" = None, rules: "Coder | None" = None) -> ModelCoder:
    """Fit the model coder to coded texts (dimensions as ';'-joined ids, polarity per text); `groups`
    keep a publication's texts on one side of every internal split; hashed words seen in fewer than
    `min_groups` groups get no weight; with a `prior` (a fitted model) the fit is a penalised correction of
    the prior (see `_adapt`); `rules` is the rule coder whose suggestions are features (taken from the prior
    when there is one)."""
    texts = ["" if t is None else str(t) for t in texts]
    n = len(texts)
    if n == 0:
        raise ParameterError("no coded texts to fit the model to. Fix: code some findings first, or pass --extra CSV.")
    if not (len(dimensions) == len(polarity) == n):
        raise ParameterError("texts, dimensions and polarity differ in length. Fix: give one of each per text.")
    pol = [str(p).strip() for p in polarity]
    bad = sorted(set(pol) - set(POLARITIES))
    if bad:
        raise ParameterError(f"polarity values {bad} are not among {list(POLARITIES)}. "
                             f"Fix: use barrier, facilitator or neutral.")
    ids = framework.dimension_ids
    dim_sets = [{d.strip() for d in str(v or "").split(";") if d.strip()} for v in dimensions]
    unknown = sorted(set().union(*dim_sets) - set(ids)) if dim_sets else []
    if unknown:
        raise ParameterError(f"dimension ids {unknown} are not in the framework ({', '.join(ids)}). "
                             f"Fix: use the framework's dimension ids, joined by ';'.")
    if featurizer is None and prior is None and rules is None:
        raise ParameterError("fit_model needs the rule coder (rules=rule_coder(framework)), a featurizer or a prior.")
    featurizer = featurizer or (prior.featurizer if prior is not None else Featurizer(framework, rules))
    groups_arr = np.asarray(list(groups) if groups is not None else [str(i) for i in range(n)])
    w = np.asarray(list(weights) if weights is not None else [1.0] * n, dtype=float)
    base = ModelCoder(framework, featurizer, {}, PolarityModel(POLARITIES, np.zeros((3, 1)), np.zeros(3)),
                      prior=prior)
    X, _ = base.features(texts, sections)
    if min_groups > 1:
        X = _drop_rare(X, groups_arr, featurizer, min_groups)
    if prior is not None:
        return _adapt(prior, X, dim_sets, pol, w, meta)
    folds = _folds(n, groups_arr)
    # thresholds and Platt scaling from several partitions of the groups into folds, not one draw of them
    threshold_folds = folds + [split for seed in range(1, THRESHOLD_PARTITIONS)
                               for split in _folds(n, _renamed(groups_arr, seed))]
    dims = {}
    for d in ids:
        y = np.array([1 if d in s else 0 for s in dim_sets])
        dims[d] = _fit_dim(X, y, w, threshold_folds, C)
    pol_model = _fit_polarity(X, np.array(pol), w, folds)
    coder = ModelCoder(framework, featurizer, dims, pol_model, meta=dict(meta or {}))
    coder.confidence_platt = _fit_confidence(coder, X, dim_sets, pol, w, folds, C)
    coder.meta.setdefault("fitted_on", n)
    return coder


def _adapt(prior: ModelCoder, X: sp.csr_matrix, dim_sets: list[set[str]], pol: list[str], w: np.ndarray,
           meta: "dict[str, Any] | None", C: float = ADAPT_C) -> ModelCoder:
    """The prior corrected by the coded texts: per dimension and for polarity, the prior's calibrated
    log-odds as a fixed offset plus an L2-penalised linear correction; the prior's thresholds, temperature
    and confidence scaling kept; a dimension coded (or not coded) fewer than MIN_PER_CLASS times keeps the prior."""
    from scipy.optimize import minimize

    ids = prior.framework.dimension_ids
    width = prior.featurizer.width
    feats = X[:, :width].tocsr()
    used = np.unique(feats.indices)
    Xu = feats[:, used]
    offset = X[:, width:].toarray() * (10.0 / PRIOR_SCALE)  # the prior's log-odds, then log-probabilities
    m = len(used)

    def correction(z0: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Weights (m x K) and intercepts (K) of the correction for K log-odds columns (softmax when K > 1)."""
        K = Y.shape[1]

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            """The weighted penalised negative log-likelihood of a correction, and its gradient."""
            B, b = theta[:m * K].reshape(m, K), theta[m * K:]
            Z = z0 + np.asarray(Xu @ B) + b
            if K == 1:
                P = _sigmoid(Z)
                nll = (w[:, None] * (np.logaddexp(0, Z) - Y * Z)).sum()
            else:
                Zs = Z - Z.max(axis=1, keepdims=True)
                logp = Zs - np.log(np.exp(Zs).sum(axis=1, keepdims=True))
                P = np.exp(logp)
                nll = -(w[:, None] * Y * logp).sum()
            G = w[:, None] * (P - Y)
            grad = np.concatenate([(np.asarray(Xu.T @ G) + B / C).ravel(), G.sum(axis=0) + b / C])
            return float(nll + ((B ** 2).sum() + (b ** 2).sum()) / (2 * C)), grad

        theta = minimize(loss, np.zeros(m * K + K), jac=True, method="L-BFGS-B").x
        return theta[:m * K].reshape(m, K), theta[m * K:]

    dims: dict[str, DimModel] = {}
    for j, d in enumerate(ids):
        coef = np.zeros(X.shape[1])
        coef[width + j] = 10.0 / PRIOR_SCALE
        y = np.array([1.0 if d in s else 0.0 for s in dim_sets])
        intercept = 0.0
        if min(y.sum(), len(y) - y.sum()) >= MIN_PER_CLASS:
            B, b = correction(offset[:, [j]], y[:, None])
            coef[used] = B[:, 0]
            intercept = float(b[0])
        dims[d] = DimModel(coef, intercept, (1.0, 0.0), prior.dims[d].threshold)
    classes = prior.polarity.classes
    start = width + len(ids)
    pcoef = np.zeros((len(classes), X.shape[1]))
    for k in range(len(classes)):
        pcoef[k, start + k] = 10.0 / PRIOR_SCALE
    pinter = np.zeros(len(classes))
    Y = np.array([[1.0 if p == c else 0.0 for c in classes] for p in pol])
    if sum(1 for col in Y.T if col.sum() >= MIN_PER_CLASS) >= 2:
        B, b = correction(offset[:, start - width:start - width + len(classes)], Y)
        pcoef[:, used] = B.T
        pinter = b
    coder = ModelCoder(prior.framework, prior.featurizer, dims, PolarityModel(classes, pcoef, pinter), prior=prior,
                       meta=dict(meta or {}))
    coder.confidence_platt = prior.confidence_platt
    coder.meta.setdefault("fitted_on", len(pol))
    coder.meta.setdefault("adapted", f"a correction of the prior at C {C:g}")
    return coder


def _drop_rare(X: sp.csr_matrix, groups: np.ndarray, featurizer: Featurizer, min_groups: int) -> sp.csr_matrix:
    """Zero the hashed columns that occur in fewer than min_groups groups (named columns are kept)."""
    Xc = X.tocsc()
    keep = np.ones(X.shape[1])
    for col in range(len(featurizer.named), featurizer.width):
        rows = Xc.indices[Xc.indptr[col]:Xc.indptr[col + 1]]
        if len(rows) and len(set(groups[rows].tolist())) < min_groups:
            keep[col] = 0.0
    return (X @ sp.diags(keep)).tocsr()


def _fit_polarity(X: sp.csr_matrix, y: np.ndarray, w: np.ndarray, folds: list) -> PolarityModel:
    """Fit the polarity classifier and its temperature from out-of-fold scores."""
    classes = tuple(p for p in POLARITIES)
    present = sorted(set(y.tolist()))
    counts = {c: int((y == c).sum()) for c in classes}
    if len(present) < 2 or min(counts[c] for c in present) < 2:
        coef = np.zeros((3, X.shape[1]))
        inter = np.array([_logit(max(counts[c], 0.5) / len(y)) for c in classes])
        return PolarityModel(classes, coef, inter)

    def fit(rows: np.ndarray) -> PolarityModel:
        lr = _fit_linear(X[rows], y[rows], w[rows], C_POLARITY, "saga")
        coef = np.zeros((3, X.shape[1]))
        inter = np.full(3, -30.0)
        for k, c in enumerate(lr.classes_):
            j = classes.index(c)
            if len(lr.classes_) == 2:  # binary: one weight vector for the second class
                coef[j] = lr.coef_[0] if k == 1 else -lr.coef_[0]
                inter[j] = lr.intercept_[0] / 2 if k == 1 else -lr.intercept_[0] / 2
            else:
                coef[j] = lr.coef_[k]
                inter[j] = lr.intercept_[k]
        return PolarityModel(classes, coef, inter)

    model = fit(np.arange(len(y)))
    logp = np.full((len(y), 3), np.nan)
    for tr, te in folds:
        if len(set(y[tr].tolist())) >= 2:
            m = fit(tr)
            z = np.asarray(X[te] @ m.coef.T) + m.intercept
            logp[te] = z
    ok = ~np.isnan(logp).any(axis=1)
    if ok.sum() >= 10:
        model.temperature = _temperature(logp[ok], np.array([classes.index(c) for c in y[ok]]))
    return model


def _fit_confidence(coder: ModelCoder, X: sp.csr_matrix, dim_sets: list[set[str]], pol: list[str],
                    w: np.ndarray, folds: list, C: float) -> tuple[float, float]:
    """Platt scaling of the whole-suggestion confidence, fitted on out-of-fold suggestions."""
    ids = coder.framework.dimension_ids
    z_all, right_all = [], []
    for tr, te in folds:
        dims = {}
        for d in ids:
            y = np.array([1 if d in dim_sets[i] else 0 for i in tr])
            dims[d] = _fit_dim(X[tr], y, w[tr], [], C)
            dims[d].platt, dims[d].threshold = coder.dims[d].platt, coder.dims[d].threshold
            if coder.dims[d].constant is not None:
                dims[d].constant = coder.dims[d].constant
        yp = np.array(pol)
        if len(set(yp[tr].tolist())) < 2:
            continue
        pm = _fit_polarity(X[tr], yp[tr], w[tr], [])
        pm.temperature = coder.polarity.temperature
        Xt = X[te]
        probs = np.column_stack([_sigmoid(dims[d].logit(Xt)) for d in ids])
        coded = np.column_stack([probs[:, j] >= dims[d].threshold for j, d in enumerate(ids)])
        pp = pm.proba(Xt)
        right = np.where(coded, probs, 1 - probs).prod(axis=1) * pp.max(axis=1)
        z_all.append(np.log(np.clip(right, EPS, 1)) - np.log(np.clip(1 - right, EPS, 1)))
        truth = [all((d in dim_sets[i]) == bool(coded[r, j]) for j, d in enumerate(ids))
                 and pm.classes[int(np.argmax(pp[r]))] == pol[i] for r, i in enumerate(te)]
        right_all.append(np.array(truth, dtype=int))
    if not z_all:
        return 1.0, 0.0
    z, yr = np.concatenate(z_all), np.concatenate(right_all)
    if len(yr) < 10:
        return 1.0, 0.0
    return _platt(z, yr)


# ---- saving and loading -------------------------------------------------------------------------

def _sparse(v: np.ndarray, digits: int = 5) -> dict[str, float]:
    """Non-zero entries of a weight vector, rounded, keyed by column."""
    idx = np.flatnonzero(np.abs(v) >= 10 ** -digits)
    return {str(int(i)): round(float(v[i]), digits) for i in idx}


def _dense(d: dict[str, float], width: int, where: str) -> np.ndarray:
    """A weight vector from its non-zero entries, refusing columns outside the width."""
    v = np.zeros(width)
    for k, x in d.items():
        i = int(k)
        if not 0 <= i < width:
            raise ValueError(f"{where}: column {i} outside 0..{width - 1}")
        v[i] = float(x)
    return v


def model_to_dict(coder: ModelCoder) -> dict[str, Any]:
    """The model as plain data (weights, calibration, thresholds, provenance)."""
    return {
        "format": FORMAT,
        "meta": coder.meta,
        "hash_features": coder.featurizer.n_hash,
        "named_features": list(coder.featurizer.named),
        "dimension_ids": list(coder.framework.dimension_ids),
        "dimensions": {d: {"coef": _sparse(m.coef), "intercept": m.intercept, "platt": list(m.platt),
                           "threshold": m.threshold, "constant": m.constant} for d, m in coder.dims.items()},
        "polarity": {"classes": list(coder.polarity.classes), "coef": [_sparse(c) for c in coder.polarity.coef],
                     "intercept": [float(x) for x in coder.polarity.intercept],
                     "temperature": coder.polarity.temperature},
        "confidence_platt": list(coder.confidence_platt),
        "prior": model_to_dict(coder.prior) if coder.prior is not None else None,
    }


def model_from_dict(data: Any, framework: Framework, rules: Coder, where: str = "model") -> ModelCoder:
    """A model from plain data; a ValueError says what is wrong."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} model")
    if list(data["dimension_ids"]) != list(framework.dimension_ids):
        raise ValueError(f"its dimensions {data['dimension_ids']} are not the framework's "
                         f"{list(framework.dimension_ids)}")
    prior = model_from_dict(data["prior"], framework, rules, where) if data.get("prior") else None
    featurizer = prior.featurizer if prior is not None else Featurizer(framework, rules, int(data["hash_features"]))
    if list(data["named_features"]) != list(featurizer.named):
        raise ValueError("its named features differ from this version's (refit it)")
    width = featurizer.width + (len(framework.dimension_ids) + 3 if prior is not None else 0)
    dims = {}
    for d in framework.dimension_ids:
        m = data["dimensions"][d]
        dims[d] = DimModel(_dense(m["coef"], width, f"{where} {d}"), float(m["intercept"]),
                           (float(m["platt"][0]), float(m["platt"][1])), float(m["threshold"]),
                           None if m.get("constant") is None else float(m["constant"]))
    p = data["polarity"]
    classes = tuple(p["classes"])
    if sorted(classes) != sorted(POLARITIES):
        raise ValueError(f"its polarity classes {list(classes)} are not {list(POLARITIES)}")
    pol = PolarityModel(classes, np.vstack([_dense(c, width, f"{where} polarity") for c in p["coef"]]),
                        np.asarray(p["intercept"], dtype=float), float(p["temperature"]))
    cp = data["confidence_platt"]
    return ModelCoder(framework, featurizer, dims, pol, (float(cp[0]), float(cp[1])), prior,
                      dict(data.get("meta") or {}))


def save_model(coder: ModelCoder, path: "str | Path") -> Path:
    """Write the model as JSON, atomically."""
    path = Path(path)
    with atomic_open(path, "w") as handle:
        json.dump(model_to_dict(coder), handle, separators=(",", ":"), sort_keys=True)
    return path


def load_model(path: "str | Path", framework: Framework, rules: Coder) -> ModelCoder:
    """Read a model saved by save_model (`rules`: the rule coder it builds on); a missing, corrupt or
    mismatched file is one clear error."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ParameterError(problem(path, "model file not found.", "run `workbook train`, or remove the "
                                     "setting that points at it.")) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise ParameterError(problem(path, f"is not a readable model file ({exc.__class__.__name__}).",
                                     "delete it and run `workbook train` again.", line=line)) from None
    try:
        return model_from_dict(data, framework, rules, str(path))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ParameterError(problem(path, f"is not a usable model file ({exc}).",
                                     "delete it and run `workbook train` again.")) from None


def project_model_path(evidence: "str | Path") -> Path:
    """Where a project's own model lives: evidence/models/coder.json."""
    return Path(evidence).joinpath(*PROJECT_MODEL)


def model_coder(framework: Framework, rules: Coder, evidence: "str | Path | None" = None) -> ModelCoder:
    """The project's model (evidence/models/coder.json) when present, else the shipped model; `rules` is
    the rule coder (workbook.coding.rules.rule_coder) whose suggestions it builds on."""
    if evidence is not None:
        own = project_model_path(evidence)
        if own.exists():
            return load_model(own, framework, rules)
    return load_model(SHIPPED_MODEL, framework, rules)


__all__ = ["ModelCoder", "ModelCoding", "fit_model", "save_model", "load_model", "model_coder",
           "model_to_dict", "model_from_dict", "project_model_path", "SHIPPED_MODEL"]
