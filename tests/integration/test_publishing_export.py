"""The public site exported as static files: a real approved report with ingested media and
approved vi/en tracks, published, exported; incremental exports, unpublish, a report stepped
back, the podcast's loudness, and nothing in the export naming Station's own host."""

from __future__ import annotations

import dataclasses
import json
import os
import threading
from pathlib import Path

import click
import feedparser
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from delivery.renditions import ebur128_argv
from production import ffmpeg
from production import services as production
from production.models import MediaAsset, Report
from production.storage import MediaStore
from production.tasks import ingest_now
from publishing import services as publishing
from publishing.export_cli import export_command
from publishing.media import PODCAST_I, PODCAST_TP, is_faststart
from publishing.site import export_site
from publishing.site.files import export_lock
from station.cli import State
from station.errors import ValidationError
from station.jobs import JobRun, execute, load_handlers
from station.runtime import Runtime
from tests import delivery_desk as dd
from tests import media
from tests.conftest import make_settings

pytestmark = pytest.mark.skipif(not media.tools_available(),
                                reason="needs ffmpeg, ffprobe and espeak-ng")

SITE = "https://truyenhinh.laichau.example/"
SUMMARY_VI = "Hoa đào nở khắp các bản vùng cao Lai Châu."
SUMMARY_EN = "Peach blossoms across the highland villages of Lai Chau."


def approve(runtime: Runtime, report_id: int) -> None:
    """Mark a report approved (the workflow's gates are tested elsewhere)."""
    with runtime.session() as session:
        report = session.get(Report, report_id)
        assert report is not None
        report.status = "approved"
        session.commit()


def publish(desk: dd.Desk, report_id: int | None = None, *, summary: str = SUMMARY_VI,
            programme: str | None = None) -> str:
    with desk.runtime.session() as session:
        publication = publishing.publish(
            session, report_id or desk.report_id,
            publishing.PublishInput(summary, SUMMARY_EN, programme), actor=desk.editor)
        session.commit()
        return publication.slug


def unpublish(desk: dd.Desk, report_id: int | None = None) -> None:
    with desk.runtime.session() as session:
        publishing.unpublish(session, report_id or desk.report_id, actor=desk.editor)
        session.commit()


def twin_report(desk: dd.Desk, title: str, *, kind: str = "tv_report",
                channel: str = "VTV4") -> int:
    """A second approved report sharing the first one's stored media (rows only)."""
    with desk.runtime.session() as session:
        source = session.get(Report, desk.report_id)
        assert source is not None
        report = production.create_report(session, production.ReportInput(
            title=title, kind=kind, channel_codes=[channel]), actor=desk.editor)
        for asset in source.assets:
            copy = MediaAsset(**{c.key: getattr(asset, c.key) for c in MediaAsset.__table__.c
                                 if c.key not in ("id", "report_id")})
            report.assets.append(copy)
        report.status = "approved"
        session.commit()
        return report.id


def site_desk(runtime: Runtime, media_cache: Path) -> dd.Desk:
    desk = dd.make_desk(runtime, media_cache)
    approve(runtime, desk.report_id)
    return desk


def radio_report(desk: dd.Desk, media_cache: Path, *, programme: str = "Bản tin nông thôn"
                 ) -> tuple[int, str]:
    """An approved radio programme with an ingested MP3 and an approved vi track."""
    with desk.runtime.session() as session:
        report = production.create_report(session, production.ReportInput(
            title="Chuyện nhà nông", kind="radio_programme", channel_codes=["LCR"]),
            actor=desk.editor)
        session.commit()
        report_id = report.id
    job = ingest_now(desk.runtime, report_id, media.audio_only(media_cache, seconds=6),
                     actor=desk.editor)
    assert job.status == "succeeded", job.error
    dd.add_track(dataclasses.replace(desk, report_id=report_id), "vi")
    approve(desk.runtime, report_id)
    return report_id, publish(desk, report_id, programme=programme)


def texts(folder: Path) -> dict[str, str]:
    """Every text file of an export, by relative path."""
    found = {}
    for path in folder.rglob("*"):
        if path.is_file() and path.suffix in (".html", ".xml", ".json", ".txt", ".css", ".js",
                                              ".vtt"):
            found[path.relative_to(folder).as_posix()] = path.read_text("utf-8")
    return found


