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

# %% [markdown] tags=["remove-cell"]
# # 3. Cross-case synthesis
#
# Builds the synthesis report from the coded findings of every case. Every reader-facing piece
# (headings, text, tables, figures) goes through `doc` (`workbook.report.document.Report`), which shows
# it here, writes each table to `reports/tables/` and each figure to `reports/figures/`, and at
# the end writes the same blocks as `synthesis.html` (one page, no code), `synthesis.md` and
# `synthesis.xlsx` (`workbook.report.writer`). All computation lives in `lib/workbook/`.

# %% tags=["parameters"]
evidence_dir = ""
reports_dir = ""
framework = ""

# %%
import warnings

warnings.filterwarnings("ignore", category=DeprecationWarning)
warnings.filterwarnings("ignore", category=FutureWarning)

import pandas as pd

import workbook.pipeline.stages as stages
from workbook.coding.reviews import all_reviews, decision_counts, review_problems
from workbook.evidence import outcomes
from workbook.evidence.cases import load_cases
from workbook.core.tables import read_csv
from workbook.extract.findings import candidate_note, load_case_sources
from workbook.report.document import Report
from workbook.report.writer import write_report
from workbook.synthesis import checklist, confidence, figures, statistics
from workbook.synthesis import matrix as synthesis

settings = stages.resolve(evidence_dir, reports_dir, framework)
fw = settings.framework
cases = load_cases(settings.evidence)
case_ids = list(cases)
coded = stages.load_coded(settings)
sources = {s.id: s for case in cases.values() for s in load_case_sources(case, settings.evidence)}
labels = {d.id: d.label for d in fw.dimensions}
doc = Report(stages.report_title(len(cases)), settings.reports, set(coded["finding_id"]))

# %%
doc.header(f"{len(coded)} findings from {len(sources)} sources on {len(cases)} cases, coded against "
           f"{fw.citation or fw.title}")
extracted = [read_csv(stages.findings_path(settings.reports, c)) for c in case_ids]
candidates = candidate_note(pd.concat(extracted, ignore_index=True), coded) if extracted else ""
doc.text(candidates) if candidates else None

# %%
unreadable = [str(p).replace(str(settings.evidence) + "/", "evidence/")
              for p in review_problems(case_ids, fw, settings.evidence)]
(doc.section("Reviewer decisions not used",
             f"{len(unreadable)} review row(s) could not be read, so this report does not use them: the findings they "
             "name keep their other codes. It was published with --allow-unreadable-reviews. Correct each row and "
             "regenerate.")
 + doc.bullets(unreadable)) if unreadable else None

# %%
gaps = stages.missing_evidence(settings, coded)
(doc.section("What is missing", "The evidence does not yet hold everything a full synthesis uses:")
 + doc.bullets(gaps)) if gaps else None

# %%
doc.section("How to read this report",
            f"Each finding is one statement taken from a source, with the section or page it comes from. "
            f"Findings were coded against the {len(fw.dimensions)} dimensions of the framework, automatically "
            f"with reasons, and reviewers can check and change the codes. {synthesis.checked_sentence(coded)} "
            f"Every code shown says who decided it: 'automatic', or the reviewer's name. Every finding id and "
            f"statement in this report links to the appendix, which gives the statement, its case, its source and "
            f"the locator; the sources are listed under References.") + doc.text(statistics.LIMITS, note=True)

# %%
overview = synthesis.case_overview(coded, cases, sources)
doc.section("The cases") + doc.table(overview, "cases", "The cases, their sources and their findings.")

# %% [markdown] tags=["remove-cell"]
# ## Framework matrix

# %%
summaries = synthesis.load_cell_summaries(synthesis.cell_summaries_path(settings.evidence), case_ids,
                                        fw.dimension_ids, set(coded["finding_id"]))
