"""The partner API as partners' software meets it: a live `station run` with a real package and
a real token, asked by curl, by a real HTTP client library (requests) and by Schemathesis, the
property-based fuzzer that reads the OpenAPI document and checks every answer against it.

What a download manager and a generated client rely on (RFC 9110 ranges and conditions, the
document's media types and schemas, JSON errors with their headers) is asserted here on the
wire, not through Flask's test client.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from delivery import services as delivery
from delivery.models import Package
from delivery.services import ensure_specs
from production import services as production
from station.runtime import Runtime
from tests import delivery_desk as dd
from tests import media
from tests.conftest import make_settings
from tests.integration.test_worker_loss import _free_port

pytestmark = [
    pytest.mark.skipif(not media.tools_available(), reason="needs ffmpeg, ffprobe and espeak-ng"),
    pytest.mark.skipif(shutil.which("curl") is None, reason="needs curl"),
]
SEED = 20261205  # Schemathesis's examples are the same on every run (CI stays repeatable)


@dataclass
class Live:
    base: str  # http://127.0.0.1:PORT/api/v1
    token: str
    package_id: int
    archive: bytes
    archive_sha256: str
    manifest_path: str  # a payload file's path in the bag
    log: Path

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path,
         media_cache: Path) -> Iterator[Live]:
    """A built VTV4 package on a SQLite instance, served by a real `station run` process."""
    root = tmp_path_factory.mktemp("api-live")
    db_file = root / "station.db"
    shutil.copyfile(sqlite_template, db_file)
    runtime = Runtime(make_settings(root, database_url=f"sqlite:///{db_file}", language="vi"))
    with runtime.session() as session:
        production.ensure_channels(session)
        ensure_specs(session)
        session.commit()
    desk = dd.make_desk(runtime, media_cache)
    package_id = dd.build(desk)
    with runtime.session() as session:
        _row, token = delivery.create_token(session, "VTV4", "VTV4 MAM", actor=desk.admin)
        session.commit()
        package = session.get(Package, package_id)
        assert package is not None and package.archive_key
        archive = (runtime.settings.media_path / package.archive_key).read_bytes()
        manifest_path = next(f["path"] for f in package.files
                             if f["path"].endswith("manifest.json"))
    settings = runtime.settings
    runtime.dispose()
    port = _free_port()
    log = root / "run.log"
    env = {**os.environ, "STATION_INSTANCE_PATH": str(settings.instance_path),
           "STATION_DATABASE_URL": settings.sqlalchemy_url, "STATION_LANGUAGE": "vi",
           "STATION_SECRET_KEY": settings.secret_key, "STATION_MODELS_ROOT":
           str(settings.models_path), "STATION_API_RATE_LIMIT": "100000"}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "station", "run", "--no-worker",
                                 "--port", str(port)], env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{base}/openapi.json", timeout=2).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)
        yield Live(base, token, package_id, archive, hashlib.sha256(archive).hexdigest(),
                   manifest_path, log)
    finally:
        proc.terminate()
        proc.wait(15)


def curl(*args: str) -> tuple[int, dict[str, str], bytes]:
    """(status, headers in lower case, body) of one curl request."""
    done = subprocess.run(["curl", "-sS", "-D", "-", *args], capture_output=True, check=True,
                          timeout=30)
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers, body


def _download(live: Live) -> str:
    return f"{live.base}/packages/{live.package_id}/download"


# ---- ranges and conditions, by curl -------------------------------------------------------

def test_curl_resumes_a_download_and_the_pieces_make_the_file(live: Live,
                                                              tmp_path: Path) -> None:
    out = tmp_path / "package.zip"
    size = len(live.archive)
    status, headers, _ = curl("-H", f"Authorization: Bearer {live.token}", "-r", "0-999",
                              "-o", str(out), _download(live))
    assert status == 206 and headers["content-range"] == f"bytes 0-999/{size}"
    status, headers, _ = curl("-H", f"Authorization: Bearer {live.token}", "-C", "-",
                              "-o", str(out), _download(live))
    assert status == 206 and headers["content-range"] == f"bytes 1000-{size - 1}/{size}"
    assert hashlib.sha256(out.read_bytes()).hexdigest() == live.archive_sha256
    assert headers["x-checksum-sha256"] == live.archive_sha256
    assert headers["content-type"] == "application/zip"


def test_curl_cases_answer_as_rfc_9110_says(live: Live) -> None:
    auth = f"Authorization: Bearer {live.token}"
    size = len(live.archive)
    etag = f'"{live.archive_sha256}"'
    # An unknown unit, and several ranges, are ignored: the whole file.
    for header in ("Range: items=0-5", "Range: bytes=0-1,5-9"):
        status, headers, body = curl("-H", auth, "-H", header, _download(live))
        assert status == 200 and body == live.archive, header
    # Beyond the end: 416 with the size, and a JSON error in the request's language.
    status, headers, body = curl("-H", auth, "-H", f"Range: bytes={size}-",
                                 "-H", "Accept-Language: en", _download(live))
    assert status == 416 and headers["content-range"] == f"bytes */{size}"
    assert json.loads(body) == {"error": f"The requested range is outside the file ({size} "
                                         "bytes)", "status": 416}
    status, _, body = curl("-H", auth, "-H", "Range: bytes=5-1", "-H", "Accept-Language: vi",
                           _download(live))
    assert status == 416 and "nằm ngoài tệp" in json.loads(body)["error"]
    # A matching If-None-Match wins over Range: 304, no body.
    status, headers, body = curl("-H", auth, "-H", "Range: bytes=0-9",
                                 "-H", f"If-None-Match: {etag}", _download(live))
    assert (status, body, headers["etag"]) == (304, b"", etag)
    # If-Range compares strongly: a weak tag restarts the download from the beginning.
    status, _, body = curl("-H", auth, "-H", "Range: bytes=0-9", "-H", f"If-Range: W/{etag}",
                           _download(live))
    assert status == 200 and body == live.archive
    status, _, body = curl("-H", auth, "-H", "Range: bytes=0-9", "-H", f"If-Range: {etag}",
                           _download(live))
    assert status == 206 and body == live.archive[:10]
    # A failed If-Match: 412 and nothing else.
    status, _, body = curl("-H", auth, "-H", 'If-Match: "another"', _download(live))
    assert (status, body) == (412, b"")
    # If-Unmodified-Since before the file was written: 412; after: the file.
    status, _, body = curl("-H", auth, "-H", "If-Unmodified-Since: Mon, 01 Jan 2001 00:00:00 "
                           "GMT", _download(live))
    assert (status, body) == (412, b"")
    status, _, body = curl("-H", auth, "-H", "If-Unmodified-Since: Fri, 01 Jan 2100 00:00:00 "
                           "GMT", _download(live))
    assert status == 200 and body == live.archive


def test_curl_errors_keep_their_headers_and_paths_are_exact(live: Live) -> None:
    auth = f"Authorization: Bearer {live.token}"
    status, headers, body = curl("-X", "DELETE", "-H", auth, "-H", "Accept-Language: vi",
                                 f"{live.base}/packages")
    assert status == 405 and set(headers["allow"].replace(" ", "").split(",")) == {
        "GET", "HEAD", "OPTIONS"}
    assert json.loads(body)["error"].startswith("Địa chỉ này không nhận yêu cầu DELETE")
    # No HTML redirect page for a doubled slash, no package 1 from a full-width digit, no
    # integer overflow from a huge id: each is the API's JSON 404.
    for path in ("//packages", f"/packages/{chr(0xFF11)}", "/packages/9223372036854775808",
                 "/packages/9223372036854775808/manifest",
                 "/packages/9223372036854775808/download",
                 "/packages/9223372036854775808/files/data/manifest.json"):
        status, headers, body = curl("-H", auth, f"{live.base}{path}")
        assert status == 404 and headers["content-type"] == "application/json", path
        assert json.loads(body)["status"] == 404
    # Without a token: 401 with the challenge and the rate-limit headers the document promises.
    status, headers, body = curl(f"{live.base}/packages")
    assert status == 401 and headers["www-authenticate"] == 'Bearer realm="station"'
    assert int(headers["x-ratelimit-limit"]) == 100000
    assert int(headers["x-ratelimit-remaining"]) < 100000


# ---- the same, through a client library ---------------------------------------------------

def test_requests_client_resumes_with_if_range_and_checks_the_digest(live: Live) -> None:
    with requests.Session() as http:
        http.headers.update(live.auth)
        head = http.head(_download(live), timeout=10)
        assert head.status_code == 200 and int(head.headers["Content-Length"]) == len(
            live.archive)
        etag = head.headers["ETag"]
        first = http.get(_download(live), headers={"Range": "bytes=0-4095"}, timeout=10)
        rest = http.get(_download(live), headers={"Range": "bytes=4096-", "If-Range": etag},
                        timeout=10)
        assert (first.status_code, rest.status_code) == (206, 206)
        whole = first.content + rest.content
        assert hashlib.sha256(whole).hexdigest() == head.headers["X-Checksum-SHA256"]
        again = http.get(_download(live), headers={"If-None-Match": etag}, timeout=10)
        assert again.status_code == 304 and again.content == b""
        stale = http.get(_download(live), headers={"If-Modified-Since": head.headers[
            "Last-Modified"]}, timeout=10)
        assert stale.status_code == 304
        manifest = http.get(f"{live.base}/packages/{live.package_id}/files/"
                            f"{live.manifest_path}", timeout=10)
        assert manifest.status_code == 200
        assert manifest.headers["Content-Type"].startswith("application/json")


def test_since_is_an_rfc_3339_time_in_the_supported_years(live: Live) -> None:
    def since(value: str) -> requests.Response:
        return requests.get(f"{live.base}/packages", params={"since": value},
                            headers={**live.auth, "Accept-Language": "en"}, timeout=10)

    for ok in ("2000-01-01T00:00:00Z", "2000-01-01T07:00:00+07:00", "1998-12-31T23:59:60Z",
               "2000-01-01t00:00:00.123456789z"):
        answer = since(ok)
        assert answer.status_code == 200 and [p["id"] for p in answer.json()["packages"]] == [
            live.package_id], ok
    assert since("2999-12-31T00:00:00Z").json()["packages"] == []
    for bad in ("9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00Z", "", " ",
                "2026-11-01T00:00:00", "2026-11-01", "yesterday", "２０２６-11-01T00:00:00Z",
                "2026-02-30T00:00:00Z", "2026-11-01T00:00:00+24:00"):
        answer = since(bad)
        assert answer.status_code == 400, bad
        assert (answer.json()["status"] == 400 and "RFC 3339" in answer.json()["error"]) or \
            "between" in answer.json()["error"], (bad, answer.text)


# ---- the document, fuzzed ----------------------------------------------------------------

def test_schemathesis_finds_nothing(live: Live, tmp_path: Path) -> None:
    """Every operation, all checks, the stateful phase (links from the list to a package,
    its manifest, its files), a bounded number of examples and a fixed seed."""
    report = tmp_path / "report"
    done = subprocess.run(
        [str(Path(sys.executable).with_name("st")), "run", f"{live.base}/openapi.json",
         "--checks", "all", "--phases", "examples,coverage,fuzzing,stateful",
         "--max-examples", "100", "--seed", str(SEED), "--workers", "1",
         "--header", f"Authorization: Bearer {live.token}", "--request-timeout", "20",
         "--report", "junit", "--report-dir", str(report), "--no-color"],
        capture_output=True, text=True, timeout=600, env={**os.environ, "NO_COLOR": "1"},
        cwd=tmp_path)  # its .schemathesis cache stays out of the repository
    summary = done.stdout[-12000:]
    assert done.returncode == 0, summary + done.stderr[-3000:] + live.log.read_text()[-3000:]
    assert "passed" in summary.lower()
