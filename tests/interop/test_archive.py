"""Reading a .qdpx safely: every unsafe archive is refused with one message, and nothing is read from it."""
import stat
import zipfile

import pytest

from refi_fixtures import make_zip
from workbook.core.errors import EvidenceError
from workbook.interop.archive import MAX_RATIO, open_archive

QDE = '<Project xmlns="urn:QDA-XML:project:1.0" name="p"/>'


def refused(path) -> str:
    with pytest.raises(EvidenceError) as info:
        open_archive(path)
    assert len(info.value.problems) == 1
    return str(info.value)


def test_a_good_archive_lists_its_members_case_insensitively(tmp_path):
    arc = open_archive(make_zip(tmp_path / "p.qdpx", {"project.qde": QDE, "Sources/A.txt": "text"}))
    assert arc.has("sources/a.txt") and arc.read("project.qde") == QDE.encode()


@pytest.mark.parametrize("name", ["../evil.txt", "sources/../../evil.txt", "/etc/passwd", "C:/x.txt", "a\\..\\b.txt"])
def test_names_escaping_the_folder_are_refused(tmp_path, name):
    message = refused(make_zip(tmp_path / "p.qdpx", {"project.qde": QDE, name: "x"}))
    assert repr(name) in message and "Fix:" in message


def test_a_file_that_is_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "p.qdpx"
    path.write_text("<Project/>")
    assert "is not a zip archive" in refused(path)


def test_a_zip_bomb_is_refused_before_inflating(tmp_path):
    path = tmp_path / "bomb.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", QDE)
        zf.writestr("sources/big.txt", b"\0" * (8 * 1024 * 1024))  # 8 MB of zeros compress about 1000 times
    assert zipfile.ZipFile(path).getinfo("sources/big.txt").compress_size * MAX_RATIO < 8 * 1024 * 1024
    assert "zip bomb" in refused(path)


def test_a_member_lying_about_its_size_is_stopped_while_reading(tmp_path):
    path = make_zip(tmp_path / "p.qdpx", {"project.qde": QDE, "sources/a.txt": "x" * 5000})
    arc = open_archive(path)
    arc.names["sources/a.txt"].file_size = 10  # a header that understates the member
    with pytest.raises(EvidenceError, match="lies about its size|inflates beyond"):
        arc.read("sources/a.txt")


def test_a_symbolic_link_is_refused(tmp_path):
    path = tmp_path / "link.qdpx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", QDE)
        info = zipfile.ZipInfo("sources/a.txt")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    assert "symbolic link" in refused(path)


def test_an_archive_without_project_qde_is_refused(tmp_path):
    assert "no project.qde" in refused(make_zip(tmp_path / "p.qdpx", {"sources/a.txt": "x"}))
