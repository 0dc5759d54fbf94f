"""Taguette, a real REFI-QDA client: its codebook export reads back with every code, and the workbook's
codebook survives a trip through Taguette (its CSV import, then its .qdc export).

Taguette runs in its own virtual environment (cached per version under the user cache directory), on the
loopback address, driven through its web API as its browser pages drive it. Where Taguette cannot be
installed the tests skip saying why (in CI, with CI set, they fail instead).
"""
from __future__ import annotations

import csv
import html.parser
import http.cookiejar
import io
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

from workbook.interop.codebook import framework_codebook, qdc_bytes, read_qdc
from workbook.interop.mapping import resolve

pytestmark = pytest.mark.slow
TAGUETTE_VERSION = "1.5.2"


def _venv_dir() -> Path:
    """Where the Taguette environment is kept between runs (keyed by Taguette and Python versions)."""
    from platformdirs import user_cache_dir

    base = Path(os.environ.get("WORKBOOK_TEST_TOOLS") or user_cache_dir("integrated-care-workbook-tests"))
    return base / f"taguette-{TAGUETTE_VERSION}-py{sys.version_info.major}.{sys.version_info.minor}"


def _unavailable(reason: str) -> None:
    """Skip (locally) or fail (in CI) because Taguette cannot be installed here."""
    message = f"Taguette {TAGUETTE_VERSION} cannot be installed here: {reason}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="module")
def taguette_bin() -> Path:
    """The taguette executable of a private virtual environment, created on first use."""
    import shutil

    venv = _venv_dir()
    exe, done_marker = venv / "bin" / "taguette", venv / ".installed"
    if exe.exists() and done_marker.exists():
        return exe
    shutil.rmtree(venv, ignore_errors=True)  # a half-made environment is never taken for a finished one
    venv.parent.mkdir(parents=True, exist_ok=True)
    try:
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, capture_output=True, timeout=300)
        done = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q",
                               f"taguette=={TAGUETTE_VERSION}"], capture_output=True, text=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        _unavailable(f"creating its virtual environment failed ({exc})")
    if done.returncode != 0 or not exe.exists():
        _unavailable("pip install failed: " + (done.stderr.strip().splitlines() or ["no message"])[-1])
    done_marker.write_text(TAGUETTE_VERSION)
    return exe


class Taguette:
    """A running Taguette server and a logged-in session with it (cookies and XSRF token, as a browser)."""

    def __init__(self, exe: Path, workdir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.base = f"http://127.0.0.1:{port}"
        env = {**os.environ, "HOME": str(workdir)}
        self.process = subprocess.Popen([str(exe), "--no-browser", "-b", "127.0.0.1", "-p", str(port),
                                         "--database", str(workdir / "taguette.sqlite3")],
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        token = self._wait_for_token()
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        self.get(f"/?token={token}")
        self.get("/project/new")  # sets the _xsrf cookie

    def _wait_for_token(self) -> str:
        """Read Taguette's output until it prints its login link, and return the link's token."""
        deadline = time.monotonic() + 120
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line and self.process.poll() is not None:
                break
            seen.append(line)
            found = re.search(r"\?token=([0-9a-f]+)", line)
            if found:
                return found.group(1)
        self.stop()
        raise AssertionError("Taguette printed no login link:\n" + "".join(seen[-20:]))

    @property
    def xsrf(self) -> str:
        return next(c.value for c in self.jar if c.name == "_xsrf")

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=60) as response:
            return response.read()

    def post_form(self, path: str, fields: "list[tuple[str, str]]") -> tuple[str, bytes]:
        data = urllib.parse.urlencode([*fields, ("_xsrf", self.xsrf)]).encode()
        with self.opener.open(self.base + path, data, timeout=60) as response:
            return response.geturl(), response.read()

    def post_json(self, path: str, obj: dict) -> dict:
        request = urllib.request.Request(f"{self.base}{path}?_xsrf={self.xsrf}", json.dumps(obj).encode(),
                                         {"Content-Type": "application/json"})
        with self.opener.open(request, timeout=60) as response:
            return json.loads(response.read())

    def post_file(self, path: str, field: str, name: str, data: bytes) -> bytes:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"_xsrf\"\r\n\r\n{self.xsrf}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
                f"Content-Type: text/csv\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(self.base + path, body,
                                         {"Content-Type": f"multipart/form-data; boundary={boundary}"})
        with self.opener.open(request, timeout=60) as response:
            return response.read()

    def new_project(self, name: str) -> int:
        url, _ = self.post_form("/project/new", [("name", name), ("description", "")])
        return int(url.rstrip("/").rsplit("/", 1)[1])

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="module")
def taguette(taguette_bin: Path, tmp_path_factory: pytest.TempPathFactory):
    server = Taguette(taguette_bin, tmp_path_factory.mktemp("taguette"))
    try:
        yield server
    finally:
        server.stop()


