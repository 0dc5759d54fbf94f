"""Coding at scale: how fast the default coder codes 10 thousand, 100 thousand and 1 million findings.

Synthetic findings are built from the framework's own vocabulary (evidence/framework.yaml): words of the
dimension definitions and "delivery requires" items, with dimension cues and polarity, negation, change,
contrast and concession cues mixed in at random (fixed seed, so every run codes the same texts). The
matches per finding of the synthetic texts and of the real extracted findings are printed side by side.

For each size, in a fresh subprocess (so that peak memory belongs to that size alone):
- the findings are coded the way `workbook code` codes a CSV: `code_frame` on a table with the default
  coder (`default_coder`; building it - compiling the cues - is timed separately), in chunks of n/20
  (at least 1,000) whose results are concatenated (included in the time), under a progress bar;
- the floor: one pass of one regular expression of all the cues over the same texts, every match consumed
  (`collections.deque(pattern.finditer(text), maxlen=0)`): the cost of reading each text once with a regex
  that finds every cue. The coder itself no longer uses such a regex (it matches word tokens, see
  workbook.coding.matcher); the benchmark builds the same combined lookahead pattern the regex coder used
  (`one_regex`, about 143,000 characters, plain `re.compile`), so the goal keeps its meaning. Each chunk's
  floor pass is timed right beside its coding, in alternating order, so a load change on a shared machine
  affects both. A plain word-token pass (`\\w+`) is timed too, for information;
- peak memory: the process's maximum resident set size (`resource.getrusage(RUSAGE_SELF).ru_maxrss`: the
  whole process - interpreter, pandas, the texts and the results; not tracemalloc, which would slow coding).

Building the rule matcher (issue #14): in a fresh process (`python -c`), best of 5, the time to build the
rule coder's cue table (`workbook.coding.rules.compile_cues`: the token matcher of every cue plus their
roles) from the shipped framework, after the imports and the framework file are loaded (those are shown
apart); wall clock and the process's CPU time.

Goals (issue #7, #14): 1 million findings coded in at most 5 x the floor; time linear in the findings (10 x
the findings in at most 11 x the time); peak memory under 2 GB; the matcher built in under 50 ms.

Usage: python benchmarks/coding_scale.py [--sizes 10000,100000,1000000] [--seed N] [--no-progress]
       [--build-only] [--coder default|rules|model]
Exit status 0 whenever the measurement ran (it is a measurement, not a gate).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
GOAL_FLOOR_RATIO = 5.0
GOAL_LINEAR = 11.0
GOAL_MEMORY_GB = 2.0
GOAL_BUILD_MS = 50.0
BUILD_REPEATS = 5
BUILD_SNIPPET = """\
import json, time
from workbook.coding import rules
from workbook.coding.matcher import build_matcher
from workbook.evidence.framework import coding_cues, load_framework
t0, c0 = time.perf_counter(), time.process_time()
framework = load_framework()
t1, c1 = time.perf_counter(), time.process_time()
table = rules.compile_cues(framework)
t2, c2 = time.perf_counter(), time.process_time()
terms = [c.term for d in framework.dimensions for c in d.cues]
terms += [c.term for k in rules.POLARITY_KINDS for c in coding_cues(framework, k)]
t3, c3 = time.perf_counter(), time.process_time()
build_matcher(terms)
t4, c4 = time.perf_counter(), time.process_time()
print(json.dumps({"load": t1 - t0, "table": t2 - t1, "table_cpu": c2 - c1, "again": t4 - t3, "again_cpu": c4 - c3,
                  "cues": len(terms), "entries": len(table.matcher.entries)}))
