"""The HTML of the review screen: the shown finding or candidate, codes, confidence, reasons and agreement."""
from __future__ import annotations

import html

from workbook.evidence.framework import POLARITIES, Framework
from workbook.ui.candidate_session import CandidateSession
from workbook.ui.review_session import ADJUDICATE, Agreement, Codes, ReviewSession

POLARITY_COLOURS = {"barrier": "#D55E00", "facilitator": "#0072B2", "neutral": "#555555"}
"""The colour-blind-safe colours of the report, one per polarity."""


def _percent(value: float) -> str:
    return "n/a" if value != value else f"{100 * value:.0f}%"


def _number(value: float) -> str:
    return "n/a" if value != value else f"{value:.2f}"


def labels(dimensions: "tuple[str, ...] | list[str]", framework: Framework) -> str:
    """Dimension labels joined for display ('(no dimension)' for none)."""
    return ", ".join(framework.dimension(d).label for d in dimensions) or "(no dimension)"


def polarity_html(polarity: str) -> str:
    """A polarity as a coloured chip (or a prompt when none is chosen)."""
    if polarity not in POLARITIES:
        return "<span class='wb-chosen-none' style='color:#b00'>no polarity chosen yet</span>"
    colour = POLARITY_COLOURS[polarity]
    return (f"<span class='wb-chosen wb-chosen-{polarity}' style='background:{colour};color:#fff;"
            f"padding:0.1em 0.6em;border-radius:0.8em;font-weight:bold'>{html.escape(polarity)}</span>")


def codes_html(codes: Codes, framework: Framework) -> str:
    """Dimension labels and polarity chip of a set of codes."""
    return f"{html.escape(labels(codes.dimensions, framework))} &middot; {polarity_html(codes.polarity)}"


def confidence_html(confidence: float) -> str:
    """How sure the coder is of its whole suggestion, as a percentage, a word and a bar ('' when it gives none)."""
    if not isinstance(confidence, (int, float)) or confidence != confidence:
        return ""
    share = min(max(float(confidence), 0.0), 1.0)
    word = "low" if share < 0.4 else "moderate" if share < 0.6 else "high"
    colour = {"low": "#b35806", "moderate": "#8c6d00", "high": "#1b7837"}[word]
    return (f"<div class='wb-confidence' title='The calibrated chance that every dimension and the polarity of "
            f"this suggestion are right, measured on publications the coder had not seen.'>"
            f"<b>How sure the coder is:</b> {share:.0%} ({word}) "
            f"<span style='display:inline-block;width:6em;height:0.6em;background:#eee;vertical-align:middle'>"
            f"<span style='display:block;width:{share * 100:.0f}%;height:100%;background:{colour}'></span></span>"
            f" <i>about {round(share * 10)} in 10 suggestions this sure are wholly right</i></div>")


def reasons_html(reasons: str, framework: Framework) -> str:
    """The coder's reasons as a short bulleted list, each led by its dimension's label rather than its id."""
    items = []
    for part in (r.strip() for r in str(reasons or "").split("; ")):
        if not part:
            continue
        head, _, rest = part.partition(" ")
        if head in framework.dimension_ids:
            part = f"{framework.dimension(head).label} {rest}"
        items.append(f"<li>{html.escape(part)}</li>")
    return f"<ul class='wb-reasons' style='margin:0.2em 0'>{''.join(items)}</ul>" if items else ""


def agreement_html(agreement: Agreement, framework: Framework) -> str:
    """A short HTML summary of reviewer-versus-coder agreement."""
    if not agreement.reviewed:
        return "<b>Agreement with the automatic coder:</b> nothing reviewed yet."
    cells = "".join(f"<td>{html.escape(framework.dimension(d).label)}: {_number(k)}</td>"
                    for d, k in agreement.dimension_kappa.items())
    return (f"<b>Agreement with the automatic coder</b> over {agreement.reviewed} reviewed finding(s): "
            f"exact {_percent(agreement.exact)}; dimensions {_percent(agreement.dimension_agreement)} "
            f"(mean kappa {_number(agreement.mean_kappa)}); polarity {_percent(agreement.polarity_agreement)} "
            f"(kappa {_number(agreement.polarity_kappa)})"
            f"<table class='wb-kappa'><tr><td>kappa by dimension:</td>{cells}</tr></table>")


def problems_html(session: ReviewSession) -> str:
    """The unreadable review rows of the case (not used anywhere until corrected), those of the shown finding first."""
    problems = session.reviews.problems
    if not problems:
        return ""
    fid = session.current_id
    mine = session.reviews.problems_for(fid) if fid else []
    items = "".join(f"<li>{html.escape(str(p))}</li>" for p in (mine or problems[:5]))
    more = "" if mine or len(problems) <= 5 else f"<li>and {len(problems) - 5} more</li>"
    lead = ("A decision on this finding cannot be read, so it is not used" if mine else
            f"{len(problems)} review row(s) of this case cannot be read, so they are not used")
    return (f"<div class='wb-unreadable' style='border-left:4px solid #b00;padding:0.2em 0.8em;background:#fff4f4'>"
            f"<b>{lead}</b> (a report will not be published until they are corrected, or published with "
            f"--allow-unreadable-reviews):<ul>{items}{more}</ul>Correct the row in the file named, then choose the "
            f"case again to reload.</div>")


