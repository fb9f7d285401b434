"""Request size limits per route and bounded text (issue 12 item 2): JSON calls small, cue text
bounded by the track's rules, imports refused while reading, the master upload still big."""

from __future__ import annotations

import html
import io
import re
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from schedule import services as schedule_services
from station.runtime import Runtime
from subtitles import editing, review, services
from subtitles.models import CueComment, CueRow, Track
from tests.conftest import csrf_token, login
from web import limits

SRT_VI = ("1\n00:00:01,000 --> 00:00:04,000\nChào mừng quý vị đến với Lai Châu\n\n"
          "2\n00:00:05,000 --> 00:00:08,000\nĐây là ruộng bậc thang Mường Tè\n\n")


class CountingStream(io.BytesIO):
    """A request body that counts how many of its bytes the server read."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.served = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.served += len(chunk)
        return chunk

    def readline(self, size: int | None = -1) -> bytes:
        line = super().readline(size)
        self.served += len(line)
        return line

    def readinto(self, buffer: Any) -> int:
        n = super().readinto(buffer)
        self.served += n
        return n


@pytest.fixture
def track(runtime: Runtime, make_user, make_report) -> dict:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor, "Lai Châu", channel_codes=["VTV4"])
    with runtime.session() as session:
        vi, _ = services.import_track(session, report.id, "vi", SRT_VI.encode(), "a.srt",
                                      actor=editor)
        session.commit()
        return {"id": vi.id, "cue": vi.cues[0].id, "report": report.id, "editor": editor}


def _token(client) -> str:  # type: ignore[no-untyped-def]
    return csrf_token(client.get("/translate").get_data(as_text=True))


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def _page(client, path: str) -> str:  # type: ignore[no-untyped-def]
    """The page without its CSRF token, which is signed with the current second."""
    return re.sub(r'name="csrf-token" content="[^"]*"', "",
                  client.get(path).get_data(as_text=True))


def _cue_text(runtime: Runtime, cue_id: int) -> str:
    with runtime.session() as session:
        row = session.get(CueRow, cue_id)
        assert row is not None
        return row.text


def test_json_body_over_the_limit_is_413_and_nothing_is_stored(client, track, runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, track["editor"].username)
    report_before = _page(client, f"/tracks/{track['id']}/review.html")
    body = '{"version": 1, "text": "' + "x" * 100_000 + '"}'
    response = client.patch(f"/api/cues/{track['cue']}", data=body, headers={
        "X-CSRFToken": _token(client), "Content-Type": "application/json",
        "Accept": "application/json"})
    assert response.status_code == 413
    assert response.get_json()["error"] == (
        "Yêu cầu vượt giới hạn 64.0 KB của thao tác này; chưa lưu gì")
    assert _cue_text(runtime, track["cue"]) == "Chào mừng quý vị đến với Lai Châu"
    assert _page(client, f"/tracks/{track['id']}/review.html") == report_before
    # A normal save still goes through under the limit.
    ok = client.patch(f"/api/cues/{track['cue']}", json={"version": 1, "text": "Xin chào"},
                      headers={"X-CSRFToken": _token(client), "Accept": "application/json"})
    assert ok.status_code == 200


def test_cue_text_over_the_rules_bound_is_400(client, track, runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, track["editor"].username)
    # VTV4's rules (2 lines of 42): bound 2 x 42 x 4 = 336, so the floor of 500 applies.
    response = client.patch(f"/api/cues/{track['cue']}", json={"version": 1, "text": "a" * 501},
                            headers={"X-CSRFToken": _token(client),
                                     "Accept": "application/json"})
    assert response.status_code == 400
    assert response.get_json()["error"] == (
        "Nội dung một phụ đề tối đa 500 ký tự (quy tắc của phụ đề này: 2 dòng, mỗi dòng "
        "42 ký tự); phụ đề này có 501")
    assert _cue_text(runtime, track["cue"]) == "Chào mừng quý vị đến với Lai Châu"
    fits = client.patch(f"/api/cues/{track['cue']}", json={"version": 1, "text": "a" * 500},
                        headers={"X-CSRFToken": _token(client), "Accept": "application/json"})
    assert fits.status_code == 200  # over the rules is QC's business, not a refusal


def test_the_bound_is_a_domain_rule(runtime, track) -> None:  # type: ignore[no-untyped-def]
    from station.errors import ValidationError

    with runtime.session() as session:
        with pytest.raises(ValidationError, match="at most 500 characters"):
            editing.edit_cue(session, track["cue"], actor=track["editor"], version=1,
                              text="b" * 10_000)
        with pytest.raises(ValidationError, match="at most 500 characters"):
            editing.split_cue(session, track["cue"], actor=track["editor"], version=1,
                               at_ms=2000, left_text="c" * 600, right_text="ok")
        with pytest.raises(ValidationError, match="at most 2000 characters; this one has 2001"):
            review.comment(session, track["cue"], "d" * 2001, actor=track["editor"])
        assert session.query(CueComment).count() == 0


def test_comment_over_the_bound_through_the_api(client, track) -> None:  # type: ignore[no-untyped-def]
    login(client, track["editor"].username)
    response = client.post(f"/api/cues/{track['cue']}/comments", json={"text": "d" * 2001},
                           headers={"X-CSRFToken": _token(client),
                                    "Accept": "application/json"})
    assert response.status_code == 400
    assert "Nhận xét tối đa 2000 ký tự" in response.get_json()["error"]


def _import_body(size: int, token: str) -> tuple[bytes, str]:
    boundary, data = encode_multipart({
        "language": "en", "csrf_token": token,
        "file": FileStorage(io.BytesIO(b"1\n" + b"x" * (size - 2)), "big.srt")})
    return data, f"multipart/form-data; boundary={boundary}"


def test_subtitle_import_of_6_mb_is_refused_before_it_is_read(client, track, runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, track["editor"].username)
    data, content_type = _import_body(6_000_000, _token(client))
    body = CountingStream(data)
    response = client.post(f"/reports/{track['report']}/tracks", input_stream=body,
                           content_type=content_type, content_length=len(data))
    assert response.status_code == 413
    assert "Tệp nặng > 5.0 MB, vượt giới hạn 5.0 MB" in _text(response)
    assert body.served == 0  # the declared length was enough to refuse
    with runtime.session() as session:
        assert session.query(Track).count() == 1


def test_streamed_subtitle_import_stops_reading_at_the_limit(client, track, runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, track["editor"].username)
    data, content_type = _import_body(6_000_000, _token(client))
    body = CountingStream(data)
    # No Content-Length (a chunked upload): the limit is enforced while reading.
    response = client.post(f"/reports/{track['report']}/tracks", input_stream=body,
                           content_type=content_type,
                           environ_overrides={"wsgi.input_terminated": True,
                                              "CONTENT_LENGTH": ""})
    assert response.status_code == 413
    assert "vượt giới hạn 5.0 MB" in _text(response)
    assert body.served <= services.MAX_SUBTITLE_BYTES + limits.FORM_SLACK + 2 * limits.CHUNK
    assert body.served < len(data)
    with runtime.session() as session:
        assert session.query(Track).count() == 1


def test_subtitle_file_just_over_5_mb_inside_the_form_slack_is_refused(client, track,  # type: ignore[no-untyped-def]
                                                                      runtime) -> None:
    login(client, track["editor"].username)
    response = client.post(f"/reports/{track['report']}/tracks", data={
        "language": "en", "csrf_token": _token(client),
        "file": (io.BytesIO(b"x" * (services.MAX_SUBTITLE_BYTES + 10_000)), "big.srt")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "Tệp nặng > 5.0 MB, vượt giới hạn 5.0 MB" in _text(response)
    with runtime.session() as session:
        assert session.query(Track).count() == 1


def test_read_upload_stops_after_the_limit() -> None:
    from station.errors import TooLarge

    stream = CountingStream(b"y" * 1_000_000)
    with pytest.raises(TooLarge):
        limits.read_upload(FileStorage(stream, "a.srt"), 100_000)
    assert stream.served <= 100_000 + limits.CHUNK
    assert limits.read_upload(FileStorage(io.BytesIO(b"ok"), "a.srt"), 100_000) == b"ok"


def test_asrun_upload_over_its_limit_is_refused(client, make_user) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    login(client, editor.username)
    token = csrf_token(client.get("/schedule/LCTV").get_data(as_text=True))
    big = b"start,duration,title\n" + b"x" * schedule_services.MAX_AS_RUN_BYTES
    over = client.post("/schedule/LCTV/asrun", data={
        "csrf_token": token, "file": (io.BytesIO(big), "asrun.csv")},
        content_type="multipart/form-data", follow_redirects=True)
    assert "vượt giới hạn 2.0 MB" in _text(over)
    # Bytes in memory (the test client leaves its own temp file open on an unread body).
    boundary, body = encode_multipart({
        "csrf_token": token, "file": FileStorage(io.BytesIO(big * 2), "asrun.csv")})
    far_over = client.post("/schedule/LCTV/asrun", data=body,
                           content_type=f"multipart/form-data; boundary={boundary}")
    assert far_over.status_code == 413
    assert "Tệp nặng > 2.0 MB, vượt giới hạn 2.0 MB" in _text(far_over)


def test_master_upload_still_takes_a_big_body(client, make_user, make_report, runtime) -> None:  # type: ignore[no-untyped-def]
    editor = make_user("editor")
    report = make_report(editor)
    login(client, editor.username)
    size = limits.FORM_BODY_MAX + 1_000_000  # over every limit but the upload's
    response = client.post(f"/reports/{report.id}/upload", data=b"\0" * size, headers={
        "X-CSRFToken": _token(client), "X-Requested-With": "XMLHttpRequest",
        "X-File-Name": "clip.mp4", "Content-Type": "application/octet-stream",
        "Accept": "application/json"})
    assert response.status_code == 202, response.get_data(as_text=True)
    stored = list(runtime.settings.upload_path.iterdir())
    assert [p.stat().st_size for p in stored] == [size]
