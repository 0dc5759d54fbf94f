# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Cross-case synthesis
#
# Reads the coded findings of every case and builds the framework matrix (case by dimension),
# the findings-by-dimension table and a heatmap. Counts of coded findings measure how much
# **attention** the sources give a dimension, not how large an effect is.

# %% tags=["parameters"]
evidence_dir = ""
reports_dir = ""
framework = ""

# %%
import matplotlib.pyplot as plt
import seaborn as sns

import workbook.stages as stages
from workbook import synthesis
from workbook.cases import load_cases
from workbook.tables import write_csv

settings = stages.resolve(evidence_dir, reports_dir, framework)
fw = settings.framework
cases = load_cases(settings.evidence)
coded = stages.load_coded(settings)
tables = settings.reports / "tables"
figures = settings.reports / "figures"

# %% [markdown]
# ## Framework matrix: findings per case and dimension

# %%
matrix = synthesis.framework_matrix(coded, fw, list(cases))
detail = synthesis.matrix_detail(coded, fw, list(cases))
write_csv(matrix.reset_index(), tables / "framework_matrix.csv", safe=True)
write_csv(detail, tables / "framework_matrix_detail.csv", safe=True)
matrix

# %% [markdown]
# ## Findings by dimension

# %%
by_dimension = synthesis.findings_by_dimension(coded, fw)
write_csv(by_dimension, tables / "findings_by_dimension.csv", safe=True)
by_dimension

# %% [markdown]
# ## Heatmap of the framework matrix

# %%
fig, ax = plt.subplots(figsize=(8, 3.2))
sns.heatmap(matrix, annot=True, fmt="d", cmap="viridis", cbar_kws={"label": "coded findings"}, ax=ax)
ax.set_xlabel("dimension")
ax.set_ylabel("case")
figures.mkdir(parents=True, exist_ok=True)
fig.savefig(figures / "framework_matrix.png", dpi=150, bbox_inches="tight")
plt.show()
