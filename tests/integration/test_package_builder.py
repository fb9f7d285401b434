"""End-to-end tests of delivery.builder with the real ffmpeg, moviepy and coreutils on media made
at test time (tests/media.py): renditions checked with ffprobe, loudness with an independent
ebur128 run, open captions and the title card on decoded frames, subtitle files with independent
readers (srt, webvtt-py, ttconv), bags with ``sha256sum -c`` in the folder and in the unzipped
zip, and refusals and cancels leaving nothing behind.

Clips are 5 s at 640x360 with x264 "veryfast" (ultrafast would not make a High profile stream),
so the whole module stays well under a minute on two cores.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from array import array
from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
import srt
import webvtt
from ttconv import model
from ttconv.imsc import reader as imsc_reader

from delivery import builder
from delivery.specs import spec_from_dict
from production import ffmpeg as ff
from station.errors import MediaError, ValidationError
from subtitles import qc
from subtitles.cues import Cue, SubtitleDoc
from tests import media

pytestmark = pytest.mark.skipif(
    not media.tools_available() or shutil.which("sha256sum") is None,
    reason="needs ffmpeg, ffprobe, espeak-ng and sha256sum")

FFMPEG = shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
FFPROBE = shutil.which("ffprobe") or "/usr/bin/ffprobe"
ROOT = Path(__file__).resolve().parents[2]
LOGO = ROOT / "assets" / "img" / "logo.png"
SECONDS = 5
CARD_SECONDS = 2
W, H = 640, 360
TV = {
    "name": "VTV4 test delivery",
    "video": "render",
    "video_spec": {"width": W, "height": H, "fps": 25, "bitrate": "1M", "preset": "veryfast"},
    "audio": "none",
    "required_languages": ["en"],
    "optional_languages": ["fr"],
    "subtitle_formats": ["srt", "webvtt", "ttml"],
    "container": "zip",
}
EN = SubtitleDoc("en", [Cue(1000, 2600, "Peach blossoms on Pú Ta Leng"),
                        Cue(3000, 4200, "Spring in Lai Châu")])
FR = SubtitleDoc("fr", [Cue(1000, 2600, "Fleurs de pêcher à Lai Châu"),
                        Cue(3000, 4200, "Le printemps à Lai Châu")])
REPORT = builder.ReportInfo(id=7, title="Mùa đào nở trên Pú Ta Leng",
                            title_en="Peach blossom season", kind="tv_report",
                            original_language="vi", reporter="Lò Văn Hà", partner="VTV4",
                            due_date=dt.date(2025, 3, 2))
STEM = "LAI_CHAU_PHONG_SU_MUA_DAO_NO_TREN_PU_TA_LENG"
APPROVED = dt.datetime(2025, 3, 1, 9, 30, tzinfo=dt.UTC)


def track(doc: SubtitleDoc, findings: tuple[qc.Finding, ...] = ()) -> builder.TrackInput:
    return builder.TrackInput(language=doc.language, doc=doc, findings=findings,
                              approved_by="Nguyễn Thị Lan", approved_at=APPROVED,
                              fingerprint=builder.fingerprint(doc))


def request(master: Path | None, spec: dict, **changes: object) -> builder.BuildRequest:
    values: dict[str, object] = {
        "spec": spec_from_dict(spec), "spec_version": 3, "report": REPORT, "number": 1,
        "kind": "full", "base_number": None, "master": master,
        "tracks": (track(EN), track(FR)), "carried": {}, "ffmpeg": FFMPEG, "ffprobe": FFPROBE,
        "logo": LOGO, "created_by": "admin",
    }
    values.update(changes)
    return builder.BuildRequest(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("packages")


@pytest.fixture(scope="module")
def master(media_cache: Path, work: Path) -> Path:
    """A 640x360 report with espeak speech brought 20 dB down: far under -23 LUFS."""
    loud = media.report_video(media_cache, seconds=SECONDS, size=f"{W}x{H}",
                              speech_text=media.DEFAULT_SPEECH_VI)
    quiet = work / "master.mp4"
    subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i",
                    str(loud), "-af", "volume=-20dB", "-c:v", "copy", "-c:a", "aac",
                    "-b:a", "128k", str(quiet)], check=True, timeout=60)
    return quiet


@pytest.fixture(scope="module")
def burned_with_steps(master: Path,
                      work: Path) -> tuple[builder.BuildResult, list[tuple[float, str]]]:
    """VTV4-like: rendered video with English open captions, three formats, zipped; and every
    progress call it made."""
    steps: list[tuple[float, str]] = []
    result = builder.build(request(master, {**TV, "burn_in_language": "en"}), work / "burned",
                           progress=lambda p, s: steps.append((p, s)))
    return result, steps


@pytest.fixture(scope="module")
def burned(burned_with_steps: tuple[builder.BuildResult, list]) -> builder.BuildResult:
    return burned_with_steps[0]


@pytest.fixture(scope="module")
def plain(master: Path, work: Path) -> builder.BuildResult:
    """The same without captions, as a folder: the reference picture."""
    return builder.build(request(master, {**TV, "container": "folder"}), work / "plain")


@pytest.fixture(scope="module")
def carded(master: Path, work: Path) -> builder.BuildResult:
    """A title card of CARD_SECONDS with the logo in front, English captions burned in."""
    spec = {**TV, "burn_in_language": "en", "title_card": True,
            "title_card_seconds": CARD_SECONDS, "logo": True}
    return builder.build(request(master, spec), work / "carded")


def ebur128(path: Path) -> ff.Loudness:
    """Independent loudness of a file: ebur128 (not loudnorm), run by hand here."""
    proc = subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-nostats", "-i", str(path),
                           "-map", "0:a:0", "-af", "ebur128=peak=true", "-f", "null", "-"],
                          capture_output=True, text=True, check=True, timeout=60)
    return ff.parse_ebur128(proc.stderr)


def ffprobe(path: Path) -> dict:
    out = subprocess.run([FFPROBE, "-v", "error", "-print_format", "json", "-show_format",
                          "-show_streams", str(path)], capture_output=True, check=True,
                         timeout=30)
    return json.loads(out.stdout)


FRAME = (320, 180)


def gray_frame(path: Path, at: float) -> array:
    """One decoded frame as 8-bit grey bytes, scaled down so comparing it in Python is quick."""
    proc = subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-loglevel", "error",
                           "-ss", f"{at:.3f}", "-i", str(path), "-frames:v", "1",
                           "-vf", f"scale={FRAME[0]}:{FRAME[1]},format=gray",
                           "-f", "rawvideo", "-"], capture_output=True, check=True, timeout=60)
    assert len(proc.stdout) == FRAME[0] * FRAME[1]
    return array("B", proc.stdout)


CAPTIONS = range(130, 180)  # bottom rows, where libass puts a cue
PICTURE = range(0, 100)


def difference(a: array, b: array, rows: range) -> float:
    """Mean absolute difference of two grey frames over a band of rows."""
    start, stop = rows.start * FRAME[0], rows.stop * FRAME[0]
    return sum(abs(x - y) for x, y in zip(a[start:stop], b[start:stop], strict=True)) / (
        stop - start)


def payload(result: builder.BuildResult, suffix: str) -> Path:
    (found,) = [result.bag_dir / f.path for f in result.files if f.path.endswith(suffix)]
    return found


def sha256sum_ok(bag_dir: Path) -> None:
    proc = subprocess.run(["sha256sum", "--strict", "-c", "manifest-sha256.txt"], cwd=bag_dir,
                          capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


# --------------------------------------------------------------------------- full TV package


def test_full_package_layout(burned: builder.BuildResult, work: Path) -> None:
    assert burned.name == f"{STEM}_V1"
    assert burned.bag_dir == work / "burned" / burned.name
    assert burned.archive == work / "burned" / f"{burned.name}.zip"
    assert leftovers(work / "burned") == [burned.name, f"{burned.name}.zip"]
    assert sorted(f.path for f in burned.files) == sorted([
        f"data/{STEM}.mp4",
        *(f"data/subtitles/{STEM}_{lang}.{ext}" for lang in ("EN", "FR")
          for ext in ("srt", "vtt", "ttml")),
        *(f"data/qc/{STEM}_{lang}_QC.{ext}" for lang in ("EN", "FR") for ext in ("html", "json")),
        "data/manifest.json",
    ])
    for item in burned.files:
        path = burned.bag_dir / item.path
        assert path.stat().st_size == item.size
        assert item.path.isascii()
    roles = {f.path.rsplit(".", 1)[-1]: f.role for f in burned.files}
    assert roles["mp4"] == "video" and roles["srt"] == "subtitle" and roles["html"] == "qc"


def test_video_rendition_is_the_spec(burned: builder.BuildResult) -> None:
    info = ffprobe(payload(burned, ".mp4"))
    video = next(s for s in info["streams"] if s["codec_type"] == "video")
    audio = next(s for s in info["streams"] if s["codec_type"] == "audio")
    assert (video["codec_name"], video["width"], video["height"]) == ("h264", W, H)
    assert video["r_frame_rate"] == "25/1" and video["profile"] == "High"
    assert (audio["codec_name"], audio["sample_rate"], audio["channels"]) == ("aac", "48000", 2)
    assert abs(float(info["format"]["duration"]) - SECONDS) < 0.1


def test_loudness_is_r128_by_an_independent_meter(burned: builder.BuildResult) -> None:
    loudness = ebur128(payload(burned, ".mp4"))
    assert loudness.integrated_lufs == pytest.approx(-23.0, abs=0.5)
    assert loudness.true_peak_dbtp <= -1.0
    recorded = burned.loudness["video"] if burned.loudness else {}
    assert recorded["normalization_type"] == "linear"
    assert recorded["integrated_lufs"] == pytest.approx(loudness.integrated_lufs, abs=0.1)
    assert recorded["within_tolerance"] is True
    assert burned.manifest["media"]["video"]["loudness"] == recorded


def test_manifest_describes_the_package(burned: builder.BuildResult) -> None:
    manifest = json.loads((burned.bag_dir / "data" / "manifest.json").read_text("utf-8"))
    assert "Mùa đào" in (burned.bag_dir / "data" / "manifest.json").read_text("utf-8")
    assert manifest["schema"] == "station.package/1"
    assert manifest["package"]["name"] == burned.name
    assert (manifest["package"]["number"], manifest["package"]["kind"]) == (1, "full")
    assert manifest["package"]["created_at"].endswith("+00:00")
    assert manifest["spec"]["name"] == "VTV4 test delivery" and manifest["spec"]["version"] == 3
    assert manifest["report"]["title"] == REPORT.title
    assert manifest["report"]["due_date"] == "2025-03-02"
    video = manifest["media"]["video"]
    assert (video["codec"], video["width"], video["height"], video["fps"]) == ("h264", W, H, 25)
    assert abs(video["duration_ms"] - SECONDS * 1000) < 100
    assert [entry["language"] for entry in manifest["languages"]] == ["en", "fr"]
    english = manifest["languages"][0]
    assert english["fingerprint"] == builder.fingerprint(EN)
    assert english["approved_by"] == "Nguyễn Thị Lan"
    assert english["approved_at"] == APPROVED.isoformat()
    assert english["qc"] == {"error": 0, "warning": 0, "info": 0}
    assert english["package"] == 1 and len(english["files"]) == 5
    assert manifest["title_card_ms"] == 0 and manifest["burned_in_language"] == "en"


def test_bag_and_zip_pass_sha256sum(burned: builder.BuildResult, tmp_path: Path) -> None:
    sha256sum_ok(burned.bag_dir)
    assert burned.archive is not None
    with zipfile.ZipFile(burned.archive) as zf:
        names = zf.namelist()
        assert {name.split("/")[0] for name in names} == {burned.name}
        kinds = {info.filename.rsplit(".", 1)[-1]: info.compress_type for info in zf.infolist()}
        assert kinds["mp4"] == zipfile.ZIP_STORED and kinds["srt"] == zipfile.ZIP_DEFLATED
        zf.extractall(tmp_path)
    sha256sum_ok(tmp_path / burned.name)
    assert builder.verify_package(burned.archive) == []
    assert builder.verify_package(burned.bag_dir) == []


def test_verify_package_reports_tampering(burned: builder.BuildResult, tmp_path: Path) -> None:
    copy = tmp_path / burned.name
    shutil.copytree(burned.bag_dir, copy)
    srt_file = copy / "data" / "subtitles" / f"{STEM}_EN.srt"
    srt_file.write_bytes(srt_file.read_bytes().replace(b"Spring", b"Sprung"))
    changed = f"Changed file (checksum differs): data/subtitles/{STEM}_EN.srt"
    assert changed in builder.verify_package(copy)
    archive = tmp_path / "tampered.zip"
    shutil.make_archive(str(archive.with_suffix("")), "zip", tmp_path, burned.name)
    assert changed in builder.verify_package(archive)


def test_subtitle_files_read_back_with_independent_readers(burned: builder.BuildResult) -> None:
    srt_cues = list(srt.parse(payload(burned, "_EN.srt").read_text("utf-8")))
    assert [(c.start.total_seconds(), c.content) for c in srt_cues] == [
        (1.0, "Peach blossoms on Pú Ta Leng"), (3.0, "Spring in Lai Châu")]
    vtt = webvtt.read(str(payload(burned, "_FR.vtt")))
    assert [(c.start, c.text) for c in vtt] == [("00:00:01.000", "Fleurs de pêcher à Lai Châu"),
                                                ("00:00:03.000", "Le printemps à Lai Châu")]
    assert ttml_cues(payload(burned, "_EN.ttml")) == [
        (Fraction(1), Fraction(13, 5), "Peach blossoms on Pú Ta Leng"),
        (Fraction(3), Fraction(21, 5), "Spring in Lai Châu")]


def ttml_cues(path: Path) -> list[tuple[Fraction, Fraction, str]]:
    """(begin, end, text) of each paragraph, as ttconv's IMSC reader models the file."""
    doc = imsc_reader.to_model(ET.parse(path))
    assert doc is not None
    body = doc.get_body()
    assert body is not None

    def text(element: Any) -> str:
        if isinstance(element, model.Text):
            return element.get_text()
        return "".join(text(child) for child in element)

    return [(p.get_begin(), p.get_end(), text(p)) for div in body for p in div]


