"""An imported project becomes evidence: sources, their coded selections as findings, codings as decisions.

Everything is built and checked in memory first; then the files are written atomically, and if any write
fails every file touched is put back, so a failed import changes nothing.
"""
from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from workbook.coding.reviews import check_decision, load_reviews, record_consensus, record_decision, reviewer_id
from workbook.core.atomic import write_bytes, write_text
from workbook.core.errors import EvidenceError, ReviewError, problem
from workbook.core.paths import check_id
from workbook.core.yamlio import parse_yaml
from workbook.evidence.cases import case_problems, cases_path
from workbook.evidence.framework import Framework
from workbook.evidence.sources import SOURCE_SUFFIXES, parse_source
from workbook.extract.findings import finding_id
from workbook.interop.guids import normalise_guid
from workbook.interop.mapping import Resolution
from workbook.interop.project import (AUTO_USER, CONSENSUS_USER, USER_NAMES, Project, TextSource, agreed_by,
                                      choose_offsets, locator_at, plain_text)

_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass
class Decision:
    """A reviewer decision to record (one per finding, user and day)."""

    finding_id: str
    dimensions: list[str]
    polarity: str
    reviewer: str
    date: str
    note: str = ""
    participants: "list[str] | None" = None
    user: str = ""
    """The GUID of the project user whose codings these are."""
    """For an agreed (consensus) decision: everyone who took part; the reviewer is the adjudicator."""


@dataclass
class ImportPlan:
    """The files an import writes, the decisions it records, and what it reports."""

    case_id: str
    files: dict[Path, str] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    findings: int = 0
    skipped_auto: int = 0
    tolerated: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)
    unattached_notes: list[str] = field(default_factory=list)


def slug(text: str, fallback: str = "source") -> str:
    """An identifier from a name: lower-case letters, digits and underscores, starting with a letter."""
    out = _SLUG.sub("_", text.casefold()).strip("_")[:60] or fallback
    return out if out[0].isalpha() else f"s_{out}"[:64]


def _when(stamp: str) -> str:
    """A coding's xsd:dateTime as a decision's date: 'YYYY-MM-DD' at midnight UTC, else 'YYYY-MM-DDTHH:MM:SSZ'."""
    try:
        moment = dt.datetime.fromisoformat(stamp.strip().replace("Z", "+00:00")) if stamp else None
    except ValueError:
        return stamp[:10] if re.fullmatch(r"\d{4}-\d{2}-\d{2}", stamp[:10]) else ""
    if moment is None:
        return ""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.timezone.utc)
    if (moment.hour, moment.minute, moment.second) == (0, 0, 0):
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _day(stamp: str) -> str:
    """The date (YYYY-MM-DD) of an xsd:dateTime ('' when absent or unreadable)."""
    return _when(stamp)[:10]


def _front_matter(src: TextSource, source_id: str, case_id: str, project: Project) -> dict:
    """A source's front matter: its exported bibliographic variables, else what the project records."""
    v = src.variables
    if v.get("source title") and v.get("source authors") and v.get("source licence"):
        fields = {"id": source_id, "case": case_id,
                  "authors": [a.strip() for a in v["source authors"].split(";") if a.strip()]}
        year = v.get("source year", "n.d.")
        fields["year"] = int(year) if year.isdigit() else year
        for name in ("title", "venue", "doi", "url", "publisher", "licence", "kind", "read", "date"):
            if v.get(f"source {name}"):
                fields[name] = v[f"source {name}"]
        return fields
    author = project.users.get(src.creating_user, "")
    created = _day(src.created)
    return {"id": source_id, "case": case_id, "authors": [author or "not stated"],
            "year": int(created[:4]) if created else "n.d.", "title": src.name or source_id,
            "publisher": f"REFI-QDA project {project.name or Path(project.path).name!r}"
                         + (f" ({project.origin})" if project.origin else ""),
            "licence": "not stated",
            "read": f"coded selections imported from {Path(project.path).name}; the full text is in "
                    f"imports/{case_id}/{source_id}.txt"}


