"""The learned coder: word and phrase (n-gram) features with one logistic regression per dimension
(one-vs-rest) and one polarity classifier, trained on reviewer-coded findings.

Training table: columns `text`, `dimensions` (ids joined by ';', '' for none) and `polarity`.
`enough_training` documents the minimum. `seed_training` builds a small weakly-labelled table from
the framework itself (definitions, "delivery requires" items and cue examples) for when no reviewer
codes exist yet. Everything is deterministic (fixed random_state, sorted inputs).
"""
from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from workbook.coding.cues import cue_examples, stems
from workbook.coding.suggestion import Coding
from workbook.core.errors import ParameterError, problem
from workbook.evidence.framework import POLARITIES, Framework, coding_cues

MIN_FINDINGS = 30
"""A learned coder needs at least this many coded findings ..."""
MIN_PER_LABEL = 3
"""... with every dimension coded (and not coded) and every polarity used at least this often."""
RANDOM_STATE = 0


def _split_dims(value: object) -> list[str]:
    """Dimension ids of a ';'-joined cell (empty or missing -> none)."""
    if value is None or (isinstance(value, float) and value != value):
        return []
    return [d.strip() for d in str(value).split(";") if d.strip()]


def label_counts(training: pd.DataFrame, dimension_ids: Sequence[str]) -> dict[str, int]:
    """How often each dimension is coded and each polarity used in a training table."""
    counts = {d: 0 for d in dimension_ids}
    for cell in training.get("dimensions", pd.Series([], dtype=str)).tolist():
        for d in _split_dims(cell):
            if d in counts:
                counts[d] += 1
    for p in POLARITIES:
        counts[p] = int((training.get("polarity", pd.Series([], dtype=str)).astype(str) == p).sum())
    return counts


def enough_training(training: pd.DataFrame | None, dimension_ids: Sequence[str] | None = None) -> bool:
    """True when there are >= MIN_FINDINGS coded findings and each label is seen >= MIN_PER_LABEL times."""
    if training is None or not {"text", "dimensions", "polarity"} <= set(training.columns):
        return False
    n = len(training)
    if n < MIN_FINDINGS:
        return False
    from workbook.evidence.framework import PETCH_DIMENSIONS
    dims = tuple(dimension_ids) if dimension_ids is not None else PETCH_DIMENSIONS
    counts = label_counts(training, dims)
    return all(MIN_PER_LABEL <= counts[d] <= n - MIN_PER_LABEL for d in dims) and all(
        counts[p] >= MIN_PER_LABEL for p in POLARITIES)


def _analyzer(text: str) -> list[str]:
    """Stemmed unigrams and bigrams of a text."""
    toks = stems(text)
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]


@dataclass
class LearnedCoder:
    """One-vs-rest logistic regressions over stemmed word and phrase features."""

    framework: Framework
    vectorizer: TfidfVectorizer
    models: dict[str, LogisticRegression | float]
    polarity_model: LogisticRegression | str
    threshold: float = 0.5
    name: str = "learned"

    def code(self, texts: Sequence[str], progress: bool = False) -> list[Coding]:
        """Code each text; reasons name the features that pushed each coded dimension most."""
        texts = ["" if t is None else str(t) for t in texts]
        if not texts:
            return []
        X = self.vectorizer.transform(texts)
        names = self.vectorizer.get_feature_names_out()
        dim_ids = self.framework.dimension_ids
        probs: dict[str, np.ndarray] = {}
        for d in dim_ids:
            model = self.models[d]
            probs[d] = (model.predict_proba(X)[:, 1] if isinstance(model, LogisticRegression)
                        else np.full(len(texts), float(model)))
        if isinstance(self.polarity_model, LogisticRegression):
            pol = self.polarity_model.predict(X)
        else:
            pol = np.array([self.polarity_model] * len(texts))
        rows: Iterable[int] = range(len(texts))
        if progress:
            from tqdm.auto import tqdm
            rows = tqdm(rows, desc="coding", unit="finding", total=len(texts))
        out = []
        for i in rows:
            row = X.getrow(i)
            coded = tuple(d for d in dim_ids if probs[d][i] >= self.threshold)
            parts = []
            for d in coded:
                model = self.models[d]
                top = ""
                if isinstance(model, LogisticRegression) and row.nnz:
                    contrib = row.multiply(model.coef_[0]).tocoo()
                    order = np.argsort(-contrib.data)[:3]
                    words = [names[contrib.col[j]] for j in order if contrib.data[j] > 0]
                    top = ": " + ", ".join(f"'{w}'" for w in words) if words else ""
                parts.append(f"{d} p={probs[d][i]:.2f}{top}")
            parts.append(f"polarity {pol[i]} (learned)")
            out.append(Coding(coded, str(pol[i]), {d: round(float(probs[d][i]), 6) for d in dim_ids},
                              "; ".join(parts)))
        return out


