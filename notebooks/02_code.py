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
# # 2. Code a case's findings against the framework
#
# Each finding gets automatic **suggestions**: the dimensions it speaks to, with the reason for
# each (the cues that fired), and a polarity. Then the reviewers' decisions in
# `evidence/reviews/<case>.csv` are applied on top: **a reviewer's decision always wins** and no
# regeneration ever changes that file. Decisions whose finding no longer exists are listed as
# orphaned, never dropped.

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
coded, orphans = stages.run_code(case.id, settings)
reviewed = int((coded["decided_by"] != "auto").sum())
print(f"{case.name}: {len(coded)} findings coded; {reviewed} carry a reviewer's decision; "
      f"{len(orphans)} orphaned decision(s).")

# %% [markdown]
# ## Codes, with their reasons

# %%
coded[["finding_id", "dimensions", "polarity", "decided_by", "auto_reasons", "statement"]].style.hide(axis="index").format(escape="html")

# %% [markdown]
# ## Agreement on the reviewed findings
# Cohen's kappa (95% CI) and percent agreement per dimension and for polarity: the automatic coder
# against each reviewer, and reviewers against each other where findings were double-coded.

# %%
from workbook.coding.reviews import load_reviews

decisions = load_reviews(case.id, settings.framework, settings.evidence).decisions
agreement = stages.agreement_table(coded, decisions, settings.framework)
agreement.round(2)

# %% [markdown]
# ## Orphaned decisions
# Decisions in the review file whose finding id no longer exists (the statement was reworded or
# removed). They stay in the file; re-assign them to the new id if the finding was reworded.

# %%
orphans
