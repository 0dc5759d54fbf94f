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
# # Teaching 2. Exercise: code a dozen findings
#
# You will code twelve real findings, four from each case, against the framework (notebook 1).
# For each finding decide:
#
# * **dimensions**: which of the seven (Vision, Leadership, Culture, Local context, Integrated
#   teams and other ways of working, Time, Outcomes) the finding *says something about*. A word
#   from a definition appearing is not enough. A finding may speak to several dimensions, or to
#   none.
# * **polarity**: *facilitator* if it reports something helping integration (or an outcome
#   improving), *barrier* if something got in the way (or an expected outcome was not reached),
#   *neutral* if it is context or could go either way.
#
# Run the notebook (*Run → Run All Cells*), then answer in the form below: tick the dimensions,
# choose a polarity, and press **Check my answers**. An item you have not done yet stays empty
# (*Clear* empties it again).

# %% [markdown] tags=["teacher"]
# *For the teacher (not in the hand-out):* the cells tagged `answer` compare the form's answers
# with the reference coding each time **Check my answers** is pressed; the cells tagged `teacher`
# are notes like this one. `make handout` writes `notebooks/handout/02_coding_exercise.ipynb`
# without either, with no outputs; open it from `make lab` (folder *handout*) or hand it out.

# %% jupyter={"source_hidden": true} tags=["parameters"]
evidence_dir = ""
reports_dir = ""

# %% jupyter={"source_hidden": true}
from workbook.ui.exercise import Exercise

exercise = Exercise.load(evidence_dir, reports_dir)
print(exercise.introduction())

# %% jupyter={"source_hidden": true} tags=["teacher"]
print(exercise.maintenance_note())

# %% [markdown]
# ## Your answers

# %% jupyter={"source_hidden": true} tags=["exercise"]
form = exercise.form()
form

# %% [markdown] tags=["answer"]
# ## Your coding against the reference
# Press **Check my answers** above and the comparison appears here. *Agreement* is the share of
# answered items where you and the reference agree that a dimension is present or absent.
# **Cohen's kappa** corrects that share for the agreement two coders would reach by chance given
# how often each uses the code: 1 is perfect, 0 is no better than chance, below 0 worse. It is
# undefined (*n/a*) when neither of you used a code on any answered item, or both used it
# everywhere. With a dozen items kappa is very unstable: one item can move it a lot, so read it
# together with the differences, and the reasoning behind the reference answer.

# %% jupyter={"source_hidden": true} tags=["answer"]
exercise.comparison(form)

# %% [markdown] tags=["answer"]
# ## The full reference coding

# %% jupyter={"source_hidden": true} tags=["answer"]
exercise.reference_table()

# %% [markdown]
# ## Discuss
# 1. Where did you read a dimension into a finding because a word matched its definition?
# 2. Which items would two careful coders still disagree on? What would you add to the coding
#    rules to settle them?
# 3. How would you judge the automatic coder's suggestions for the same items (notebook `02_code`)?
