"""Social clips end to end: real ffmpeg on a generated report with espeak speech, the job as
a worker runs it, the files in the media store, and every refusal with its message (the
services on SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from production.ffmpeg import parse_ebur128
from production.models import MediaAsset, Report
from production.storage import MediaStore
from publishing import clip_services, clip_tasks, clips
from publishing import services as publishing
from publishing.clip_services import ClipInput
from publishing.models import SocialClip
from station import jobs
from station.errors import NotFound, StationError
from station.job_handlers import JobContext
from station.jobs import JobRun, discard_pending, execute
from station.runtime import Runtime
from tests import media
from tests.conftest import report_factory
from tests.delivery_desk import add_track
from tests.integration.test_social_clips_desk import Desk, approved_desk, queue_clip, render

pytestmark = pytest.mark.skipif(not media.tools_available(), reason="ffmpeg/espeak-ng missing")

# The desk's cue is on screen from 1.0 s to 3.0 s of the report; the clip starts at 0.5 s.
IN_MS, OUT_MS = 500, 3500


def _probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of",
                          "json", str(path)], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)  # type: ignore[no-any-return]


def _frame(path: Path, seconds: float, crop: str) -> bytes:
    """One frame's grey pixels inside crop (w:h:x:y)."""
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{seconds}", "-i", str(path), "-frames:v", "1",
         "-vf", f"crop={crop},format=gray", "-f", "rawvideo", "-"],
        capture_output=True, check=True).stdout


def _changed(a: bytes, b: bytes) -> float:
    """Share of pixels whose grey level differs by more than 60 (text, not encoding noise)."""
    assert len(a) == len(b) and a
    return sum(abs(x - y) > 60 for x, y in zip(a, b, strict=True)) / len(a)


def _file(desk: Desk, clip: SocialClip, aspect: str) -> Path:
    return MediaStore(desk.runtime.settings.media_path).path(clip.outputs[aspect]["key"])


@pytest.fixture
def desk(runtime: Runtime, media_cache: Path) -> Desk:
    return approved_desk(runtime, media_cache)


def test_both_shapes_are_phone_ready_mp4s_of_the_span(desk: Desk, monkeypatch: Any) -> None:
    seen: list[float] = []
    original = JobContext.progress

    def record(self: JobContext, percent: float, step: str | None = None, *,
               force: bool = False) -> None:
        seen.append(percent)
        original(self, percent, step, force=force)

    monkeypatch.setattr(JobContext, "progress", record)
    clip = render(desk, ClipInput(IN_MS, OUT_MS, "vi", "", ["9:16", "1:1"]))
    assert clip.status == "ready" and clip.error == ""
    assert clip.title == desk.title  # the report's title by default
    for aspect, size in (("9:16", (1080, 1920)), ("1:1", (1080, 1080))):
        path = _file(desk, clip, aspect)
        info = _probe(path)
        video = next(s for s in info["streams"] if s["codec_type"] == "video")
        audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
        assert (video["width"], video["height"]) == size
        assert (video["codec_name"], video["profile"], video["pix_fmt"]) == (
            "h264", "High", "yuv420p")
        assert video["r_frame_rate"] == "25/1"
        assert (audio["codec_name"], audio["sample_rate"], audio["channels"]) == (
            "aac", "48000", 2)
        assert abs(float(info["format"]["duration"]) * 1000 - (OUT_MS - IN_MS)) <= 80
        assert clip.outputs[aspect]["bytes"] == path.stat().st_size
        head = path.read_bytes()[:200_000]
        assert head.find(b"moov") < head.find(b"mdat")  # faststart: playable while loading
        # Levelled for the social platforms (about -14 LUFS, true peak under -1 dBTP give
        # or take the meter's half dB), by the ebur128 meter, not loudnorm's own report.
        meter = subprocess.run(["ffmpeg", "-nostats", "-hide_banner", "-i", str(path), "-af",
                                "ebur128=peak=true", "-f", "null", "-"],
                               capture_output=True, text=True, check=True).stderr
        level = parse_ebur128(meter)
        assert abs(level.integrated_lufs - clips.SOCIAL_LUFS) <= 1.5
        assert level.true_peak_dbtp <= -0.5
    # The job's progress rose through both renders and ended at 100.
    assert seen == sorted(seen) and len({p for p in seen if 2 < p < 97}) >= 2
    with desk.runtime.session() as session:
        job = session.get(JobRun, clip.job_id)
        assert job is not None and job.progress == 100.0
    assert not (desk.runtime.settings.media_path / "work" / f"job-{clip.job_id}").exists()