def test_qc_reports(burned: builder.BuildResult) -> None:
    report = json.loads(payload(burned, "_EN_QC.json").read_text("utf-8"))
    assert (report["language"], report["fingerprint"]) == ("en", builder.fingerprint(EN))
    assert report["counts"] == {"error": 0, "warning": 0, "info": 0}
    page = payload(burned, "_FR_QC.html").read_text("utf-8")
    assert "No findings" in page and "Không có phát hiện nào" in page


def test_progress(burned_with_steps: tuple[builder.BuildResult, list]) -> None:
    steps: list[tuple[float, str]] = burned_with_steps[1]
    percents = [p for p, _ in steps]
    assert percents == sorted(percents) and percents[-1] == 100.0
    names = list(dict.fromkeys(s for _, s in steps))
    assert names == ["Checking the master", "Measuring loudness", "Rendering video",
                     "Checking loudness", "Writing subtitles", "Writing QC reports",
                     "Writing manifest", "Zipping", "Done"]
    rendering = [p for p, s in steps if s == "Rendering video"]
    assert len(rendering) >= 2  # the step's start plus at least ffmpeg's final 100 %


# --------------------------------------------------------------------------- captions and card


def test_burned_in_captions_show_during_cues_only(burned: builder.BuildResult,
                                                  plain: builder.BuildResult) -> None:
    with_cue = gray_frame(payload(burned, ".mp4"), 1.8)
    without = gray_frame(payload(plain, ".mp4"), 1.8)
    assert difference(with_cue, without, CAPTIONS) > 5 * (
        difference(with_cue, without, PICTURE) + 0.2)
    outside = gray_frame(payload(burned, ".mp4"), 0.4), gray_frame(payload(plain, ".mp4"), 0.4)
    assert difference(*outside, CAPTIONS) < 1.5
    assert plain.manifest["burned_in_language"] is None
    assert plain.archive is None and leftovers(plain.bag_dir.parent) == [plain.name]


