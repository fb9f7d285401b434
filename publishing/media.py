"""The files the public site serves for a report: a web MP4, a poster, a podcast audio file.

Each is made once per source file and kept in the media store under a key derived from the
source's sha256 and the recipe's version (docs/publishing.md "Media"), so an export only links
files that already exist; a report's source changing (a new master) or a recipe changing (a
new RECIPE_VERSION) gives a new key, and the old file is simply no longer used.

* Video: ingest's proxy is already what a browser plays from a plain file with HTTP Range
  (H.264/AAC in MP4, at most 720 lines, ``+faststart``: the index before the data). It is
  reused as it is when it still is that; otherwise the master is encoded once the same way.
* Poster: ingest's poster when there is one, else a frame a few seconds in.
* Radio programmes: MP3 at -16 LUFS integrated, true peak at most -1.5 dBTP (two-pass
  loudnorm, delivery/renditions.py), the podcast level of Apple and Spotify's guidance.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from delivery.renditions import loudnorm_filter, loudnorm_measure_argv, parse_loudnorm
from production import ffmpeg
from production.models import MediaAsset, Report
from production.storage import MediaStore
from station.config import Settings
from station.errors import ValidationError

log = logging.getLogger(__name__)

# Bump when a recipe below changes: every derived file is then made again.
RECIPE_VERSION = 1
PODCAST_I = -16.0
PODCAST_TP = -1.5
PODCAST_LRA = 11.0
PODCAST_BITRATE = "128k"
PODCAST_RATE = 44100
POSTER_AT_MS = 3000
WEB_MAX_HEIGHT = 720

Progress = Callable[[float], None]


@dataclass(frozen=True)
class StoredFile:
    """A file of the site in the media store: where it is and what the feeds say about it."""

    key: str
    size: int
    mime: str
    ext: str


@dataclass(frozen=True)
class SiteMedia:
    """What the site plays for one report: a video or an audio file, and its poster."""

    kind: str  # "video" or "audio"
    main: StoredFile
    poster: StoredFile | None
    duration_ms: int | None
    width: int | None = None
    height: int | None = None
    source_sha: str = ""


def source_asset(report: Report) -> MediaAsset | None:
    """The asset the site's media are made from: the master, else the proxy."""
    return report.asset("master") or report.asset("proxy")


def derived_key(store: MediaStore, source_sha: str, recipe: str, ext: str) -> str:
    """A stable key for a file made from source_sha by recipe (same inputs, same key)."""
    digest = hashlib.sha256(f"publishing:{recipe}:v{RECIPE_VERSION}:{source_sha}".encode())
    return store.key_for(digest.hexdigest(), ext)


# A store key as MediaStore.key_for writes it: nothing in it can leave the store's root.
_STORE_KEY = re.compile(r"^[0-9a-f]{2}/[0-9a-f]{2}/[0-9a-f]{64}(?:\.[a-z0-9]{1,8})?$")


def store_path(store: MediaStore, key: str) -> Path:
    """The file of a key; MediaStore.path's resolve() is skipped for keys of the store's own
    shape (an export looks up thousands: resolve() was most of an incremental export)."""
    return store.root / key if _STORE_KEY.match(key) else store.path(key)


def is_faststart(path: Path) -> bool:
    """Whether an MP4's ``moov`` box comes before its ``mdat`` (playable while downloading).

    Stored files never change (their name is their hash), so the answer is kept per path."""
    return _faststart(str(path))


@functools.lru_cache(maxsize=4096)
def _faststart(name: str) -> bool:
    """The box walk of is_faststart (cached by path)."""
    try:
        with open(name, "rb") as fh:
            while header := fh.read(8):
                if len(header) < 8:
                    return False
                size = int.from_bytes(header[:4], "big")
                box = header[4:8]
                if box == b"moov":
                    return True
                if box == b"mdat":
                    return False
                if size == 1:
                    size = int.from_bytes(fh.read(8), "big") - 8
                elif size == 0:
                    return False
                fh.seek(size - 8, 1)
    except OSError:
        return False
    return False


def proxy_fits(store: MediaStore, proxy: MediaAsset | None) -> bool:
    """Whether ingest's proxy can be served as the site's video without a new encode."""
    if proxy is None or not proxy.width or not proxy.height:
        return False
    if proxy.video_codec != "h264" or proxy.audio_codec not in ("aac", None):
        return False
    if proxy.height > WEB_MAX_HEIGHT:
        return False
    return is_faststart(store_path(store, proxy.storage_key))


