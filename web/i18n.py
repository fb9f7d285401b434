"""The page language (Vietnamese by default, English on request) and display filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, request, session

from station.i18n import LANGUAGES, translate
from station.timecode import format_duration, to_local


def current_language() -> str:
    """The user's choice in the session, else the instance default."""
    from web.app import runtime

    chosen = session.get("lang")
    return chosen if chosen in LANGUAGES else runtime().settings.language


def gettext(text: str, **params: Any) -> str:
    out = translate(text, current_language())
    return out.format(**params) if params else out


def localtime(moment: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """UTC from the database shown in Asia/Ho_Chi_Minh (STANDARDS.md "Time")."""
    if moment is None:
        return "–"
    from web.app import runtime

    return to_local(moment, runtime().settings.timezone).strftime(fmt)


def filesize(n: int | None) -> str:
    if n is None:
        return "–"
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000
    return f"{size:.1f} GB"


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        localtime=localtime,
        duration=format_duration,
        filesize=filesize,
        datefmt=lambda d: d.strftime("%d/%m/%Y") if d else "–",
    )

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"_": gettext, "lang": current_language(), "languages": LANGUAGES,
                "request_path": request.full_path.rstrip("?")}