def test_title_card_in_front_shifts_everything(carded: builder.BuildResult,
                                               plain: builder.BuildResult) -> None:
    video = payload(carded, ".mp4")
    info = ffprobe(video)
    assert abs(float(info["format"]["duration"]) - (SECONDS + CARD_SECONDS)) < 0.1
    assert carded.manifest["title_card_ms"] == CARD_SECONDS * 1000
    # the card, not the master's first frame, opens the video
    assert difference(gray_frame(video, 0.0), gray_frame(payload(plain, ".mp4"), 0.0),
                      range(0, 180)) > 20
    # the programme follows, with captions at the cue times shifted by the card
    during = gray_frame(video, 1.8 + CARD_SECONDS), gray_frame(payload(plain, ".mp4"), 1.8)
    assert difference(*during, CAPTIONS) > 5 * (difference(*during, PICTURE) + 0.2)
    outside = gray_frame(video, 0.4 + CARD_SECONDS), gray_frame(payload(plain, ".mp4"), 0.4)
    assert difference(*outside, range(0, 180)) < 2.0
    # every delivered subtitle file is shifted the same way
    srt_cues = list(srt.parse(payload(carded, "_FR.srt").read_text("utf-8")))
    assert [c.start.total_seconds() for c in srt_cues] == [1.0 + CARD_SECONDS,
                                                           3.0 + CARD_SECONDS]
    vtt = webvtt.read(str(payload(carded, "_EN.vtt")))
    assert [c.start for c in vtt] == ["00:00:03.000", "00:00:05.000"]
    assert [begin for begin, _, _ in ttml_cues(payload(carded, "_EN.ttml"))] == [3, 5]
    qc_json = json.loads(payload(carded, "_EN_QC.json").read_text("utf-8"))
    assert qc_json["time_offset_ms"] == CARD_SECONDS * 1000
    # the card's silence does not pull the integrated loudness off target
    assert ebur128(video).integrated_lufs == pytest.approx(-23.0, abs=0.5)
    assert carded.loudness and carded.loudness["video"]["normalization_type"] == "linear"
    sha256sum_ok(carded.bag_dir)