def _sources_for_case(project: Project, case_id: str) -> tuple[list[TextSource], str]:
    """The text sources to import: those of the project's case matching case_id, else all of them."""
    for case in project.cases:
        if case.variables.get("case id") == case_id or slug(case.name, "") == case_id:
            wanted = set(case.sources) | {normalise_guid(s.guid) for s in project.sources
                                          for sel in s.selections if normalise_guid(sel.guid) in set(case.selections)}
            return [s for s in project.sources if normalise_guid(s.guid) in wanted], ""
    note = (f"the project has no case named {case_id!r}: all its {len(project.sources)} text source(s) imported "
            f"into it") if project.cases else ""
    return list(project.sources), note


def _case_entry(project: Project, case_id: str) -> dict:
    """A new cases.yaml entry for case_id, from the project's matching case where there is one."""
    match = next((c for c in project.cases if c.variables.get("case id") == case_id or slug(c.name, "") == case_id),
                 None)
    v = match.variables if match else {}
    return {"id": case_id, "name": v.get("case name") or (match.name if match and match.name else case_id),
            "setting": v.get("case setting", "not stated"), "period": v.get("case period", "not stated"),
            "programme": v.get("case programme", "not stated"),
            **({"summary": v.get("case summary")} if v.get("case summary") else {}), "sources": []}


