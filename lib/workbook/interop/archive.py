"""Reading a .qdpx (a zip) safely: names that escape the folder, links, bombs and non-zips are refused."""
from __future__ import annotations

import stat
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from workbook.core.errors import EvidenceError, problem

MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 256 * 1024 * 1024
MAX_TOTAL_BYTES = 1024 * 1024 * 1024
MAX_RATIO = 200
"""Uncompressed bytes per compressed byte above which a member larger than 1 MB is taken for a zip bomb."""
_CHUNK = 1024 * 1024


@dataclass
class Archive:
    """The members of a checked .qdpx, read into memory on demand (nothing is ever extracted to disk)."""

    path: str
    names: dict[str, zipfile.ZipInfo] = field(default_factory=dict)
    """Member names (case-folded) -> their entries."""

    def has(self, name: str) -> bool:
        """Whether the archive holds this member (names compared case-insensitively, as tools disagree)."""
        return name.casefold() in self.names

    def read(self, name: str) -> bytes:
        """A member's bytes, read in chunks and refused when it inflates beyond its declared size or the caps."""
        info = self.names.get(name.casefold())
        if info is None:
            raise EvidenceError(problem(self.path, f"has no member {name!r}.",
                                        "export the project again; the file it names is missing from the zip."))
        out = bytearray()
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(info) as handle:
                while chunk := handle.read(_CHUNK):
                    out += chunk
                    if len(out) > min(info.file_size, MAX_MEMBER_BYTES):
                        raise EvidenceError(problem(self.path, f"member {info.filename!r} inflates beyond its "
                                                    "declared size (a zip bomb?).",
                                                    "give the project file the tool exported."))
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise EvidenceError(problem(self.path, f"member {info.filename!r} is damaged or lies about its size "
                                        f"({exc}).", "give the project file the tool exported.")) from None
        return bytes(out)


def _unsafe_name(name: str) -> str:
    """Why a member name is unsafe ('' when it is fine)."""
    if "\x00" in name:
        return "contains a NUL character"
    if name.startswith(("/", "\\")) or (len(name) > 1 and name[1] == ":"):
        return "is an absolute path"
    if "\\" in name:
        return "uses backslashes"
    if ".." in PurePosixPath(name).parts:
        return "climbs out of the archive's folder with '..'"
    return ""


def open_archive(path: "str | Path") -> Archive:
    """Check a .qdpx and list its members; any unsafe name, link, encrypted member or bomb is refused."""
    path = Path(path)
    fix = "give the .qdpx file the other tool exported (a zip holding project.qde and sources/)."
    if not path.is_file():
        raise EvidenceError(problem(path, "does not exist or is not a file.", "check the path."))
    if not zipfile.is_zipfile(path):
        raise EvidenceError(problem(path, "is not a zip archive, so not a REFI-QDA project (.qdpx).", fix))
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise EvidenceError(problem(path, f"is a damaged zip archive ({exc}).", fix)) from None
    if len(infos) > MAX_MEMBERS:
        raise EvidenceError(problem(path, f"holds {len(infos)} members, more than the {MAX_MEMBERS} accepted.", fix))
    archive = Archive(str(path))
    total = 0
    for info in infos:
        why = _unsafe_name(info.filename)
        if why:
            raise EvidenceError(problem(path, f"member {info.filename!r} {why}; nothing was read.", fix))
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise EvidenceError(problem(path, f"member {info.filename!r} is a symbolic link; nothing was read.", fix))
        if info.flag_bits & 0x1:
            raise EvidenceError(problem(path, f"member {info.filename!r} is encrypted.", "export without a password."))
        if info.is_dir():
            continue
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        bomb = info.file_size > _CHUNK and ratio > MAX_RATIO
        if info.file_size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES or bomb:
            raise EvidenceError(problem(path, f"member {info.filename!r} would inflate to {info.file_size} bytes "
                                        f"({ratio:.0f} times its compressed size): refused as a zip bomb.", fix))
        key = info.filename.casefold()
        if key in archive.names:
            raise EvidenceError(problem(path, f"holds two members named {info.filename!r}.", fix))
        archive.names[key] = info
    if not archive.has("project.qde"):
        raise EvidenceError(problem(path, "holds no project.qde, so it is not a REFI-QDA project.", fix))
    return archive
