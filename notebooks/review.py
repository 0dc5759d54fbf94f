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
# # Review a case's findings
#
# Step through a case's findings one at a time: read the statement, its source and locator, and
# the automatic codes with their reasons; tick the dimensions it speaks to, choose a polarity, add
# a note if useful, and **Save**. Each decision is appended to `evidence/reviews/<case>.csv`
# (atomically, through `workbook.coding.reviews.record_decision`) and wins over the automatic codes in the
# next `make report`.
#
# * **Run All**, type your name or initials in *Reviewer*, then work through the queue.
# * The ticks start from the finding's current codes (your earlier decision, or the coder's).
# * Filters: *Unreviewed only*, a *Dimension*, a *Polarity*, *Disagreements only* (reviewed
#   findings whose decision differs from the automatic codes). Dimension and polarity filters test
#   the current codes.
# * The foot of the app shows progress (reviewed *n* of *N*) and the live agreement between the
#   review decisions (the latest per finding, whoever made it) and the automatic coder: percent
#   agreement and Cohen's kappa over the reviewed findings (the table below adds 95% intervals).
#
# Coded findings come from `reports/coded/<case>.csv` when it exists, otherwise the case is
# extracted and coded on the fly (nothing is written to `reports/`). Without a widget front end
# (papermill, nbval) the notebook runs straight through and only prints the summary below.

# %% tags=["parameters"]
case_id = "torbay"
reviewer = ""
evidence_dir = ""
reports_dir = ""

# %%
from IPython.display import display

import workbook.pipeline.stages as stages
from workbook.ui.review import ReviewApp

settings = stages.resolve(evidence_dir, reports_dir)
app = ReviewApp(settings, case_id, reviewer)
display(app.widget)

# %% [markdown]
# ## Where the review stands
# A plain-text summary of the case shown above (re-run this cell to refresh it).

# %%
session = app.session
print(f"{session.case_id}: {session.progress().text}")
agreement = session.agreement()
print(f"exact agreement with the automatic coder over {agreement.reviewed} reviewed finding(s): "
      f"{agreement.exact:.0%}" if agreement.reviewed else "nothing reviewed yet")
agreement.table(settings.framework).round(2)
