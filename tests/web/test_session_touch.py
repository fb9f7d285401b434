"""A session in use for longer than SESSION_TOUCH_EVERY has its last_seen_at written again.

The load-and-fault run (benchmarks/load_faults.py) found every request of such a session
answered 500: the user loader called the module's runtime() helper where the app's own
Runtime was meant, so each signed-in person lost the station five minutes after signing in.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update

from station import accounts
from station.accounts import UserSession
from station.db import utcnow
from station.runtime import Runtime
from tests.conftest import login


def test_an_old_session_is_touched_and_keeps_working(client: Any, make_user: Any,
                                                     runtime: Runtime) -> None:
    editor = make_user("editor")
    login(client, editor.username)
    assert client.get("/reports").status_code == 200
    long_ago = utcnow() - accounts.SESSION_TOUCH_EVERY * 2
    with runtime.session() as session:
        session.execute(update(UserSession).where(UserSession.user_id == editor.id)
                        .values(last_seen_at=long_ago))
        session.commit()
    assert client.get("/reports").status_code == 200
    with runtime.session() as session:
        seen = session.query(UserSession.last_seen_at).filter_by(user_id=editor.id).scalar()
    assert seen > long_ago