class _FormInputs(html.parser.HTMLParser):
    """The named inputs a browser would submit from a page (checkboxes only when checked)."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: "list[tuple[str, str | None]]") -> None:
        a = dict(attrs)
        if tag != "input" or not a.get("name") or a["name"] == "_xsrf" or "disabled" in a:
            return
        if a.get("type") == "checkbox":
            if "checked" in a:
                self.fields.append((a["name"], a.get("value") or "on"))
        elif a.get("type") != "submit":
            self.fields.append((a["name"], a.get("value") or ""))


def _run_import_qdc(path: Path) -> str:
    """`workbook import-qdc FILE` as a user runs it; its output."""
    done = subprocess.run([sys.executable, "-m", "workbook", "import-qdc", str(path)], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_taguettes_own_codebook_is_read_with_every_code(taguette, tmp_path):
    pid = taguette.new_project("tags made in Taguette")
    made = {"Leadership": "Who led the change", "people/staff": "", "people/patients": "Service users",
            "places/coastal/towns": "", "Barrier": ""}
    for path, description in made.items():
        assert "id" in taguette.post_json(f"/api/project/{pid}/tag/new", {"path": path, "description": description})
    qdc = taguette.get(f"/project/{pid}/export/codebook.qdc")
    assert b"<Sets/>" in qdc  # what Taguette 1.5.2 writes, and the schema refuses
    path = tmp_path / "taguette.qdc"
    path.write_bytes(qdc)
    book = read_qdc(path)
    paths = {c.path for c in book.walk() if c.codable}
    assert paths == set(made) | {"interesting"}  # every tag, with Taguette's default one
    out = _run_import_qdc(path)
    for name in ("staff", "patients", "towns", "interesting"):
        assert re.search(rf"^\s+{name} ", out, re.M), out
    assert "Leadership -> dimension leadership" in out and "Barrier -> polarity barrier" in out
    assert "tolerated: 1 empty container element(s) (such as <Sets/>)" in out


def test_the_workbook_codebook_survives_a_trip_through_taguette(taguette, framework, tmp_path):
    ours = tmp_path / "workbook.qdc"
    ours.write_bytes(qdc_bytes(framework_codebook(framework)))
    book = read_qdc(ours)
    rows = io.StringIO()
    writer = csv.writer(rows)
    writer.writerow(["path", "description"])
    for code in book.walk():
        writer.writerow([code.path, code.description])
    pid = taguette.new_project("workbook codebook")
    page = taguette.post_file(f"/project/{pid}/import_codebook", "file", "codebook.csv", rows.getvalue().encode())
    form = _FormInputs()
    form.feed(page.decode("utf-8"))
    assert sum(1 for name, _ in form.fields if name.endswith("-path")) == len(book.walk())
    taguette.post_form(f"/project/{pid}/import_codebook", form.fields)
    back = tmp_path / "back.qdc"
    back.write_bytes(taguette.get(f"/project/{pid}/export/codebook.qdc"))
    returned = read_qdc(back)
    assert {c.path for c in book.walk()} <= {c.path for c in returned.walk()}
    mine = resolve(book, framework)
    theirs = resolve(returned, framework)
    assert sorted(map(str, theirs.targets.values())) == sorted(map(str, mine.targets.values()))
    assert [c.path for c in theirs.unmapped] == ["interesting"]  # only Taguette's default tag has no meaning here
    out = _run_import_qdc(back)
    assert out.count("-> dimension ") == len(framework.dimensions)
    assert out.count("-> requirement ") == len(framework.requirements)
    assert out.count("-> polarity ") == 3