def test_title_card_is_made_by_the_system_ffmpeg(tmp_path: Path) -> None:
    from delivery import titlecard

    with titlecard._moviepy_ffmpeg(FFMPEG):
        from moviepy.video.io import ffmpeg_writer

        assert ffmpeg_writer.FFMPEG_BINARY == FFMPEG
    card = titlecard.TitleCard(title="Ẩm thực Lai Châu", title_en=None, partner="VTV4",
                               width=320, height=180, fps=25, seconds=1.0)
    dst = titlecard.make_title_card(card, tmp_path / "card.mkv", ffmpeg=FFMPEG)
    streams = {s["codec_type"]: s for s in ffprobe(dst)["streams"]}
    assert (streams["video"]["width"], streams["video"]["height"]) == (320, 180)
    assert (streams["audio"]["sample_rate"], streams["audio"]["channels"]) == ("48000", 2)
    assert ebur128(dst).integrated_lufs <= -70  # silence
    assert sorted(p.name for p in tmp_path.iterdir()) == ["card.mkv"]  # no temp audio left


# --------------------------------------------------------------------------- other kinds


def test_supplemental_carries_only_subtitles(burned: builder.BuildResult, work: Path) -> None:
    fixed = SubtitleDoc("fr", [Cue(1000, 2600, "Fleurs de pêcher sur le Pú Ta Leng"),
                               Cue(3000, 4200, "Le printemps à Lai Châu")])
    out = work / "burned"
    supp = builder.build(request(None, TV, kind="supplemental", number=2, base_number=1,
                                 tracks=(track(fixed),), carried={"en": 1}), out)
    assert supp.name == f"{STEM}_V2_SUPP"
    assert {f.role for f in supp.files} == {"subtitle", "qc", "manifest"}
    assert all("_FR" in f.path for f in supp.files if f.role != "manifest")
    assert supp.loudness is None and supp.manifest["media"] == {}
    languages = {e["language"]: e for e in supp.manifest["languages"]}
    assert languages["fr"]["package"] == 2 and languages["fr"]["fingerprint"] == (
        builder.fingerprint(fixed))
    assert languages["en"]["package"] == 1 and languages["en"]["carried"] is True
    assert supp.manifest["package"]["base_number"] == 1
    sha256sum_ok(supp.bag_dir)
    assert supp.archive is not None and builder.verify_package(supp.archive) == []
    # building the same number again replaces it whole and leaves no temporary folder
    again = builder.build(request(None, TV, kind="supplemental", number=2, base_number=1,
                                  tracks=(track(fixed),), carried={"en": 1}), out)
    assert again.bag_dir == supp.bag_dir
    assert leftovers(out) == sorted([burned.name, f"{burned.name}.zip", supp.name,
                                     f"{supp.name}.zip"])