def test_the_subtitle_is_burned_into_the_pictures_lower_third(desk: Desk) -> None:
    plain = render(desk, ClipInput(IN_MS, OUT_MS, None, "Mùa hoa đào", ["1:1"]))
    burned = render(desk, ClipInput(IN_MS, OUT_MS, "vi", "Mùa hoa đào", ["1:1"]))
    shape = clips.geometry("1:1", 640, 360)
    third = shape.picture_height // 3
    lower = f"{shape.width}:{third}:0:{shape.picture_bottom - third}"
    upper = f"{shape.width}:{third}:0:{shape.picture_y + third}"
    with_text, without = _file(desk, burned, "1:1"), _file(desk, plain, "1:1")
    # 1.5 s into the clip is 2.0 s into the report: the cue is on screen.
    assert _changed(_frame(with_text, 1.5, lower), _frame(without, 1.5, lower)) > 0.01
    assert _changed(_frame(with_text, 1.5, upper), _frame(without, 1.5, upper)) < 0.001
    # 2.8 s into the clip is 3.3 s into the report: the cue has gone.
    assert _changed(_frame(with_text, 2.8, lower), _frame(without, 2.8, lower)) < 0.001


@pytest.mark.parametrize(("language", "text", "family", "file"), [
    ("zh", None, "WenQuanYi Micro Hei", "wqy-microhei.ttc"),
    ("blt-Tavt", "ꪼꪕ ꪁꪾꪚ ꪋꪱꪙ", "Noto Sans Tai Viet", "NotoSansTaiViet-Regular.ttf"),
])
def test_libass_draws_each_language_in_its_font(runtime: Runtime, media_cache: Path,
                                                tmp_path: Path, language: str,
                                                text: str | None, family: str,
                                                file: str) -> None:
    desk = approved_desk(runtime, media_cache, languages=("vi", "en"))
    add_track(desk, language, text=text)
    clip_id, _ = queue_clip(desk, ClipInput(IN_MS, OUT_MS, language, "", ["1:1"]))
    store = MediaStore(runtime.settings.media_path)
    with runtime.session() as session:
        clip = session.get(SocialClip, clip_id)
        assert clip is not None
        plan = clip_tasks.read_plan(session, clip, store)
    _, log = clip_tasks.render_shape(plan, "1:1", tmp_path, runtime.settings)
    ass = (tmp_path / "1x1" / "subtitles.ass").read_text(encoding="utf-8")
    assert f"Style: Default,{family}," in ass
    assert f"Loading font file '{tmp_path}/fonts/{file}'" in log
    assert f"fontselect: ({family}, 400, 0) -> " in log


def test_a_cancelled_render_leaves_no_file(desk: Desk, monkeypatch: Any) -> None:
    original = JobContext.progress
    fired: list[int] = []

    def cancel_midway(self: JobContext, percent: float, step: str | None = None, *,
                      force: bool = False) -> None:
        if step is None and percent > 3 and not fired:
            fired.append(self.job_id)
            with desk.runtime.session() as session:
                jobs.cancel(session, self.job_id)  # what the jobs page's button does
                session.commit()
            force = True
        original(self, percent, step, force=force)

    monkeypatch.setattr(JobContext, "progress", cancel_midway)
    media_root = desk.runtime.settings.media_path
    before = set(media_root.rglob("*.mp4"))
    clip_id, job_id = queue_clip(desk, ClipInput(IN_MS, OUT_MS, "vi", "", ["9:16", "1:1"]))
    assert execute(desk.runtime, job_id) == "cancelled"
    assert fired == [job_id]
    with desk.runtime.session() as session:
        clip = session.get(SocialClip, clip_id)
        assert clip is not None
        assert (clip.status, clip.error, clip.outputs) == ("failed", "Cancelled by a user", {})
    assert set(media_root.rglob("*.mp4")) == before
    assert not (media_root / "work" / f"job-{job_id}").exists()


def _refusal(runtime: Runtime, report_id: int, data: ClipInput, actor: Any) -> str:
    with runtime.session() as session, pytest.raises(StationError) as refused:
        clip_services.create_clip(session, report_id, data, actor=actor)
    return str(refused.value)