matrix = synthesis.framework_matrix(coded, fw, case_ids)
detail = synthesis.matrix_detail(coded, fw, case_ids, summaries)
(doc.section("Framework matrix",
             "What the findings of each case say about each dimension: a row per dimension and a column per case, "
             "so each cell has room for its statements. A reviewer's own summary of a cell "
             "(evidence/synthesis/cell_summaries.yaml) comes first. Then the counts: how many coded findings of each "
             "case speak to each dimension. A finding can speak to several dimensions, so a row can add up to more "
             "than the case's number of findings.")
 + doc.statement_matrix(synthesis.cell_statements(coded, fw, case_ids), {c: cases[c].name for c in case_ids},
                        labels, {sid: src.short for sid, src in sources.items()}, "matrix_statements",
                        "The framework matrix: the statements of each case (columns) on each dimension (rows).",
                        summaries)
 + doc.table(matrix, "framework_matrix", "Coded findings per case (rows) and dimension (columns).", index=True)
 + doc.figure(figures.matrix_heatmap(matrix, labels), "framework_matrix",
              "Heatmap of the framework matrix: coded findings per case and dimension.")
 + doc.table(detail, "framework_matrix_detail",
             "Each cell of the matrix: counts by polarity, how many of its findings people checked (the others "
             "are coded automatically), and a summary naming its findings.",
             show=["case", "dimension", "findings", "barriers", "facilitators", "neutral", "checked_by_people",
                   "summary"]
             + (["reviewer_summary"] if len(summaries) else [])))

# %%
by_polarity = synthesis.barriers_facilitators(coded, fw, case_ids)
(doc.section("Barriers and facilitators by dimension",
             "Findings coded as barriers (something that got in the way) and facilitators (something that "
             "helped), per dimension and case; neutral findings describe context.")
 + doc.table(synthesis.findings_by_dimension(coded, fw), "findings_by_dimension",
             "Findings per dimension across all cases, and how many cases speak to each.")
 + doc.table(by_polarity, "barriers_facilitators", "Barriers and facilitators per dimension and case, with finding ids.")
 + doc.figure(figures.polarity_chart(by_polarity, case_ids, list(fw.dimension_ids), labels), "barriers_facilitators",
              "Barriers (left, orange) and facilitators (right, blue) per dimension, one panel per case."))

# %%
items, item_problems = checklist.checklist(coded, fw, case_ids, settings.evidence)
block = (doc.section("Delivery checklist",
                     "For each item the framework says delivery requires, whether the case's findings support it, "
                     "contradict it, do both (mixed) or say nothing about it (not addressed). The mapping is "
                     "automatic: a finding coded with the item's dimension that shares a distinctive word with the "
                     "item supports it when it is a facilitator and contradicts it when it is a barrier; the "
                     "reasons column shows the words. A reviewer's decision in evidence/checklist/<case>.csv "
                     "replaces the automatic one, which stays visible as auto_status.")
         + doc.table(checklist.status_counts(items, case_ids), "checklist_status", "Checklist items per status and case.")
         + doc.table(checklist.status_matrix(items, fw, case_ids), "checklist_by_case",
                     "Status of each item in each case."))
for part in checklist.detail_tables(items, {cid: case.name for cid, case in cases.items()}):
    block += doc.section(part.heading, level=3) + doc.table(part.table, part.name, part.caption, show=part.show)
if item_problems:
    block += doc.bullets(f"Set aside: {p}" for p in item_problems)
block

# %%
reported = outcomes.outcomes_table(outcomes.load_outcomes(settings.evidence),
                                   {sid: src.short for sid, src in sources.items()})
(doc.section("Outcomes reported by the cases",
             "Figures exactly as the sources report them. The change is computed (absolute, and percent of the "
             "baseline) only where a source gives both a baseline and a follow-up value; otherwise the change is "
             "shown as the source reports it. Nothing is shown that the sources do not report.")
 + doc.table(reported, "outcomes", "Outcome figures with the source and locator of each.",
             show=["case", "measure", "baseline", "follow_up", "unit", "change", "change_basis", "citation", "locator",
                   "note"]))

