"""Tests of the on-disk cache of compiled regular expressions (workbook.coding.regexcache)."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from workbook.coding import regexcache
from workbook.coding.rules import compile_cues
from workbook.coding.regexcache import compile_all_cached, compile_cached

from own_sentences import HELDOUT, SENTENCES  # noqa: E402

TEXTS = [text for sentences in (SENTENCES, HELDOUT) for group in sentences.values() for text, _ in group]

# Large enough to be cached (over MIN_CHARS), small enough to compile quickly.
BIG = r"\b(?=(" + "|".join(f"w{i}ord(?:s|ed|ing)?|x{i}y" for i in range(900)) + r"))"
BIG_TEXT = "W12ORDS and w899ording, x3y; w5ord x77y w1000ord " * 3


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory made the active one; returns the directory that holds the entries."""
    monkeypatch.setenv("WORKBOOK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "regex"


@pytest.fixture
def code_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the calls of re's code generator (it runs only when a pattern is really compiled)."""
    calls: list[int] = []
    real = re._compiler._code

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(re._compiler, "_code", counting)
    return calls


def entries(directory: Path) -> list[Path]:
    """The entry files in the cache directory."""
    return sorted(directory.glob("*.rx")) if directory.exists() else []


def spans(pattern: re.Pattern[str], texts: list[str]) -> list[list[tuple[int, int, str]]]:
    """Every match of the pattern in each text (span and captured text)."""
    return [[(m.start(), m.end(), m.group(m.lastindex or 0)) for m in pattern.finditer(t)] for t in texts]


def test_coder_pattern_from_the_cache_matches_like_re_compile(cache, framework):
    source = compile_cues(framework).pattern.pattern
    assert len(source) > regexcache.MIN_CHARS
    plain = re.compile(source, re.IGNORECASE)
    written = compile_cached(source, re.IGNORECASE)
    assert len(entries(cache)) == 1
    read = compile_cached(source, re.IGNORECASE)
    for compiled in (written, read):
        assert compiled == plain  # same pattern text, flags and engine code
        assert (compiled.flags, compiled.groups, compiled.groupindex) == (plain.flags, plain.groups, plain.groupindex)
        assert spans(compiled, TEXTS) == spans(plain, TEXTS)
    assert sum(len(s) for s in spans(read, TEXTS)) > len(TEXTS)


def test_second_compile_reads_the_cache(cache, code_calls):
    compile_cached(BIG, re.IGNORECASE)
    assert code_calls == [1]
    again = compile_cached(BIG, re.IGNORECASE)
    assert code_calls == [1]
    assert again == re.compile(BIG, re.IGNORECASE)
    assert spans(again, [BIG_TEXT]) == spans(re.compile(BIG, re.IGNORECASE), [BIG_TEXT])


def test_named_groups_survive_the_cache(cache):
    pattern = "(?P<word>" + "|".join(f"name{i}" for i in range(1500)) + r")\s+(?P<num>\d+)"
    compile_cached(pattern)
    read = compile_cached(pattern)
    assert read.groupindex == {"word": 1, "num": 2}
    assert read.search("see name77 42").group("word", "num") == ("name77", "42")


def test_many_patterns_are_one_entry(cache, code_calls):
    patterns = [f"(?:alpha{i}|beta{i})+" * 40 for i in range(20)]
    first = compile_all_cached(patterns, re.IGNORECASE)
    assert len(code_calls) == 20 and len(entries(cache)) == 1
    second = compile_all_cached(patterns, re.IGNORECASE)
    assert len(code_calls) == 20
    assert second == first == [re.compile(p, re.IGNORECASE) for p in patterns]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty", "other entry"])
def test_damaged_entry_falls_back_and_is_replaced(cache, code_calls, damage):
    compile_cached(BIG, re.IGNORECASE)
    [path] = entries(cache)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a cache entry at all")
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        path.write_bytes(data[:-100] + bytes([data[-100] ^ 0xFF]) + data[-99:])
    elif damage == "empty":
        path.write_bytes(b"")
    else:  # a sound entry of another pattern under this pattern's name
        other = BIG.replace("x", "z")
        compile_cached(other, re.IGNORECASE)
        path.write_bytes(next(p for p in entries(cache) if p != path).read_bytes())
    calls = len(code_calls)
    result = compile_cached(BIG, re.IGNORECASE)
    assert result == re.compile(BIG, re.IGNORECASE)
    assert len(code_calls) > calls  # compiled again
    assert path.read_bytes() == data  # ... and the entry replaced
    calls = len(code_calls)
    assert compile_cached(BIG, re.IGNORECASE) == result
    assert len(code_calls) == calls


def test_code_the_engine_refuses_falls_back(cache, code_calls):
    key = regexcache.entry_key([BIG], re.IGNORECASE)
    good = regexcache.program(BIG, re.IGNORECASE)
    bad = good._replace(code=good.code[:-5])  # a sound file holding a cut-off program
    cache.mkdir(parents=True)
    regexcache._write(cache / (key + regexcache.SUFFIX), key, [bad])
    assert len(entries(cache)) == 1
    calls = len(code_calls)
    assert compile_cached(BIG, re.IGNORECASE) == re.compile(BIG, re.IGNORECASE)
    assert len(code_calls) > calls


def test_recorded_flags_that_differ_fall_back(cache, code_calls):
    key = regexcache.entry_key([BIG], re.IGNORECASE)
    good = regexcache.program(BIG, re.IGNORECASE)
    cache.mkdir(parents=True)
    regexcache._write(cache / (key + regexcache.SUFFIX), key, [good._replace(flags=re.UNICODE)])
    calls = len(code_calls)
    result = compile_cached(BIG, re.IGNORECASE)
    assert len(code_calls) > calls
    assert result.flags == re.compile(BIG, re.IGNORECASE).flags
    assert result.search("W5ORD")


def test_unwritable_cache_falls_back(tmp_path, monkeypatch, code_calls):
    blocker = tmp_path / "a file, not a directory"
    blocker.write_text("x")
    monkeypatch.setenv("WORKBOOK_CACHE", str(blocker))
    for _ in range(2):
        assert compile_cached(BIG, re.IGNORECASE) == re.compile(BIG, re.IGNORECASE)
    assert blocker.read_text() == "x"
    assert len(code_calls) >= 2  # nothing could be stored, so each call compiled


def test_without_re_internals_falls_back(cache, monkeypatch):
    monkeypatch.setattr(regexcache, "_parser", None)
    assert compile_cached(BIG, re.IGNORECASE) == re.compile(BIG, re.IGNORECASE)
    assert entries(cache) == []


def test_invalid_pattern_raises_like_re_compile(cache):
    bad = BIG + "(unclosed"
    with pytest.raises(re.error) as plain:
        re.compile(bad)
    with pytest.raises(re.error) as cached:
        compile_cached(bad)
    assert str(cached.value) == str(plain.value)
    assert entries(cache) == []


def test_other_flags_are_another_entry(cache):
    caseless = compile_cached(BIG, re.IGNORECASE)
    exact = compile_cached(BIG)
    assert len(entries(cache)) == 2
    assert caseless.search("W5ORD") and not exact.search("W5ORD")
    assert compile_cached(BIG).flags == re.compile(BIG).flags
    assert compile_cached(BIG, re.IGNORECASE).flags == re.compile(BIG, re.IGNORECASE).flags


def test_small_patterns_are_not_cached(cache, code_calls):
    assert compile_cached(r"\bsmall(?:er)?\b", re.IGNORECASE).search("SMALLER")
    assert entries(cache) == []


def test_the_cache_keeps_the_most_recently_used_entries(cache, monkeypatch):
    monkeypatch.setattr(regexcache, "MAX_ENTRIES", 3)
    patterns = [BIG + f"|n{i}" for i in range(4)]
    for i, pattern in enumerate(patterns[:3]):
        compile_cached(pattern)
        path = cache / (regexcache.entry_key([pattern], 0) + regexcache.SUFFIX)
        os.utime(path, (1_000_000 + i, 1_000_000 + i))  # written in this order, long ago
    compile_cached(patterns[0])  # the oldest is used again
    compile_cached(patterns[3])
    kept = {p.name for p in entries(cache)}
    assert len(kept) == 3
    assert kept == {regexcache.entry_key([p], 0) + regexcache.SUFFIX for p in (patterns[0], patterns[2], patterns[3])}