def _updated_cases(evidence: Path, project: Project, case_id: str, source_ids: list[str]) -> "str | None":
    """cases.yaml with case_id holding source_ids (comments kept), or None when nothing changes."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedSeq

    path = cases_path(evidence)
    ry = YAML()
    ry.width = 100
    ry.indent(mapping=2, sequence=4, offset=2)
    ry.preserve_quotes = True
    if path.exists():
        data = ry.load(path.read_text(encoding="utf-8"))
    else:
        data = ry.load("# The case studies of the workbook; each source id names a file\n"
                       "# evidence/sources/<case id>/<source id>.md (see evidence/README.md).\ncases: []\n")
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise EvidenceError(problem(path, "has no `cases:` list.", "run `workbook validate` and fix cases.yaml first."))
    entry = next((c for c in data["cases"] if isinstance(c, dict) and c.get("id") == case_id), None)
    existed = entry is not None
    if entry is None:
        fresh = _case_entry(project, case_id)
        seq = CommentedSeq()
        seq.fa.set_flow_style()
        fresh["sources"] = seq
        data["cases"].append(fresh)
        entry = data["cases"][-1]
    added = [s for s in source_ids if s not in list(entry.get("sources") or [])]
    if existed and not added:
        return None
    for s in added:
        entry["sources"].append(s)
    out = io.StringIO()
    ry.dump(data, out)
    text = out.getvalue()
    doc = parse_yaml(text, path)
    found = case_problems(doc)
    if found:
        raise EvidenceError(found)
    return text


def plan_import(project: Project, case_id: str, resolution: Resolution, framework: Framework,
                evidence: Path, today: "str | None" = None) -> ImportPlan:
    """Everything an import will write, checked; raises (writing nothing) on any problem."""
    check_id(case_id, "--case")
    today = today or dt.date.today().isoformat()
    plan = ImportPlan(case_id, tolerated=list(project.tolerated))
    sources, note = _sources_for_case(project, case_id)
    if note:
        plan.tolerated.append(note)
    plan.unmapped = [c.path for c in resolution.unmapped]
    if not sources:
        plan.tolerated.append("the project holds no text source: only its codebook was read")
    used_ids: set[str] = set()
    for src in sources:
        sid = src.variables.get("source id") or slug(src.name)
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,63}", sid):
            sid = slug(sid)
        base, n = sid, 2
        while sid in used_ids:
            sid, n = f"{base[:60]}_{n}", n + 1
        used_ids.add(sid)
        mode, placed, misfits = choose_offsets(src)
        where = f"{project.path}:project.qde"
        if misfits:
            s, more = misfits[0], (f" ({len(misfits) - 1} more like it)" if len(misfits) > 1 else "")
            raise EvidenceError(problem(where, f"selection {s.guid} of source {src.name!r} ({s.start}-{s.end}) does "
                                        f"not fit its text of {len(src.text)} characters{more}.",
                                        "export the project again; the selection points outside its source.",
                                        line=s.line or None))
        if mode != "characters" and src.selections:
            plan.tolerated.append(f"source {src.name!r}: offsets counted as {mode}")
        text = src.text.replace("\r\n", "\n").replace("\r", "\n")
        rows: dict[str, tuple[str, str, str, int]] = {}
        sel_finding: dict[str, str] = {}
        for sel in sorted(src.selections, key=lambda s: placed[normalise_guid(s.guid)]):
            start, end = placed[normalise_guid(sel.guid)]
            statement = " ".join(text[start:end].split()).replace("<!--", "< !--")
            if not statement:
                plan.tolerated.append(f"selection {sel.guid} of {src.name!r} selects no text: skipped")
                continue
            fid = finding_id(sid, statement)
            if fid in rows:
                plan.tolerated.append(f"selections {sel.guid} and another of {src.name!r} select the same text: "
                                      "one finding")
            else:
                rows[fid] = (fid, locator_at(text, start), statement, start)
            sel_finding[normalise_guid(sel.guid)] = fid
        ordered = sorted(rows.values(), key=lambda r: r[3])
        body, _ = plain_text([(r[0], r[1], r[2]) for r in ordered])
        front = _front_matter(src, sid, case_id, project)
        md = "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True, width=100) + "---\n\n" + body
        md_path = evidence / "sources" / case_id / f"{sid}.md"
        if ordered:
            parsed = parse_source(md, md_path)  # the same reader as extraction: the findings must come out as planned
            got = [(st.locator, st.text) for st in parsed.statements]
            want = [(r[1], r[2]) for r in ordered]
            if got != want:
                bad = next(w for g, w in zip(got + [("", "")] * len(want), want) if g != w)
                raise EvidenceError(problem(where, f"selection text {bad[1][:60]!r} of source {src.name!r} does not "
                                            "read back as one finding.", "report this file to the workbook's "
                                            "maintainers; nothing was written."))
            plan.files[md_path] = md
            plan.files[evidence / "imports" / case_id / f"{sid}.txt"] = text
            plan.sources.append(sid)
            plan.findings += len(ordered)
        else:
            plan.tolerated.append(f"source {src.name!r} has no coded selection: not imported")
        _plan_decisions(plan, project, src, sel_finding, resolution, framework, today)
    for other in SOURCE_SUFFIXES:
        for sid in plan.sources:
            existing = evidence / "sources" / case_id / f"{sid}{other}"
            same = other == ".md" and existing.exists() \
                and existing.read_text(encoding="utf-8") == plan.files.get(existing)
            if existing.exists() and not same:
                raise EvidenceError(problem(existing, f"source {sid!r} already exists with other content.",
                                            "remove or rename it before importing, or import into another case."))
    for path, text in list(plan.files.items()):
        if path.exists() and path.read_text(encoding="utf-8") == text:
            del plan.files[path]
    cases_text = _updated_cases(evidence, project, case_id, plan.sources) if plan.sources else None
    if cases_text is not None:
        plan.files[cases_path(evidence)] = cases_text
    if (evidence / "reviews").exists():
        existing = load_reviews(case_id, framework, evidence)
        have = {(r.finding_id, r.reviewer, r.date, r.dimensions, r.polarity, r.note, False)
                for r in existing.decisions.itertuples(index=False)}
        have |= {(r.finding_id, r.reviewer, r.date, r.dimensions, r.polarity, r.note, True)
                 for r in existing.consensus.itertuples(index=False)}
        plan.decisions = [d for d in plan.decisions
                          if (d.finding_id, d.reviewer, d.date, ";".join(framework.order(d.dimensions)), d.polarity,
                              " ".join(d.note.split()), d.participants is not None) not in have]
    return plan


def _plan_decisions(plan: ImportPlan, project: Project, src: TextSource, sel_finding: dict[str, str],
                    resolution: Resolution, framework: Framework, today: str) -> None:
    """Group each selection's codings by user and day into decisions; attach notes; check each decision."""
    auto_users = {g for g, n in project.users.items() if n in (AUTO_USER, USER_NAMES[AUTO_USER])}
    consensus_users = {g for g, n in project.users.items() if n == USER_NAMES[CONSENSUS_USER]}
    for sel in src.selections:
        fid = sel_finding.get(normalise_guid(sel.guid))
        if fid is None:
            continue
        groups: dict[tuple[str, str], list[tuple[str, str]]] = {}
        for coding in sel.codings:
            if coding.user in auto_users:
                plan.skipped_auto += 1
                continue
            when = _when(coding.when) or today
            groups.setdefault((coding.user, when[:10]), []).append((coding.code, when))
        made: dict[tuple[str, str], Decision] = {}
        for (user, day), coded in groups.items():
            dims, pols, other = [], [], []
            codes = [code for code, _ in coded]
            day = max(when for _, when in coded)  # codings of one user and day add up to one decision
            for code in codes:
                target = resolution.targets.get(code)
                if target is None:
                    name = next((c.path for c in project.codebook.walk() if normalise_guid(c.guid) == code), code)
                    other.append(name)
                elif target.kind == "polarity":
                    pols.append(target.value)
                else:
                    dims.append(target.dimension)
            polarity = pols[0] if len(set(pols)) == 1 else "neutral"
            note = ""
            if len(set(pols)) > 1:
                note = f"[polarities coded: {'; '.join(sorted(set(pols)))}]"
            if other:
                note = (note + " " if note else "") + f"[other codes: {'; '.join(dict.fromkeys(other))}]"
            reviewer = project.users.get(user) or (f"user_{user[:8]}" if user else "unknown_coder")
            try:
                reviewer_id(reviewer)
            except ReviewError:  # a name the reviews folder reserves ('consensus', 'sample') or without letters
                reviewer = f"imported {reviewer}"
            made[(user, day[:10])] = Decision(fid, list(dict.fromkeys(dims)), polarity, reviewer, day, note,
                                              user=user)
        for nguid in dict.fromkeys(sel.notes):
            note = project.notes[nguid]
            agreed = agreed_by(note.description) if note.user in consensus_users else None
            decision = made.get((note.user, _day(note.when)))
            if agreed and decision is not None and len(set(agreed[0]) | {agreed[1]}) >= 2:
                decision.participants, decision.reviewer = agreed[0], agreed[1]
            key = (note.user, _day(note.when))
            latest_first = sorted(made.items(), key=lambda kv: kv[1].date, reverse=True)
            target = made.get(key) or next((d for (u, _), d in latest_first if u == note.user), None) \
                or next((d for _, d in latest_first), None)
            text = " ".join(note.text.split())
            if target is None:
                plan.unattached_notes.append(f"{fid}: {text[:60]}")
                continue
            if target.user != note.user:
                text = f"[note by {project.users.get(note.user) or 'another user'}] {text}"
            target.note = f"{text} {target.note}".strip() if target.note.startswith("[") else \
                (f"{target.note} {text}".strip() if target.note else text)
        for dec in made.values():
            _, errors = check_decision(dec.finding_id, dec.dimensions, dec.polarity, dec.reviewer, dec.date, framework)
            if errors:
                raise EvidenceError(problem(f"{project.path}:project.qde", f"the coding of {dec.finding_id} by "
                                            f"{dec.reviewer!r} cannot become a decision: {'; '.join(errors)}.",
                                            "correct the user or date in the other tool and export again."))
            plan.decisions.append(dec)


