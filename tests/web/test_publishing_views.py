"""The desk's "Public site" panel and page: publish, withdraw after a confirmation, the history
in local time, refusals shown with their reason and the typed text kept, roles enforced."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from production.models import Report
from publishing import services
from publishing.models import PageView
from station.accounts import add_user
from station.runtime import Runtime
from station.timecode import to_local
from tests import media
from tests.conftest import PASSWORD, csrf_token, login
from tests.integration.test_publishing_desk import PubDesk, make_pub_desk

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")
SITE = "http://127.0.0.1:8000/"  # the default publish_site_url


@pytest.fixture
def pub(runtime: Runtime, media_cache: Path) -> PubDesk:
    return make_pub_desk(runtime, media_cache)


def _page(client: Any, report_id: int) -> str:
    response = client.get(f"/reports/{report_id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _panel(html: str) -> str:
    start = html.index('id="public-site"')
    return html[start:html.index("</section>", start)]


def _post(client: Any, url: str, report_id: int, **data: str) -> Any:
    token = csrf_token(_page(client, report_id))
    return client.post(url, data={"csrf_token": token, **data})


def test_an_editor_publishes_sees_the_address_and_the_history(client: Any, pub: PubDesk) -> None:
    login(client, pub.editor.username)
    panel = _panel(_page(client, pub.report_id))
    assert 'id="publish-form"' in panel and 'name="programme"' in panel  # a radio programme
    assert 'value="0"' in panel  # never published: the form says so
    done = _post(client, f"/reports/{pub.report_id}/publish", pub.report_id,
                 summary="Nước về ruộng bậc thang", summary_en="Water reaches the terraces",
                 programme="Đất và người", version="0")
    assert done.status_code == 302
    assert done.location.endswith(f"/reports/{pub.report_id}#public-site")
    html = _page(client, pub.report_id)
    panel = _panel(html)
    with pub.runtime.session() as session:
        found = services.get_publication(session, pub.report_id)
        assert found is not None and found.summary == "Nước về ruộng bậc thang"
        url = f"{SITE}r/{found.slug}/"
        local = to_local(found.published_at).strftime("%d/%m/%Y %H:%M")
    assert f'href="{url}"' in panel and url in html  # flashed too
    assert re.search(rf'data-action="publish"><time>{local}</time> <strong>Lò Thị Lan</strong>',
                     panel)
    assert 'id="unpublish-form"' in panel and "Water reaches the terraces" in panel


def test_withdraw_asks_first_then_keeps_the_reason(client: Any, pub: PubDesk) -> None:
    login(client, pub.editor.username)
    _post(client, f"/reports/{pub.report_id}/publish", pub.report_id, version="0")
    with pub.runtime.session() as session:
        version = str(services.get_publication(session, pub.report_id).version)  # type: ignore[union-attr]
    asked = _post(client, f"/reports/{pub.report_id}/unpublish", pub.report_id,
                  note="Sai tên xã", version=version)
    assert asked.status_code == 200
    html = asked.get_data(as_text=True)
    assert 'id="confirm-yes"' in html and 'value="Sai tên xã"' in html
    with pub.runtime.session() as session:
        assert services.get_publication(session, pub.report_id).status == "published"  # type: ignore[union-attr]
    token = csrf_token(html)
    gone = client.post(f"/reports/{pub.report_id}/unpublish",
                       data={"csrf_token": token, "note": "Sai tên xã", "version": version,
                             "confirmed": "1"})
    assert gone.status_code == 302
    panel = _panel(_page(client, pub.report_id))
    assert 'data-action="unpublish"' in panel and "Sai tên xã" in panel
    assert 'id="unpublish-form"' not in panel and 'id="publish-button"' in panel


def test_a_stale_form_gets_the_conflict_and_keeps_what_was_typed(
        client: Any, pub: PubDesk) -> None:
    login(client, pub.editor.username)
    token = csrf_token(_page(client, pub.report_id))  # both open the never-published form
    with pub.runtime.session() as session:
        services.publish(session, pub.report_id, services.PublishInput(summary="Của Hùng"),
                         actor=pub.chief)
        session.commit()
    late = client.post(f"/reports/{pub.report_id}/publish",
                       data={"csrf_token": token, "version": "0",
                             "summary": "Tóm tắt Lan gõ rất lâu"})
    assert late.status_code == 409
    html = late.get_data(as_text=True)
    assert 'id="publish-error"' in html and "Nguyễn Văn Hùng" in html
    assert "Tóm tắt Lan gõ rất lâu" in html
    with pub.runtime.session() as session:
        fresh = services.get_publication(session, pub.report_id)
        assert fresh is not None and fresh.summary == "Của Hùng"
    assert f'name="version" value="{fresh.version}"' in html  # saving again is a choice
    again = client.post(f"/reports/{pub.report_id}/publish",
                        data={"csrf_token": csrf_token(html), "version": str(fresh.version),
                              "summary": "Tóm tắt Lan gõ rất lâu"})
    assert again.status_code == 302
    with pub.runtime.session() as session:
        events = services.history(session, pub.report_id)
        assert [(e.action, e.actor_id) for e in events] == [("publish", pub.chief.id),
                                                           ("update", pub.editor.id)]


def test_an_unpublishable_report_shows_why_and_no_button(client: Any, pub: PubDesk) -> None:
    login(client, pub.editor.username)
    panel = _panel(_page(client, pub.draft_id))
    assert 'id="publish-form"' not in panel and 'id="publish-refusal"' in panel
    with pub.runtime.session() as session:
        report = session.get(Report, pub.draft_id)
        assert report is not None
        with pytest.raises(services.NotPublishable) as why:
            services.check_publishable(report)
    assert why.value.message("vi") in panel
    forced = _post(client, f"/reports/{pub.draft_id}/publish", pub.draft_id, version="0")
    assert forced.status_code == 400 and why.value.message("vi") in forced.get_data(as_text=True)


def test_translators_and_partners_get_the_403_page(client: Any, pub: PubDesk) -> None:
    login(client, pub.translator.username)
    panel = _panel(_page(client, pub.report_id))  # they see the report, not the buttons
    assert 'id="publish-form"' not in panel
    token = csrf_token(_page(client, pub.report_id))
    for url in (f"/reports/{pub.report_id}/publish", f"/reports/{pub.report_id}/unpublish"):
        refused = client.post(url, data={"csrf_token": token, "version": "0"})
        assert refused.status_code == 403 and "<html" in refused.get_data(as_text=True)
    assert client.get("/publishing").status_code == 403
    client.post("/logout", data={"csrf_token": token})
    with pub.runtime.session() as session:
        from production import services as production

        add_user(session, username="vtv4x", password=PASSWORD, role="partner",
                 channel_id=production.get_channel(session, "VTV4").id)
        session.commit()
    login(client, "vtv4x")
    assert client.get("/publishing").status_code == 403
    with pub.runtime.session() as session:
        assert services.get_publication(session, pub.report_id) is None


def test_the_public_site_page_lists_publications_views_and_the_export(
        client: Any, pub: PubDesk) -> None:
    login(client, pub.editor.username)
    empty = client.get("/publishing").get_data(as_text=True)
    assert 'id="last-export"' in empty and 'id="publications"' in empty
    _post(client, f"/reports/{pub.report_id}/publish", pub.report_id, version="0")
    with pub.runtime.session() as session:
        found = services.get_publication(session, pub.report_id)
        assert found is not None
        slug = found.slug
        from datetime import date

        session.add(PageView(report_id=pub.report_id, day=date(2026, 3, 4), kind="page",
                             count=1234))
        session.commit()
        views_job = session.scalar(select(services.JobRun.id).where(
            services.JobRun.kind == services.EXPORT_JOB))
    html = client.get("/publishing").get_data(as_text=True)
    row = html[html.index(f'data-report="{pub.report_id}"'):]
    row = row[:row.index("</tr>")]
    assert 'data-status="published"' in html and "Lò Thị Lan" in row
    assert f'href="{SITE}r/{slug}/"' in row and ">1234<" in row
    export = html[html.index('id="last-export"'):]
    assert f"#{views_job}" in export[:export.index("</section>")]


def test_the_review_page_and_its_workbook_show_the_public_site_section(
        client: Any, pub: PubDesk) -> None:
    import io
    from datetime import date

    import openpyxl

    with pub.runtime.session() as session:
        for day, kind, n in ((date(2026, 3, 4), "page", 1234), (date(2026, 3, 5), "play", 56),
                             (date(2026, 4, 1), "page", 9)):
            session.add(PageView(report_id=pub.report_id, day=day, kind=kind, count=n))
        session.commit()
    login(client, pub.editor.username)
    html = client.get("/results/?from=2026-03-01&to=2026-03-31").get_data(as_text=True)
    section = html[html.index('id="s-publishing"'):]
    section = section[:section.index('class="results-notes"')]
    assert "Trang thông tin công khai" in section
    top = section[section.index('id="t-publishing_top_reports"'):]
    assert "Ruộng bậc thang Sì Lở Lầu mùa nước đổ" in top and "1.234" in top
    assert ">9<" not in section  # April's views are another period
    book = openpyxl.load_workbook(io.BytesIO(
        client.get("/results/export/xlsx?from=2026-03-01&to=2026-03-31").data))
    cells = {str(c.value) for sheet in book for row in sheet.iter_rows() for c in row}
    assert "Ruộng bậc thang Sì Lở Lầu mùa nước đổ" in cells and "1234" in cells
    for fmt, magic in (("docx", b"PK"), ("pdf", b"%PDF")):
        made = client.get(f"/results/export/{fmt}?from=2026-03-01&to=2026-03-31")
        assert made.status_code == 200 and made.data.startswith(magic)