def test_requests_are_refused_with_precise_messages(any_runtime: Runtime,
                                                    media_cache: Path) -> None:
    desk = approved_desk(any_runtime, media_cache, languages=("vi", "en"))
    add_track(desk, "fr", approve=False)
    cases = [
        (ClipInput(0, 95_000, "vi"), "A social clip is at most 90 s; this one is 95 s"),
        (ClipInput(2000, 2000, "vi"), "The out point (00:00:02.000) must come after the in "
                                      "point (00:00:02.000)"),
        (ClipInput(1000, 5000, "vi"), "The out point (00:00:05.000) is past the end of the "
                                      "report's media (00:00:04.000)"),
        (ClipInput(0, 2000, "fr"), "The fr subtitles cannot be burned into a clip: The fr "
                                   "subtitles are not approved (status Draft)"),
        (ClipInput(0, 2000, "de"), "The de subtitles cannot be burned into a clip: No de "
                                   "subtitles yet"),
        (ClipInput(0, 2000, "vi", aspects=[]), "Choose at least one shape: 9:16, 1:1"),
    ]
    for data, message in cases:
        assert _refusal(any_runtime, desk.report_id, data, desk.editor) == message
    draft = report_factory(any_runtime)(desk.editor, "Bản nháp")
    assert _refusal(any_runtime, draft.id, ClipInput(0, 2000), desk.editor) == (
        f"Report #{draft.id} is Planned: only approved work is published")
    assert _refusal(any_runtime, desk.report_id, ClipInput(0, 2000), desk.partner) != ""
    with any_runtime.session() as session:
        # the report's own language first: the form's default
        assert clip_services.clip_languages(session, desk.report_id) == ["vi", "en"]
        assert clip_services.list_clips(session, desk.report_id) == []


def test_a_withdrawn_clip_is_no_longer_handed_out(any_runtime: Runtime,
                                                  media_cache: Path) -> None:
    desk = approved_desk(any_runtime, media_cache, languages=("vi", "en"))
    clip = render(desk, ClipInput(IN_MS, OUT_MS, "en", "Peach blossom", ["1:1"]))
    root = any_runtime.settings.media_path
    with any_runtime.session() as session:
        found = clip_services.clip_file(session, clip.id, "1:1", root)
        assert found.download_name == "peach-blossom_1x1.mp4"
        assert found.size == found.path.stat().st_size
        with pytest.raises(NotFound, match="has no 9:16 file"):
            clip_services.clip_file(session, clip.id, "9:16", root)
        publishing.publish(session, desk.report_id, publishing.PublishInput(),
                           actor=desk.editor)
        publishing.unpublish(session, desk.report_id, actor=desk.editor)
        discard_pending(session)
        session.commit()
    with any_runtime.session() as session, pytest.raises(
            clip_services.ClipWithdrawn) as refused:
        clip_services.clip_file(session, clip.id, "1:1", root)
    assert str(refused.value) == (f"Social clip #{clip.id} was withdrawn with its report: it "
                                  "can no longer be downloaded")
    assert refused.value.http_status == 410
    # And no new clip is cut from a withdrawn report until it is published again.
    assert _refusal(any_runtime, desk.report_id, ClipInput(0, 2000), desk.editor) == (
        f"Report #{desk.report_id} was withdrawn from the public site: publish it again "
        "before cutting clips")


def test_a_radio_report_has_no_picture_to_cut() -> None:
    radio = Report(id=7, title="Bản tin", assets=[
        MediaAsset(role="master", sha256="a" * 64, size_bytes=1, storage_key="aa/aa/x.wav",
                   duration_ms=60_000, audio_codec="pcm_s16le", video_codec=None)])
    with pytest.raises(StationError) as refused:
        clip_services.picture_asset(radio)
    assert str(refused.value) == ("Report #7 has no picture: social clips are cut from video")


def test_a_clip_not_rendered_yet_is_refused(runtime: Runtime, media_cache: Path) -> None:
    desk = approved_desk(runtime, media_cache, languages=("vi", "en"))
    clip_id, _ = queue_clip(desk, ClipInput(0, 2000))
    with runtime.session() as session, pytest.raises(clip_services.ClipUnavailable) as refused:
        clip_services.clip_file(session, clip_id, "9:16", runtime.settings.media_path)
    assert str(refused.value) == (f"Social clip #{clip_id} is Queued: only a ready clip can "
                                  "be downloaded")
    assert refused.value.http_status == 409


def test_the_title_card_shows_for_the_first_seconds_only(desk: Desk) -> None:
    clip = render(desk, ClipInput(0, 4000, None, "Mùa hoa đào ở Lai Châu", ["9:16"]))
    shape = clips.geometry("9:16", 640, 360)
    lines = clips.title_lines("Mùa hoa đào ở Lai Châu")
    top, height = clips.title_band(shape, len(lines))
    band = f"{shape.width}:{height}:0:{top}"
    path = _file(desk, clip, "9:16")

    def white(frame: bytes) -> float:
        """Share of letter-white pixels: the background is darkened below this grey."""
        return sum(p > 225 for p in frame) / len(frame)

    # 1 s in: the band's white letters; 3.5 s in: only the darkened, blurred picture.
    assert white(_frame(path, 1.0, band)) > 0.02
    assert white(_frame(path, 3.5, band)) == 0
