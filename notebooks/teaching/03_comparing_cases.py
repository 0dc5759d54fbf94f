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
# # Teaching 3. Comparing cases with a framework matrix
#
# A **framework matrix** puts cases in rows and dimensions in columns; each cell counts the coded
# findings of that case on that dimension. It is the standard summary of a framework synthesis,
# and easy to over-read. This notebook builds it from the workbook's coded findings and then
# looks at what it can and cannot tell you.

# %% jupyter={"source_hidden": true} tags=["parameters"]
evidence_dir = ""
reports_dir = ""

# %% jupyter={"source_hidden": true}
import matplotlib.pyplot as plt
from IPython.display import HTML

from workbook.synthesis.matrix import framework_matrix
from workbook.ui import lessons

lesson = lessons.lesson(evidence_dir, reports_dir)
matrix = framework_matrix(lesson.coded, lesson.framework, lesson.case_ids)
lessons.labelled(matrix, lesson)

# %% [markdown]
# ## Barriers and facilitators
# The same matrix split by polarity. A cell with many findings may be mostly barriers in one case
# and mostly facilitators in another.

# %% jupyter={"source_hidden": true}
lessons.polarity_heatmaps(lesson)
plt.show()

# %% [markdown]
# ## The sources behind each row
# Each row of the matrix rests on a handful of sources of different **kinds** (primary paper,
# companion output, someone else's summary, secondary account) read to different **depths** (a
# full abstract, a first page, the opening of a web page).

# %% jupyter={"source_hidden": true}
HTML(lessons.sources_html(lesson))

# %% [markdown]
# ## Counts depend on how much was written
# Dividing each row by the case's number of findings turns counts into shares. The ranking of
# cases on a dimension can change.

# %% jupyter={"source_hidden": true}
lessons.labelled(lessons.share_matrix(matrix, lesson.coded), lesson)

# %% [markdown]
# ## One source can move a row
# Leaving out each case's largest source shows how much of its row depends on a single document.

# %% jupyter={"source_hidden": true}
HTML(lessons.largest_source_html(lesson))

# %% [markdown]
# ## What the matrix can say
# * **Where the sources put their attention.** A high count means the sources we read say a lot
#   about that dimension for that case.
# * **Patterns worth a closer look**: a dimension discussed mainly as a barrier in one case and a
#   facilitator in another; a dimension no source of a case mentions.
# * **A map back to the evidence**: every cell is a list of findings that can be read and
#   checked (the report's appendix lists them).
#
# ## What it cannot say
# * **Not effect sizes.** Ten findings on leadership do not mean leadership mattered ten times as
#   much as a dimension with one finding; counts measure attention in the sources, not how strongly
#   a factor drove outcomes.
# * **Not a fair comparison of cases as such.** The sources differ in kind (an evaluation abstract,
#   a journalist's feature, a trust's own web page) and in depth (a first page against a full
#   abstract). A case read in more or richer sources gets bigger numbers.
# * **Not independence.** Several sources may repeat one original study or one organisation's
#   account, so the same fact can be counted more than once.
# * **Not absence.** A zero means no source we read said anything coded to that dimension, not that
#   the dimension was absent from the case.
# * **Not the coding's reliability.** Each count inherits the errors of the coder that produced it;
#   see the exercise in notebook 2 for how far two coders can differ.
#
# ## Discuss
# 1. Which cell would you most like to check in the findings before quoting it?
# 2. What would you need to read to compare two cases fairly on *time*?
