"""Notifications in a real browser: a reviewer sends a track back with a reason, the translator
sees the bell's count and the reason, opens it and the count drops; the real worker e-mails it
once through a real SMTP server (aiosmtpd) started by the test.

Real Chromium against the live server in Vietnamese, a real `station worker` process whose
settings point at the test's SMTP server (it writes in English: STATION_LANGUAGE=en).
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from production.models import MediaAsset
from station import notifications
from station.accounts import User
from station.runtime import Runtime
from subtitles import review, services
from tests.browser.test_editor_flow import log_in

SRT_EN = ("1\n00:00:01,000 --> 00:00:04,000\nWelcome to Lai Chau\n\n"
          "2\n00:00:05,000 --> 00:00:08,000\nTerraced fields of Muong Te\n")
REASON = "Câu 2: viết đúng tên “Mường Tè”"
WAIT = 20_000


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


@pytest.fixture
def smtp_inbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[_Inbox]:
    """A real SMTP server; the worker started after this fixture reads its address."""
    from aiosmtpd.controller import Controller

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("STATION_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("STATION_SMTP_PORT", str(port))
    monkeypatch.setenv("STATION_SMTP_STARTTLS", "0")
    monkeypatch.setenv("STATION_SMTP_SENDER", "station@laichau.test")
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def desk(runtime: Runtime, make_user: Callable[..., User],
         make_report: Callable[..., Any]) -> dict[str, Any]:
    editor = make_user("editor", display_name="Lò Thị Mai")
    an = make_user("translator", languages=["en"], display_name="Nguyễn Văn An")
    binh = make_user("translator", languages=["en"], can_review=True, display_name="Trần Bình")
    report = make_report(editor, "Ruộng bậc thang Mường Tè", channel_codes=["VTV4"])
    with runtime.session() as session:
        session.add(MediaAsset(report_id=report.id, role="master", sha256="d" * 64,
                               size_bytes=1, storage_key="dd/dd/x.mp4", duration_ms=10_000))
        track, _ = services.import_track(session, report.id, "en", SRT_EN.encode(), "en.srt",
                                         actor=an)
        translator = session.get(User, an.id)
        assert translator is not None
        notifications.set_email(session, translator, "an@laichau.test", notifications=True)
        review.move(session, track.id, "in_review", actor=an)
        session.commit()
        return {"an": an, "binh": binh, "track": track.id}


def _bell(page: Page) -> Any:
    return page.locator("#bell-count")


def test_sent_back_reaches_the_translator_by_bell_and_email(
        smtp_inbox: _Inbox, worker: Path, live_server: str, page: Page,
        desk: dict[str, Any]) -> None:
    track_id = desk["track"]
    # The reviewer sends the track back from the workspace, saying why.
    log_in(page, live_server, desk["binh"].username)
    expect(_bell(page)).to_have_text("1")  # the translator's review request
    page.goto(f"{live_server}/tracks/{track_id}/edit")
    page.locator("details.ws-sendback summary").click()
    page.fill("details.ws-sendback textarea[name=comment]", REASON)
    with page.expect_navigation():
        page.click("details.ws-sendback button[name=target][value=draft]")
    expect(page.locator("#track-status")).to_have_text("Bản nháp")
    page.locator("form[action='/logout'] button").click()

    # The translator sees the bell's count on the first page, and the reason under it.
    log_in(page, live_server, desk["an"].username)
    expect(_bell(page)).to_be_visible()
    expect(_bell(page)).to_have_text("1")
    shots = Path("test-output") / "browser"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / "notifications-bell-unread.png"))  # for a human to look at
    page.locator("#bell").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    item = page.locator("li.notification.unread")
    expect(item).to_have_count(1)
    expect(item.locator(".n-title")).to_have_text("Phụ đề bị trả lại")
    expect(item.locator(".n-text")).to_have_text(
        f"Trần Bình trả lại phụ đề Tiếng Anh (en) của “Ruộng bậc thang Mường Tè”: {REASON}")

    # Opening it leads to the track and the count drops.
    with page.expect_navigation():
        item.locator(".n-text").click()
    expect(page).to_have_url(re.compile(rf"/tracks/{track_id}/edit$"))
    expect(_bell(page)).to_be_hidden()
    assert page.evaluate("fetch('/notifications/count').then(r => r.json())") == {"unread": 0}
    page.goto(f"{live_server}/notifications")
    expect(page.locator("li.notification.read")).to_have_count(1)
    expect(page.locator("li.notification.unread")).to_have_count(0)

    # The worker sent the e-mail once, after the reviewer's commit.
    deadline = time.monotonic() + 30
    while not smtp_inbox.messages and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(smtp_inbox.messages) == 1, worker.read_text()[-2000:]
    message = smtp_inbox.messages[0]
    assert message["To"] == "an@laichau.test"
    assert REASON in message.get_content()
    time.sleep(1)
    assert len(smtp_inbox.messages) == 1
