"""The pipeline's stages as functions the notebooks call: extract a case, code a case, gather coded cases."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from workbook.coding.reviews import apply_decisions, load_reviews, require_readable
from workbook.core.errors import EvidenceError, ParameterError, problem
from workbook.core.paths import contained, evidence_dir, project_root, reports_dir
from workbook.core.tables import read_csv, write_csv
from workbook.evidence.cases import Case, get_case, load_cases
from workbook.evidence.framework import Framework, load_framework
from workbook.extract.findings import FINDING_COLUMNS, extract_tables, load_case_sources

CODED_COLUMNS: tuple[str, ...] = (
    "finding_id", "case", "source", "locator", "statement", "dimensions", "polarity",
    "auto_dimensions", "auto_polarity", "auto_reasons", "decision_source", "decided_by", "review_date", "review_note",
    "confidence")
"""The coded table's columns; `confidence` is the automatic coder's calibrated confidence (empty when it gives none)."""


@dataclass(frozen=True)
class Settings:
    """Resolved, checked locations for one notebook run."""

    evidence: Path
    reports: Path
    framework: Framework


def resolve(evidence: str = "", reports: str = "", framework: str = "") -> Settings:
    """Check notebook path parameters: each must stay inside the evidence or reports directory."""
    ev_base, rep_base = evidence_dir(), reports_dir()
    ev = contained(evidence, ev_base, "evidence_dir") if evidence else ev_base
    rep = contained(reports, rep_base, "reports_dir") if reports else rep_base
    fw_path = contained(framework, ev, "framework") if framework else ev / "framework.yaml"
    return Settings(ev, rep, load_framework(fw_path))


def findings_path(reports: Path, case_id: str) -> Path:
    """reports/findings/<case>.csv."""
    return reports / "findings" / f"{case_id}.csv"


def coded_path(reports: Path, case_id: str) -> Path:
    """reports/coded/<case>.csv."""
    return reports / "coded" / f"{case_id}.csv"


def orphans_path(reports: Path, case_id: str) -> Path:
    """reports/coded/<case>.orphans.csv: decisions whose finding no longer exists."""
    return reports / "coded" / f"{case_id}.orphans.csv"


def rejected_path(reports: Path, case_id: str) -> Path:
    """reports/findings/<case>.rejected.csv: full-text sentences judged not to be findings, with the reason."""
    return reports / "findings" / f"{case_id}.rejected.csv"


def run_extract(case_id: str, settings: Settings) -> pd.DataFrame:
    """Extract a case's findings; write reports/findings/<case>.csv and <case>.rejected.csv."""
    case = get_case(case_id, settings.evidence)
    table, rejected = extract_case_tables(case, settings.framework, settings.evidence)
    write_csv(table, findings_path(settings.reports, case.id))
    write_csv(rejected, rejected_path(settings.reports, case.id))
    return table


TRAINING_COLUMNS: tuple[str, ...] = ("text", "dimensions", "polarity", "section")
"""Columns of the training table: a reviewed finding's text, its decided codes, and its section heading."""


def training_table(settings: Settings) -> pd.DataFrame:
    """Reviewer-coded findings of every case (text, dimensions, polarity, section) to train a coder."""
    frames = []
    for case in load_cases(settings.evidence).values():
        decisions = load_reviews(case.id, settings.framework, settings.evidence).final()  # consensus first
        if decisions.empty:
            continue
        found = extract_case(case, settings.framework, settings.evidence)
        joined = found.merge(decisions[["finding_id", "dimensions", "polarity"]], on="finding_id",
                             suffixes=("_auto", ""))
        frames.append(joined.rename(columns={"statement": "text"})[list(TRAINING_COLUMNS)])
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(TRAINING_COLUMNS))


