"""Teaching: the coding exercise (student codes against a reference, kappa, where and why they differ) and hand-outs."""
from __future__ import annotations

import argparse
import copy
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from workbook.coding.agreement import pairwise_agreement
from workbook.coding.rules import rule_coder
from workbook.core.errors import EvidenceError, ParameterError, problem
from workbook.core.paths import evidence_dir
from workbook.core.yamlio import load_yaml, schema_problems
from workbook.evidence.cases import load_cases
from workbook.evidence.framework import POLARITIES, Framework
from workbook.extract.findings import load_case_sources
from workbook.synthesis.matrix import framework_matrix, split_ids
from workbook.ui.review import coded_findings

ANSWER_TAG = "answer"
EXERCISE_TAG = "exercise"
EXAMPLE_COLUMNS: tuple[str, ...] = ("dimension", "case", "finding_id", "source", "locator", "polarity", "statement")

REFERENCE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["framework", "items"],
    "additionalProperties": False,
    "properties": {
        "framework": {"type": "string"},
        "items": {
            "type": "array", "minItems": 1,
            "items": {
                "type": "object",
                "required": ["item", "finding_id", "dimensions", "polarity", "rationale"],
                "additionalProperties": False,
                "properties": {
                    "item": {"type": "integer", "minimum": 1},
                    "finding_id": {"type": "string", "minLength": 1},
                    "dimensions": {"type": "array", "items": {"type": "string"}},
                    "polarity": {"enum": list(POLARITIES)},
                    "rationale": {"type": "string", "minLength": 1},
                },
            },
        },
    },
}


# -- findings for the teaching notebooks ------------------------------------------------------
def all_coded(settings) -> pd.DataFrame:
    """The coded findings of every case in cases.yaml order (from reports/coded/ or coded on the fly)."""
    return pd.concat([coded_findings(cid, settings) for cid in load_cases(settings.evidence)], ignore_index=True)


def examples(coded: pd.DataFrame, framework: Framework, per_case: int = 1) -> pd.DataFrame:
    """Example findings per dimension and case: reviewed ones first, then those the coder ties most clearly to it."""
    scores = pd.DataFrame([c.scores for c in rule_coder(framework).code(coded["statement"].tolist())],
                          index=coded.index).reindex(columns=list(framework.dimension_ids), fill_value=0.0)
    dims = coded["dimensions"].map(split_ids)
    ranked = coded.assign(reviewed=coded.get("decided_by", pd.Series("auto", index=coded.index)).ne("auto"),
                          n_codes=dims.map(len))
    rows = []
    for dim in framework.dimension_ids:
        margin = scores[dim] - scores.drop(columns=[dim]).max(axis=1)
        hits = ranked[dims.map(lambda ds: dim in ds)].assign(margin=margin)
        hits = hits.sort_values(["reviewed", "n_codes", "margin"], ascending=[False, True, False], kind="stable")
        for case in dict.fromkeys(coded["case"]):
            for _, row in hits[hits["case"] == case].head(per_case).iterrows():
                rows.append({"dimension": dim, **{k: row[k] for k in EXAMPLE_COLUMNS[1:]}})
    return pd.DataFrame(rows, columns=list(EXAMPLE_COLUMNS))


def source_profile(coded: pd.DataFrame, settings) -> pd.DataFrame:
    """Per source: its case, kind, what was read, findings, and coded (finding, dimension) pairs."""
    codes = coded.assign(n_codes=coded["dimensions"].map(lambda v: len(split_ids(v))))
    counts = codes.groupby("source").agg(findings=("finding_id", "size"), codes=("n_codes", "sum"))
    rows = []
    for case in load_cases(settings.evidence).values():
        for src in load_case_sources(case, settings.evidence):
            n = counts.loc[src.id] if src.id in counts.index else None
            rows.append({"case": case.id, "source": src.id, "kind": src.kind, "read": src.read,
                         "findings": int(n["findings"]) if n is not None else 0,
                         "codes": int(n["codes"]) if n is not None else 0})
    return pd.DataFrame(rows)


def share_matrix(matrix: pd.DataFrame, coded: pd.DataFrame) -> pd.DataFrame:
    """The framework matrix divided by each case's number of findings (a share, not a count)."""
    totals = coded.groupby("case").size().reindex(matrix.index)
    return matrix.div(totals, axis=0).round(2)