def test_radio_package_is_broadcast_wav(media_cache: Path, tmp_path: Path) -> None:
    radio = {"name": "VOV5 test", "video": "none", "audio": "bwf",
             "optional_languages": ["vi", "en"], "subtitle_formats": ["txt", "srt"]}
    report = replace(REPORT, kind="radio_programme", title="Tiếng hát dân tộc Thái",
                     partner="VOV5")
    vi = SubtitleDoc("vi", [Cue(500, 2500, "Xin chào quý vị")])
    source = media.audio_only(media_cache, seconds=SECONDS)
    result = builder.build(request(source, radio, report=report, tracks=(track(vi),)), tmp_path)
    stem = "LAI_CHAU_CHUONG_TRINH_TIENG_HAT_DAN_TOC_THAI"
    assert sorted(f.path for f in result.files) == sorted([
        f"data/{stem}.wav", f"data/subtitles/{stem}_VI.txt", f"data/subtitles/{stem}_VI.srt",
        f"data/qc/{stem}_VI_QC.html", f"data/qc/{stem}_VI_QC.json", "data/manifest.json"])
    wav = payload(result, ".wav")
    chunks = media.riff_chunks(wav)
    assert chunks["bext"][:256].rstrip(b"\0") == b"Tieng hat dan toc Thai"
    _tag, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH",
                                                                   chunks["fmt "][:16])
    assert (channels, rate, bits) == (2, 48000, 24)
    assert ebur128(wav).integrated_lufs == pytest.approx(-23.0, abs=0.5)
    audio = result.manifest["media"]["audio"]
    assert (audio["codec"], audio["sample_rate"], audio["channels"]) == ("pcm_s24le", 48000, 2)
    assert "video" not in result.manifest["media"]
    assert result.loudness and result.loudness["audio"]["normalization_type"] == "linear"
    sha256sum_ok(result.bag_dir)


