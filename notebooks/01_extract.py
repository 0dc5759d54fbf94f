# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 1. Extract findings from a case's sources
#
# Reads the source documents of one case (`evidence/sources/<case>/`) and splits them into
# findings: one per statement, each with a **stable id** (from the source and the normalised text,
# so it survives reordering, re-wrapping and re-running), its **locator** (the page and section it
# stands under), and an automatic **polarity** (barrier, facilitator, neutral).
#
# Curated sources give one finding per bullet (origin `curated`). Full-text sources (`kind: fulltext`,
# added with `workbook add-source`) are split into sentences, and each sentence is scored by the
# classifier configured in `evidence/extraction.yaml`: those at or above its threshold are **candidate
# findings** (origin `candidate`, unreviewed until a reviewer accepts them); the others go to
# `reports/findings/<case>.rejected.csv`, each with the reason.
#
# Run by `make report` once per case (papermill sets `case_id`); a reviewer can open it and
# *Run All* with the defaults below.

# %% tags=["parameters"]
case_id = "torbay"
evidence_dir = ""
reports_dir = ""
framework = ""

# %%
import workbook.pipeline.stages as stages
from workbook.core.tables import read_csv
from workbook.evidence.cases import get_case

settings = stages.resolve(evidence_dir, reports_dir, framework)
case = get_case(case_id, settings.evidence)
findings = stages.run_extract(case.id, settings)
rejected = read_csv(stages.rejected_path(settings.reports, case.id))
candidates = int((findings["origin"] == "candidate").sum())
print(f"{case.name}: {len(findings)} findings ({len(findings) - candidates} curated, {candidates} candidate) from "
      f"{findings['source'].nunique()} sources -> {stages.relative_to_root(stages.findings_path(settings.reports, case.id))}; "
      f"{len(rejected)} full-text sentences judged not findings -> "
      f"{stages.relative_to_root(stages.rejected_path(settings.reports, case.id))}")

# %% [markdown]
# ## Findings by source and polarity

# %%
findings.pivot_table(index=["source", "origin"], columns="polarity", values="finding_id", aggfunc="count",
                     fill_value=0)

# %% [markdown]
# ## The findings

# %%
findings[["finding_id", "source", "locator", "origin", "finding_score", "polarity", "statement"]].style.hide(
    axis="index").format(escape="html", na_rep="", precision=1)

# %% [markdown]
# ## Full-text sentences judged not to be findings, and why
#
# Each reason lists the parts of the score (section role, cues matched) or why the sentence can never be a
# finding (front matter, references, acknowledgements, captions, tables). Change the weights, cue words or
# threshold in `evidence/extraction.yaml`.
#
# A reviewer's decision wins over the classifier: accept or reject a sentence by its `finding_id` (from
# either table), optionally correcting its text, and the next run uses it. For example:
#
# ```python
# from workbook.extract.findings import record_candidate_decision
# record_candidate_decision("torbay", "<finding_id>", "accept", "Your Name", statement="corrected text (optional)")
# ```
#
# Decisions are appended to `evidence/reviews/<case>/candidates.csv`.

# %%
rejected[["source", "locator", "finding_score", "reason", "statement"]].head(200).style.hide(axis="index").format(
    escape="html", na_rep="", precision=1)