def apply_import(plan: ImportPlan, framework: Framework, evidence: Path) -> None:
    """Write the plan's files atomically and record its decisions; on any failure put every file back."""
    touched = list(plan.files) + [p for p in (evidence / "reviews").rglob("*") if p.is_file()] \
        if (evidence / "reviews").exists() else list(plan.files)
    before = {p: p.read_bytes() if p.exists() else None for p in touched}
    reviews_before = set((evidence / "reviews").rglob("*")) if (evidence / "reviews").exists() else set()
    dirs_before = {d for d in evidence.rglob("*") if d.is_dir()}
    try:
        for path, text in plan.files.items():
            write_text(path, text)
        for dec in plan.decisions:
            if dec.participants is not None:
                record_consensus(plan.case_id, dec.finding_id, dec.dimensions, dec.polarity, dec.participants,
                                 dec.reviewer, framework, note=dec.note, date=dec.date, evidence=evidence)
            else:
                record_decision(plan.case_id, dec.finding_id, dec.dimensions, dec.polarity, dec.reviewer, framework,
                                note=dec.note, date=dec.date, evidence=evidence)
    except BaseException:
        for path, data in before.items():
            if data is None:
                path.unlink(missing_ok=True)
            else:
                write_bytes(path, data)
        if (evidence / "reviews").exists():
            for p in set((evidence / "reviews").rglob("*")) - reviews_before:
                if p.is_file():
                    p.unlink()
        made = {d for d in evidence.rglob("*") if d.is_dir()} - dirs_before
        for d in sorted(made, key=lambda d: len(d.parts), reverse=True):
            try:
                d.rmdir()
            except OSError:
                pass
        raise