def test_master_copy_and_mp3(master: Path, tmp_path: Path) -> None:
    spec = {**TV, "video": "master", "audio": "mp3", "container": "folder",
            "normalize": True}
    result = builder.build(request(master, spec), tmp_path)
    copy = payload(result, ".mp4")
    assert copy.read_bytes() == master.read_bytes()
    assert result.manifest["media"]["video"]["loudness"]["normalization_type"] is None
    mp3 = ffprobe(payload(result, ".mp3"))
    assert mp3["format"]["tags"]["title"] == REPORT.title
    assert ebur128(payload(result, ".mp3")).integrated_lufs == pytest.approx(-23.0, abs=0.5)


# --------------------------------------------------------------------------- refusals and cancel


@pytest.mark.parametrize("changes", [
    {"tracks": (track(EN, (qc.Finding("overlap", "error", 1, "Cues overlap"),)), track(FR))},
    {"master": None},
    {"tracks": (track(FR),)},
], ids=["qc-error", "no-master", "missing-language"])
def test_refusals_leave_nothing(master: Path, tmp_path: Path, changes: dict) -> None:
    out = tmp_path / "out"
    given = {"master": master, **changes}
    with pytest.raises(ValidationError) as info:
        builder.build(request(given.pop("master"), TV, **given), out)
    assert "en" in str(info.value) or "master" in str(info.value)
    assert leftovers(out) == []


