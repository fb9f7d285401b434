"""Sign-in under attack: throttling, equal work for unknown names, revocable sessions, passwords."""

from __future__ import annotations

import datetime as dt
import time
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from station import accounts
from station.accounts import LoginAttempt, User, check_password_rule
from station.audit import AuditEvent
from station.cli import main
from station.db import utcnow
from station.errors import ValidationError
from station.runtime import Runtime
from tests.conftest import PASSWORD, csrf_token, login, user_factory


def post_login(client: Any, username: str, password: str, address: str = "10.0.0.1") -> Any:
    """Sign in through the form from ``address`` (the test client's REMOTE_ADDR)."""
    env = {"REMOTE_ADDR": address}
    token = csrf_token(client.get("/login", environ_base=env).get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": token}, environ_base=env)


def token(client: Any, path: str = "/account") -> str:
    return csrf_token(client.get(path).get_data(as_text=True))


def events(runtime: Runtime, kind: str) -> list[AuditEvent]:
    with runtime.session() as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.kind == kind)))


@pytest.fixture
def editor(make_user):  # type: ignore[no-untyped-def]
    return make_user("editor")


# ---- throttling --------------------------------------------------------------------------

def test_thirty_wrong_passwords_lock_the_account_even_for_the_right_one(
        client, editor, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    answers = [post_login(client, editor.username, f"wrong-{i}").status_code for i in range(30)]
    assert answers[:5] == [401] * 5 and set(answers[5:]) == {429}
    right = post_login(client, editor.username, PASSWORD)
    assert right.status_code == 429
    assert 1 <= int(right.headers["Retry-After"]) <= 15 * 60
    assert "Đăng nhập sai quá nhiều lần; hãy thử lại sau 15 phút" in right.get_data(as_text=True)
    assert client.get("/reports").status_code == 302  # not signed in
    [locked] = events(runtime, "login.locked")  # one entry per lockout, not per refusal
    assert locked.user_id == editor.id and locked.address == "10.0.0.1"
    assert locked.detail == {"scope": "account", "username": editor.username, "failures": 5,
                             "retry_after": 900}
    # Refused tries are not counted: the lock ends when the window passes the fifth failure.
    with runtime.session() as session:
        assert session.query(LoginAttempt).count() == 5


def test_the_lock_ends_with_its_window_and_success_clears_the_count(
        any_runtime: Runtime) -> None:
    editor = user_factory(any_runtime)("editor")
    start = utcnow()
    with any_runtime.session() as session:
        for _ in range(4):
            with pytest.raises(ValidationError):
                accounts.sign_in(session, editor.username, "nope", address="a", now=start)
        accounts.sign_in(session, editor.username, PASSWORD, address="a", now=start)
        for i in range(5):
            with pytest.raises(ValidationError):
                accounts.sign_in(session, editor.username, "nope", address="a",
                                 now=start + dt.timedelta(seconds=1 + i))
        with pytest.raises(accounts.TooManyAttempts) as refused:
            accounts.sign_in(session, editor.username, PASSWORD, address="a",
                             now=start + dt.timedelta(minutes=10))
        assert 290 <= refused.value.retry_after <= 301
        later = start + dt.timedelta(minutes=15, seconds=2)
        assert accounts.sign_in(session, editor.username, PASSWORD, address="a",
                                now=later).id == editor.id
        session.commit()


def test_one_address_trying_many_names_is_throttled(client, make_user,
                                                    runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    victim = make_user("editor")
    for i in range(20):  # four tries each at five names: no account reaches its limit
        assert post_login(client, f"guess{i % 5}", "123456789", "10.9.9.9").status_code == 401
    refused = post_login(client, victim.username, PASSWORD, "10.9.9.9")
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    [locked] = events(runtime, "login.locked")
    assert locked.detail["scope"] == "address" and locked.user_id is None
    # Another address is not affected.
    assert post_login(client, victim.username, PASSWORD, "10.9.9.10").status_code == 302


def test_unknown_names_are_throttled_like_real_ones(client) -> None:  # type: ignore[no-untyped-def]
    codes = [post_login(client, "nobody", "whatever-1").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]


# ---- the same work for unknown names ------------------------------------------------------

def test_every_failure_checks_one_password_hash(runtime: Runtime, make_user,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    known = make_user("editor")
    inactive = make_user("editor")
    with runtime.session() as session:
        accounts.set_active(session, session.get(User, inactive.id), False)  # type: ignore[arg-type]
        session.commit()
    calls: list[str] = []
    real = accounts.check_password_hash

    def counting(pwhash: str, password: str) -> bool:
        calls.append(pwhash)
        return real(pwhash, password)

    monkeypatch.setattr(accounts, "check_password_hash", counting)
    with runtime.session() as session:
        for name in ("nobody-here", known.username, inactive.username):
            calls.clear()
            assert accounts.authenticate(session, name, "wrong password") is None
            assert len(calls) == 1, name
            assert calls[0].split("$")[0] == known.password_hash.split("$")[0]  # same method


def test_unknown_and_known_names_take_about_the_same_time(runtime: Runtime,
                                                          editor) -> None:  # type: ignore[no-untyped-def]
    def mean(name: str) -> float:
        with runtime.session() as session:
            accounts.authenticate(session, name, "warm-up")
            start = time.perf_counter()
            for _ in range(5):
                accounts.authenticate(session, name, "wrong password")
            return (time.perf_counter() - start) / 5

    known, unknown = mean(editor.username), mean("no-such-user")
    assert 0.5 < unknown / known < 2.0, (known, unknown)  # was 7 ms against 435 ms


# ---- sessions ------------------------------------------------------------------------------

def test_a_cookie_captured_before_logout_does_not_work_after_it(app, editor) -> None:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login(client, editor.username)
    captured = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": token(client)})
    thief = app.test_client()
    thief.set_cookie("session", captured)
    assert thief.get("/reports").status_code == 302
    api = thief.get("/api/tracks/1", headers={"Accept": "application/json"})
    assert api.status_code == 401
    assert api.get_json()["error"] == "Phiên làm việc đã kết thúc; hãy đăng nhập lại"


def test_deactivation_ends_open_sessions(client, editor, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    login(client, editor.username)
    assert client.get("/reports").status_code == 200
    with runtime.session() as session:
        accounts.set_active(session, accounts.get_user(session, editor.username), False)
        session.commit()
    assert client.get("/reports").status_code == 302
    assert events(runtime, "user.deactivated")[0].detail["sessions_ended"] == 1


def test_password_change_signs_out_the_other_sessions(app, editor, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    here, there = app.test_client(), app.test_client()
    login(here, editor.username)
    login(there, editor.username)
    page = here.get("/account").get_data(as_text=True)
    assert page.count("<tr><td>") == 2 and "trình duyệt này" in page
    form = {"current_password": "not it", "new_password": "a new long phrase",
            "repeat_password": "a new long phrase", "csrf_token": token(here)}
    here.post("/account/password", data=form)
    assert "Mật khẩu hiện tại không đúng" in here.get("/account").get_data(as_text=True)
    assert there.get("/reports").status_code == 200
    form.update(current_password=PASSWORD, new_password="12345678", repeat_password="12345678")
    here.post("/account/password", data=form)
    assert "danh sách mật khẩu phổ biến" in here.get("/account").get_data(as_text=True)
    form.update(new_password="a new long phrase", repeat_password="a new long phrase")
    done = here.post("/account/password", data=form, follow_redirects=True)
    assert "Đã đổi mật khẩu; 1 phiên đăng nhập khác đã bị đăng xuất" in done.get_data(as_text=True)
    assert here.get("/reports").status_code == 200
    assert there.get("/reports").status_code == 302
    assert post_login(app.test_client(), editor.username, "a new long phrase").status_code == 302


def test_log_out_everywhere(app, editor, runtime: Runtime) -> None:  # type: ignore[no-untyped-def]
    here, there = app.test_client(), app.test_client()
    login(here, editor.username)
    login(there, editor.username)
    assert here.post("/account/logout-everywhere").status_code == 400  # CSRF
    done = here.post("/account/logout-everywhere", data={"csrf_token": token(here)})
    assert done.status_code == 302 and done.location.endswith("/login")
    assert here.get("/reports").status_code == 302
    assert there.get("/reports").status_code == 302
    [event] = events(runtime, "sessions.revoked")
    assert event.user_id == editor.id and event.detail == {"sessions_ended": 2}


def test_an_idle_session_ends(runtime: Runtime, editor) -> None:  # type: ignore[no-untyped-def]
    with runtime.session() as session:
        user = session.get(User, editor.id)
        sid = accounts.open_session(session, user)  # type: ignore[arg-type]
        assert accounts.session_user(session, editor.id, sid) is not None
        assert accounts.session_user(session, editor.id + 1, sid) is None
        later = utcnow() + accounts.SESSION_IDLE_LIMIT + dt.timedelta(minutes=1)
        assert accounts.session_user(session, editor.id, sid, now=later) is None


# ---- the password rule ---------------------------------------------------------------------

@pytest.mark.parametrize(("password", "message"), [
    ("1234567", "A password needs at least 8 characters"),
    ("12345678", "This password is one of the most common ones"),
    ("Password123", "This password is one of the most common ones"),
    ("matkhau123", "This password is one of the most common ones"),
    ("anhyeuem123", "This password is one of the most common ones"),
    ("aaaaaaaaaaaa", "This password is one of the most common ones"),
    ("abcdefghij", "This password is one of the most common ones"),
    ("mai.lo.thi", "A password may not be the user name"),
    ("LaiChau", "A password needs at least 8 characters"),
    ("Station ", "A password may not be the station's name"),
    ("laichautv", "A password may not be the station's name"),
    ("x" * 257, "A password may have at most 256 characters"),
])
def test_passwords_refused(password: str, message: str) -> None:
    with pytest.raises(ValidationError) as refused:
        check_password_rule(password, username="mai.lo.thi")
    assert refused.value.message("en").startswith(message)


@pytest.mark.parametrize("password", [
    "laichau2026",  # the demo's: contains the station's name, is not equal to it
    PASSWORD, "mường tè 2026", "ABCD-efgh", "Tôi yêu Lai Châu", "xyz" * 85,
])
def test_passwords_accepted_without_composition_rules(password: str) -> None:
    check_password_rule(password, username="mai.lo.thi")


def test_a_vietnamese_password_matches_in_any_unicode_form(runtime: Runtime, make_user) -> None:  # type: ignore[no-untyped-def]
    typed = "Mường Tè mùa lúa"
    made = make_user("editor")
    with runtime.session() as session:
        user = session.get(User, made.id)
        user.set_password(unicodedata.normalize("NFD", typed))  # type: ignore[union-attr]
        session.commit()
        assert user.check_password(unicodedata.normalize("NFC", typed))  # type: ignore[union-attr]
        assert not user.check_password(typed + " ")  # type: ignore[union-attr]


def test_the_cli_applies_the_rule_and_ends_sessions(tmp_path: Path) -> None:
    env = {"STATION_INSTANCE_PATH": str(tmp_path / "instance"), "STATION_LANGUAGE": "en",
           "STATION_DATABASE_URL": "", "STATION_REDIS_URL": "", "STATION_USER": ""}
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Any:
        return runner.invoke(main, list(args), env=env, input=input, catch_exceptions=False)

    assert run("db", "upgrade").exit_code == 0
    weak = run("user", "add", "boss", "--role", "admin", "--password", "12345678")
    assert weak.exit_code == 1 and "one of the most common ones" in weak.output
    short = run("user", "add", "boss", "--role", "admin", "--password", "s3cret")
    assert short.exit_code == 1 and "at least 8 characters" in short.output
    same = run("user", "add", "bossman", "--role", "admin", "--password", "BossMan")
    assert same.exit_code == 1
    same = run("user", "add", "bossman1", "--role", "admin", "--password", "BossMan1")
    assert same.exit_code == 1 and "may not be the user name" in same.output
    assert run("user", "add", "boss", "--role", "admin", "--password", "laichau2026").exit_code == 0
    assert run("user", "password", "boss", input="qwerty123\nqwerty123\n").exit_code == 1
    changed = run("user", "password", "boss", input="new long phrase\nnew long phrase\n")
    assert changed.exit_code == 0 and "0 sessions signed out" in changed.output
    assert run("user", "deactivate", "boss").exit_code == 0
    listed = run("user", "list", "--json")
    assert '"active": false' in listed.output
    assert run("user", "activate", "boss").exit_code == 0
    assert "0 sessions of boss signed out" in run("user", "logout", "boss").output
