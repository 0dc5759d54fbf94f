"""Compiled regular expressions kept on disk between processes, for patterns too large to compile often.

Why: the rule coder's combined cue pattern is about 143,000 characters, and its ~660 cue patterns total
almost as much again. `re.compile` takes 0.5 to 1 s for the combined pattern alone. Every new process and
every notebook kernel paid that cost again, on the critical path of each regeneration (issue #7). Almost
all of that time goes to `re`'s pure-Python parser and code generator. Their result is a list of integers,
and the C engine turns that list into a pattern object in a few milliseconds. This module stores the
list on disk and rebuilds the pattern from it.

This relies on CPython internals, not on public API: `re._parser.parse`, `re._compiler._code` and
`_sre.compile`, called with the same arguments and in the same order as `re._compiler.compile` calls them
(Python 3.11 to 3.13), and `_sre.MAGIC` / `_sre.CODESIZE`, which identify the code format. The key of
an entry includes `sys.version`, `_sre.MAGIC`, the flags and the pattern text, so another Python never
reads it. Each entry file carries a SHA-256 checksum of its content, which detects a damaged or truncated
file, and `_sre.compile` refuses malformed code.

Fallback: whenever the cache cannot help, the pattern is compiled with plain `re.compile`, silently. That
happens when the internals are missing, the cache directory is unwritable or unreadable, an entry is
corrupt, truncated or for another pattern, the engine refuses the stored code, or the rebuilt pattern's
flags or groups are not the recorded ones. A cache problem never raises. An invalid pattern raises
`re.error`, exactly as `re.compile` does. Patterns under MIN_CHARS characters (in total) go straight
to `re.compile`. The cache keeps the MAX_ENTRIES most recently used entries. The directory is
`paths.cache_dir() / "regex"` ($WORKBOOK_CACHE, else the user's cache directory).
"""
from __future__ import annotations

import array
import hashlib
import json
import os
import re
import sys
from pathlib import Path
from typing import Any, NamedTuple, Sequence

from workbook.core.atomic import write_bytes
from workbook.core.paths import cache_dir

try:
    import _sre
    from re import _compiler, _parser
except ImportError:  # not CPython, or a Python whose re has another layout: no cache
    _sre = _compiler = _parser = None  # type: ignore[assignment]

MIN_CHARS = 10_000
"""Patterns shorter than this in total are compiled directly: for them the cache would not pay."""

MAX_ENTRIES = 32
"""The cache keeps this many entries, the most recently used ones."""

FORMAT = b"workbook regex cache 1\n"
"""First bytes of every entry file; a change of layout changes this."""

SUFFIX = ".rx"

_TYPECODE = next((t for t in ("I", "L") if _sre is not None and array.array(t).itemsize == _sre.CODESIZE), None)


class Program(NamedTuple):
    """One compiled pattern as `_sre.compile` takes it: final flags, groups, group names and code."""

    flags: int
    groups: int
    groupindex: dict[str, int]
    indexgroup: tuple[str | None, ...]
    code: list[int]


