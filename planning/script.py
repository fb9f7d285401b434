"""The rundown on paper: one document (JSON-ready) and the anchor script drawn from it.

The printable rundown, the anchor script and the prompter all come from the same data
(issue 15): ``document`` turns a timed rundown into plain values once, and every view
(``station rundown show|export``, the JSON API, a later PDF) reads that, so a line's time
is never computed twice. Times are the channel's local clock; lengths are whole seconds,
rounded up (planning.timing.clock).

Words people read come from the catalogue (docs/i18n.md): marked here with ``_`` and
translated where shown, in the reader's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planning.timing import clock
from station.i18n import N_, translate
from station.messages import render
from station.timecode import to_local

if TYPE_CHECKING:
    from planning.services import TimedRundown




_ = N_

KIND_LABELS = {
    "package": _("Packaged report"), "reader": _("Reader"), "voice_over": _("Voice-over"),
    "sound_bite": _("Sound bite"), "live": _("Live"), "break": _("Break"),
    "filler": _("Filler"),
}
SOURCE_LABELS = {"media": _("media length"), "read": _("read time"),
                 "estimate": _("estimated"), "untimed": _("not timed")}
STATUS_LABELS = {"draft": _("draft"), "approved": _("approved")}
SUBTITLE_LABELS = {"ok": _("subtitles ready"), "missing": _("subtitles missing"),
                   "qc_failed": _("subtitles fail QC"),
                   "not_approved": _("subtitles not approved")}


def document(view: TimedRundown) -> dict[str, Any]:
    """The rundown, its clock and each line's readiness as plain values."""
    rundown, timing = view.rundown, view.timing
    zone = rundown.channel.timezone

    def local(moment: Any) -> str:
        return to_local(moment, zone).strftime("%H:%M:%S")

    lines = []  # clock times cut to the second: a back time shown early is the safe side
    for item, line in zip(rundown.items, timing.lines, strict=True):
        ready = view.readiness.get(item.id)
        lines.append({
            "id": item.id, "position": item.position, "kind": item.kind, "title": item.title,
            "report_id": item.report_id, "anchor": item.anchor, "anchor_text": item.anchor_text,
            "estimate_s": item.estimate_s, "duration_ms": line.duration_ms,
            "duration": clock(line.duration_ms), "timed_from": line.source,
            "cumulative": clock(line.cumulative_ms), "front_time": local(line.front_time),
            "back_time": local(line.back_time),
            "changed_after_approval": item.changed_after_approval,
            "readiness": None if ready is None else {
                "report_status": ready.report_status, "approved": ready.approved,
                "media": ready.has_media, "loudness": ready.loudness,
                "subtitles": ready.subtitles, "ready": ready.ready}})
    return {
        "id": rundown.id, "channel": rundown.channel.code, "title": rundown.title,
        "on_air": to_local(rundown.starts_at, zone).strftime("%Y-%m-%d %H:%M:%S"),
        "off_air": to_local(timing.off_air, zone).strftime("%Y-%m-%d %H:%M:%S"),
        "on_air_utc": rundown.starts_at.isoformat(), "planned": clock(timing.planned_ms),
        "planned_s": rundown.planned_s, "status": rundown.status, "version": rundown.version,
        "approved_by": rundown.approved_by.display_name if rundown.approved_by else None,
        "changed_after_approval": rundown.changed_after_approval,
        "slot_id": rundown.slot_id, "total": clock(timing.total_ms),
        "total_ms": timing.total_ms, "over_ms": timing.over_ms,
        "over_under": clock(timing.over_ms), "lines": lines}


def over_under(doc: dict[str, Any], lang: str) -> str:
    """"1:20 over", "0:40 under" or "on time", in the reader's language."""
    over = doc["over_ms"]
    if over > 0:
        return render(_("{length} over"), lang, {"length": clock(over)})
    if over < 0:
        return render(_("{length} under"), lang, {"length": clock(-over)})
    return translate(_("on time"), lang)


def _readiness(ready: dict[str, Any] | None, lang: str) -> str:
    if ready is None:
        return ""
    marks = [translate(_("approved") if ready["approved"] else _("not approved"), lang)]
    marks.append(translate({"pass": _("loudness ok"), "fail": _("loudness off target")}.get(
        ready["loudness"] or "", _("loudness not measured")), lang))
    marks += [f"{code}: {translate(SUBTITLE_LABELS.get(state, state), lang)}"
              for code, state in ready["subtitles"].items()]
    return " [" + ", ".join(marks) + "]"


def rundown_lines(doc: dict[str, Any], lang: str) -> list[str]:
    """The running order as a table of text lines (``station rundown show``)."""
    status = translate(STATUS_LABELS[doc["status"]], lang)
    out = [f"#{doc['id']} {doc['channel']} {doc['title']} · {doc['on_air']} · "
           f"{doc['planned']} · {status} (v{doc['version']})"]
    if doc["changed_after_approval"]:
        out.append(translate(_("* changed after approval"), lang))
    for line in doc["lines"]:
        mark = "*" if line["changed_after_approval"] else " "
        kind = translate(KIND_LABELS[line["kind"]], lang)
        source = translate(SOURCE_LABELS[line["timed_from"]], lang)
        out.append(f"{mark}{line['position'] + 1:>2} {line['front_time']} {kind:<16} "
                   f"{line['duration']:>6} ({source}) {line['cumulative']:>7} "
                   f"{line['back_time']}  {line['title']}"
                   f"{_readiness(line['readiness'], lang)}")
    out.append(render(_("Total {total} of {planned}: {over_under}"), lang, {
        "total": doc["total"], "planned": doc["planned"],
        "over_under": over_under(doc, lang)}))
    return out


def anchor_script(doc: dict[str, Any], lang: str) -> str:
    """The anchor's script: each line's time and length, and the words to read in full."""
    out = [doc["title"].upper(), render(_("{channel}, on air {on_air}, off air {off_air}"),
                                        lang, {"channel": doc["channel"],
                                               "on_air": doc["on_air"],
                                               "off_air": doc["off_air"]}), ""]
    for line in doc["lines"]:
        kind = translate(KIND_LABELS[line["kind"]], lang).upper()
        who = f" · {line['anchor']}" if line["anchor"] else ""
        mark = " *" if line["changed_after_approval"] else ""
        out.append(f"[{line['front_time']}] {line['position'] + 1}. {kind}{who}: "
                   f"{line['title']} ({line['duration']}){mark}")
        if line["anchor_text"]:
            out += ["", line["anchor_text"], ""]
        out.append(render(_("back time {back_time}, {cumulative} into the bulletin"), lang,
                          {"back_time": line["back_time"], "cumulative": line["cumulative"]}))
        out.append("")
    out.append(render(_("Total {total} of {planned}: {over_under}"), lang, {
        "total": doc["total"], "planned": doc["planned"], "over_under": over_under(doc, lang)}))
    return "\n".join(out) + "\n"
