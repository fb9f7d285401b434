"""The plan's pages through the real app: who may open them and what they show."""

from __future__ import annotations

import datetime as dt
from typing import Any

from planning import plans
from planning.plans import TopicInput
from station.runtime import Runtime
from tests.conftest import csrf_token, login
from tests.integration.test_plans import PLAN, YEAR


def _seed(runtime: Runtime, make_user: Any) -> dict[str, Any]:
    admin = make_user("admin", display_name="Tổng biên tập")
    editor = make_user("editor", display_name="Lò Thị Mai")
    reporter = make_user("editor", display_name="Tẩn Văn Lìn")
    translator = make_user("translator")
    day = dt.date.today()
    with runtime.session() as session:
        plans.import_plan(session, PLAN, actor=admin)
        theme = plans.get_plan(session, YEAR).themes[0]
        for title in ("Sáng ở Phong Thổ", "Chiều ở Sìn Hồ"):
            plans.create_topic(session, theme.id, TopicInput(
                title, place="Lai Châu", shoot_date=day, reporter_id=reporter.id),
                actor=editor)
        session.commit()
        theme_id = theme.id
    return {"admin": admin, "editor": editor, "reporter": reporter,
            "translator": translator, "theme_id": theme_id}


def test_roles(client: Any, runtime: Runtime, make_user: Any) -> None:
    people = _seed(runtime, make_user)
    login(client, people["translator"].username)
    assert client.get(f"/plan/{YEAR}").status_code == 403
    assert client.get("/calendar").status_code == 403


def test_plan_table_calendar_and_home(client: Any, runtime: Runtime, make_user: Any) -> None:
    people = _seed(runtime, make_user)
    login(client, people["admin"].username)
    page = client.get(f"/plan/{YEAR}").get_data(as_text=True)
    assert "Chính sách đầu tư" in page and "Chủ đề theo quý" in page
    assert 'data-quarter="1"' in page and "6 / 30′" in page
    assert client.get(f"/plan/{YEAR + 5}").status_code == 404
    cal = client.get("/calendar").get_data(as_text=True)
    assert "Bị phân công hai việc trong một ngày" in cal and "Tẩn Văn Lìn" in cal
    month = client.get(f"/calendar?month={dt.date.today():%Y-%m}")
    assert month.status_code == 200 and "Chiều ở Sìn Hồ" in month.get_data(as_text=True)
    assert client.get("/calendar?week=nonsense").status_code == 400


def test_editor_creates_a_topic_and_the_reporter_sees_it(client: Any, runtime: Runtime,
                                                         make_user: Any) -> None:
    people = _seed(runtime, make_user)
    login(client, people["editor"].username)
    form = client.get(f"/plan/themes/{people['theme_id']}/topics/new").get_data(as_text=True)
    answer = client.post(f"/plan/themes/{people['theme_id']}/topics/new", data={
        "csrf_token": csrf_token(form), "title": "Cửa khẩu Ma Lù Thàng", "place": "Phong Thổ",
        "shoot_date": dt.date.today().isoformat(), "reporter_id": str(people["reporter"].id),
        "camera_name": "Lò Văn Hùng"})
    assert answer.status_code == 302 and "/plan/topics/" in answer.headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(form)})
    login(client, people["reporter"].username)
    home = client.get("/reports").get_data(as_text=True)
    assert "Việc được giao cho tôi" in home and "Cửa khẩu Ma Lù Thàng" in home


def test_the_plan_page_shows_a_themes_next_topics_and_links_to_all(
        client: Any, runtime: Runtime, make_user: Any) -> None:
    people = _seed(runtime, make_user)
    today = dt.date.today()
    with runtime.session() as session:  # a busy theme: 3 topics past, 12 ahead
        for n in range(-3, plans.UPCOMING + 2):
            plans.create_topic(session, people["theme_id"], TopicInput(
                f"Đề tài số {n + 10}", place="Than Uyên",
                shoot_date=today + dt.timedelta(days=n)), actor=people["editor"])
        session.commit()
    login(client, people["editor"].username)
    page = client.get(f"/plan/{YEAR}").get_data(as_text=True)
    section = page.split(f'id="theme-{people["theme_id"]}"', 1)[1].split("</section>", 1)[0]
    assert section.count("/plan/topics/") == plans.UPCOMING
    assert "Đề tài số 7" not in section  # past topics give way to the coming ones
    assert "Tất cả 17 đề tài của chủ đề này" in section
    whole = client.get(f"/plan/themes/{people['theme_id']}").get_data(as_text=True)
    assert whole.count("/plan/topics/") == 17 and "Đề tài số 7" in whole