def code_findings(findings: pd.DataFrame, settings: Settings, case_id: str,
                  allow_unreadable_reviews: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Automatic codes with reasons, then the case's decisions on top (consensus, then the latest decision);
    returns (coded, orphans). An unreadable review row is refused unless `allow_unreadable_reviews`."""
    from workbook.coding.rules import code_frame, default_coder

    fw = settings.framework
    wants_learned = str(fw.coding.get("default_coder", "rules")) == "learned"
    coder = default_coder(fw, training_table(settings) if wants_learned else None)
    auto = code_frame(findings.drop(columns=["polarity"]), fw, text_column="statement", coder=coder,
                      section_column="section")
    auto = auto.rename(columns={"dimensions": "auto_dimensions", "polarity": "auto_polarity",
                                "reasons": "auto_reasons"})
    auto["dimensions"] = auto["auto_dimensions"]
    auto["polarity"] = auto["auto_polarity"]
    reviews = load_reviews(case_id, fw, settings.evidence)
    if not allow_unreadable_reviews:
        require_readable(reviews)
    coded, orphans = apply_decisions(auto, reviews)
    if "confidence" not in coded.columns:
        coded["confidence"] = float("nan")
    return coded[list(CODED_COLUMNS)], orphans


def run_code(case_id: str, settings: Settings,
             allow_unreadable_reviews: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Code a case's extracted findings and write reports/coded/<case>.csv (and its orphaned decisions);
    unreadable review rows stop it unless `allow_unreadable_reviews`."""
    case: Case = get_case(case_id, settings.evidence)
    findings = read_csv(findings_path(settings.reports, case.id))
    missing = [c for c in FINDING_COLUMNS if c not in findings.columns]
    if missing:
        raise EvidenceError(problem(findings_path(settings.reports, case.id), f"lacks column(s) {missing}.",
                                    "re-run the extract notebook for this case."))
    coded, orphans = code_findings(findings, settings, case.id, allow_unreadable_reviews)
    write_csv(coded, coded_path(settings.reports, case.id))
    write_csv(orphans, orphans_path(settings.reports, case.id))
    return coded, orphans


def load_coded(settings: Settings) -> pd.DataFrame:
    """All coded cases in cases.yaml order, read back from reports/coded/."""
    frames = [read_csv(coded_path(settings.reports, cid)) for cid in load_cases(settings.evidence)]
    if not frames:  # no cases yet: an empty table with every column
        return pd.DataFrame({c: pd.Series(dtype=str) for c in CODED_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def default_case(settings: Settings, case_id: str = "") -> str:
    """`case_id` when given, else the first case in cases.yaml; with no cases, a ParameterError saying what to add."""
    if case_id:
        return case_id
    cases = load_cases(settings.evidence)
    if not cases:
        raise ParameterError(problem(settings.evidence / "cases.yaml", "lists no cases yet, so there is nothing to "
                                     "review.", "add a case and its sources (see evidence/README.md), then run "
                                     "`make report` and open this notebook again."))
    return next(iter(cases))


def report_title(n_cases: int) -> str:
    """The report's title, naming how many cases it synthesises."""
    words = {1: "one case", 2: "two cases", 3: "three cases"}
    if not n_cases:
        return "Integrated care: a framework synthesis (no cases yet)"
    return f"Integrated care: a framework synthesis of {words.get(n_cases, f'{n_cases} cases')}"


NO_REVIEW_FINDINGS = ("No review findings yet: add evidence/synthesis/review_findings.yaml to assess confidence "
                      "(see evidence/README.md).")


def missing_evidence(settings: Settings, coded: "pd.DataFrame | None") -> list[str]:
    """Plain sentences naming what the evidence still lacks for a full synthesis (empty when nothing is);
    `coded` None: the findings are not known yet, so their absence is not checked."""
    from workbook.coding.reviews import all_reviews
    from workbook.evidence.outcomes import load_outcomes
    from workbook.synthesis.checklist import decisions_path, load_decisions
    from workbook.synthesis.confidence import review_findings_path

    cases = load_cases(settings.evidence)
    gaps: list[str] = []
    if not cases:
        gaps.append("No cases yet: add a case to evidence/cases.yaml, then its sources (`workbook add-source`, or "
                    "a Markdown file in evidence/sources/<case>/ as evidence/README.md describes).")
    elif len(cases) == 1:
        gaps.append("Only one case: comparing cases (the association test, the spread across cases) needs at "
                    "least two.")
    no_sources = [c.id for c in cases.values() if not c.sources]
    if no_sources:
        gaps.append(f"No sources yet for {', '.join(no_sources)}: list each source id under its case in "
                    f"evidence/cases.yaml and add its file under evidence/sources/<case>/.")
    if cases and coded is not None and coded.empty:
        gaps.append("No findings yet: each source's bullets under its ## headings become findings.")
    try:
        has_outcomes = not load_outcomes(settings.evidence).empty
    except EvidenceError:
        has_outcomes = True  # present but malformed: validation reports it, this list is about absence
    if not has_outcomes:
        gaps.append("No outcome figures: add a row to evidence/outcomes.csv for each figure a source reports (see "
                    "evidence/README.md); a qualitative review may have none.")
    if not review_findings_path(settings.evidence).exists():
        gaps.append(NO_REVIEW_FINDINGS)
    if cases and all_reviews(list(cases), settings.framework, settings.evidence).empty:
        gaps.append("No reviewer decisions yet: every code in this report is automatic. Review findings in "
                    "notebooks/review.ipynb (decisions go to evidence/reviews/), and agreement between coders "
                    "follows.")
    if cases and all(load_decisions(decisions_path(cid, settings.evidence), settings.framework).decisions.empty
                     for cid in cases):
        gaps.append("No checklist decisions yet: every delivery checklist status is the automatic mapping; "
                    "reviewers set items in evidence/checklist/<case>.csv.")
    return gaps


def relative_to_root(path: Path) -> str:
    """A path shown relative to the project root (for notebook output)."""
    try:
        return str(Path(path).resolve().relative_to(project_root()))
    except ValueError:
        return str(path)


def agreement_codes(coded: pd.DataFrame, decisions: pd.DataFrame) -> pd.DataFrame:
    """Long codes for agreement on independent decisions: the automatic coder ('auto') and each reviewer's
    first decision per finding (made before seeing anyone else's; consensus never counts), on reviewed findings."""
    people = decisions[decisions["finding_id"].isin(set(coded["finding_id"]))]
    order = [c for c in ("case", "when", "row") if c in people.columns]
    if order:
        people = people.sort_values(order, kind="stable")
    who = "reviewer_key" if "reviewer_key" in people.columns else "reviewer"  # 'AB' and 'ab' are one reviewer
    people = people.drop_duplicates(["finding_id", who], keep="first")
    reviewed = coded[coded["finding_id"].isin(set(people["finding_id"]))]
    auto = pd.DataFrame({"finding_id": reviewed["finding_id"], "coder": "auto",
                         "dimensions": reviewed["auto_dimensions"], "polarity": reviewed["auto_polarity"]})
    people = pd.DataFrame({"finding_id": people["finding_id"], "coder": people[who],
                           "dimensions": people["dimensions"], "polarity": people["polarity"]})
    return pd.concat([auto, people], ignore_index=True)


MIN_SHARED = 10
"""Fewest findings two coders must share before their kappa is shown."""


def agreement_table(coded: pd.DataFrame, decisions: pd.DataFrame, framework: Framework,
                    min_shared: int = MIN_SHARED) -> pd.DataFrame:
    """Agreement per dimension and polarity on independent decisions: Cohen's kappa (95% CI) for the automatic
    coder vs each reviewer and each pair of reviewers sharing at least `min_shared` findings; Fleiss' kappa among
    three or more reviewers and Krippendorff's alpha among two or more (missing decisions allowed), not the coder."""
    from workbook.coding.agreement import COLUMNS, fleiss_agreement, krippendorff_agreement, pairwise_agreement

    codes = agreement_codes(coded, decisions)
    if codes["coder"].nunique() < 2:
        return pd.DataFrame(columns=list(COLUMNS))
    dims = framework.dimension_ids
    people = codes[codes["coder"] != "auto"]
    parts = [pairwise_agreement(codes, dims, min_shared=min_shared),
             fleiss_agreement(people, dims, min_shared=min_shared),
             krippendorff_agreement(people, dims, min_shared=min_shared)]
    parts = [p for p in parts if not p.empty]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(COLUMNS))


def agreement_pairs(coded: pd.DataFrame, decisions: pd.DataFrame, min_shared: int = MIN_SHARED) -> pd.DataFrame:
    """Every pair of coders (the automatic coder included) with the number of findings both coded."""
    from workbook.coding.agreement import shared_findings

    return shared_findings(agreement_codes(coded, decisions), min_shared)


def extract_case(case: Case, framework: Framework, evidence: "Path | None" = None) -> pd.DataFrame:
    """The findings table of a case, from its source documents, with the rule coder's polarity."""
    return extract_case_tables(case, framework, evidence)[0]


def extract_case_tables(case: Case, framework: Framework, evidence: "Path | None" = None
                        ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(findings, rejected full-text sentences) of a case, with the rule coder's polarity."""
    from workbook.coding.rules import rule_coder  # deferred: the coder compiles the framework's cues

    def polarity(texts: list[str]) -> list[str]:
        return [c.polarity for c in rule_coder(framework).code(texts)]

    return extract_tables(case, load_case_sources(case, evidence), polarity, evidence=evidence)
