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
# # Teaching 3. Comparing cases with a framework matrix
#
# A **framework matrix** puts cases in rows and dimensions in columns; each cell counts the coded
# findings of that case on that dimension. It is the standard summary of a framework synthesis,
# and easy to over-read. This notebook builds it from the workbook's coded findings and then
# looks at what it can and cannot tell you.

# %% tags=["parameters"]
evidence_dir = ""
reports_dir = ""

# %%
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns

import workbook.pipeline.stages as stages
from workbook.synthesis import matrix as synthesis
from workbook.ui import teaching
from workbook.evidence.cases import load_cases

pd.set_option("display.max_colwidth", None)
settings = stages.resolve(evidence_dir, reports_dir)
fw = settings.framework
cases = load_cases(settings.evidence)
case_ids = list(cases)
coded = teaching.all_coded(settings)
matrix = synthesis.framework_matrix(coded, fw, case_ids)
matrix

# %% [markdown]
# ## Barriers and facilitators
# The same matrix split by polarity. A cell with many findings may be mostly barriers in one case
# and mostly facilitators in another.

# %%
fig, axes = plt.subplots(1, 2, figsize=(12, 3.2), sharey=True)
for ax, value in zip(axes, ["facilitators", "barriers"]):
    sns.heatmap(synthesis.framework_matrix(coded, fw, case_ids, value=value), annot=True, fmt="d",
                cmap="Greens" if value == "facilitators" else "Reds", cbar=False, ax=ax)
    ax.set_title(value)
    ax.set_xlabel("")
plt.tight_layout()
plt.show()

# %% [markdown]
# ## The sources behind each row
# Each row of the matrix rests on a handful of sources of different **kinds** (primary paper,
# companion output, someone else's summary, secondary account) read to different **depths** (a
# full abstract, a first page, the opening of a web page).

# %%
profile = teaching.source_profile(coded, settings)
profile.style.hide(axis="index").format(escape="html").set_properties(**{"text-align": "left"})

# %%
profile.pivot_table(index="case", columns="kind", values="findings", aggfunc="sum", fill_value=0).reindex(case_ids)

# %% [markdown]
# ## Counts depend on how much was written
# Dividing each row by the case's number of findings turns counts into shares. The ranking of
# cases on a dimension can change.

# %%
teaching.share_matrix(matrix, coded)

# %% [markdown]
# ## One source can move a row
# Leaving out each case's largest source shows how much of its row depends on a single document.

# %%
teaching.without_largest_source(coded, fw, case_ids).style.hide(axis="index").format(escape="html")

# %% [markdown]
# ## What the matrix can say
# * **Where the sources put their attention.** A high count means the sources we read say a lot
#   about that dimension for that case.
# * **Patterns worth a closer look**: a dimension discussed mainly as a barrier in one case and a
#   facilitator in another; a dimension no source of a case mentions.
# * **A map back to the evidence**: every cell is a list of findings (`reports/tables/
#   framework_matrix_detail.csv`) that can be read and checked.
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
