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
# # 2. Code a case's findings against the framework
#
# Each finding gets automatic **suggestions**: the dimensions it speaks to, with the reason for
# each (the cues that fired), and a polarity. Then the reviewers' decisions in `evidence/reviews/`
# (one file per reviewer in `<case>/`, the adjudicated `<case>/consensus.csv`, and the older shared
# `<case>.csv`) are applied on top: a **consensus** wins, then the **latest reviewer decision**, then
# the **automatic** codes; the `decision_source` column says which. No regeneration ever changes
# those files. A review row that cannot be read stops this notebook with its file and line (so no
# decision is dropped in silence) unless `allow_unreadable_reviews` is set
# (`workbook report --allow-unreadable-reviews`). Decisions whose finding no longer exists are listed
# as orphaned, never dropped.

# %% tags=["parameters"]
case_id = "torbay"
evidence_dir = ""
reports_dir = ""
framework = ""
allow_unreadable_reviews = False

# %%
import workbook.pipeline.stages as stages
from workbook.evidence.cases import get_case

settings = stages.resolve(evidence_dir, reports_dir, framework)
case = get_case(case_id, settings.evidence)
coded, orphans = stages.run_code(case.id, settings, allow_unreadable_reviews)
sources = coded["decision_source"].value_counts()
print(f"{case.name}: {len(coded)} findings coded; codes from a consensus {sources.get('consensus', 0)}, "
      f"a reviewer {sources.get('reviewer', 0)}, the automatic coder {sources.get('automatic', 0)}; "
      f"{len(orphans)} orphaned decision(s).")

# %% [markdown]
# ## Codes, with their reasons

# %%
coded[["finding_id", "dimensions", "polarity", "decision_source", "decided_by", "auto_reasons", "statement"]].style.hide(axis="index").format(escape="html")

# %% [markdown]
# ## Agreement on the reviewed findings
# On independent decisions (each reviewer's first decision on a finding; consensus never counts):
# how many findings each pair of coders shares, then Cohen's kappa (95% CI) and percent agreement
# per dimension and for polarity for the pairs sharing at least 10, Fleiss' kappa among three or
# more reviewers, and Krippendorff's alpha among the reviewers (missing decisions allowed).

# %%
from workbook.coding.reviews import load_reviews

review_set = load_reviews(case.id, settings.framework, settings.evidence)
for unreadable in review_set.problems:  # only reached with allow_unreadable_reviews
    print(f"NOT USED (unreadable): {unreadable}")
stages.agreement_pairs(coded, review_set.decisions)

# %%
agreement = stages.agreement_table(coded, review_set.decisions, settings.framework)
agreement.round(2)

# %% [markdown]
# ## Orphaned decisions
# Decisions in the review file whose finding id no longer exists (the statement was reworded or
# removed). They stay in the file; re-assign them to the new id if the finding was reworded.

# %%
orphans
