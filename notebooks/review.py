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
# # Review a case's findings
#
# Step through a case's findings one at a time: read the statement, its source and locator, tick
# the dimensions it speaks to, choose a polarity, add a note if useful, and **Save and next**.
#
# * **Run All**, then type your name or initials in *Reviewer* (remembered on this computer for
#   next time, outside the project). Your decisions go to your own file,
#   `evidence/reviews/<case>/<your_name>.csv`, so reviewers on separate copies of the project
#   merge their work with git without conflicts.
# * **Blind first pass** (on by default): until you have saved your own decision on a finding, the
#   form starts empty and the automatic codes, their reasons and other reviewers' decisions stay
#   hidden. Once you save, the status line shows them for comparison, and going back to the finding
#   shows every reviewer's decision.
# * **Keys**: click in the *Keys* box, then press 1-7 to tick a dimension, b / f / n for barrier,
#   facilitator or neutral, s to save and move on, j / k for next / previous.
# * **Order**: source order, or least certain first when the coder gives a confidence.
#   Filters: *Unreviewed only* (by you), *Sample only* (the double-coding sample drawn with
#   `workbook sample`), a *Dimension*, a *Polarity* (while blind these look only at your own
#   decisions, never at the hidden codes), *Disagreements only*.
# * **Adjudicate** (mode at the top): the findings on which reviewers disagree, their decisions
#   side by side; the adjudicator ticks the agreed codes and saves a consensus (with everyone who
#   took part) to `evidence/reviews/<case>/consensus.csv`. The synthesis uses a consensus first,
#   then the latest decision, then the automatic codes.
# * **Candidates** (mode at the top): the sentences of full-text sources that the classifier took
#   for findings and no reviewer has decided yet, each between the sentence before and after it
#   (dimmed), with its page, section, score and the classifier's reasons. Click **Accept** or
#   **Reject** (keys a / r), correct the statement's text if needed (it keeps its id), add a note,
#   and **Save and next**. *Near the threshold too* adds rejected sentences that scored close to it;
#   *Decided too* revisits decisions. They go to `evidence/reviews/<case>/candidates.csv`, win over
#   the classifier, and the next `make report` applies them.
# * A review row that cannot be read (a typo in a file edited by hand) is shown in red above the
#   finding with its file and line; `workbook report` refuses to publish until it is corrected.
#
# Coded findings come from `reports/coded/<case>.csv` when it exists, otherwise the case is
# extracted and coded on the fly (nothing is written to `reports/`). Without a widget front end
# (papermill, nbval) the notebook runs straight through and only prints the summary below.

# %% tags=["parameters"]
case_id = ""  # a case id from evidence/cases.yaml; empty: the first case
reviewer = ""
evidence_dir = ""
reports_dir = ""

# %%
from IPython.display import display

import workbook.pipeline.stages as stages
from workbook.ui.review import ReviewApp

settings = stages.resolve(evidence_dir, reports_dir)
app = ReviewApp(settings, stages.default_case(settings, case_id), reviewer)
display(app.widget)

# %% [markdown]
# ## Where the review stands
# A plain-text summary of the case shown above (re-run this cell to refresh it).

# %%
session = app.session
print(f"{session.case_id}: {session.progress().text}")
agreement = session.agreement()
print(f"{len(session.disputed)} finding(s) await adjudication.")
print(f"exact agreement with the automatic coder over {agreement.reviewed} reviewed finding(s): "
      f"{agreement.exact:.0%}" if agreement.reviewed else "nothing reviewed yet")
agreement.table(settings.framework).round(2)