def compile_cached(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """`re.compile(pattern, flags)`, read from the on-disk cache when it holds this pattern."""
    return compile_all_cached([pattern], flags)[0]


def compile_all_cached(patterns: Sequence[str], flags: int = 0) -> list[re.Pattern[str]]:
    """`[re.compile(p, flags) for p in patterns]`, all kept as one cache entry."""
    flags = int(flags)
    patterns = list(patterns)
    if (_TYPECODE is None or flags & re.DEBUG or not all(type(p) is str for p in patterns)
            or sum(map(len, patterns)) < MIN_CHARS):
        return _plain(patterns, flags)
    try:
        key = entry_key(patterns, flags)
        path = cache_directory() / (key + SUFFIX)
    except Exception:
        return _plain(patterns, flags)
    found = _read(path, key, patterns, flags)
    if found is not None:
        return found
    try:
        programs = [program(p, flags) for p in patterns]
        compiled = [_build(p, prog, flags) for p, prog in zip(patterns, programs)]
    except Exception:  # re.compile raises the same re.error for an invalid pattern
        return _plain(patterns, flags)
    _write(path, key, programs)
    return compiled


def cache_directory() -> Path:
    """The directory that holds the cache entries."""
    return cache_dir() / "regex"


def entry_key(patterns: Sequence[str], flags: int) -> str:
    """The name of the entry for these patterns and flags on this exact Python build."""
    ident = [FORMAT.decode(), sys.version, sys.byteorder, _sre.MAGIC, _sre.CODESIZE, int(flags), list(patterns)]
    return hashlib.sha256(json.dumps(ident).encode("ascii")).hexdigest()


def program(pattern: str, flags: int) -> Program:
    """Parse and generate the code of one pattern, as `re._compiler.compile` does."""
    parsed = _parser.parse(pattern, flags)
    code = _compiler._code(parsed, flags)
    groupindex = dict(parsed.state.groupdict)
    indexgroup: list[str | None] = [None] * parsed.state.groups
    for name, index in groupindex.items():
        indexgroup[index] = name
    return Program(flags | parsed.state.flags, parsed.state.groups - 1, groupindex, tuple(indexgroup), code)


def _build(pattern: str, prog: Program, flags: int) -> re.Pattern[str]:
    """The pattern object for a program; ValueError when it is not what re.compile would give."""
    compiled = _sre.compile(pattern, prog.flags, prog.code, prog.groups, prog.groupindex, prog.indexgroup)
    implied = flags | (0 if flags & re.ASCII else re.UNICODE)
    if (compiled.pattern != pattern or compiled.flags != prog.flags or compiled.flags & implied != implied
            or compiled.groups != prog.groups or dict(compiled.groupindex) != prog.groupindex):
        raise ValueError("rebuilt pattern differs from its record")
    return compiled


def _plain(patterns: Sequence[str], flags: int) -> list[re.Pattern[str]]:
    """Compile without the cache."""
    return [re.compile(p, flags) for p in patterns]


def _read(path: Path, key: str, patterns: Sequence[str], flags: int) -> list[re.Pattern[str]] | None:
    """The patterns rebuilt from their entry, or None when there is no usable entry."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        head = len(FORMAT) + 32
        view = memoryview(data)
        if not data.startswith(FORMAT) or hashlib.sha256(view[head:]).digest() != data[len(FORMAT):head]:
            raise ValueError("not a cache entry, or damaged")
        split = data.index(b"\n", head)
        header: dict[str, Any] = json.loads(data[head:split])
        records = header["programs"]
        if header["key"] != key or len(records) != len(patterns):
            raise ValueError("entry for other patterns")
        code = array.array(_TYPECODE)  # type: ignore[arg-type]
        code.frombytes(view[split + 1:])
        if sum(r[4] for r in records) != len(code):
            raise ValueError("code length differs from its record")
        compiled, start = [], 0
        for pattern, (pflags, groups, groupindex, indexgroup, length) in zip(patterns, records):
            prog = Program(pflags, groups, groupindex, tuple(indexgroup), code[start:start + length].tolist())
            compiled.append(_build(pattern, prog, flags))
            start += length
    except Exception:
        _remove(path)
        return None
    try:
        os.utime(path)
    except OSError:
        pass
    return compiled


def _write(path: Path, key: str, programs: Sequence[Program]) -> None:
    """Store an entry atomically and drop the least recently used ones beyond MAX_ENTRIES; never raises."""
    try:
        records = [[p.flags, p.groups, p.groupindex, list(p.indexgroup), len(p.code)] for p in programs]
        code = b"".join(array.array(_TYPECODE, p.code).tobytes() for p in programs)  # type: ignore[arg-type]
        body = json.dumps({"key": key, "programs": records}).encode("ascii") + b"\n" + code
        write_bytes(path, FORMAT + hashlib.sha256(body).digest() + body)
        _prune(path.parent, MAX_ENTRIES)
    except Exception:
        pass


def _prune(directory: Path, keep: int) -> None:
    """Delete all but the `keep` most recently used entries in the directory."""
    entries = []
    for path in directory.glob("*" + SUFFIX):
        try:
            entries.append((path.stat().st_mtime, path))
        except OSError:
            pass
    entries.sort(reverse=True)
    for _, path in entries[keep:]:
        _remove(path)


def _remove(path: Path) -> None:
    """Delete a file if possible."""
    try:
        path.unlink()
    except OSError:
        pass


__all__ = ["compile_cached", "compile_all_cached", "cache_directory", "MIN_CHARS", "MAX_ENTRIES"]
