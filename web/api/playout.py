"""POST /api/v1/playout/played: the channel's playout reports the clip it has just started.

ffplayout's "external task" runs a script with the clip's JSON at each clip's start (its
``task_runner.rs``); the script forwards that JSON here with the channel's playout token:

    curl -fsS -H "Authorization: Bearer $STATION_PLAYOUT_TOKEN" \\
         -H "Content-Type: application/json" --data "$1" \\
         "https://station.example/api/v1/playout/played?channel=LCTV"

Playout tokens (``station schedule playout-token create``) are not partner tokens: each opens
this route for one channel and nothing else. Answers are JSON like the rest of the API,
errors included; one clip reported twice is one as-run line (200 the second time, 201 first).
"""

from __future__ import annotations

from flask import g, jsonify, request
from werkzeug.wrappers import Response

from schedule import asrun, playout_hook
from station.db import utcnow
from station.errors import ValidationError
from web.app import commit, db
from web.i18n import current_language

ENDPOINTS = ("api_v1.played",)


def authenticate() -> None:
    """The playout token of the ``channel`` asked for, in ``g.token`` (Unauthorized else)."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise playout_hook.Unauthorized(
            "Send the channel's playout token: Authorization: Bearer stp_...")
    g.token = playout_hook.authenticate(db(), secret.strip(),
                                        request.args.get("channel", "").strip())


def register(bp) -> None:  # type: ignore[no-untyped-def]
    """Add the route and its error answer to the API blueprint (web/api/v1.py calls it)."""

    @bp.post("/playout/played", merge_slashes=False)
    def played() -> Response:
        payload = request.get_json(silent=True)
        if payload is None:
            raise ValidationError("Send ffplayout's task JSON: an object with “media”")
        line = asrun.parse_task_payload(payload, utcnow())
        recorded = playout_hook.record_played(db(), g.token, line)
        commit()
        entry = recorded.entry
        response = jsonify(created=recorded.created, entry={
            "id": entry.id, "channel": g.token.channel.code,
            "started_at": entry.started_at.isoformat(), "duration_s": entry.duration_s,
            "title": entry.title, "slot_id": entry.slot_id, "outcome": entry.outcome,
            "delay_s": entry.delay_s})
        response.status_code = 201 if recorded.created else 200
        return response

    @bp.errorhandler(playout_hook.Unauthorized)
    def playout_unauthorized(exc: playout_hook.Unauthorized) -> Response:
        response = jsonify(error=exc.message(current_language()), status=401)
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="station-playout"'
        return response
