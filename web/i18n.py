"""The page language (Vietnamese by default, English on request) and display filters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, request, session

from station.i18n import LANGUAGES, translate
from station.i18n import language_name as station_language_name
from station.text import human_size
from station.timecode import clock, format_duration, to_local


def current_language() -> str:
    """The user's choice in the session, else (API clients with a token) their
    Accept-Language, else the instance default.

    A signed-in browser's calls to the JSON API speak the language of its pages: the browser's
    Accept-Language (often English) must not turn the workspace's messages English on a
    Vietnamese page.
    """
    from web.app import runtime

    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    if (request and request.path.startswith("/api/") and "_user_id" not in session
            and request.accept_languages):
        best = request.accept_languages.best_match(LANGUAGES)
        if best:
            return str(best)
    return runtime().settings.language


def gettext(text: str, **params: Any) -> str:
    out = translate(text, current_language())
    return out.format(**params) if params else out


def language_name(tag: str | None, lang: str | None = None) -> str:
    """A language tag as people read it, in the page language (``|language`` in templates)."""
    return station_language_name(tag, lang or current_language())


def localtime(moment: dt.datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """UTC from the database shown in Asia/Ho_Chi_Minh (docs/standards.md "Time")."""
    if moment is None:
        return "–"
    from web.app import runtime

    return to_local(moment, runtime().settings.timezone).strftime(fmt)


def timecode_filter(ms: int | None) -> str:
    """HH:MM:SS.mmm, the way subtitle tools show cue times."""
    return "–" if ms is None else clock(ms)


def minutes(seconds: int) -> str:
    """A slot length as people write it on a schedule: 25′, 2′30″."""
    mins, secs = divmod(int(seconds), 60)
    return f"{mins}′{secs:02d}″" if secs else f"{mins}′"


def duration_value(ms: int | None) -> str:
    """A duration for an input field, m:ss or h:mm:ss as parse_duration reads it back
    ("" when unknown, so the field stays empty rather than showing "–")."""
    return "" if ms is None else format_duration(ms)


# Vietnamese schedules write weekdays as "Thứ hai" = T2 ... "Chủ nhật" = CN.
WEEKDAYS_VI = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")
WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday_name(day: Any) -> str:
    """A weekday (a date, or its number, 0 = Monday) as the reader's schedules write it."""
    index = day if isinstance(day, int) else day.weekday()
    return (WEEKDAYS_VI if current_language() == "vi" else WEEKDAYS_EN)[index]


def decimal(value: float | int | None, places: int = 1) -> str:
    """A decimal as the reader writes it: 12.5 in English, 12,5 in Vietnamese."""
    if value is None:
        return "–"
    text = f"{value:.{places}f}"
    return text.replace(".", ",") if current_language() == "vi" else text


def init_app(app: Flask) -> None:
    app.jinja_env.filters.update(
        localtime=localtime,
        duration=format_duration,
        filesize=human_size,
        datefmt=lambda d: d.strftime("%d/%m/%Y") if d else "–",
        timecode=timecode_filter,
        minutes=minutes,
        duration_value=duration_value,
        language=language_name,
        weekday=weekday_name,
        decimal=decimal,
    )

    @app.context_processor
    def inject() -> dict[str, Any]:
        return {"_": gettext, "lang": current_language(), "languages": LANGUAGES,
                "request_path": request.full_path.rstrip("?")}