def _stored(store: MediaStore, key: str, mime: str) -> StoredFile | None:
    try:
        size = store_path(store, key).stat().st_size
    except OSError:
        return None
    return StoredFile(key, size, mime, key.rsplit(".", 1)[-1])


def _of_asset(asset: MediaAsset, mime: str) -> StoredFile:
    return StoredFile(asset.storage_key, asset.size_bytes, mime,
                      asset.storage_key.rsplit(".", 1)[-1])


def _exists(store: MediaStore, key: str) -> bool:
    return store_path(store, key).is_file()


def _make(store: MediaStore, key: str, make: Callable[[Path], None]) -> None:
    """Run make(tmp) in a scratch folder beside the store, then move the result to key."""
    dst = store.path(key)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=store.root, prefix=".site-") as scratch:
        out = Path(scratch) / f"out.{key.rsplit('.', 1)[-1]}"
        make(out)
        if not out.is_file() or out.stat().st_size == 0:
            raise ValidationError("ffmpeg made no {name} for the public site", name=out.name)
        out.chmod(0o644)
        out.replace(dst)


def _web_video_argv(settings: Settings, src: Path, dst: Path) -> list[str]:
    """The proxy recipe (H.264 main, AAC stereo, faststart) at most 720 lines high."""
    return [settings.ffmpeg_binary, *ffmpeg.PROGRESS_ARGS, "-y", "-i", ffmpeg.path_arg(src),
            "-map", "0:v:0", "-map", "0:a:0?",
            "-vf", "yadif=deint=interlaced,"
            f"scale=w=trunc(oh*dar/2)*2:h=trunc(min({WEB_MAX_HEIGHT}\\,ih)/2)*2,setsar=1",
            "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
            "-profile:v", "main", "-c:a", "aac", "-b:a", "128k", "-ar", "48000", "-ac", "2",
            "-movflags", "+faststart", "-f", "mp4", ffmpeg.path_arg(dst)]


def podcast_argv(settings: Settings, src: Path, dst: Path, audio_filter: str) -> list[str]:
    """Pass 2: the measured loudnorm, back to 44.1 kHz stereo, MP3 CBR (docs/publishing.md)."""
    return [settings.ffmpeg_binary, *ffmpeg.PROGRESS_ARGS, "-y", "-i", ffmpeg.path_arg(src),
            "-map", "0:a:0", "-vn", "-sn", "-dn",
            "-af", f"aformat=channel_layouts=stereo,{audio_filter},aresample={PODCAST_RATE}",
            "-c:a", "libmp3lame", "-b:a", PODCAST_BITRATE, "-ar", str(PODCAST_RATE),
            "-ac", "2", "-id3v2_version", "3", "-f", "mp3", ffmpeg.path_arg(dst)]


def guarded(argv: list[str], src: Path, demuxer: str | None) -> list[str]:
    """The argv reading src only with its probed demuxer (production/ffmpeg/__init__.py
    "Untrusted media"): a master is an upload, read the way ingest read it."""
    return ffmpeg.guard_input(argv, src, demuxer) if demuxer else argv


def demuxer_of(asset: MediaAsset) -> str | None:
    """The demuxer ingest probed for a stored asset (None: a file Station made itself)."""
    return ffmpeg.demuxer_for(asset.container) if asset.role == "master" and asset.container \
        else None


def make_podcast_audio(settings: Settings, src: Path, dst: Path, *,
                       duration_ms: int | None = None, progress: Progress | None = None,
                       should_cancel: Callable[[], bool] | None = None,
                       demuxer: str | None = None) -> None:
    """Two-pass loudnorm to -16 LUFS / -1.5 dBTP: measure, then one linear gain when the
    peaks allow it (else loudnorm's dynamic mode, which still meets both limits)."""
    measured = ffmpeg.run(
        guarded(loudnorm_measure_argv(settings.ffmpeg_binary, src, target_i=PODCAST_I,
                                      target_tp=PODCAST_TP, target_lra=PODCAST_LRA),
                src, demuxer),
        duration_ms=duration_ms, should_cancel=should_cancel,
        on_progress=(lambda p: progress(p / 2)) if progress else None)
    chain = loudnorm_filter(parse_loudnorm(measured), target_i=PODCAST_I,
                            target_tp=PODCAST_TP, target_lra=PODCAST_LRA)
    ffmpeg.run(guarded(podcast_argv(settings, src, dst, chain), src, demuxer),
               duration_ms=duration_ms,
               should_cancel=should_cancel,
               on_progress=(lambda p: progress(50 + p / 2)) if progress else None)


