"""The security log an administrator reads at /admin/audit: sign-ins and failures, new
accounts, password changes, API token use (first use in each hour) and refused tokens; newest
first, by kind, 100 a page, in Asia/Ho_Chi_Minh time; no other role may open it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import select

from delivery import services as delivery
from station import accounts, audit
from station.audit import AuditEvent
from station.cli import main
from station.runtime import Runtime
from tests.conftest import login


def kinds(runtime: Runtime) -> list[str]:
    with runtime.session() as session:
        return list(session.scalars(select(AuditEvent.kind).order_by(AuditEvent.id)))


def test_security_events_are_recorded_and_shown_to_admins_only(
        app: Any, runtime: Runtime, make_user: Any) -> None:
    admin = make_user("admin")
    editor = make_user("editor")
    client = app.test_client()
    assert login(client, editor.username, "not the password").status_code == 401
    assert login(client, editor.username).status_code == 302
    assert client.get("/admin/audit").status_code == 403  # editors may not read it
    with runtime.session() as session:
        user = session.get(accounts.User, editor.id)
        assert user is not None
        accounts.change_password(session, user, "correct horse battery",
                                 "another long passphrase", address="10.1.1.1")
        boss = session.get(accounts.User, admin.id)
        assert boss is not None
        token = delivery.create_token(session, "VTV4", "VTV4 MAM", actor=boss)
        session.commit()
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token[1]}"}
    for _ in range(3):  # one entry for the hour, not one per request
        assert api.get("/api/v1/packages", headers=bearer).status_code == 200
    with runtime.session() as session:
        row = session.get(type(token[0]), token[0].id)
        assert row is not None
        row.revoked_at = dt.datetime.now(dt.UTC)
        session.commit()
    assert api.get("/api/v1/packages", headers=bearer).status_code == 401
    recorded = kinds(runtime)
    assert recorded.count("token.used") == 1 and recorded.count("token.refused") == 1
    assert {"user.added", "login.failed", "login.succeeded", "password.changed"} <= set(recorded)

    boss_client = app.test_client()
    assert login(boss_client, admin.username).status_code == 302
    page = boss_client.get("/admin/audit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Nhật ký bảo mật" in html
    table = html[html.index('id="audit"'):]
    order = [table.index(f'data-kind="{kind}"') for kind in (
        "login.succeeded", "token.refused", "token.used", "password.changed")]
    assert order == sorted(order)  # newest first
    assert "Trạng thái: revoked" in html and "10.1.1.1" in html
    only = boss_client.get("/admin/audit?kind=token.used").get_data(as_text=True)
    assert 'data-kind="token.used"' in only and 'data-kind="login.failed"' not in only


def test_pages_of_a_hundred_in_local_time(app: Any, runtime: Runtime, make_user: Any) -> None:
    admin = make_user("admin")
    with runtime.session() as session:
        for n in range(150):
            event = audit.record(session, "test.event", number=n)
            event.at = dt.datetime(2026, 12, 31, 17, 30, tzinfo=dt.UTC) + dt.timedelta(
                seconds=n)
        session.commit()
    client = app.test_client()
    assert login(client, admin.username).status_code == 302
    first = client.get("/admin/audit?kind=test.event").get_data(as_text=True)
    assert first.count('data-kind="test.event"') == 100 and "number: 149" in first
    assert "01/01/2027 00:32:29" in first  # 17:32:29 UTC is 00:32:29 next day in Hanoi
    second = client.get("/admin/audit?kind=test.event&page=2").get_data(as_text=True)
    assert second.count('data-kind="test.event"') == 50 and "number: 0<" in second
    assert "Trang 2/2" in second
    assert client.get("/admin/audit?page=abc").status_code == 200


@pytest.fixture
def cli(runtime: Runtime) -> Any:
    """`station ...` on the same instance as the app."""
    env = {"STATION_INSTANCE_PATH": str(runtime.settings.instance_path),
           "STATION_DATABASE_URL": runtime.settings.sqlalchemy_url, "STATION_LANGUAGE": "en",
           "STATION_REDIS_URL": "", "STATION_USER": ""}

    def run(*args: str, ok: bool = True) -> Result:
        result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def test_a_role_change_holds_at_once_and_is_in_the_security_log(
        app: Any, runtime: Runtime, make_user: Any, cli: Any) -> None:
    """`station user role`: a demoted editor's open session loses the editors' pages on its
    next request, and the admin reads who it was and what it became."""
    admin = make_user("admin")
    editor = make_user("editor")
    client = app.test_client()
    login(client, editor.username)
    assert client.get("/reports/new").status_code == 200
    done = cli("user", "role", editor.username, "translator", "--review")
    assert f"user {editor.username} is now translator (may review)" in done.output
    assert client.get("/reports/new").status_code == 403
    refused = cli("user", "role", editor.username, "partner", ok=False)
    assert refused.exit_code == 1 and "partner channel" in refused.output
    with runtime.session() as session:
        event = session.scalars(select(AuditEvent).where(
            AuditEvent.kind == "user.role_changed")).one()
    assert event.user_id == editor.id
    assert event.detail["before"]["role"] == "editor"
    assert event.detail["after"] == {"role": "translator", "channel_id": None,
                                     "can_review": True}
    boss = app.test_client()
    login(boss, admin.username)
    page = boss.get("/admin/audit?kind=user.role_changed").get_data(as_text=True)
    assert "user.role_changed" in page and editor.username in page
