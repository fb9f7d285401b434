"""The social clips page as an editor uses it: the report's player and the form, a clip
asked for and rendered, its files downloaded (resumable), and every refusal shown as a
message on the page (in Vietnamese, the staff's language) with the input kept, never a 500."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from publishing import services as publishing
from publishing.models import SocialClip
from station.jobs import JobRun, discard_pending, execute, load_handlers
from station.runtime import Runtime
from tests import media
from tests.conftest import csrf_token
from tests.delivery_desk import PASSWORD, Desk, add_track
from tests.integration.test_social_clips_desk import approved_desk

pytestmark = pytest.mark.skipif(not media.tools_available(), reason="ffmpeg/espeak-ng missing")


@pytest.fixture
def desk(runtime: Runtime, media_cache: Path) -> Desk:
    desk = approved_desk(runtime, media_cache, languages=("vi", "en"))
    add_track(desk, "fr", approve=False)
    load_handlers()  # the tests run the clip's job here, as a worker would
    return desk


def _login(app: Any, username: str) -> Any:
    client = app.test_client()
    page = client.get("/login")
    response = client.post("/login", data={"username": username, "password": PASSWORD,
                                           "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302
    return client


def _error(desk: Desk, job_id: int) -> str | None:
    with desk.runtime.session() as session:
        job = session.get(JobRun, job_id)
        return job.error if job else None


def _post(client: Any, report_id: int, **fields: Any) -> Any:
    page = client.get(f"/reports/{report_id}/clips")
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "in": "0.5", "out": "3.5",
            "language": "vi", "title": "Hoa đào", "aspect": ["9:16", "1:1"], **fields}
    return client.post(f"/reports/{report_id}/clips", data=data)


def test_the_page_offers_the_player_and_only_approved_languages(app: Any, desk: Desk) -> None:
    client = _login(app, "editor")
    report_page = client.get(f"/reports/{desk.report_id}").get_data(as_text=True)
    assert f'href="/reports/{desk.report_id}/clips"' in report_page
    page = client.get(f"/reports/{desk.report_id}/clips")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="clip-player"' in html and 'id="set-in"' in html and 'id="set-out"' in html
    options = html[html.index('id="clip-language"'):html.index("</select>",
                                                                html.index('id="clip-language"'))]
    assert 'value="vi"' in options and 'value="en"' in options and 'value="fr"' not in options
    assert f'value="{desk.title}"' in html  # the title card defaults to the report's title
    script = client.get("/reports/clips.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert "currentTime" in script.get_data(as_text=True)


def test_a_clip_is_asked_for_rendered_and_downloaded(app: Any, desk: Desk) -> None:
    client = _login(app, "editor")
    answer = _post(client, desk.report_id, aspect=["1:1"])
    assert answer.status_code == 302
    with desk.runtime.session() as session:
        clip = session.query(SocialClip).one()
        clip_id, job_id = clip.id, clip.job_id
    html = client.get(f"/reports/{desk.report_id}/clips").get_data(as_text=True)
    assert f'data-job-id="{job_id}" data-active="true"' in html  # jobs.js follows it
    report_page = client.get(f"/reports/{desk.report_id}").get_data(as_text=True)
    assert f'data-job-id="{job_id}"' in report_page and "Dựng clip mạng xã hội" in report_page
    assert execute(desk.runtime, job_id) == "succeeded", _error(desk, job_id)
    html = client.get(f"/reports/{desk.report_id}/clips").get_data(as_text=True)
    link = f"/clips/{clip_id}/1x1.mp4"
    assert link in html and "00:00:00.500 – 00:00:03.500" in html
    whole = client.get(link)
    assert whole.status_code == 200 and whole.mimetype == "video/mp4"
    assert "hoa-dao_1x1.mp4" in whole.headers["Content-Disposition"]
    body = whole.get_data()
    part = client.get(link, headers={"Range": "bytes=100-199"})
    assert part.status_code == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(body)}"
    assert part.get_data() == body[100:200]
    whole.close()
    part.close()


REFUSALS: list[tuple[dict[str, Any], str]] = [
    ({"in": "0", "out": "1:35"}, "Một clip mạng xã hội dài tối đa 90 giây; clip này dài 95 giây"),
    ({"in": "3", "out": "2"}, "Điểm ra (00:00:02.000) phải sau điểm vào (00:00:03.000)"),
    ({"in": "1", "out": "00:00:05.000"}, "vượt quá cuối media của tin bài (00:00:04.000)"),
    ({"in": "1:75"}, "Giá trị điểm vào “1:75”: số giây phải dưới 60"),
    ({"language": "fr"}, "Không thể in phụ đề fr vào clip: "),
    ({"aspect": []}, "Hãy chọn ít nhất một khổ hình: 9:16, 1:1"),
]


def test_refusals_are_messages_with_the_input_kept(app: Any, desk: Desk) -> None:
    # One report for every case (its ingest is the costly part); each refusal saves nothing.
    client = _login(app, "editor")
    for fields, message in REFUSALS:
        answer = _post(client, desk.report_id, **fields)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 400, fields
        assert 'id="clip-error"' in html and message in html, fields
        typed_in = fields.get("in", "0.5")
        assert f'value="{typed_in}"' in html and 'value="Hoa đào"' in html, fields
    with desk.runtime.session() as session:
        assert session.query(SocialClip).count() == 0


def test_a_withdrawn_clip_download_is_a_410_page(app: Any, desk: Desk) -> None:
    client = _login(app, "editor")
    assert _post(client, desk.report_id, aspect=["1:1"], language="").status_code == 302
    with desk.runtime.session() as session:
        clip = session.query(SocialClip).one()
        clip_id, job_id = clip.id, clip.job_id
    assert execute(desk.runtime, job_id) == "succeeded"
    with desk.runtime.session() as session:
        publishing.publish(session, desk.report_id, publishing.PublishInput(),
                           actor=desk.editor)
        publishing.unpublish(session, desk.report_id, actor=desk.editor)
        discard_pending(session)
        session.commit()
    answer = client.get(f"/clips/{clip_id}/1x1.mp4")
    assert answer.status_code == 410
    assert (f"Clip mạng xã hội #{clip_id} đã bị gỡ cùng tin bài: không thể tải xuống nữa"
            in answer.get_data(as_text=True))
    html = client.get(f"/reports/{desk.report_id}/clips").get_data(as_text=True)
    assert f"/clips/{clip_id}/1x1.mp4" not in html and "Đã gỡ cùng tin bài" in html


def test_a_translator_sees_the_clips_but_cannot_make_one(app: Any, desk: Desk,
                                                         make_user: Any) -> None:
    make_user("translator", username="dich")
    client = _login(app, "dich")
    html = client.get(f"/reports/{desk.report_id}/clips").get_data(as_text=True)
    assert 'id="clip-list"' in html and 'id="clip-form"' not in html
    page = client.get(f"/reports/{desk.report_id}").get_data(as_text=True)
    answer = client.post(f"/reports/{desk.report_id}/clips",
                         data={"csrf_token": csrf_token(page), "in": "0", "out": "2"})
    assert answer.status_code == 403