@pytest.fixture
def desk(any_runtime: Runtime, media_cache: Path) -> dd.Desk:
    """On SQLite and PostgreSQL: for what the export reads from the database."""
    return site_desk(any_runtime, media_cache)


@pytest.fixture
def lite_desk(runtime: Runtime, media_cache: Path) -> dd.Desk:
    """On SQLite only: for media, addresses, the job, the command and the lock, where the
    database plays no part (the suite's time budget)."""
    return site_desk(runtime, media_cache)


def test_export_writes_the_report_page_media_feeds_and_nothing_of_station(
        desk: dd.Desk, tmp_path: Path) -> None:
    slug = publish(desk)
    out = tmp_path / "site"
    summary = export_site(desk.runtime, out, site_url=SITE)
    assert summary.reports == 1 and summary.rendered == [slug]
    folder = out / "r" / slug
    page = (folder / "index.html").read_text("utf-8")
    assert '<html lang="vi">' in page and 'lang="en">Peach blossom season' in page
    assert SUMMARY_VI in page and f'<p lang="en">{SUMMARY_EN}</p>' in page
    assert '<track kind="subtitles" src="vi.vtt" srclang="vi"' in page
    assert f'<link rel="canonical" href="{SITE}r/{slug}/">' in page
    assert dd.TEXTS["vi"] in page  # the transcript, as text
    assert (folder / "en.vtt").read_text("utf-8").startswith("WEBVTT")
    assert dd.TEXTS["en"] in (folder / "en.vtt").read_text("utf-8")
    # The video is ingest's faststart proxy, hard-linked from the store (no copy).
    with desk.runtime.session() as session:
        proxy = session.scalars(select(MediaAsset).where(
            MediaAsset.report_id == desk.report_id, MediaAsset.role == "proxy")).one()
        stored = MediaStore(desk.runtime.settings.media_path).path(proxy.storage_key)
    assert os.stat(folder / "video.mp4").st_ino == os.stat(stored).st_ino
    assert (folder / "poster.jpg").stat().st_size > 0
    oembed = json.loads((folder / "oembed.json").read_text("utf-8"))
    assert oembed["type"] == "video" and f'{SITE}r/{slug}/embed.html' in oembed["html"]
    for name in ("index.html", "sitemap.xml", "robots.txt", "feeds/VTV4.xml", "feeds/VTV4.json",
                 "assets/site.css", "assets/player.js", "assets/logo.png"):
        assert (out / name).is_file(), name
    # Nothing names Station's own host or its folders, even when Station knows its address.
    settings = desk.runtime.settings
    station = Runtime(make_settings(tmp_path / "station", database_url=settings.sqlalchemy_url,
                                    media_root=settings.media_path,
                                    public_url="https://station.laichau.internal:5000"))
    try:
        export_site(station, out, site_url=SITE, full=True)
    finally:
        station.dispose()
    forbidden = [str(settings.instance_path), str(settings.media_path), "127.0.0.1",
                 "localhost", ":5000", "station.laichau.internal"]
    for name, text in texts(out).items():
        for word in forbidden:
            assert word not in text, f"{name} names {word}"


def test_a_proxy_unfit_for_the_web_is_encoded_once_with_a_poster(lite_desk: dd.Desk,
                                                                  tmp_path: Path) -> None:
    with lite_desk.runtime.session() as session:  # only the master left (moov at its end)
        report = session.get(Report, lite_desk.report_id)
        assert report is not None
        report.assets = [a for a in report.assets if a.role == "master"]
        session.commit()
    slug = publish(lite_desk)
    out = tmp_path / "site"
    export_site(lite_desk.runtime, out, site_url=SITE)
    video = out / "r" / slug / "video.mp4"
    probed = ffmpeg.probe(video)
    assert probed.video is not None and probed.video.codec == "h264"
    assert probed.video.height <= 720 and probed.audio is not None
    assert probed.audio.codec == "aac"
    assert is_faststart(video)
    assert (out / "r" / slug / "poster.jpg").stat().st_size > 0
    inode = video.stat().st_ino
    export_site(lite_desk.runtime, out, site_url=SITE, full=True)  # made once, linked again
    assert video.stat().st_ino == inode


