"""Invented full-text cases for the tests (never evidence): northvale, whose sentences exercise every kind of
rejection, and westbrook, with four candidate findings and one sentence just below the threshold."""

NORTHVALE_CASE = """
  - id: northvale
    name: Northvale (fictional test case)
    setting: An invented district used only by the tests.
    period: "2015-2018"
    programme: Northvale Together (invented)
    summary: An invented case whose only source is a hand-written full-text document.
    sources: [northvale_2019]
"""

NORTHVALE_SOURCE = """---
id: northvale_2019
case: northvale
authors: ["Harlow J", "Peck R"]
year: 2019
title: "Northvale Together: an invented evaluation"
publisher: "Test fixtures"
licence: "CC BY 4.0"
kind: fulltext
sha256: "{sha}"
original: documents/northvale/northvale_2019.pdf
---

## p. 1

Northvale Together: an invented evaluation

### Abstract

Background: joining up community services is a policy aim (Smith et al. 2015). Results: emergency admissions
fell by 14% and staff valued the shared teams.

### Methods

We interviewed 32 managers and front-line staff. Interviews were transcribed and analysed thematically.

## p. 2

### Results

Staff said that sharing an office with social workers helped them solve problems quickly. Emergency admissions
of people over 75 fell by 14% between 2015 and 2018.

Figure 1. Emergency admissions by quarter.

The lack of a shared record system was the main barrier to joint working.

Staff said that sharing an office with social workers helped them solve problems quickly.

## p. 3

### References

Smith A, Jones B (2015). Integration in practice. Journal of Care 3:4-5.
"""


WESTBROOK_CASE = """
  - id: westbrook
    name: Westbrook (fictional test case)
    setting: An invented district used only by the tests.
    period: "2016-2019"
    programme: Westbrook Connect (invented)
    summary: An invented case whose only source is a short hand-written full-text document.
    sources: [westbrook_2020]
"""

WESTBROOK_SOURCE = """---
id: westbrook_2020
case: westbrook
authors: ["Ames K"]
year: 2020
title: "Westbrook Connect: an invented evaluation"
publisher: "Test fixtures"
licence: "CC BY 4.0"
kind: fulltext
sha256: "{sha}"
original: documents/westbrook/westbrook_2020.pdf
---

## p. 1

Westbrook Connect: an invented evaluation

### Abstract

The programme placed district nurses and social workers in one team. Staff reported that the shared team
cut hospital referrals.

## p. 2

### Results

Managers said that weekly huddles helped the teams agree on priorities. Delayed discharges fell by 12% in the
first year.

The lack of shared records slowed joint working.

### References

Jones A (2016). Joining up care. Journal of Care 4:1-9.
"""
"""An invented full-text source: four sentences the classifier takes for findings, one abstract sentence just
below the threshold (0.6 < 1), a title and a reference that are never findings."""

PLACED = "The programme placed district nurses and social workers in one team."
STAFF = "Staff reported that the shared team cut hospital referrals."
HUDDLES = "Managers said that weekly huddles helped the teams agree on priorities."
DISCHARGES = "Delayed discharges fell by 12% in the first year."
RECORDS = "The lack of shared records slowed joint working."
