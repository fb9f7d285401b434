"""The report list's bulk actions in the web app (issue 13, item 10): checkboxes and an
action bar for editors only, CSRF as every form, a summary of what was done and what was
refused with each reason in the reader's language, and a confirm page before deleting."""

from __future__ import annotations

import re
from typing import Any

from production import services as production
from production.models import Report
from station.i18n import translate
from station.runtime import Runtime
from tests.conftest import csrf_token, login


def _list(client: Any, query: str = "") -> str:
    return client.get(f"/reports{query}").get_data(as_text=True)


def test_the_list_offers_bulk_actions_to_editors_only(
        client: Any, make_user: Any, make_report: Any) -> None:
    mai = make_user("editor")
    report = make_report(mai, "Chợ phiên")
    login(client, mai.username)
    page = _list(client)
    assert 'id="bulk-form"' in page
    assert f'name="report" value="{report.id}" form="bulk-form"' in page
    assert 'value="scheduled"' not in page.split('id="bulk-form"')[1].split("</form>")[0]
    assert "js/reports.js" in page
    client.post("/logout", data={"csrf_token": csrf_token(page)})

    translator = make_user("translator")
    login(client, translator.username)
    page = _list(client)
    assert 'id="bulk-form"' not in page and 'name="report"' not in page
    assert client.post("/reports/bulk", data={"action": "tag", "tag": "x",
                                              "report": str(report.id),
                                              "csrf_token": csrf_token(page)}).status_code == 403


def test_a_bulk_move_shows_done_and_refused_with_reasons(
        client: Any, make_user: Any, make_report: Any, runtime: Runtime) -> None:
    mai = make_user("editor")
    ids = [make_report(mai, t).id for t in ("Một", "Hai", "Ba")]
    with runtime.session() as session:
        production.move_report(session, ids[1], "in_production", actor=mai)
        session.commit()
    login(client, mai.username)
    page = _list(client, "?status=&q=")
    form = {"action": "move", "target": "in_production", "report": [str(i) for i in ids],
            "back": "/reports?q=", "csrf_token": csrf_token(page)}
    assert client.post("/reports/bulk", data={**form, "csrf_token": "wrong"}).status_code == 400
    with runtime.session() as session:
        assert session.get(Report, ids[0]).status == "planned"  # type: ignore[union-attr]

    response = client.post("/reports/bulk", data=form)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    done = re.search(r'<ul id="bulk-done">(.*?)</ul>', html, re.S)
    refused = re.search(r'<ul id="bulk-refused">(.*)</ul>', html, re.S)
    assert done and f'data-report="{ids[0]}"' in done[1] and f'data-report="{ids[2]}"' in done[1]
    assert refused and f'data-report="{ids[1]}"' in refused[1]
    # The page speaks Vietnamese (the instance default), reasons included.
    already = translate("The report is already {status}", "vi").format(
        status=translate("in_production", "vi"))
    assert already in html
    assert 'href="/reports?q="' in html  # back to the list with its filters
    with runtime.session() as session:
        assert [session.get(Report, i).status for i in ids] == ["in_production"] * 3  # type: ignore[union-attr]

    # Nothing ticked, or a target the list does not offer: the whole action is refused.
    assert client.post("/reports/bulk", data={**form, "report": []}).status_code == 422
    assert client.post("/reports/bulk", data={**form, "target": "aired"}).status_code == 409
    # An off-site "back" is ignored.
    html = client.post("/reports/bulk", data={**form, "back": "//evil.example/"}).get_data(
        as_text=True)
    assert "evil.example" not in html


def test_deleting_asks_first_then_deletes_only_drafts(
        client: Any, make_user: Any, make_report: Any, runtime: Runtime) -> None:
    mai = make_user("editor")
    draft, started = (make_report(mai, t).id for t in ("Nháp", "Đang làm"))
    with runtime.session() as session:
        production.move_report(session, started, "in_production", actor=mai)
        session.commit()
    login(client, mai.username)
    form = {"action": "delete", "report": [str(draft), str(started)],
            "csrf_token": csrf_token(_list(client))}
    html = client.post("/reports/bulk", data=form).get_data(as_text=True)
    assert 'id="bulk-confirm-list"' in html and 'name="confirmed" value="1"' in html
    with runtime.session() as session:
        assert session.get(Report, draft) is not None

    html = client.post("/reports/bulk", data={**form, "confirmed": "1"}).get_data(as_text=True)
    assert translate("Only a report still {status} may be deleted", "vi").format(
        status=translate("planned", "vi")) in html
    with runtime.session() as session:
        assert session.get(Report, draft) is None
        assert session.get(Report, started) is not None


def test_assign_and_tag_from_the_list(
        client: Any, make_user: Any, make_report: Any, runtime: Runtime) -> None:
    mai = make_user("editor")
    chief = make_user("editor", display_name="Trưởng ban")
    ids = [make_report(mai, t).id for t in ("Một", "Hai")]
    login(client, mai.username)
    base = {"report": [str(i) for i in ids], "csrf_token": csrf_token(_list(client))}
    # No editor chosen is not "nobody": the action is refused as a whole.
    refused = client.post("/reports/bulk", data={**base, "action": "assign"})
    assert refused.status_code == 400
    assert translate("Choose the editor to assign", "vi") in refused.get_data(as_text=True)
    html = client.post("/reports/bulk", data={**base, "action": "assign",
                                              "editor": str(chief.id)}).get_data(as_text=True)
    assert "Trưởng ban" in html
    client.post("/reports/bulk", data={**base, "action": "tag", "tag": "Du lịch"})
    with runtime.session() as session:
        rows = [session.get(Report, i) for i in ids]
        assert [r.editor_id for r in rows] == [chief.id, chief.id]  # type: ignore[union-attr]
        assert [r.tags for r in rows] == [["Du lịch"], ["Du lịch"]]  # type: ignore[union-attr]
    client.post("/reports/bulk", data={**base, "action": "assign", "editor": "none"})
    with runtime.session() as session:
        assert [session.get(Report, i).editor_id for i in ids] == [None, None]  # type: ignore[union-attr]