def test_incremental_export_renders_only_the_changed_report(desk: dd.Desk,
                                                            tmp_path: Path) -> None:
    first = publish(desk)
    second_id = twin_report(desk, "Chợ phiên Sìn Hồ")
    second = publish(desk, second_id)
    out = tmp_path / "site"
    assert sorted(export_site(desk.runtime, out, site_url=SITE).rendered) == sorted(
        [first, second])
    untouched = (out / "r" / second / "index.html").stat().st_mtime_ns
    assert export_site(desk.runtime, out, site_url=SITE).rendered == []
    publish(desk, summary="Mùa xuân về trên cao nguyên.")  # an update of the first
    again = export_site(desk.runtime, out, site_url=SITE)
    assert again.rendered == [first] and not again.full
    assert "Mùa xuân về trên cao nguyên." in (out / "r" / first / "index.html").read_text()
    assert (out / "r" / second / "index.html").stat().st_mtime_ns == untouched
    assert len(export_site(desk.runtime, out, site_url=SITE, full=True).rendered) == 2
    # A new address renders everything again (the absolute links changed).
    moved = export_site(desk.runtime, out, site_url="https://laichau.example/tv")
    assert moved.full and len(moved.rendered) == 2


def test_unpublish_and_stepping_back_remove_the_report_from_the_next_export(
        desk: dd.Desk, tmp_path: Path) -> None:
    slug = publish(desk)
    other_id = twin_report(desk, "Chợ phiên Sìn Hồ")
    other = publish(desk, other_id)
    out = tmp_path / "site"
    export_site(desk.runtime, out, site_url=SITE)
    assert f"r/{slug}/" in (out / "feeds" / "VTV4.xml").read_text()
    unpublish(desk)
    summary = export_site(desk.runtime, out, site_url=SITE)
    assert summary.removed == [slug] and not (out / "r" / slug).exists()
    for name in ("feeds/VTV4.xml", "feeds/VTV4.json", "sitemap.xml", "index.html"):
        text = (out / name).read_text()
        assert slug not in text and other in text, name
    with desk.runtime.session() as session:  # an editor steps the other back to editing
        production.move_report(session, other_id, "editing", actor=desk.editor,
                               comment="Sửa lại lời bình")
        session.commit()
    export_site(desk.runtime, out, site_url=SITE)
    assert not (out / "r" / other).exists()
    assert other not in (out / "sitemap.xml").read_text()
    # No report left on the channel: its feeds stay, empty, so a portal pulling them reads
    # "nothing now" rather than a missing file.
    assert feedparser.parse((out / "feeds" / "VTV4.xml").read_bytes()).entries == []
    assert json.loads((out / "feeds" / "VTV4.json").read_text())["items"] == []


def test_a_withdrawn_subtitle_language_leaves_the_page(desk: dd.Desk, tmp_path: Path) -> None:
    slug = publish(desk)
    out = tmp_path / "site"
    export_site(desk.runtime, out, site_url=SITE)
    assert (out / "r" / slug / "en.vtt").is_file()
    dd.add_track(desk, "en", approve=False, text="Peach blossoms (draft)")  # sent back
    assert export_site(desk.runtime, out, site_url=SITE).rendered == [slug]
    assert not (out / "r" / slug / "en.vtt").exists()
    assert 'srclang="en"' not in (out / "r" / slug / "index.html").read_text()


def test_radio_programme_is_a_podcast_at_minus_16_lufs(lite_desk: dd.Desk, media_cache: Path,
                                                       tmp_path: Path) -> None:
    _report_id, slug = radio_report(lite_desk, media_cache)
    out = tmp_path / "site"
    summary = export_site(lite_desk.runtime, out, site_url=SITE)
    assert summary.podcasts == 1
    audio = out / "r" / slug / "audio.mp3"
    loudness = ffmpeg.parse_ebur128(ffmpeg.run(ebur128_argv("ffmpeg", audio)))
    assert abs(loudness.integrated_lufs - PODCAST_I) <= 1.0, loudness
    assert loudness.true_peak_dbtp <= PODCAST_TP, loudness
    feed = (out / "podcasts" / "ban-tin-nong-thon-vi.xml").read_text("utf-8")
    assert f'url="{SITE}r/{slug}/audio.mp3"' in feed and f'{SITE}r/{slug}/vi.vtt' in feed
    page = (out / "r" / slug / "index.html").read_text("utf-8")
    assert "<audio controls" in page and '"@type": "AudioObject"' in page
    # Made once: a second export reuses the stored file (same inode in the export).
    inode = audio.stat().st_ino
    export_site(lite_desk.runtime, out, site_url=SITE, full=True)
    assert audio.stat().st_ino == inode


