"""The bell, the notifications page and the e-mail preference through Flask's test client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from station import notifications
from station.accounts import User
from station.runtime import Runtime
from tests.conftest import csrf_token, login


def _notify(runtime: Runtime, user: User, reason: str = "Sai chính tả",
            link: str = "/tracks/9/edit") -> int:
    with runtime.session() as session:
        row = notifications.notify(session, [user], "sent_back",
                                   {"who": "Trần Bình", "language": "en", "report": "Mùa lúa",
                                    "reason": reason}, link)[0]
        session.commit()
        return row.id


def test_bell_page_open_and_mark_read(client: Any, runtime: Runtime,
                                      make_user: Callable[..., User]) -> None:
    an, mai = make_user("translator", languages=["en"]), make_user("editor")
    first = _notify(runtime, an, "Sửa câu 2")
    second = _notify(runtime, an, "<script>alert(1)</script>", link="https://evil.example/")
    theirs = _notify(runtime, mai)
    login(client, an.username)

    page = client.get("/reports").get_data(as_text=True)
    assert 'id="bell-count">2</span>' in page  # on every page's header
    assert client.get("/notifications/count").get_json() == {"unread": 2}

    page = client.get("/notifications").get_data(as_text=True)
    # Vietnamese first
    assert "Trần Bình trả lại phụ đề Tiếng Anh (en) của “Mùa lúa”: Sửa câu 2" in page
    assert "<script>alert(1)</script>" not in page  # the reason is text, escaped
    assert page.index(f"/notifications/{second}") < page.index(f"/notifications/{first}")

    opened = client.get(f"/notifications/{first}")
    assert opened.status_code == 302 and opened.headers["Location"] == "/tracks/9/edit"
    assert client.get("/notifications/count").get_json() == {"unread": 1}
    # a link to another site is never followed: the list instead
    assert client.get(f"/notifications/{second}").headers["Location"] == "/notifications"
    # someone else's notification is not there
    assert client.get(f"/notifications/{theirs}").status_code == 404
    token = csrf_token(client.get("/notifications").get_data(as_text=True))
    assert client.post(f"/notifications/{theirs}/read",
                       data={"csrf_token": token}).status_code == 404

    _notify(runtime, an)
    client.post("/notifications/read-all", data={"csrf_token": token})
    assert client.get("/notifications/count").get_json() == {"unread": 0}
    with runtime.session() as session:
        assert notifications.unread_count(session, mai.id) == 1


def test_english_reader_sees_english(client: Any, runtime: Runtime,
                                     make_user: Callable[..., User]) -> None:
    an = make_user("translator", languages=["en"])
    _notify(runtime, an)
    login(client, an.username)
    client.get("/lang/en")
    page = client.get("/notifications").get_data(as_text=True)
    assert "Trần Bình sent the English (en) subtitles of “Mùa lúa” back: Sai chính tả" in page


def test_account_sets_the_email_preference(client: Any, runtime: Runtime,
                                           make_user: Callable[..., User]) -> None:
    an = make_user("translator", languages=["en"])
    login(client, an.username)
    page = client.get("/account").get_data(as_text=True)
    assert "không gửi e-mail" in page  # no SMTP host here: the page says so
    token = csrf_token(page)
    client.post("/account/email", data={"csrf_token": token, "email": "an@laichau.test",
                                        "email_notifications": "1"})
    client.post("/account/email", data={"csrf_token": token, "email": "not an address",
                                        "email_notifications": "1"})
    with runtime.session() as session:
        user = session.get(User, an.id)
        assert user is not None
        assert (user.email, user.email_notifications) == ("an@laichau.test", True)
    page = client.get("/account").get_data(as_text=True)
    assert "không phải địa chỉ e-mail" in page


def test_signed_out_gets_no_bell(client: Any) -> None:
    assert client.get("/notifications").status_code == 302
    assert 'id="bell"' not in client.get("/login").get_data(as_text=True)
