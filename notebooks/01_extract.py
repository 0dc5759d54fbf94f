# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
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
# so it survives reordering and re-running), its **locator** (the section or page heading it
# stands under), and an automatic **polarity** (barrier, facilitator, neutral).
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
from workbook.evidence.cases import get_case

settings = stages.resolve(evidence_dir, reports_dir, framework)
case = get_case(case_id, settings.evidence)
findings = stages.run_extract(case.id, settings)
print(f"{case.name}: {len(findings)} findings from {findings['source'].nunique()} sources "
      f"-> {stages.relative_to_root(stages.findings_path(settings.reports, case.id))}")

# %% [markdown]
# ## Findings by source and polarity

# %%
findings.pivot_table(index="source", columns="polarity", values="finding_id", aggfunc="count", fill_value=0)

# %% [markdown]
# ## The findings

# %%
findings[["finding_id", "source", "locator", "polarity", "statement"]].style.hide(axis="index").format(escape="html")
