"""POST /api/v1/playout/played through the Flask client: a good token records the clip once,
another channel's token, a partner's token, a revoked one and none are JSON 401s, and a body
that is not ffplayout's task JSON is a JSON 400 like every API error."""

from __future__ import annotations

import datetime as dt
from typing import Any

from schedule import playout_hook, services
from schedule.models import AsRunEntry
from station.db import utcnow
from station.runtime import Runtime

URL = "/api/v1/playout/played"


def _payload(source: str = "/srv/playout/thoi-su.mp4") -> dict[str, Any]:
    """What ffplayout's task runner passes (engine/src/player/utils/mod.rs get_data_map)."""
    return {"index": 4, "ingest": False, "mode": "playlist", "shift": 0.0, "elapsed": 1.5,
            "media": {"in": 0.0, "out": 900.0, "duration": 900.04, "category": "",
                      "source": source}}


def test_the_hook_records_one_line_per_clip_for_its_own_channel_only(
        app: Any, runtime: Runtime, make_user: Any) -> None:
    admin, editor = make_user("admin"), make_user("editor")
    now = utcnow().replace(microsecond=0)
    with runtime.session() as session:
        slot = services.add_slot(session, services.SlotInput(
            "LCTV", now - dt.timedelta(seconds=30), duration_s=900, title="Thời sự",
            kind="programme", source="/srv/playout/thoi-su.mp4"), actor=editor)
        _, lctv = playout_hook.create_token(session, "LCTV", "ffplayout LCTV", actor=admin)
        _, vtv4 = playout_hook.create_token(session, "VTV4", "ffplayout VTV4", actor=admin)
        revoked, old = playout_hook.create_token(session, "LCTV", "old", actor=admin)
        playout_hook.revoke_token(session, revoked.id, actor=admin)
        session.commit()
        slot_id = slot.id
    client = app.test_client()

    def post(secret: str | None, body: Any = None, channel: str = "LCTV",
             lang: str = "en") -> Any:
        headers = {"Accept-Language": lang}
        if secret:
            headers["Authorization"] = f"Bearer {secret}"
        return client.post(f"{URL}?channel={channel}", json=body or _payload(),
                           headers=headers)

    first = post(lctv)
    assert first.status_code == 201 and first.json["created"] is True
    entry = first.json["entry"]
    assert (entry["slot_id"], entry["outcome"], entry["channel"]) == (
        slot_id, "as_planned", "LCTV")
    assert "X-RateLimit-Limit" in first.headers
    again = post(lctv)
    assert again.status_code == 200 and again.json["created"] is False
    assert again.json["entry"]["id"] == entry["id"]

    for secret, channel, words in ((vtv4, "LCTV", "VTV4, not LCTV"),
                                   (None, "LCTV", "playout token"),
                                   ("stn_partner-token", "LCTV", "playout token"),
                                   (old, "LCTV", "revoked"), ("stp_guess", "LCTV", "Unknown")):
        refused = post(secret, channel=channel)
        assert refused.status_code == 401, (secret, refused.data)
        assert refused.headers["Content-Type"] == "application/json"
        assert refused.json["status"] == 401 and words in refused.json["error"]
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    vietnamese = post(None, lang="vi")
    assert vietnamese.status_code == 401
    assert vietnamese.json["error"].startswith("Hãy gửi mã khóa phát sóng của kênh")

    bad = post(lctv, body={"media": {"source": ""}})
    assert bad.status_code == 400 and bad.headers["Content-Type"] == "application/json"
    assert bad.json["status"] == 400 and "media source" in bad.json["error"]
    not_json = client.post(f"{URL}?channel=LCTV", data="Play for",
                           headers={"Authorization": f"Bearer {lctv}"})
    assert not_json.status_code == 400 and not_json.json["status"] == 400
    with runtime.session() as session:
        assert session.query(AsRunEntry).count() == 1