def test_a_site_url_that_is_not_absolute_is_refused(lite_desk: dd.Desk, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        export_site(lite_desk.runtime, tmp_path / "site", site_url="/public/")
    assert "not an absolute http(s) URL" in caught.value.message("en")
    assert not (tmp_path / "site").exists()


def _export_job(runtime: Runtime) -> int:
    with runtime.session() as session:
        job = session.scalars(select(JobRun).where(JobRun.kind == publishing.EXPORT_JOB)
                              .order_by(JobRun.id.desc())).first()
        assert job is not None
        return job.id


def test_the_job_after_publish_makes_media_and_exports_to_the_publish_folder(
        lite_desk: dd.Desk) -> None:
    load_handlers()
    slug = publish(lite_desk)
    job_id = _export_job(lite_desk.runtime)
    assert execute(lite_desk.runtime, job_id) == "succeeded"
    settings = lite_desk.runtime.settings
    page = (settings.publish_path / "r" / slug / "index.html").read_text("utf-8")
    assert f'href="{settings.publish_site_url}r/{slug}/"' in page
    with lite_desk.runtime.session() as session:
        job = session.get(JobRun, job_id)
        assert job is not None and job.result["reports"] == 1 and job.progress == 100


def test_the_job_fails_clearly_on_a_site_url_that_is_not_absolute(
        lite_desk: dd.Desk, tmp_path: Path) -> None:
    load_handlers()
    publish(lite_desk)
    job_id = _export_job(lite_desk.runtime)
    wrong = Runtime(make_settings(tmp_path / "other", database_url=lite_desk.runtime.settings
                                  .sqlalchemy_url, publish_site_url="truyenhinh.laichau"))
    try:
        assert execute(wrong, job_id) == "failed"
        with wrong.session() as session:
            job = session.get(JobRun, job_id)
            assert job is not None and "not an absolute http(s) URL" in (job.error or "")
    finally:
        wrong.dispose()


def test_export_command_through_click(lite_desk: dd.Desk, tmp_path: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    slug = publish(lite_desk)
    state = State()
    state.settings = lite_desk.runtime.settings
    state._runtime = lite_desk.runtime

    @click.group()
    def main() -> None:
        """A stand-in for `station publish`."""
    main.add_command(export_command)
    runner = CliRunner()
    out = tmp_path / "exported"
    result = runner.invoke(main, ["export", str(out), "--site-url", SITE], obj=state)
    assert result.exit_code == 0, result.output
    assert "1 reports on the site, 1 rendered" in result.output
    assert (out / "r" / slug / "index.html").is_file()
    again = runner.invoke(main, ["export", str(out), "--site-url", SITE, "--json"], obj=state)
    assert json.loads(again.output)["rendered"] == 0
    wrong = runner.invoke(main, ["export", str(out), "--site-url", "/x/"], obj=state)
    assert wrong.exit_code == 1 and "not an absolute http(s) URL" in wrong.output


def test_two_exports_of_one_folder_take_turns(lite_desk: dd.Desk, tmp_path: Path) -> None:
    publish(lite_desk)
    out = tmp_path / "site"
    started = threading.Event()
    done: list[object] = []

    def second() -> None:
        done.append(export_site(lite_desk.runtime, out, site_url=SITE,
                                progress=lambda _p, _s: started.set()))
    with export_lock(out):
        worker = threading.Thread(target=second)
        worker.start()
        assert not started.wait(1.0)  # waiting for the lock this export holds
    worker.join(timeout=60)
    assert started.is_set() and len(done) == 1
