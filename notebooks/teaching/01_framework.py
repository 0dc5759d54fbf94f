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
# works depends on the locality. Below, the definitions come from the workbook's framework file
# (`evidence/framework.yaml`) and every example is a real finding read from the case sources.

# %% tags=["parameters"]
evidence_dir = ""
reports_dir = ""
examples_per_case = 1

# %%
from html import escape

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import HTML, display

import workbook.pipeline.stages as stages
from workbook.ui import teaching
from workbook.evidence.cases import load_cases

pd.set_option("display.max_colwidth", None)
settings = stages.resolve(evidence_dir, reports_dir)
fw = settings.framework
cases = load_cases(settings.evidence)
coded = teaching.all_coded(settings)
print(f"{fw.title}: {len(fw.dimensions)} dimensions; {len(coded)} findings from {len(cases)} cases")

# %% [markdown]
# ## The picture: outcomes at the centre

# %%
around = [d for d in fw.dimensions if d.id != "outcomes"]
fig, ax = plt.subplots(figsize=(5, 5))
ax.set_aspect("equal")
ax.axis("off")
ax.add_patch(plt.Circle((0, 0), 0.32, color="#2a7f62"))
ax.text(0, 0, fw.dimension("outcomes").label, ha="center", va="center", color="white", fontsize=12, weight="bold")
for i, dim in enumerate(around):
    angle = np.pi / 2 - 2 * np.pi * i / len(around)
    x, y = np.cos(angle), np.sin(angle)
    ax.annotate("", xy=(0.36 * x, 0.36 * y), xytext=(0.72 * x, 0.72 * y),
                arrowprops={"arrowstyle": "->", "color": "#555"})
    ax.add_patch(plt.Circle((0.95 * x, 0.95 * y), 0.24, color="#cfe3f5"))
    label = dim.label if len(dim.label) < 18 else dim.label.split(" and ")[0]
    ax.text(0.95 * x, 0.95 * y, label, ha="center", va="center", fontsize=9, wrap=True)
ax.set_xlim(-1.3, 1.3)
ax.set_ylim(-1.3, 1.3)
plt.show()

# %% [markdown]
# ## The dimensions, as the workbook defines them
# Definitions are paraphrased from Petch (2014) in the framework file; *requires* counts the
# "delivery on this dimension requires" items listed for each.

# %%
pd.DataFrame([{"id": d.id, "dimension": d.label, "definition": d.definition, "requires": len(d.requires)}
              for d in fw.dimensions]).style.hide(axis="index").format(escape="html").set_properties(**{"text-align": "left"})

# %% [markdown]
# ## What delivery on each dimension requires

# %%
pd.DataFrame([{"dimension": r.dimension, "item": r.id, "requires": r.text}
              for r in fw.requirements]).style.hide(axis="index").format(escape="html").set_properties(**{"text-align": "left"})

# %% [markdown]
# ## Each dimension in the three cases
# For every dimension, one finding per case coded to it: findings a reviewer has decided on come
# first, then findings coded to few other dimensions that the automatic coder ties most clearly
# to this one. The codes are the workbook's (a reviewer's decision where there is one, else the
# automatic coder's), so some examples may fit badly: spotting those is part of learning the
# framework. A case with no finding on a dimension has no row; that absence is itself worth
# discussing (see notebook 3).

# %%
shown = teaching.examples(coded, fw, per_case=examples_per_case)
for dim in fw.dimensions:
    rows = shown[shown["dimension"] == dim.id]
    items = [f"<li><b>{escape(cases[row.case].name)}</b> ({escape(row.polarity)}): {escape(row.statement)} "
             f"<small>[{escape(row.source)}, {escape(row.locator)}]</small></li>" for row in rows.itertuples()]
    if rows.empty:
        items = ["<li><i>(no finding coded to this dimension in any case)</i></li>"]
    display(HTML(f"<h3>{escape(dim.label)}</h3><p><i>{escape(dim.definition)}</i></p><ul>{''.join(items)}</ul>"))

# %% [markdown]
# ## Questions for discussion
# 1. Several examples could sit under more than one dimension. Which, and what would decide it?
# 2. Which findings describe an *outcome* and which an *output* (an activity or a count of
#    services)? Petch insists on the difference.
# 3. Which example above fits its dimension worst? What would you code it as instead?
# 4. Pick a case. Which dimension do its sources say least about, and is that because it mattered
#    less or because the sources did not look?
