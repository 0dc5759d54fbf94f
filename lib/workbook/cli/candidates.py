"""Candidate subcommand of `workbook`: a reviewer accepts or rejects a candidate finding of a full-text source."""
from __future__ import annotations

import argparse


def cmd_candidate(args: argparse.Namespace) -> int:
    """Record an accept or reject (and any corrected text) in evidence/reviews/<case>/candidates.csv."""
    from workbook.core.errors import EvidenceError, display_path, problem
    from workbook.evidence.cases import get_case
    from workbook.extract.findings import candidate_decisions_path, record_candidate_decision
    from workbook.pipeline.stages import extract_case_tables, resolve

    settings = resolve()
    case = get_case(args.case, settings.evidence)
    found, rejected = extract_case_tables(case, settings.framework, settings.evidence)
    candidates = {**dict(zip(rejected["finding_id"], rejected["statement"])),
                  **dict(zip(found.loc[found["origin"] == "candidate", "finding_id"],
                             found.loc[found["origin"] == "candidate", "statement"]))}
    if args.id not in candidates:
        raise EvidenceError(problem(candidate_decisions_path(case.id, settings.evidence),
                                    f"{args.id!r} is not a sentence of a full-text source of case {case.id!r}.",
                                    f"copy a finding_id from reports/findings/{case.id}.csv or "
                                    f"{case.id}.rejected.csv (run `workbook extract --case {case.id}` first)."))
    decision = "accept" if args.accept else "reject"
    path = record_candidate_decision(case.id, args.id, decision, args.reviewer, statement=args.text or "",
                                     note=args.note or "", evidence=settings.evidence)
    text = f" with the text {args.text!r}" if args.text else ""
    print(f"{case.id}: {args.id} {decision}ed by {args.reviewer}{text} -> {display_path(path)} "
          f"(the next `workbook report` uses it)")
    return 0


def register(sub: "argparse._SubParsersAction") -> None:
    """Add `candidate` to the `workbook` command's subparsers."""
    p = sub.add_parser("candidate", help="accept or reject a candidate finding of a full-text source")
    p.add_argument("--case", required=True, help="case id from evidence/cases.yaml")
    p.add_argument("--id", required=True, help="the sentence's finding_id (reports/findings/<case>.csv or "
                                               "<case>.rejected.csv)")
    choice = p.add_mutually_exclusive_group(required=True)
    choice.add_argument("--accept", action="store_true", help="it is a finding")
    choice.add_argument("--reject", action="store_true", help="it is not a finding")
    p.add_argument("--reviewer", required=True, help="your name or initials")
    p.add_argument("--text", help="corrected text of the finding (it keeps its id)")
    p.add_argument("--note", help="a note kept with the decision")
    p.set_defaults(func=cmd_candidate)