# %%
test = statistics.association_test(coded, fw, case_ids)
proportions = statistics.wilson_proportions(coded, fw, case_ids)
co = statistics.cooccurrence(coded, fw)
(doc.section("Statistics, with their limits", statistics.LIMITS)
 + doc.section("Do the cases spread their findings differently?", level=3)
 + doc.text(test.describe())
 + doc.table(test.as_frame(), "association_test", "The test of association between case and dimension.",
             show=[c for c in test.as_frame().columns if c != "reason"])
 + doc.table(statistics.contingency_table(coded, fw, case_ids), "contingency_table",
             "Observed (finding, dimension) pairs per case and dimension, and the counts expected if every case "
             "spread its findings over the dimensions alike.")
 + doc.section("Share of each case's findings per dimension", level=3)
 + doc.text("The share of a case's findings coded with a dimension, with a Wilson 95% interval. The shares of "
            "a case do not add up to 1, because a finding can speak to several dimensions or to none.")
 + doc.table(proportions, "proportions", "Proportions with Wilson 95% intervals (ci_low, ci_high).")
 + doc.section("Dimensions coded together", level=3)
 + doc.table(co, "cooccurrence", "Findings coded with both dimensions (diagonal: findings coded with the dimension).",
             index=True)
 + doc.figure(figures.cooccurrence_heatmap(co, labels), "cooccurrence",
              "Co-occurrence of dimensions within findings: each cell counts the findings coded with both "
              "dimensions; n is the number of findings coded with the dimension.")
 + doc.table(statistics.cooccurrence_pairs(co), "cooccurrence_pairs", "Pairs of dimensions coded together, most frequent first."))

# %%
reviews = all_reviews(case_ids, fw, settings.evidence)
agree = stages.agreement_table(coded, reviews, fw)
block = (doc.section("Who decided the codes",
                     "Each finding's codes come from a consensus of reviewers (an adjudicated disagreement) where "
                     "there is one, else from the latest reviewer decision, else from the automatic coder.")
         + doc.table(decision_counts(coded), "decision_sources", "Findings per case by where their codes come from."))
block += doc.section("Agreement between coders",
                     "Agreement is computed on independent decisions: each reviewer's first decision on a finding "
                     "(consensus decisions never count). The first table says how many findings each pair of coders "
                     "(the automatic coder included) coded in common; a kappa is given only for pairs sharing at "
                     f"least {stages.MIN_SHARED}. Then Cohen's kappa with 95% interval and percent agreement per "
                     "dimension (is the dimension coded or not) and for polarity; Fleiss' kappa among three or more "
                     "reviewers on the findings all of them coded; Krippendorff's alpha among the reviewers on every "
                     "finding two or more coded (missing decisions allowed). Kappa and alpha are undefined (empty) "
                     "when the coders used a single category.")
if reviews.empty:
    block += doc.text("No reviewer decisions yet, so no agreement can be computed.")
else:
    block += doc.table(stages.agreement_pairs(coded, reviews), "agreement_pairs",
                       "Findings coded in common by each pair of coders, and whether a kappa is shown.")
    if agree.empty:
        block += doc.text(f"No pair of coders shares {stages.MIN_SHARED} or more findings yet, so no kappa is shown.")
    else:
        block += doc.table(agree, "agreement", "Agreement per comparison and dimension.")
block

# %%
kinds = {sid: src.kind for sid, src in sources.items()}
review_findings = confidence.load_review_findings(confidence.review_findings_path(settings.evidence),
                                                  set(coded["finding_id"]), fw.dimension_ids)
block = doc.section("Confidence in the review findings",
                    "Cross-case review findings with their supporting findings and the reviewers' GRADE-CERQual "
                    "judgements. The workbook counts the findings, cases and sources behind each review finding; "
                    "the judgements and their explanations are the reviewers'. " + confidence.RULE_TEXT)
if not review_findings:
    block += doc.text(stages.NO_REVIEW_FINDINGS)
else:
    block += (doc.table(confidence.soqf_table(review_findings, coded, kinds), "summary_of_qualitative_findings",
                        "Summary of Qualitative Findings: each review finding, what it rests on, and the overall "
                        "confidence with its explanation.",
                        show=["id", "review_finding", "finding_ids", "basis", "confidence", "explanation"])
              + doc.table(confidence.judgements_table(review_findings), "cerqual_judgements",
                          "The reviewers' judgements per CERQual component."))
block

# %%
doc.section("Findings coded with no dimension",
            "These findings speak to none of the framework's dimensions (context, method or scope).") + doc.table(
    synthesis.uncoded(coded).assign(decided_by=lambda t: [synthesis.decision_label(r) for r in t.to_dict("records")])[
        ["finding_id", "case", "source", "statement", "decided_by"]], "uncoded", "Findings with no dimension.")

# %%
doc.appendix(coded, sources, {cid: c.name for cid, c in cases.items()}) + doc.references(
    sources.values(), other=[fw.citation])

# %%
written = write_report(doc, settings.reports)