def without_largest_source(coded: pd.DataFrame, framework: Framework, case_ids: "list[str]") -> pd.DataFrame:
    """For each case: its largest source, and how the case's matrix row changes when that source is left out."""
    full = framework_matrix(coded, framework, case_ids)
    rows = []
    for case in case_ids:
        sizes = coded[coded["case"] == case]["source"].value_counts()
        if sizes.empty:
            continue
        biggest = sizes.index[0]
        reduced = framework_matrix(coded[coded["source"] != biggest], framework, case_ids).loc[case]
        change = reduced - full.loc[case]
        rank_before = list(full.loc[case].sort_values(ascending=False, kind="stable").index[:3])
        rank_after = list(reduced.sort_values(ascending=False, kind="stable").index[:3])
        rows.append({"case": case, "largest source": biggest, "its findings": int(sizes.iloc[0]),
                     "codes lost": int(-change.sum()), "top 3 before": ", ".join(rank_before),
                     "top 3 after": ", ".join(rank_after)})
    return pd.DataFrame(rows)


# -- the reference coding ----------------------------------------------------------------------
def reference_path(evidence: "Path | None" = None) -> Path:
    """evidence/teaching/reference_coding.yaml."""
    return (evidence or evidence_dir()) / "teaching" / "reference_coding.yaml"


def load_reference(framework: Framework, evidence: "Path | None" = None) -> pd.DataFrame:
    """The reference coding (item, finding_id, dimensions ';'-joined, polarity, rationale), checked."""
    path = reference_path(evidence)
    doc = load_yaml(path)
    found = schema_problems(doc, REFERENCE_SCHEMA)
    if found:
        raise EvidenceError(found)
    rows, problems, seen = [], [], set()
    if doc.data["framework"] != framework.id:
        problems.append(problem(path, f"is a reference for framework {doc.data['framework']!r}, not {framework.id!r}.",
                                "code the items against the current framework and update `framework:`.",
                                line=doc.line_of(("framework",))))
    known = set(framework.dimension_ids)
    for i, raw in enumerate(doc.data["items"]):
        line = doc.line_of(("items", i))
        unknown = [d for d in raw["dimensions"] if d not in known]
        if unknown:
            problems.append(problem(path, f"unknown dimension(s) {unknown}.",
                                    f"use: {', '.join(framework.dimension_ids)}.", line=line, record=raw["finding_id"]))
        if raw["item"] in seen:
            problems.append(problem(path, f"item number {raw['item']} is used twice.", "number items 1, 2, 3, ...",
                                    line=line, record=raw["finding_id"]))
        seen.add(raw["item"])
        rows.append({"item": raw["item"], "finding_id": raw["finding_id"],
                     "dimensions": ";".join(framework.order([d for d in raw["dimensions"] if d in known])),
                     "polarity": raw["polarity"], "rationale": " ".join(raw["rationale"].split())})
    if problems:
        raise EvidenceError(problems)
    return pd.DataFrame(rows).sort_values("item").reset_index(drop=True)


def exercise_items(reference: pd.DataFrame, coded: pd.DataFrame) -> pd.DataFrame:
    """The findings to code, numbered as in the reference, read from the coded findings (no codes shown)."""
    cols = ["finding_id", "case", "source", "locator", "statement"]
    table = reference[["item", "finding_id"]].merge(coded[cols], on="finding_id", how="inner")
    return table.sort_values("item").reset_index(drop=True)


def missing_items(reference: pd.DataFrame, coded: pd.DataFrame) -> list[str]:
    """Reference finding ids no longer among the findings (their statement was edited or removed)."""
    present = set(coded["finding_id"])
    return [fid for fid in reference["finding_id"] if fid not in present]


# -- the student's answers and the comparison -------------------------------------------------
def student_codes(answers: "dict[int, Any]", framework: Framework) -> pd.DataFrame:
    """A student's answers {item: (dimensions, polarity) or {'dimensions':..., 'polarity':...} or None} as a table."""
    rows, errors = [], []
    for item, answer in sorted(answers.items()):
        if answer is None:
            continue
        if isinstance(answer, dict):
            dims, pol = answer.get("dimensions", []), answer.get("polarity")
        else:
            try:
                dims, pol = answer
            except (TypeError, ValueError):
                errors.append(f"item {item}: write (['dimension', ...], 'polarity'), got {answer!r}")
                continue
        dims = [dims] if isinstance(dims, str) else list(dims)
        unknown = [d for d in dims if d not in framework.dimension_ids]
        if unknown:
            errors.append(f"item {item}: unknown dimension(s) {unknown}; use: {', '.join(framework.dimension_ids)}")
        if pol not in POLARITIES:
            errors.append(f"item {item}: unknown polarity {pol!r}; use: {', '.join(POLARITIES)}")
        if not unknown and pol in POLARITIES:
            rows.append({"item": int(item), "dimensions": ";".join(framework.order(dims)), "polarity": pol})
    if errors:
        raise ParameterError("Some answers cannot be read. Fix: " + "; ".join(errors) + ".")
    return pd.DataFrame(rows, columns=["item", "dimensions", "polarity"])


