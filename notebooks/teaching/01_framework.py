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
# # Teaching 1. The framework: six dimensions around outcomes
#
# The workbook codes case studies of integrated health and social care against the framework in
# Petch A (2014), *Delivering integrated care and support* (Iriss Insight 24). Its starting point:
# changing structures does not by itself improve anything for the people who use services. What
# matters is the **outcomes** for those people, and six dimensions shape whether integration
# delivers them:
#
# | Dimension | In a sentence |
# |---|---|
# | Vision | a purpose everyone can state: why integrate, and for whom |
# | Leadership | leaders who engage across organisations, share leadership out and support boundary spanners |
# | Culture | a new shared way of working, rather than one profession's culture winning |
# | Local context | fitting the place: its assets, needs, resources, partners and information sharing |
# | Integrated teams | the teams and arrangements that deliver care, with clear accountability |
# | Time | change takes years, needs stability, and suffers from short-termism |
#
# The dimensions are linked: a vision needs leaders to carry it, culture shifts slowly, and what
# works depends on the locality. Below, the definitions are the workbook's own (paraphrased from
# Petch), and every example is a real finding read from the case sources.

# %% jupyter={"source_hidden": true} tags=["parameters"]
evidence_dir = ""
reports_dir = ""
examples_per_case = 1

# %% jupyter={"source_hidden": true}
import matplotlib.pyplot as plt
from IPython.display import HTML, display

from workbook.ui import lessons

lesson = lessons.lesson(evidence_dir, reports_dir)
fw = lesson.framework
print(f"{fw.title}: {len(fw.dimensions)} dimensions; {len(lesson.coded)} findings from {len(lesson.cases)} cases")

# %% [markdown]
# ## The picture: outcomes at the centre

# %% jupyter={"source_hidden": true}
lessons.framework_figure(fw)
plt.show()

# %% [markdown]
# ## The dimensions
# *Requires* counts the "delivery on this dimension requires" items Petch lists for each.

# %% jupyter={"source_hidden": true}
HTML(lessons.definitions_html(fw))

# %% [markdown]
# ## What delivery on each dimension requires

# %% jupyter={"source_hidden": true}
HTML(lessons.requirements_html(fw))

# %% [markdown]
# ## Each dimension in the three cases
# For every dimension, one finding per case coded to it: findings a reviewer has decided on come
# first, then findings coded to few other dimensions that the automatic coder ties most clearly
# to this one. The codes are the workbook's (a reviewer's decision where there is one, else the
# automatic coder's), so some examples may fit badly: spotting those is part of learning the
# framework. A case with no finding on a dimension has no row; that absence is itself worth
# discussing (see notebook 3).

# %% jupyter={"source_hidden": true}
display(HTML(lessons.examples_html(lesson, per_case=examples_per_case)))

# %% [markdown]
# ## Questions for discussion
# 1. Several examples could sit under more than one dimension. Which, and what would decide it?
# 2. Which findings describe an *outcome* and which an *output* (an activity or a count of
#    services)? Petch insists on the difference.
# 3. Which example above fits its dimension worst? What would you code it as instead?
# 4. Pick a case. Which dimension do its sources say least about, and is that because it mattered
#    less or because the sources did not look?