def _poster(settings: Settings, store: MediaStore, report: Report,
            source: MediaAsset) -> StoredFile | None:
    """Ingest's poster, else one frame POSTER_AT_MS in (or mid-way in a shorter clip)."""
    own = report.asset("poster")
    if own is not None:  # ingest's poster, its size from its row (no stat per export)
        return _of_asset(own, "image/jpeg")
    if not source.width:
        return None
    key = derived_key(store, source.sha256, "poster", "jpg")
    if not _exists(store, key):
        at_ms = min(POSTER_AT_MS, (source.duration_ms or 0) // 2)

        def make(out: Path) -> None:
            ffmpeg.run(ffmpeg.poster_argv(settings.ffmpeg_binary, store.path(source.storage_key),
                                          out, at_ms=at_ms, demuxer=demuxer_of(source)))
        _make(store, key, make)
    return _stored(store, key, "image/jpeg")


def _video(settings: Settings, store: MediaStore, report: Report, source: MediaAsset,
           progress: Progress | None, should_cancel: Callable[[], bool] | None) -> StoredFile:
    proxy = report.asset("proxy")
    if proxy is not None and proxy_fits(store, proxy):
        return _of_asset(proxy, "video/mp4")
    key = derived_key(store, source.sha256, "web-mp4", "mp4")
    if not _exists(store, key):
        def make(out: Path) -> None:
            src = store.path(source.storage_key)
            ffmpeg.run(guarded(_web_video_argv(settings, src, out), src, demuxer_of(source)),
                       duration_ms=source.duration_ms, on_progress=progress,
                       should_cancel=should_cancel)
        _make(store, key, make)
    found = _stored(store, key, "video/mp4")
    assert found is not None
    return found


def _audio(settings: Settings, store: MediaStore, source: MediaAsset,
           progress: Progress | None, should_cancel: Callable[[], bool] | None) -> StoredFile:
    key = derived_key(store, source.sha256, "podcast-mp3", "mp3")
    if not _exists(store, key):
        def make(out: Path) -> None:
            make_podcast_audio(settings, store.path(source.storage_key), out,
                               duration_ms=source.duration_ms, progress=progress,
                               should_cancel=should_cancel, demuxer=demuxer_of(source))
        _make(store, key, make)
    found = _stored(store, key, "audio/mpeg")
    assert found is not None
    return found


def needs_making(settings: Settings, report: Report) -> bool:
    """Whether site_media would run ffmpeg for this report (the job's progress counts them)."""
    store = MediaStore(settings.media_path)
    source = source_asset(report)
    if source is None:
        return False
    if report.is_radio or not source.width:
        return not _exists(store, derived_key(store, source.sha256, "podcast-mp3", "mp3"))
    return not proxy_fits(store, report.asset("proxy")) and not _exists(store,
        derived_key(store, source.sha256, "web-mp4", "mp4"))


def site_media(settings: Settings, report: Report, *, progress: Progress | None = None,
               should_cancel: Callable[[], bool] | None = None) -> SiteMedia | None:
    """The report's site media, made now when missing (None: the report has no media)."""
    store = MediaStore(settings.media_path)
    source = source_asset(report)
    if source is None or not _exists(store, source.storage_key):
        return None
    poster = _poster(settings, store, report, source)
    if report.is_radio or not source.width:
        main = _audio(settings, store, source, progress, should_cancel)
        return SiteMedia("audio", main, poster, source.duration_ms, source_sha=source.sha256)
    main = _video(settings, store, report, source, progress, should_cancel)
    proxy = report.asset("proxy")
    if main.key == (proxy.storage_key if proxy else None):
        assert proxy is not None
        width, height = proxy.width, proxy.height
    else:
        width, height = web_size(source.width, source.height)
    return SiteMedia("video", main, poster, source.duration_ms, width, height,
                     source_sha=source.sha256)


def web_size(width: int | None, height: int | None) -> tuple[int | None, int | None]:
    """The web video's picture size: the recipe's scale (even, at most WEB_MAX_HEIGHT lines,
    width from the aspect ratio); square pixels assumed, as the probe gives no DAR here."""
    if not width or not height:
        return width, height
    out_h = min(WEB_MAX_HEIGHT, height) // 2 * 2
    return round(width * out_h / height / 2) * 2, out_h
