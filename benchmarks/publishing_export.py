"""Publishing: the static export of the public site, full and incremental (issue 16).

Targets (docs/benchmarks.md "Public site export"):

* **Full export** of 1,000 published reports (pages, embed pages, oEmbed, WebVTT, media
  links, index, channel feeds, sitemap) in under 30 s.
* **Incremental export** after one publish (an editor changes one report's summary) in
  under 2 s; the ratio incremental / full is reported.

Rows are made directly (bulk inserts): 1,000 approved reports on two channels, each with a
Vietnamese and an English approved track of 12 cues, a publication, and media assets that
all point at one small stored MP4 and poster (made once with ffmpeg), so the figures measure
pages, feeds and sitemap, not media making. Media are hard links, as in production.
``--quick`` uses 200 reports. ``--backends`` measures SQLite and/or PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select

from benchmarks import _harness as h
from production.models import MediaAsset, Report, report_channel
from production.storage import MediaStore, sha256_file
from publishing import services as publishing
from publishing.models import Publication
from publishing.site import export_site
from station.accounts import User
from station.jobs import discard_pending
from station.runtime import Runtime
from subtitles.models import CueRow, Track

PASSWORD = h.BENCH_PASSWORD
SITE = "https://truyenhinh.laichau.example/"
STAMP = dt.datetime(2026, 11, 1, tzinfo=dt.UTC)
SIZES = {"full": 1_000, "quick": 200}
CUES = 12
TARGET_FULL_S = 30.0
TARGET_INCREMENTAL_S = 2.0


def _media(store: MediaStore, work: Path) -> dict[str, tuple[str, str, int]]:
    """One 2-second 320x180 faststart MP4 and its poster, put in the store once."""
    clip, poster = work / "clip.mp4", work / "poster.jpg"
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=320x180:rate=25:duration=2", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=2", "-c:v", "libx264", "-preset", "veryfast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart",
                    str(clip)], check=True)
    subprocess.run(["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(clip),
                    "-frames:v", "1", str(poster)], check=True)
    found = {}
    for role, path, ext in (("proxy", clip, "mp4"), ("poster", poster, "jpg")):
        sha, size = sha256_file(path), path.stat().st_size
        found[role] = (store.put(path, sha, ext), sha, size)
    return found


def _asset(report_id: int, role: str, stored: tuple[str, str, int]) -> dict[str, Any]:
    key, sha, size = stored
    proxy = role == "proxy"
    video = {"container": "mov,mp4,m4a,3gp,3g2,mj2" if proxy else "image2",
             "video_codec": "h264" if proxy else "mjpeg", "audio_codec": "aac" if proxy else None,
             "width": 320, "height": 180, "duration_ms": 2000 if proxy else None}
    return {"report_id": report_id, "role": role, "sha256": sha, "size_bytes": size,
            "storage_key": key, "created_at": STAMP, **video}


def generate(count: int, channels: dict[str, int], editor_id: int,
             media: dict[str, tuple[str, str, int]]) -> list[tuple[Any, list[dict[str, Any]]]]:
    """count approved, published reports with two approved tracks each."""
    reports, links, assets, tracks, cues, publications = [], [], [], [], [], []
    for rid in range(1, count + 1):
        reports.append({"id": rid, "title": f"Phóng sự số {rid}: mùa hoa ban Lai Châu",
                        "title_en": f"Report {rid}: bauhinia season", "kind": "tv_report",
                        "original_language": "vi", "notes": "", "tags": [],
                        "status": "approved", "search_text": f"phong su so {rid}",
                        "created_at": STAMP, "updated_at": STAMP, "version": 1})
        links.append({"report_id": rid,
                      "channel_id": channels["LCTV" if rid % 3 else "VTV4"]})
        assets += [_asset(rid, "proxy", media["proxy"]), _asset(rid, "poster", media["poster"])]
        for n, language in enumerate(("vi", "en")):
            tid = rid * 2 - 1 + n
            tracks.append({"id": tid, "report_id": rid, "language": language,
                           "role": "original" if language == "vi" else "translation",
                           "status": "approved", "origin": "human", "rules": {}, "notes": "",
                           "created_at": STAMP, "updated_at": STAMP, "approved_at": STAMP,
                           "approved_by_id": editor_id, "version": 2})
            cues += [{"track_id": tid, "start_ms": c * 2000, "end_ms": c * 2000 + 1800,
                      "text": (f"Câu phụ đề số {c} của phóng sự {rid}" if language == "vi"
                               else f"Subtitle line {c} of report {rid}"),
                      "flags": [], "words": [], "status": "confirmed", "updated_at": STAMP,
                      "version": 1} for c in range(CUES)]
        publications.append({"id": rid, "report_id": rid, "slug": f"phong-su-so-{rid}-{rid}",
                             "status": "published",
                             "summary": f"Tóm tắt phóng sự số {rid} về Lai Châu.",
                             "summary_en": f"Summary of report {rid}.", "programme": None,
                             "published_at": STAMP + dt.timedelta(minutes=rid),
                             "published_by_id": editor_id, "created_at": STAMP,
                             "updated_at": STAMP, "version": 1})
    return [(Report.__table__, reports), (report_channel, links),
            (MediaAsset.__table__, assets), (Track.__table__, tracks), (CueRow.__table__, cues),
            (Publication.__table__, publications)]


def prepare(url: str, work: Path, count: int) -> tuple[Any, dict[str, float]]:
    times: dict[str, float] = {}
    settings, times["migrate"] = h.migrated_database(url, work / "instance",
                                                     media_root=work / "media")
    runtime = Runtime(settings)
    try:
        editor_id, channels = h.bench_editor(runtime)
        media = _media(MediaStore(settings.media_path), work)
        began = time.perf_counter()
        h.bulk_insert(runtime.engine, generate(count, channels, editor_id, media),
                      ("report", "track", "publication"), analyze_sqlite=True)
        times["insert"] = time.perf_counter() - began
    finally:
        runtime.dispose()
    return settings, times


def _publish_one(runtime: Runtime, report_id: int, n: int) -> None:
    """An editor changes one report's summary: the incremental export's one change."""
    with runtime.session() as session:
        editor = session.scalar(select(User).where(User.username == "bench-editor"))
        assert editor is not None
        publishing.publish(session, report_id, publishing.PublishInput(
            f"Tóm tắt mới lần {n}.", "New summary."), actor=editor)
        discard_pending(session)  # no worker here: the benchmark exports itself
        session.commit()


def measure_backend(url: str, count: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="station-bench-publishing-") as tmp:
        work = Path(tmp)
        settings, times = prepare(url, work, count)
        runtime = Runtime(settings)
        try:
            full, incremental = [], []
            for n in range(repeat):
                out = work / f"site-{n}"
                summary = export_site(runtime, out, site_url=SITE, full=True)
                assert len(summary.rendered) == count, summary.as_dict()
                full.append(summary.seconds)
                _publish_one(runtime, 1 + n, n)
                began = time.perf_counter()
                again = export_site(runtime, out, site_url=SITE)
                incremental.append(time.perf_counter() - began)
                assert len(again.rendered) == 1, again.as_dict()
                print(f"  run {n + 1}: full {full[-1]:6.2f} s, incremental "
                      f"{incremental[-1]:5.2f} s", flush=True)
        finally:
            runtime.dispose()
    return {"reports": count, "times": times, "full_s": h.median(full),
            "incremental_s": h.median(incremental),
            "ratio": h.median_ratio(incremental, full), "runs": {"full": full,
                                                                 "incremental": incremental}}


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, quick="200 reports, 2 runs", repeat=(3, 2), backends=True)
    args = h.resolve(parser, parser.parse_args(argv))
    run = h.Run("publishing_export", args)
    count = SIZES["quick" if args.quick else "full"]
    ok = True

    def measure(backend: str, url: str) -> dict[str, Any]:
        nonlocal ok
        print(f"\n=== {backend}: {count:,} published reports ===", flush=True)
        got = measure_backend(url, count, args.repeat)
        full_met = got["full_s"] < TARGET_FULL_S * count / SIZES["full"]
        inc_met = got["incremental_s"] < TARGET_INCREMENTAL_S
        print(f"  full export {got['full_s']:.2f} s: {h.verdict(full_met)} "
              f"< {TARGET_FULL_S * count / SIZES['full']:.0f} s")
        print(f"  incremental after one publish {got['incremental_s']:.2f} s: "
              f"{h.verdict(inc_met)} < {TARGET_INCREMENTAL_S:.0f} s")
        print(f"  incremental / full = {got['ratio']:.3f}")
        ok = ok and full_met and inc_met
        return got

    with tempfile.TemporaryDirectory(prefix="station-bench-") as root:
        results = h.each_backend(args, Path(root), run, measure)
    return run.finish({"backends": results}, ok=ok)


if __name__ == "__main__":
    sys.exit(main())