"""
SUFFIXES = ("", "", "s", "ed", "ing", "ion", "e", "es")


def vocabulary(framework) -> "tuple[list[str], list[list[tuple[str, bool]]], dict[str, list[tuple[str, bool]]]]":
    """(plain words, cue phrases per dimension, cue phrases per polarity kind) of a framework; each phrase
    says whether its cue ends in a wildcard (and so takes an ending)."""
    import re

    from workbook.coding.rules import POLARITY_KINDS
    from workbook.evidence.framework import coding_cues
    from workbook.coding.cues import cue_examples

    def phrases(cues) -> "list[tuple[str, bool]]":
        out: list[tuple[str, bool]] = []
        for cue in cues:
            open_end = cue.term.rstrip().endswith("*")
            out += [(e, open_end) for e in cue_examples(cue.term, limit=8) if e]
        return out or [("services", False)]

    text = " ".join([d.definition for d in framework.dimensions] + [r.text for r in framework.requirements])
    words = [w for w in re.findall(r"[a-z][a-z'-]+", text.lower()) if len(w) > 2] or ["care"]
    words += ["the", "of", "and", "in", "to", "a", "was", "were", "for", "with", "staff", "services"] * 4
    dims = [phrases(d.cues) for d in framework.dimensions]
    kinds = {k: phrases(coding_cues(framework, k)) for k in POLARITY_KINDS if k != "ignore"}
    return words, dims, kinds


def synthetic_findings(framework, n: int, seed: int = 2014) -> list[str]:
    """n finding-like sentences from the framework's vocabulary (deterministic for a seed)."""
    import random

    rng = random.Random(seed)
    words, dims, kinds = vocabulary(framework)
    polar = kinds.get("facilitator", []) + kinds.get("barrier", [])

    def say(choices: "list[tuple[str, bool]]") -> str:
        phrase, open_end = rng.choice(choices)
        return phrase + (rng.choice(SUFFIXES) if open_end else "")

    out: list[str] = []
    for _ in range(n):
        body = [rng.choice(words) for _ in range(rng.randint(10, 26))]
        for _ in range(rng.choice((0, 1, 1, 1, 2, 2, 3))):  # dimension cues
            body.insert(rng.randrange(len(body) + 1), say(rng.choice(dims)))
        for _ in range(rng.choice((0, 0, 1, 1, 2))):  # polarity evidence, sometimes negated or changed
            phrase = say(polar)
            roll = rng.random()
            if roll < 0.2 and kinds.get("negation"):
                phrase = f"{say(kinds['negation'])} {phrase}"
            elif roll < 0.3 and kinds.get("decrease"):
                phrase = f"{say(kinds['decrease'])} {phrase}"
            body.insert(rng.randrange(len(body) + 1), phrase)
        roll = rng.random()
        if roll < 0.15 and kinds.get("contrast"):
            body.insert(len(body) // 2, f", {say(kinds['contrast'])}")
        elif roll < 0.25 and kinds.get("concession"):
            body.insert(0, say(kinds["concession"]))
        elif roll < 0.32 and kinds.get("descriptive"):
            body.append(say(kinds["descriptive"]))
        sentence = " ".join(body).replace(" ,", ",")
        out.append(sentence[:1].upper() + sentence[1:] + ".")
    return out


def matches_per_text(matcher, texts: "list[str]") -> float:
    return sum(len(matcher.scan(t)) for t in texts) / max(1, len(texts))


def cue_terms(framework) -> "list[str]":
    """Every cue term of a framework, in the order the rule coder reads them."""
    from workbook.coding.rules import POLARITY_KINDS
    from workbook.evidence.framework import coding_cues

    return ([c.term for d in framework.dimensions for c in d.cues]
            + [c.term for k in POLARITY_KINDS for c in coding_cues(framework, k)])


def one_regex(terms: "list[str]"):
    """All cues as ONE compiled regex, as the regex coder built it (a lookahead alternative per cue at each
    word boundary, most specific first, grouped by first letters): the floor's pattern."""
    import re

    from workbook.coding.cues import cue_regex, first_chars

    spec: dict = {}
    heads: dict = {}
    heads1: dict = {}
    for term in terms:
        rx = cue_regex(term)
        key = (3, len(term)) if term.startswith("re:") else (len(term.split()), len(term))
        spec[rx] = max(spec.get(rx, (0, 0)), key)
        for store, width in ((heads, 2), (heads1, 1)):
            h = first_chars(term, width)
            store[rx] = None if h is None or (rx in store and store[rx] is None) else (store.get(rx) or set()) | h
    groups: dict = {}
    unknown, free = [], []
    for rx in sorted(spec, key=lambda rx: (-spec[rx][0], -spec[rx][1], rx)):
        h = (heads.get(rx) or heads1.get(rx)) if rx.startswith(r"\b") else None
        if not rx.startswith(r"\b"):
            free.append(rx)
        elif not h:
            unknown.append(rx)
        else:
            for head in sorted(h):
                groups.setdefault(head[0], {}).setdefault(head, []).append(rx)
    branches = []
    for ch in sorted(groups):
        sub = [f"(?={re.escape(h)})(?:" + "|".join(r[2:] for r in groups[ch][h]) + ")" if len(h) > 1
               else "|".join(r[2:] for r in groups[ch][h])
               for h in sorted(groups[ch], key=lambda h: (len(h) == 1, h))]
        branches.append(f"(?={re.escape(ch)})(?:" + "|".join(sub) + ")")
    branches += [r[2:] for r in unknown]
    source = r"\b(?=(" + "|".join(branches) + "))" + ("|(?=(" + "|".join(free) + "))" if free else "")
    return re.compile(source, re.IGNORECASE)


def build_times(repeats: int = BUILD_REPEATS) -> "list[dict]":
    """Build the rule coder's cue table in `repeats` fresh processes; each run's figures."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "lib") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    runs = []
    for _ in range(repeats):
        done = subprocess.run([sys.executable, "-c", BUILD_SNIPPET], stdout=subprocess.PIPE, text=True, env=env)
        if done.returncode == 0 and done.stdout.strip():
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    return runs


def report_build(runs: "list[dict]") -> "float | None":
    """Print the build measurement and its verdict; the best wall-clock time in ms (None if it failed)."""
    if not runs:
        print("matcher build: the measurement failed\n")
        return None
    each = ", ".join(f"{r['table'] * 1000:.0f}" for r in runs)
    best = min(r["table"] for r in runs) * 1000
    cpu = min(r["table_cpu"] for r in runs) * 1000
    print(f"matcher build (fresh process, best of {len(runs)}): rule coder cue table (token matcher of "
          f"{runs[0]['cues']} cues, {runs[0]['entries']} distinct, plus roles) {best:.1f} ms wall, {cpu:.1f} ms CPU "
          f"(each run: {each} ms); "
          f"matcher alone, built again in the same process: {min(r['again'] for r in runs) * 1000:.1f} ms; "
          f"loading framework.yaml before it: {min(r['load'] for r in runs) * 1000:.0f} ms")
    print(f"- built in < {GOAL_BUILD_MS:g} ms: {best:.1f} ms -> {'MET' if best < GOAL_BUILD_MS else 'NOT MET'}"
          + ("" if best < GOAL_BUILD_MS or cpu >= GOAL_BUILD_MS else f" (CPU time {cpu:.1f} ms: the machine is loaded)")
          + "\n")
    return best


def real_findings() -> list[str]:
    """The statements of the shipped evidence's extracted findings (for comparison only)."""
    from workbook.evidence.cases import load_cases
    from workbook.pipeline.stages import extract_case
    from workbook.pipeline.stages import resolve

    settings = resolve()
    return [s for case in load_cases(settings.evidence).values()
            for s in extract_case(case, settings.framework, settings.evidence)["statement"]]


def make_coder(framework, which: str):
    """The coder to measure: the framework's default (`default`), the rule coder or the model coder."""
    from workbook.coding.rules import default_coder, rule_coder

    if which == "rules":
        return rule_coder(framework)
    if which == "model":
        from workbook.coding.model import model_coder
        from workbook.core.paths import evidence_dir

        return model_coder(framework, rule_coder(framework), evidence_dir())
    return default_coder(framework)


def measure(n: int, seed: int, progress: bool, which: str = "default") -> dict:
    """Code n synthetic findings in this process; the figures as a dict.

    The findings are coded in chunks, and each chunk's floor pass is timed right beside its coding (in
    alternating order), so that a load change on a shared machine affects both sides alike.
    """
    import collections
    import re
    import resource

    import pandas as pd

    from workbook.coding.rules import code_frame
    from workbook.evidence.framework import load_framework

    framework = load_framework()
    texts = synthetic_findings(framework, n, seed)
    table = pd.DataFrame({"finding_id": [f"f{i}" for i in range(n)], "text": texts})
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    start = time.perf_counter()
    coder = make_coder(framework, which)
    build = time.perf_counter() - start
    start = time.perf_counter()
    pattern = one_regex(cue_terms(framework))
    floor_compile = time.perf_counter() - start
    consume = collections.deque
    words = re.compile(r"\w+")

    def token_pass(chunk: "list[str]") -> float:
        start = time.perf_counter()
        for text in chunk:
            consume(words.finditer(text), maxlen=0)
        return time.perf_counter() - start

    def floor_pass(chunk: "list[str]") -> float:
        start = time.perf_counter()
        for text in chunk:
            consume(pattern.finditer(text), maxlen=0)
        return time.perf_counter() - start

    def code_pass(frame: "pd.DataFrame") -> "tuple[float, pd.DataFrame]":
        start = time.perf_counter()
        out = code_frame(frame, framework, text_column="text", coder=coder)
        return time.perf_counter() - start, out

    size = max(1_000, n // 20)
    floor = seconds = tokens = 0.0
    parts = []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=n, desc=f"{n:,} findings (coding + floor pass)", unit="finding", smoothing=0)
    for k, lo in enumerate(range(0, n, size)):
        if k % 2:
            took, out = code_pass(table.iloc[lo:lo + size])
            floor += floor_pass(texts[lo:lo + size])
        else:
            floor += floor_pass(texts[lo:lo + size])
            took, out = code_pass(table.iloc[lo:lo + size])
        seconds += took
        tokens += token_pass(texts[lo:lo + size])
        parts.append(out)
        if bar is not None:
            bar.update(len(out))
    if bar is not None:
        bar.close()
    start = time.perf_counter()
    coded = pd.concat(parts, ignore_index=True)
    seconds += time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    assert len(coded) == n
    return {"n": n, "coder": getattr(coder, "name", type(coder).__name__), "build": build, "floor": floor,
            "floor_compile": floor_compile, "tokens": tokens, "seconds": seconds, "peak_kib": peak, "before_kib": rss_before,
            "coded_share": float((coded["dimensions"] != "").mean()), "chars": sum(map(len, texts)) / n}


def main(argv: "list[str] | None" = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="comma-separated numbers of findings (default 10000,100000,1000000)")
    parser.add_argument("--seed", type=int, default=2014)
    parser.add_argument("--no-progress", action="store_true", help="no progress bar while coding")
    parser.add_argument("--build-only", action="store_true", help="only measure building the matcher")
    parser.add_argument("--coder", choices=("default", "rules", "model"), default="default",
                        help="which coder to measure (default: the framework's coding.default_coder)")
    parser.add_argument("--one", type=int, default=0, help=argparse.SUPPRESS)  # internal: measure one size
    args = parser.parse_args(argv)
    if args.one:
        print("RESULT " + json.dumps(measure(args.one, args.seed, not args.no_progress, args.coder)), flush=True)
        return 0
    try:
        sizes = sorted({int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()})
    except ValueError:
        parser.error(f"--sizes {args.sizes!r}: give whole numbers separated by commas, e.g. 10000,100000")
    if not sizes or min(sizes) <= 0:
        parser.error("--sizes: give at least one positive number")

    from workbook.coding.rules import rule_coder
    from workbook.evidence.framework import load_framework

    load = "load average %.2f %.2f %.2f" % os.getloadavg() if hasattr(os, "getloadavg") else ""
    print(f"coding benchmark: Python {sys.version.split()[0]}, {os.cpu_count()} cores, {load}")
    build_ms = report_build(build_times())
    if args.build_only:
        return 0
    framework = load_framework()
    coder = make_coder(framework, args.coder)
    rules = rule_coder(framework)
    real = real_findings()
    sample = synthetic_findings(framework, 2000, args.seed)
    floor_pattern = one_regex(cue_terms(framework))
    print(f"coder measured: {getattr(coder, 'name', type(coder).__name__)} ({args.coder}; the rule coder's token "
          f"matcher has {len(rules.matcher.entries)} distinct cues); the floor's one combined pattern: "
          f"{len(floor_pattern.pattern):,} characters")
    print(f"cue matches per finding: synthetic {matches_per_text(rules.matcher, sample):.1f} "
          f"(mean {sum(map(len, sample)) / len(sample):.0f} chars), real findings "
          f"{matches_per_text(rules.matcher, real):.1f} (mean {sum(map(len, real)) / max(1, len(real)):.0f} "
          f"chars, {len(real)} findings)\n")

    results = []
    for n in sizes:
        cmd = [sys.executable, __file__, "--one", str(n), "--seed", str(args.seed), "--coder", args.coder]
        if args.no_progress:
            cmd.append("--no-progress")
        done = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # the progress bar goes to stderr
        line = next((x for x in done.stdout.splitlines() if x.startswith("RESULT ")), "")
        if done.returncode != 0 or not line:
            print(f"{n:>9,} findings: the measurement failed (exit {done.returncode})")
            continue
        r = json.loads(line[len("RESULT "):])
        results.append(r)
        print(f"{n:>9,} findings: coded in {r['seconds']:7.2f} s = {n / r['seconds']:>9,.0f} findings/s; "
              f"floor {r['floor']:6.2f} s; ratio {r['seconds'] / r['floor']:4.2f} x floor; "
              f"peak RSS {r['peak_kib'] / 1024:7.0f} MiB (before coding {r['before_kib'] / 1024:.0f} MiB); "
              f"coder built in {r['build'] * 1000:.0f} ms (floor regex compiled in {r['floor_compile']:.2f} s); "
              f"word-token pass {r['tokens']:.2f} s ({r['seconds'] / r['tokens']:.1f} x); "
              f"{r['coded_share']:.0%} coded with a dimension")

    if not results:
        return 0
    print("\ngoals:")
    biggest = results[-1]
    ratio = biggest["seconds"] / biggest["floor"]
    print(f"- {biggest['n']:,} findings in <= {GOAL_FLOOR_RATIO:g} x the floor: {ratio:.2f} x -> "
          f"{'MET' if ratio <= GOAL_FLOOR_RATIO else 'NOT MET'}"
          + ("" if biggest["n"] >= 1_000_000 else " (the goal is stated for 1,000,000; run the default sizes)"))
    for small, big in zip(results, results[1:]):
        growth = big["seconds"] / small["seconds"]
        allowed = GOAL_LINEAR * (big["n"] / small["n"]) / 10
        print(f"- linear: {big['n'] / small['n']:g} x the findings ({small['n']:,} -> {big['n']:,}) took "
              f"{growth:.2f} x the time (goal <= {allowed:g} x): {'MET' if growth <= allowed else 'NOT MET'}")
    if build_ms is not None:
        print(f"- matcher built in < {GOAL_BUILD_MS:g} ms: {build_ms:.1f} ms -> "
              f"{'MET' if build_ms < GOAL_BUILD_MS else 'NOT MET'}")
    peak_gb = max(r["peak_kib"] for r in results) * 1024 / 1e9
    print(f"- peak memory < {GOAL_MEMORY_GB:g} GB: {peak_gb:.2f} GB (max RSS) -> "
          f"{'MET' if peak_gb < GOAL_MEMORY_GB else 'NOT MET'}")
    if hasattr(os, "getloadavg"):
        print("\nload average %.2f %.2f %.2f" % os.getloadavg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
