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
# # Teaching 2. Exercise: code a dozen findings
#
# You will code twelve real findings, four from each case, against the framework (notebook 1).
# For each finding decide:
#
# * **dimensions**: which of the seven codes (`vision`, `leadership`, `culture`, `local_context`,
#   `integrated_teams`, `time`, `outcomes`) the finding *says something about*. A word from a
#   definition appearing is not enough. A finding may speak to several dimensions, or to none.
# * **polarity**: `facilitator` if it reports something helping integration (or an outcome
#   improving), `barrier` if something got in the way (or an expected outcome was not reached),
#   `neutral` if it is context or could go either way.
#
# Fill in the `answers` cell below and run the notebook. Your teacher's copy goes on to compare your
# coding with a reference coding: Cohen's kappa per dimension, and each disagreement with the
# reasoning behind the reference answer.
#
# *For teachers:* the comparison cells are tagged `answer` and the answers cell `exercise`. A
# hand-out without the answers is made with
# `python -m workbook.ui.teaching handout notebooks/teaching/02_coding_exercise.ipynb <target>.ipynb`
# (or `make handout`), which drops every `answer` cell and clears all outputs; the hand-out runs
# end to end on its own.

# %% tags=["parameters"]
evidence_dir = ""
reports_dir = ""

# %%
import pandas as pd

import workbook.pipeline.stages as stages
from workbook.ui import teaching

pd.set_option("display.max_colwidth", None)
LEFT = {"text-align": "left"}
settings = stages.resolve(evidence_dir, reports_dir)
fw = settings.framework
coded = teaching.all_coded(settings)
reference = teaching.load_reference(fw, settings.evidence)
items = teaching.exercise_items(reference, coded)
missing = teaching.missing_items(reference, coded)
if missing:
    print(f"Note: {len(missing)} exercise finding(s) no longer exist in the sources (their text was edited): "
          f"{', '.join(missing)}. Skip those items; a maintainer should update evidence/teaching/.")
print(f"{len(items)} findings to code.")

# %% [markdown]
# ## The findings to code

# %%
items[["item", "case", "source", "locator", "statement"]].style.hide(axis="index").format(escape="html").set_properties(**LEFT)

# %% [markdown]
# ## Your answers
# One entry per item number: `(["dimension", ...], "polarity")`, `([], "neutral")` for a finding
# that speaks to no dimension, or `None` for an item you have not done yet. The entries already
# filled in are an example of a partly finished answer sheet: change them.

# %% tags=["exercise"]
answers = {
    1: (["vision"], "facilitator"),
    2: (["integrated_teams", "outcomes"], "facilitator"),
    3: (["leadership"], "facilitator"),
    4: (["outcomes"], "facilitator"),
    5: (["culture"], "barrier"),
    6: (["vision"], "barrier"),
    7: None,
    8: (["time", "integrated_teams"], "barrier"),
    9: (["outcomes"], "neutral"),
    10: None,
    11: None,
    12: None,
}

# %%
student = teaching.student_codes(answers, fw)
print(f"You have answered {len(student)} of {len(items)} items.")

# %% [markdown] tags=["answer"]
# ## Answers: your coding against the reference
# **Agreement.** *Agreement* is the share of answered items where you and the reference agree
# that a dimension is present or absent. **Cohen's kappa** corrects that share for the agreement
# two coders would reach by chance given how often each uses the code: 1 is perfect, 0 is no
# better than chance, below 0 worse. It is undefined (`NaN`) when neither of you used a code on
# any answered item, or both used it everywhere. With a dozen items kappa is very unstable: one
# item can move it a lot, so read it together with the differences below.

# %% tags=["answer"]
comparison = teaching.compare(student, reference, fw)
print(f"Answered {comparison.answered} of {comparison.total}; "
      f"{comparison.answered - len(comparison.differences)} exactly as the reference. "
      f"Mean kappa over dimensions: {comparison.mean_kappa:.2f}. "
      f"Polarity: {comparison.polarity_agreement:.0%} agreement, kappa {comparison.polarity_kappa:.2f}.")
comparison.by_dimension.style.hide(axis="index").format(precision=2, na_rep="n/a", escape="html")

# %% [markdown] tags=["answer"]
# ## Where and why you differ
# *missed*: in the reference, not in your answer; *extra*: in your answer, not in the reference.
# The rationale is the reference coder's reasoning, in terms of the framework definitions.

# %% tags=["answer"]
differences = comparison.differences.merge(items[["item", "statement"]], on="item", how="left")
differences[["item", "statement", "student_dimensions", "reference_dimensions", "missed", "extra",
             "student_polarity", "reference_polarity", "rationale"]].style.hide(axis="index").format(escape="html").set_properties(**LEFT)

# %% [markdown] tags=["answer"]
# ## The full reference coding

# %% tags=["answer"]
reference.merge(items[["item", "statement"]], on="item", how="left")[
    ["item", "statement", "dimensions", "polarity", "rationale"]].style.hide(axis="index").format(escape="html").set_properties(**LEFT)

# %% [markdown]
# ## Discuss
# 1. Where did you read a dimension into a finding because a word matched its definition?
# 2. Which items would two careful coders still disagree on? What would you add to the coding
#    rules to settle them?
# 3. How would you judge the automatic coder's suggestions for the same items (notebook `02_code`)?