def test_silent_video_master_is_refused(media_cache: Path, tmp_path: Path) -> None:
    silent = media.silent_video(media_cache, seconds=2)
    with pytest.raises(MediaError) as info:
        builder.build(request(silent, TV), tmp_path / "out")
    assert "sound" in str(info.value)
    assert leftovers(tmp_path / "out") == []


def test_a_stored_master_is_read_as_strictly_as_an_upload(master: Path, tmp_path: Path) -> None:
    """A "master" in the media store that is really an HLS playlist naming a server file (put
    there by other means than ingest) is refused by the build, and nothing of the file it
    names reaches the package; a real master's every ffmpeg read is limited to its format."""
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n")
    playlist = tmp_path / "master.mp4"
    playlist.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\n"
                        f"file:{secret}\n#EXT-X-ENDLIST\n")
    with pytest.raises(MediaError) as info:
        builder.build(request(playlist, TV), tmp_path / "out")
    assert "hls" in str(info.value) and str(secret) not in str(info.value)
    assert leftovers(tmp_path / "out") == []
    argv = ["ffmpeg", "-i", "/x/title.mkv", "-i", str(master), "-map", "0"]
    assert ff.guard_input(argv, master, "mov") == [
        "ffmpeg", "-i", "/x/title.mkv", "-protocol_whitelist", "file", "-f", "mov",
        "-format_whitelist", "mov", "-i", str(master), "-map", "0"]


class Stop(Exception):
    """What a job's progress callback raises when a user cancels."""


def cancel_during(step: str) -> Callable[[float, str], None]:
    started: list[float] = []

    def progress(percent: float, name: str) -> None:
        if name == step:
            started.append(percent)
            if len(started) > 1:  # ffmpeg is running: it has reported progress
                raise Stop("cancelled by a user")

    return progress


def test_cancel_from_progress_leaves_nothing(master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    spec = {**TV, "title_card": True, "title_card_seconds": 1}
    with pytest.raises(Stop):
        builder.build(request(master, spec), out, progress=cancel_during("Rendering video"))
    assert leftovers(out) == []


def test_should_cancel_stops_ffmpeg_and_leaves_nothing(master: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    rendering: list[str] = []
    with pytest.raises(ff.FFmpegCancelled) as info:
        builder.build(request(master, TV), out,
                      progress=lambda p, s: rendering.append(s) if s == "Rendering video" else None,
                      should_cancel=lambda: bool(rendering))
    assert not isinstance(info.value, builder.BuildCancelled)  # ffmpeg itself was stopped
    assert rendering and leftovers(out) == []
    with pytest.raises(builder.BuildCancelled):  # asked between steps, before any ffmpeg
        builder.build(request(master, TV), out, should_cancel=lambda: True)
    assert leftovers(out) == []