def finding_html(session: ReviewSession) -> str:
    """The shown finding: statement, source and locator, then (unless blind) automatic codes with reasons and
    every reviewer's decision; in adjudication, the decisions side by side."""
    fid = session.current_id
    if fid is None:
        empty = ("No findings await adjudication." if session.mode == ADJUDICATE
                 else "No finding matches the filters: clear them above.")
        return f"<p><i>{empty}</i></p>" + problems_html(session)
    fw = session.framework
    row = session.rows[fid]
    esc = html.escape
    parts = [problems_html(session),
             f"<p class='wb-statement' style='font-size:1.1em'>{esc(str(row['statement']))}</p>",
             f"<p><b>Source:</b> {esc(str(row['source']))} &middot; <b>Locator:</b> {esc(str(row['locator']))}"
             f" &middot; <code>{esc(fid)}</code>"
             + (" &middot; <i>in the double-coding sample</i>" if fid in session.sample else "") + "</p>"]
    if session.hidden(fid):
        parts.append("<p class='wb-blind'><i>Blind first pass: the automatic codes, their reasons and other "
                     "reviewers' decisions appear once you have saved your own.</i></p>")
        return "".join(parts)
    auto = session.auto(fid)
    parts.append(f"<div class='wb-auto'><b>Automatic codes:</b> {codes_html(auto, fw)}"
                 + confidence_html(session.confidence.get(fid, float("nan")))
                 + reasons_html(str(row.get("auto_reasons", "") or ""), fw) + "</div>")
    everyone = session.everyone(fid)
    if everyone:
        cells = "".join(
            f"<tr><td>{esc(d.reviewer)}</td><td>{esc(labels(d.dimensions, fw))}</td><td>{polarity_html(d.polarity)}"
            f"</td><td>{esc(d.date)}</td><td><i>{esc(d.note)}</i></td></tr>" for d in everyone)
        title = ("Decisions side by side" if session.mode == ADJUDICATE else "Decisions")
        parts.append(f"<b>{title}:</b><table class='wb-decisions'><tr><th>reviewer</th><th>dimensions</th>"
                     f"<th>polarity</th><th>date</th><th>note</th></tr>{cells}</table>")
    agreed = session.consensus.get(fid)
    if agreed:
        parts.append(f"<p class='wb-consensus'><b>Consensus</b> ({esc(agreed.reviewer)}, {esc(agreed.date)}): "
                     f"{codes_html(agreed, fw)}" + (f" &middot; <i>{esc(agreed.note)}</i>" if agreed.note else "")
                     + "</p>")
    elif session.disagrees(fid):
        parts.append("<p class='wb-disputed'><b>Reviewers disagree:</b> this finding awaits adjudication.</p>")
    return "".join(parts)


def candidate_html(session: CandidateSession) -> str:
    """The shown candidate: the sentence between the ones before and after it (dimmed), its page, section and
    locator, the classifier's score and reasons, and the latest decision on it."""
    esc = html.escape
    cand = session.current
    if cand is None:
        if not session.candidates:
            return ("<p><i>This case has no full-text source, so it has no candidate findings to review. Add a "
                    "document with <code>workbook add-source</code> and run <code>make report</code>.</i></p>")
        return ("<p><i>No candidate awaits a decision. Tick <b>Near the threshold too</b> for rejected sentences that "
                "scored close to it, or <b>Decided too</b> to revisit decisions.</i></p>")
    dim = "color:#777;font-size:0.95em"
    before = esc(cand.before) if cand.before else "<i>(nothing before it in the source)</i>"
    after = esc(cand.after) if cand.after else "<i>(nothing after it in the source)</i>"
    verdict = ("judged a <b>candidate finding</b>" if cand.suggested
               else "judged <b>not a finding</b>, scoring near the threshold")
    reasons = cand.reason.rpartition(" = ")[0]
    items = "".join(f"<li>{esc(part)}</li>" for part in (reasons or cand.reason).split("; ") if part.strip())
    threshold = "" if session.threshold != session.threshold else f", threshold {session.threshold:g}"
    parts = [f"<p class='wb-cand-before' style='{dim}'>{before}</p>",
             (f"<p class='wb-statement wb-cand-statement' style='font-size:1.1em;border-left:4px solid #0072B2;"
              f"padding-left:0.5em'>{esc(cand.statement)}</p>"),
             f"<p class='wb-cand-after' style='{dim}'>{after}</p>",
             (f"<p class='wb-cand-where'><b>Page:</b> {esc(cand.page or 'n/a')} &middot; <b>Section:</b> "
              f"{esc(cand.section or 'n/a')} &middot; <b>Locator:</b> {esc(cand.locator)} &middot; <b>Source:</b> "
              f"{esc(cand.source)} &middot; <code>{esc(cand.finding_id)}</code></p>"),
             (f"<div class='wb-cand-reason'><b>Classifier:</b> {verdict} (score {cand.score:g}{threshold})"
              f"<ul class='wb-reasons' style='margin:0.2em 0'>{items}</ul></div>")]
    decided = session.decision(cand.finding_id)
    if decided:
        text = (f": &ldquo;{esc(decided.statement)}&rdquo;" if decided.statement else "")
        parts.append(f"<p class='wb-cand-decided'><b>{esc(decided.decision.capitalize())}ed</b> by "
                     f"{esc(decided.reviewer)} ({esc(decided.date)})" + (", text corrected" if text else "") + text
                     + (f" &middot; <i>{esc(decided.note)}</i>" if decided.note else "") + "</p>")
    return "".join(parts)
