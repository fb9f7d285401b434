"""The partner portal and the partner API as their users (and attackers) use them: only their
own channel's packages, resumable downloads with checksums, every download logged, tokens
hashed/expiring/revocable, rate limits, CSRF on every form, no internal page for a partner."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from delivery import services as delivery
from delivery.models import ApiToken, Package, PackageDownload
from station import tokens
from station.runtime import Runtime
from tests import delivery_desk as dd
from tests import media
from tests.conftest import csrf_token

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")


@pytest.fixture
def built(runtime: Runtime, media_cache: Path) -> tuple[dd.Desk, Package]:
    desk = dd.make_desk(runtime, media_cache)
    package_id = dd.build(desk)
    with runtime.session() as session:
        row = session.get(Package, package_id)
        assert row is not None
        session.expunge(row)
    return desk, row


@pytest.fixture
def web(app: Any, built: tuple[dd.Desk, Package]) -> Iterator[dict[str, Any]]:
    desk, package = built
    yield {"app": app, "desk": desk, "package": package}


def fetch(client: Any, path: str, **kwargs: Any) -> Any:
    """GET and read the whole body, closing the file a download streams from."""
    with client.get(path, **kwargs) as response:
        response.get_data()
    return response


def _login(app: Any, username: str) -> Any:
    client = app.test_client()
    page = fetch(client, "/login")
    response = client.post("/login", data={"username": username, "password": dd.PASSWORD,
                                           "csrf_token": csrf_token(page.get_data(as_text=True))})
    assert response.status_code == 302, response.get_data(as_text=True)
    return client


def _token(runtime: Runtime, desk: dd.Desk, channel: str = "VTV4", **kw: Any) -> str:
    with runtime.session() as session:
        _row, secret = delivery.create_token(session, channel, f"{channel} MAM", actor=desk.admin,
                                             **kw)
        session.commit()
    return secret


def _archive(runtime: Runtime, package: Package) -> bytes:
    assert package.archive_key
    return (runtime.settings.media_path / package.archive_key).read_bytes()


def test_partner_sees_lists_previews_and_downloads_own_package(web: dict[str, Any],
                                                              runtime: Runtime) -> None:
    package: Package = web["package"]
    client = _login(web["app"], "vtv4")
    home = fetch(client, "/partner/")
    html = home.get_data(as_text=True)
    assert home.status_code == 200
    assert package.name in html and "Mùa hoa đào" in html and "Mới" in html  # not taken yet

    page = fetch(client, f"/partner/packages/{package.id}").get_data(as_text=True)
    assert package.sha256 in page and 'srclang="en"' in page and 'srclang="vi"' in page
    vtt = fetch(client, f"/partner/packages/{package.id}/captions/en.vtt")
    assert vtt.mimetype == "text/vtt" and "Peach blossom season" in vtt.get_data(as_text=True)
    preview = fetch(client, f"/partner/packages/{package.id}/preview",
                    headers={"Range": "bytes=0-99"})
    assert preview.status_code == 206 and len(preview.data) == 100

    whole = fetch(client, f"/partner/packages/{package.id}/download")
    assert whole.status_code == 200
    assert hashlib.sha256(whole.data).hexdigest() == package.sha256
    assert whole.headers["X-Checksum-SHA256"] == package.sha256
    assert "attachment" in whole.headers["Content-Disposition"]
    # Resume after a cut: the rest from byte 1000, and the pieces make the file.
    rest = fetch(client, f"/partner/packages/{package.id}/download",
                      headers={"Range": "bytes=1000-", "If-Range": whole.headers["ETag"]})
    assert rest.status_code == 206
    assert whole.data[:1000] + rest.data == _archive(runtime, package)
    bad_range = fetch(client, f"/partner/packages/{package.id}/download",
                           headers={"Range": f"bytes={len(whole.data) + 10}-"})
    assert bad_range.status_code == 416

    one = package.files[0]["path"]
    single = fetch(client, f"/partner/packages/{package.id}/files/{one}")
    assert hashlib.sha256(single.data).hexdigest() == package.files[0]["sha256"]

    with runtime.session() as session:
        rows = session.execute(select(PackageDownload.path, PackageDownload.range_start,
                                      PackageDownload.bytes, PackageDownload.user_id)
                               .order_by(PackageDownload.id)).all()
    archive = f"{package.name}.zip"
    assert [(r[0], r[1]) for r in rows] == [(archive, 0), (archive, 1000), (one, 0)]
    assert rows[1][2] == len(rest.data) and all(r[3] is not None for r in rows)
    history = fetch(client, "/partner/downloads").get_data(as_text=True)
    assert history.count(archive) >= 2
    assert "Mới" not in fetch(client, "/partner/").get_data(as_text=True)


def test_staff_opening_a_package_are_not_the_partners_downloads(web: dict[str, Any],
                                                                runtime: Runtime) -> None:
    package: Package = web["package"]
    archive = f"{package.name}.zip"
    one = package.files[0]["path"]
    for username in ("editor", "admin"):
        staff = _login(web["app"], username)
        whole = fetch(staff, f"/partner/packages/{package.id}/download")
        assert whole.status_code == 200  # served, to check it...
        assert hashlib.sha256(whole.data).hexdigest() == package.sha256
        assert fetch(staff, f"/partner/packages/{package.id}/files/{one}").status_code == 200
    with runtime.session() as session:  # ...but not counted as the partner's download
        assert session.scalars(select(PackageDownload)).all() == []
    partner = _login(web["app"], "vtv4")
    assert "Mới" in fetch(partner, "/partner/").get_data(as_text=True)  # still new to VTV4
    assert archive not in fetch(partner, "/partner/downloads").get_data(as_text=True)

    assert fetch(partner, f"/partner/packages/{package.id}/download").status_code == 200
    token = _token(runtime, web["desk"])
    assert fetch(web["app"].test_client(), f"/api/v1/packages/{package.id}/download",
                 headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with runtime.session() as session:
        rows = session.execute(select(PackageDownload.path, PackageDownload.user_id,
                                      PackageDownload.token_id)
                               .order_by(PackageDownload.id)).all()
    assert [(r[0], r[1] is not None, r[2] is not None) for r in rows] == [
        (archive, True, False), (archive, False, True)]
    assert "Mới" not in fetch(partner, "/partner/").get_data(as_text=True)


def test_other_partner_and_guessed_paths_get_nothing(web: dict[str, Any]) -> None:
    package: Package = web["package"]
    other = _login(web["app"], "vov5")  # VOV5 may not see VTV4's package
    for path in (f"/partner/packages/{package.id}", f"/partner/packages/{package.id}/download",
                 f"/partner/packages/{package.id}/preview",
                 f"/partner/packages/{package.id}/captions/en.vtt",
                 f"/partner/packages/{package.id}/files/{package.files[0]['path']}"):
        response = fetch(other, path)
        assert response.status_code == 404, path
        assert package.name not in response.get_data(as_text=True)
    assert package.name not in fetch(other, "/partner/").get_data(as_text=True)

    own = _login(web["app"], "vtv4")
    for path in (f"/partner/packages/{package.id + 1}", "/partner/packages/999999/download",
                 f"/partner/packages/{package.id}/files/../../../station.db",
                 f"/partner/packages/{package.id}/files/data/../../secret_key",
                 f"/partner/packages/{package.id}/files/%2e%2e/%2e%2e/station.db",
                 f"/partner/packages/{package.id}/files//etc/passwd",
                 f"/partner/packages/{package.id}/files/data"):
        assert fetch(own, path, follow_redirects=True).status_code == 404, path
    # No internal page opens for a partner.
    for path in ("/reports", f"/reports/{package.report_id}", "/schedule/", "/jobs",
                 "/delivery/", "/delivery/specs/VTV4", "/translate/queue", "/api/jobs/1"):
        assert fetch(own, path).status_code in (403, 404), path
    assert own.post(f"/delivery/reports/{package.report_id}/build",
                    data={"channel": "VTV4"}).status_code == 400  # no CSRF token
    page = fetch(own, "/partner/").get_data(as_text=True)
    forged = own.post(f"/delivery/reports/{package.report_id}/build",
                      data={"channel": "VTV4", "csrf_token": csrf_token(page)})
    assert forged.status_code == 403


def test_api_tokens_list_detail_and_resumable_download(web: dict[str, Any],
                                                       runtime: Runtime) -> None:
    desk, package = web["desk"], web["package"]
    client = web["app"].test_client()
    secret = _token(runtime, desk)
    auth = {"Authorization": f"Bearer {secret}"}

    listed = fetch(client, "/api/v1/packages", headers=auth)
    assert listed.status_code == 200 and listed.headers["X-RateLimit-Limit"] == "120"
    assert [p["id"] for p in listed.json["packages"]] == [package.id]
    assert listed.json["packages"][0]["languages"] == ["en", "vi"]
    later = (package.ready_at + dt.timedelta(seconds=1)).isoformat()
    assert fetch(client, "/api/v1/packages", query_string={"since": later},
                      headers=auth).json["packages"] == []
    bad_since = fetch(client, "/api/v1/packages?since=yesterday", headers=auth)
    assert bad_since.status_code == 400 and "RFC 3339" in bad_since.json["error"]
    assert "yesterday" in bad_since.json["error"]

    detail = fetch(client, f"/api/v1/packages/{package.id}", headers=auth).json
    assert detail["sha256"] == package.sha256 and len(detail["files"]) == len(package.files)
    manifest = fetch(client, detail["manifest_url"], headers=auth).json
    assert manifest["package"]["name"] == package.name

    first = fetch(client, detail["download_url"], headers={**auth, "Range": "bytes=0-4095"})
    rest = fetch(client, detail["download_url"], headers={**auth, "Range": "bytes=4096-"})
    assert (first.status_code, rest.status_code) == (206, 206)
    assert hashlib.sha256(first.data + rest.data).hexdigest() == package.sha256
    with runtime.session() as session:
        logged = session.execute(select(PackageDownload.token_id, PackageDownload.range_start)
                                 .order_by(PackageDownload.id)).all()
        token_id = session.scalar(select(ApiToken.id))
    assert logged == [(token_id, 0), (token_id, 4096)]
    upcoming = fetch(client, "/api/v1/upcoming", headers=auth)
    assert upcoming.status_code == 200 and upcoming.json["upcoming"] == []  # delivered


def test_api_refuses_missing_wrong_expired_revoked_and_foreign_tokens(
        web: dict[str, Any], runtime: Runtime) -> None:
    desk, package = web["desk"], web["package"]
    client = web["app"].test_client()
    url = f"/api/v1/packages/{package.id}"
    missing = fetch(client, url)
    assert missing.status_code == 401 and missing.headers["WWW-Authenticate"].startswith("Bearer")
    assert fetch(client, url, headers={"Authorization": "Bearer stn_guess"}).status_code == 401
    assert fetch(client, url, headers={"Authorization": "Basic dnR2NDp4"}).status_code == 401

    # A signed-in partner's browser session does not open the API (no CSRF surface).
    browser = _login(web["app"], "vtv4")
    assert fetch(browser, url).status_code == 401

    foreign = _token(runtime, desk, "VOV5")
    answer = fetch(client, url, headers={"Authorization": f"Bearer {foreign}"})
    assert answer.status_code == 404 and package.name not in answer.get_data(as_text=True)
    assert fetch(client, f"/api/v1/packages/{package.id}/download",
                      headers={"Authorization": f"Bearer {foreign}"}).status_code == 404

    secret = _token(runtime, desk, expires_days=1)
    with runtime.session() as session:
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash ==
                                                    tokens.hash_secret(secret)))
        assert row is not None and secret not in json.dumps(
            {c.name: str(getattr(row, c.name)) for c in ApiToken.__table__.columns})
        row.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
        session.commit()
    expired = fetch(client, url, headers={"Authorization": f"Bearer {secret}"})
    assert expired.status_code == 401 and expired.json["error"] == "Mã API này đã hết hạn"
    in_english = fetch(client, url, headers={"Authorization": f"Bearer {secret}",
                                             "Accept-Language": "en-GB,en;q=0.8"})
    assert in_english.json["error"] == "This API token has expired"

    live = _token(runtime, desk)
    assert fetch(client, url, headers={"Authorization": f"Bearer {live}"}).status_code == 200
    with runtime.session() as session:
        token_id = session.scalar(select(ApiToken.id).where(
            ApiToken.token_hash == tokens.hash_secret(live)))
        delivery.revoke_token(session, token_id, actor=desk.admin)
        session.commit()
    revoked = fetch(client, url, headers={"Authorization": f"Bearer {live}"})
    assert revoked.status_code == 401 and revoked.json["error"] == "Mã API này đã bị thu hồi"


def test_api_rate_limit(runtime: Runtime, media_cache: Path) -> None:
    from web import create_app

    desk = dd.make_desk(runtime, media_cache, languages=())
    app = create_app(runtime.settings.replace(api_rate_limit=3))
    try:
        client = app.test_client()
        auth = {"Authorization": f"Bearer {_token(runtime, desk)}"}
        codes = [fetch(client, "/api/v1/packages", headers=auth).status_code for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        limited = fetch(client, "/api/v1/packages", headers=auth)
        assert int(limited.headers["Retry-After"]) >= 1
        assert "at most 3 a minute" in limited.json["error"]  # this instance speaks English
        # Another partner's token has its own allowance.
        other = {"Authorization": f"Bearer {_token(runtime, desk, 'VOV5')}"}
        assert fetch(client, "/api/v1/packages", headers=other).status_code == 200
    finally:
        app.extensions["station"].dispose()


def test_openapi_document_is_served_and_describes_the_routes(app: Any) -> None:
    doc = fetch(app.test_client(), "/api/v1/openapi.json")
    assert doc.status_code == 200
    data = doc.json
    assert data["openapi"].startswith("3.")
    routes = {str(rule.rule).removeprefix("/api/v1").replace("<int:package_id>", "{package_id}")
              .replace("<path:name>", "{name}")
              for rule in app.url_map.iter_rules() if str(rule.rule).startswith("/api/v1")}
    assert routes == set(data["paths"])
    assert data["servers"][0]["url"].endswith("/api/v1")
    # Every file kind the server sends is a media type the document declares for files.
    from web.downloads import MIMETYPES

    files = data["paths"]["/packages/{package_id}/files/{name}"]["get"]["responses"]
    assert set(MIMETYPES.values()) <= set(files["200"]["content"])
    assert {"200", "206", "304", "412", "416", "401", "404", "429"} <= set(files)
    assert data["paths"]["/packages/{package_id}"]["get"]["parameters"][0]["schema"][
        "maximum"] == 2**31 - 1
    assert "WWW-Authenticate" in files["401"]["headers"]
    assert set(data["components"]["schemas"]["Package"]["required"]) == set(
        data["components"]["schemas"]["Package"]["properties"])


def test_a_route_the_document_does_not_know_cannot_be_served(app: Any) -> None:
    """The document is built from the routes: a new API route without its description
    fails here instead of drifting."""
    from web.api import spec

    endpoints = {rule.endpoint.split(".", 1)[1] for rule in app.url_map.iter_rules()
                 if rule.endpoint.startswith("api_v1.")}
    assert endpoints == set(spec.OPERATIONS)
    from flask import Blueprint, Flask

    extra = Flask("probe")
    probe = Blueprint("api_v1", "probe", url_prefix="/api/v1")
    probe.add_url_rule("/secret", "secret", lambda: "")
    extra.register_blueprint(probe)
    with pytest.raises(KeyError, match="secret"):
        spec.document(extra, "http://x/api/v1")


def test_editor_builds_from_the_report_page_and_admin_manages_tokens(
        app: Any, runtime: Runtime, media_cache: Path) -> None:
    desk = dd.make_desk(runtime, media_cache)
    editor = _login(app, "editor")
    page = fetch(editor, f"/reports/{desk.report_id}").get_data(as_text=True)
    assert 'id="delivery"' in page and "Sẵn sàng đóng gói" in page
    built = editor.post(f"/delivery/reports/{desk.report_id}/build",
                        data={"channel": "VTV4", "csrf_token": csrf_token(page)},
                        follow_redirects=True)
    assert "Đang đóng gói v1" in built.get_data(as_text=True)
    assert fetch(editor, "/delivery/specs/VTV4").status_code == 403  # admins edit specs

    admin = _login(app, "admin")
    page = fetch(admin, "/delivery/").get_data(as_text=True)
    made = admin.post("/delivery/tokens", data={"channel": "VTV4", "name": "VTV4 MAM",
                                                "csrf_token": csrf_token(page)})
    html = made.get_data(as_text=True)
    start = html.index('id="token-secret">') + len('id="token-secret">')
    secret = html[start:html.index("<", start)].strip()
    assert secret.startswith("stn_")
    assert secret not in fetch(admin, "/delivery/").get_data(as_text=True)  # shown once
    assert fetch(app.test_client(), "/api/v1/packages", headers={
        "Authorization": f"Bearer {secret}"}).status_code == 200

    form = fetch(admin, "/delivery/specs/VTV4").get_data(as_text=True)
    bad = admin.post("/delivery/specs/VTV4", data={
        "csrf_token": csrf_token(form), "version": "1", "name": "VTV4", "video": "render",
        "width": "641", "height": "360", "fps": "25", "bitrate": "8M", "audio_bitrate": "192k",
        "audio": "none", "subtitle_formats": ["srt"], "container": "zip"}, follow_redirects=True)
    assert "số chẵn" in bad.get_data(as_text=True)  # "even numbers", nothing saved
    with runtime.session() as session:
        assert delivery.spec_row(session, delivery.get_channel(session, "VTV4")).data[
            "video_spec"]["width"] == 640