@dataclass(frozen=True)
class Comparison:
    """A student's coding set against the reference: kappas and item-by-item differences."""

    answered: int
    total: int
    by_dimension: pd.DataFrame
    """dimension, label, student, reference, both, agreement, kappa, ci_low, ci_high, note (one row per dimension)."""
    polarity_agreement: float
    polarity_kappa: float
    items: pd.DataFrame
    """item, finding_id, student and reference codes, missed, extra, polarity_match, match, rationale."""

    @property
    def differences(self) -> pd.DataFrame:
        """The answered items where the student and the reference differ."""
        return self.items[~self.items["match"]].reset_index(drop=True)

    @property
    def mean_kappa(self) -> float:
        """Mean of the per-dimension kappas that are defined."""
        return float(self.by_dimension["kappa"].mean(skipna=True))


def compare(student: pd.DataFrame, reference: pd.DataFrame, framework: Framework) -> Comparison:
    """Compare a student's codes with the reference over the items answered (kappa from workbook.coding.agreement)."""
    both = reference.merge(student, on="item", how="inner", suffixes=("_reference", "_student"))
    ref_sets = [set(split_ids(v)) for v in both["dimensions_reference"]]
    stu_sets = [set(split_ids(v)) for v in both["dimensions_student"]]
    codes = pd.concat([pd.DataFrame({"finding_id": both["item"].astype(str), "coder": who,
                                     "dimensions": both[f"dimensions_{who}"], "polarity": both[f"polarity_{who}"]})
                       for who in ("student", "reference")], ignore_index=True)
    stats = pairwise_agreement(codes, framework.dimension_ids).set_index("dimension")
    rows = []
    for dim in framework.dimension_ids:
        r = [dim in s for s in ref_sets]
        s = [dim in s for s in stu_sets]
        rows.append({"dimension": dim, "label": framework.dimension(dim).label, "student": sum(s),
                     "reference": sum(r), "both": sum(x and y for x, y in zip(r, s)),
                     "agreement": stats.loc[dim, "percent_agreement"], "kappa": stats.loc[dim, "kappa"],
                     "ci_low": stats.loc[dim, "ci_low"], "ci_high": stats.loc[dim, "ci_high"],
                     "note": stats.loc[dim, "note"]})
    items = pd.DataFrame({
        "item": both["item"], "finding_id": both["finding_id"],
        "student_dimensions": both["dimensions_student"], "reference_dimensions": both["dimensions_reference"],
        "missed": [";".join(framework.order(r - s)) for r, s in zip(ref_sets, stu_sets)],
        "extra": [";".join(framework.order(s - r)) for r, s in zip(ref_sets, stu_sets)],
        "student_polarity": both["polarity_student"], "reference_polarity": both["polarity_reference"],
    })
    items["polarity_match"] = items["student_polarity"] == items["reference_polarity"]
    items["match"] = (items["missed"] == "") & (items["extra"] == "") & items["polarity_match"]
    items["rationale"] = both["rationale"]
    return Comparison(answered=len(both), total=len(reference), by_dimension=pd.DataFrame(rows),
                      polarity_agreement=float(stats.loc["polarity", "percent_agreement"]),
                      polarity_kappa=float(stats.loc["polarity", "kappa"]), items=items)


# -- hand-outs ---------------------------------------------------------------------------------
def strip_answers(nb, tag: str = ANSWER_TAG):
    """A copy of a notebook without the cells tagged `tag`, and with every output cleared."""
    out = copy.deepcopy(nb)
    out.cells = [c for c in out.cells if tag not in c.get("metadata", {}).get("tags", [])]
    for cell in out.cells:
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return out


def make_handout(source: "str | Path", target: "str | Path", tag: str = ANSWER_TAG) -> Path:
    """Write a hand-out .ipynb of a notebook (.ipynb or paired .py) without its answer cells."""
    import jupytext
    import nbformat

    source, target = Path(source), Path(target)
    nb = jupytext.read(source)
    nb.metadata.pop("jupytext", None)
    handout = strip_answers(nb, tag)
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(handout, str(target))
    return target


def main(argv: "list[str] | None" = None) -> int:
    """python -m workbook.ui.teaching handout SOURCE TARGET: write a hand-out without answer cells."""
    parser = argparse.ArgumentParser(prog="python -m workbook.ui.teaching", description=main.__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    cmd = sub.add_parser("handout", help="copy a notebook without the cells tagged 'answer'")
    cmd.add_argument("source")
    cmd.add_argument("target")
    cmd.add_argument("--tag", default=ANSWER_TAG)
    args = parser.parse_args(argv)
    written = make_handout(args.source, args.target, args.tag)
    print(f"hand-out written: {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