def learned_coder(framework: Framework, training: pd.DataFrame, text_column: str = "text") -> LearnedCoder:
    """Train the learned coder on reviewer-coded findings (text, dimensions, polarity)."""
    missing = [c for c in (text_column, "dimensions", "polarity") if c not in training.columns]
    if missing:
        raise ParameterError(f"training table lacks column(s) {', '.join(missing)}; it has: "
                             f"{', '.join(map(str, training.columns))}. Fix: give text, dimensions "
                             f"(ids joined by ';') and polarity columns.")
    if len(training) == 0:
        raise ParameterError("training table has no rows. Fix: code some findings first.")
    data = training.reset_index(drop=True)
    texts = ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in data[text_column]]
    vectorizer = TfidfVectorizer(analyzer=_analyzer, sublinear_tf=True, min_df=1)
    X = vectorizer.fit_transform(texts)
    models: dict[str, LogisticRegression | float] = {}
    dim_sets = [set(_split_dims(v)) for v in data["dimensions"]]
    for d in framework.dimension_ids:
        y = np.array([1 if d in s else 0 for s in dim_sets])
        if y.min() == y.max():
            models[d] = float(y[0])
            continue
        model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000,
                                   solver="liblinear", random_state=RANDOM_STATE)
        models[d] = model.fit(X, y)
    pol = data["polarity"].astype(str).str.strip().to_numpy()
    bad = sorted(set(pol) - set(POLARITIES))
    if bad:
        raise ParameterError(f"training polarity values {bad} are not among {list(POLARITIES)}. "
                             f"Fix: use barrier, facilitator or neutral.")
    if len(set(pol)) == 1:
        polarity_model: LogisticRegression | str = str(pol[0])
    else:
        polarity_model = LogisticRegression(C=4.0, class_weight="balanced", max_iter=2000,
                                            random_state=RANDOM_STATE).fit(X, pol)
    return LearnedCoder(framework, vectorizer, models, polarity_model)


def seed_training(framework: Framework) -> pd.DataFrame:
    """Weakly-labelled examples from the framework itself: definitions, requires items and cue examples."""
    rows: list[tuple[str, str, str]] = []
    for dim in framework.dimensions:
        rows.append((dim.definition, dim.id, "neutral"))
        rows.append((f"{dim.label}: {dim.definition}", dim.id, "facilitator"))
        for req in dim.requires:
            rows.append((req.text, dim.id, "facilitator"))
        examples = sorted({e for cue in dim.cues if cue.weight >= 0.7 for e in cue_examples(cue.term, 4)})
        for ex in examples:
            rows.append((ex, dim.id, "neutral"))
    for kind, pol in (("facilitator", "facilitator"), ("barrier", "barrier"), ("negation", "barrier"),
                      ("descriptive", "neutral")):
        examples = sorted({e for cue in coding_cues(framework, kind) for e in cue_examples(cue.term, 4)})
        rows += [(ex, "", pol) for ex in examples]
    return pd.DataFrame(rows, columns=["text", "dimensions", "polarity"])


def reviewed_training(evidence: "str | Path") -> pd.DataFrame:
    """Reviewer-coded findings from evidence/reviews/*.csv (text, dimensions, polarity), when they exist.

    Review files that carry only a finding id are joined to finding texts found in CSVs elsewhere in
    evidence/ (any CSV with id and text columns)."""
    evidence = Path(evidence)
    frames = []
    for path in sorted(glob.glob(str(evidence / "reviews" / "*.csv"))):
        try:
            df = pd.read_csv(path, dtype=str, keep_default_na=False)
        except Exception as exc:  # noqa: BLE001 - a broken review file is reported, not fatal here
            raise ParameterError(problem(path, f"cannot be read as CSV ({exc}).", "fix or remove the file.")) from None
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["text", "dimensions", "polarity"])
    reviews = pd.concat(frames, ignore_index=True)
    if "text" not in reviews.columns:
        id_col = next((c for c in ("finding_id", "id") if c in reviews.columns), None)
        texts: dict[str, str] = {}
        for path in sorted(glob.glob(str(evidence / "**" / "*.csv"), recursive=True)):
            if "/reviews/" in path.replace("\\", "/"):
                continue
            try:
                df = pd.read_csv(path, dtype=str, keep_default_na=False)
            except Exception:  # noqa: BLE001
                continue
            key = next((c for c in ("finding_id", "id") if c in df.columns), None)
            if key and "text" in df.columns:
                texts.update(dict(zip(df[key], df["text"])))
        if id_col is None:
            return pd.DataFrame(columns=["text", "dimensions", "polarity"])
        reviews["text"] = reviews[id_col].map(texts)
        reviews = reviews[reviews["text"].notna()]
    keep = [c for c in ("text", "dimensions", "polarity") if c in reviews.columns]
    if len(keep) < 3:
        return pd.DataFrame(columns=["text", "dimensions", "polarity"])
    return reviews[keep].reset_index(drop=True)
