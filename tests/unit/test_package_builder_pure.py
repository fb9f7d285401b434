"""Unit tests of the package builder's pure parts: track fingerprints, package names, refusals
made before anything is written, progress mapping, the QC reports, and verify_package's refusal
of zips whose members would land outside the extraction folder (zip-slip)."""

from __future__ import annotations

import ast
import datetime as dt
import json
import re
import stat
import unicodedata
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from delivery import bagit, builder, qcreport
from delivery.specs import spec_from_dict
from station.errors import ValidationError
from station.i18n import translate
from station.messages import Message
from subtitles import qc
from subtitles.cues import Cue, SubtitleDoc

REPORT = builder.ReportInfo(id=42, title="Mùa đào", title_en="Peach season", kind="tv_report",
                            original_language="vi", reporter="Lò Văn Hà", partner="VTV4",
                            due_date=dt.date(2025, 3, 2))
SPEC = spec_from_dict({"name": "VTV4", "required_languages": ["en"],
                       "optional_languages": ["fr", "blt-Tavt"]})


def doc(*cues: tuple[int, int, str], language: str = "en") -> SubtitleDoc:
    return SubtitleDoc(language, [Cue(start, end, text) for start, end, text in cues])


def track(language: str = "en", findings: tuple[qc.Finding, ...] = (),
          subtitles: SubtitleDoc | None = None) -> builder.TrackInput:
    subtitles = subtitles or doc((1000, 2500, "Hello"), (3000, 4000, "Lai Châu"),
                                 language=language)
    return builder.TrackInput(language=language, doc=subtitles, findings=findings,
                              approved_by="Lan", approved_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC),
                              fingerprint=builder.fingerprint(subtitles))


def request(tmp_path: Path, **changes: object) -> builder.BuildRequest:
    master = tmp_path / "master.mp4"
    master.write_bytes(b"not really a video")
    values: dict[str, object] = {
        "spec": SPEC, "spec_version": 1, "report": REPORT, "number": 1, "kind": "full",
        "base_number": None, "master": master, "tracks": (track(),), "carried": {},
    }
    values.update(changes)
    return builder.BuildRequest(**values)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- fingerprint


def test_fingerprint_is_sha256_of_timing_and_text() -> None:
    subtitles = doc((1000, 2500, "Hello"), (3000, 4000, "Lai Châu"))
    assert re.fullmatch(r"[0-9a-f]{64}", builder.fingerprint(subtitles))
    assert builder.fingerprint(subtitles) == builder.fingerprint(
        doc((1000, 2500, "Hello"), (3000, 4000, "Lai Châu")))


@pytest.mark.parametrize("changed", [
    doc((1000, 2500, "Hello"), (3000, 4001, "Lai Châu")),
    doc((1040, 2500, "Hello"), (3000, 4000, "Lai Châu")),
    doc((1000, 2500, "Hello!"), (3000, 4000, "Lai Châu")),
    doc((1000, 2500, "Hello"), (3000, 4000, "Lai\nChâu")),
    doc((1000, 2500, "Hello")),
])
def test_fingerprint_changes_with_timing_or_text(changed: SubtitleDoc) -> None:
    assert builder.fingerprint(changed) != builder.fingerprint(
        doc((1000, 2500, "Hello"), (3000, 4000, "Lai Châu")))


def test_fingerprint_ignores_language_order_flags_and_normal_form() -> None:
    base = doc((1000, 2500, "Hello"), (3000, 4000, "Lai Châu"))
    other = SubtitleDoc("fr", [Cue(3000, 4000, unicodedata.normalize("NFD", "Lai Châu"),
                                   flags=("low_confidence",)), Cue(1000, 2500, "Hello")])
    assert builder.fingerprint(other) == builder.fingerprint(base)


def test_fingerprint_line_breaks_cannot_imitate_another_cue() -> None:
    two = doc((1000, 2000, "a"), (3000, 4000, "b"))
    one = doc((1000, 2000, "a\n3000\t4000\tb"))
    assert builder.fingerprint(one) != builder.fingerprint(two)


# --------------------------------------------------------------------------- names


def test_stem_is_unit_genre_title_in_ascii_capitals() -> None:
    assert builder.package_stem(SPEC, REPORT) == "LAI_CHAU_PHONG_SU_MUA_DAO"
    assert bagit.delivery_name("LAI CHAU", "PHONG SU", "Mùa đào", "mp4") == (
        builder.package_stem(SPEC, REPORT) + ".mp4")


def test_stem_uses_the_vietnamese_title_not_the_english_one() -> None:
    report = replace(REPORT, title="Đồng bào Mông đón Tết", title_en="Hmong New Year")
    assert builder.package_stem(SPEC, report) == "LAI_CHAU_PHONG_SU_DONG_BAO_MONG_DON_TET"


def test_stem_pattern_with_date_id_and_genre_by_kind() -> None:
    spec = replace(SPEC, name_pattern="{unit}-{genre} {date}_{id}_{title}", unit="Lai Châu")
    report = replace(REPORT, kind="radio_programme")
    assert builder.package_stem(spec, report) == "LAI_CHAU_CHUONG_TRINH_20250302_42_MUA_DAO"


def test_stem_date_defaults_to_today_in_vietnam() -> None:
    spec = replace(SPEC, name_pattern="{date}_{title}")
    stem = builder.package_stem(spec, replace(REPORT, due_date=None))
    assert stem == f"{builder._local_today():%Y%m%d}_MUA_DAO"


def test_long_title_is_cut_at_a_word_boundary() -> None:
    title = " ".join(["Người dân bản Sin Suối Hồ làm du lịch cộng đồng"] * 4)
    stem = builder.package_stem(SPEC, replace(REPORT, title=title))
    assert len(stem) <= bagit.DELIVERY_STEM_MAX
    assert stem.startswith("LAI_CHAU_PHONG_SU_NGUOI_DAN_BAN_SIN_SUOI_HO")
    assert stem.split("_")[-1] in {"NGUOI", "DAN", "BAN", "SIN", "SUOI", "HO", "LAM", "DU",
                                    "LICH", "CONG", "DONG"}


@pytest.mark.parametrize("report", [replace(REPORT, kind="film"), replace(REPORT, title="– ? –")])
def test_stem_refusals(report: builder.ReportInfo) -> None:
    with pytest.raises(ValidationError):
        builder.package_stem(SPEC, report)


@pytest.mark.parametrize(("tag", "code"), [("en", "EN"), ("blt-Tavt", "BLT-TAVT"),
                                           ("zh-Hans", "ZH-HANS")])
def test_language_code_in_file_names(tag: str, code: str) -> None:
    assert builder.language_code(tag) == code
    bagit.check_name(f"data/subtitles/X_{code}.srt")


def test_shifted_moves_every_cue_and_keeps_the_original() -> None:
    original = doc((1000, 2500, "Hello"), (3000, 4000, "Lai Châu"))
    moved = builder.shifted(original, 3000, "en")
    assert [(c.start_ms, c.end_ms) for c in moved.cues] == [(4000, 5500), (6000, 7000)]
    assert original.cues[0].start_ms == 1000


# --------------------------------------------------------------------------- refusals


def qc_error(language: str = "en") -> qc.Finding:
    return qc.Finding("overlap", "error", 0, "Cue overlaps the next one by {ms} ms", {"ms": 200})


def test_refuses_a_track_with_a_qc_error_naming_the_language(tmp_path: Path) -> None:
    bad = track("fr", findings=(qc_error(),))
    with pytest.raises(ValidationError) as info:
        builder.validate(request(tmp_path, tracks=(track(), bad)))
    assert "fr subtitles" in str(info.value)
    assert "phụ đề fr" in info.value.message("vi").lower()


def test_warnings_do_not_stop_a_delivery(tmp_path: Path) -> None:
    warning = qc.Finding("cps", "warning", 1, "Reading speed {cps} > {limit}",
                         {"cps": 19.5, "limit": 17})
    builder.validate(request(tmp_path, tracks=(track(findings=(warning,)),)))


def test_refuses_a_full_package_without_master(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="master"):
        builder.validate(request(tmp_path, master=None))
    with pytest.raises(ValidationError, match=r"missing: gone\.mp4"):
        builder.validate(request(tmp_path, master=tmp_path / "gone.mp4"))


def test_refuses_a_missing_required_language(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        builder.validate(request(tmp_path, tracks=(track("fr"),)))
    assert "missing: en" in str(info.value)
    assert "còn thiếu: en" in info.value.message("vi")


def test_refuses_subtitles_changed_after_approval(tmp_path: Path) -> None:
    stale = replace(track(), doc=doc((1000, 2500, "Hello, edited")))
    with pytest.raises(ValidationError, match="changed after"):
        builder.validate(request(tmp_path, tracks=(stale,)))


@pytest.mark.parametrize("tracks", [(track(), track()), (track(), track("de"))])
def test_refuses_duplicate_or_unwanted_languages(tmp_path: Path,
                                                 tracks: tuple[builder.TrackInput, ...]) -> None:
    with pytest.raises(ValidationError):
        builder.validate(request(tmp_path, tracks=tracks))


def test_supplemental_rules(tmp_path: Path) -> None:
    supp = {"kind": "supplemental", "number": 2, "base_number": 1, "master": None}
    builder.validate(request(tmp_path, tracks=(track("fr"),), carried={"en": 1}, **supp))
    with pytest.raises(ValidationError, match="at least one"):
        builder.validate(request(tmp_path, tracks=(), carried={"en": 1}, **supp))
    with pytest.raises(ValueError):
        builder.validate(request(tmp_path, tracks=(track("en"),), carried={"en": 1}, **supp))
    with pytest.raises(ValueError):
        builder.validate(request(tmp_path, tracks=(track("fr"),), **{**supp, "base_number": 2}))
    burned = replace(SPEC, burn_in_language="en")
    with pytest.raises(ValidationError, match="burned into the video"):
        builder.validate(request(tmp_path, spec=burned, tracks=(track("en"),), **supp))


def test_refusal_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ValidationError):
        builder.build(request(tmp_path, tracks=(track(findings=(qc_error(),)),)), out)
    assert not out.exists() or list(out.iterdir()) == []


# --------------------------------------------------------------------------- progress


def test_plan_maps_steps_into_a_rising_overall_percentage() -> None:
    seen: list[tuple[float, str]] = []
    plan = builder._Plan([("a", 1), ("b", 3), ("c", 0)], lambda p, s: seen.append((p, s)))
    step_a = plan.start("a")
    step_a(50)
    step_b = plan.start("b")
    step_b(50)
    step_b(10)  # ffmpeg restarting its count never moves the bar back
    step_b(100)
    plan.start("c")
    assert seen == [(0.0, "a"), (12.5, "a"), (25.0, "b"), (62.5, "b"), (100.0, "b"),
                    (100.0, "c")]


# --------------------------------------------------------------------------- QC reports


def qc_input(findings: tuple[qc.Finding, ...]) -> qcreport.QCInput:
    return qcreport.QCInput(
        language="en", fingerprint="ab" * 32,
        cues=[Cue(4000, 5500, "<b>Hello</b> & bye"), Cue(6000, 7000, "Two")],
        findings=findings, offset_ms=3000, approved_by="Lan <admin>",
        approved_at=dt.datetime(2025, 3, 1, 8, 0, tzinfo=dt.UTC), package="X_V1",
        title="Mùa đào <script>")


def test_qc_json_has_both_languages_and_delivered_times() -> None:
    finding = qc.Finding("cps", "warning", 0, "Reading speed {cps} > {limit}",
                         {"cps": 19.5, "limit": 17})
    data = qcreport.qc_json(qc_input((finding,)))
    assert data["counts"] == {"error": 0, "warning": 1, "info": 0}
    assert data["time_offset_ms"] == 3000
    (item,) = data["findings"]
    assert (item["check"], item["severity"], item["cue_index"], item["cue_number"]) == (
        "cps", "warning", 0, 1)
    assert (item["start_ms"], item["end_ms"]) == (4000, 5500)
    assert item["message_en"] == finding.text("en")
    assert item["message_vi"] == finding.text("vi")
    json.dumps(data)


def test_qc_html_escapes_everything_and_says_no_findings() -> None:
    page = qcreport.qc_html(qc_input(()))
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    assert "No findings" in page and "Không có phát hiện nào" in page
    assert "<script>" not in page and "Mùa đào &lt;script&gt;" in page
    assert "Lan &lt;admin&gt;" in page
    finding = qc.Finding("empty", "error", 1, "Cue text <{text}>", {"text": "x&y"})
    page = qcreport.qc_html(qc_input((finding,)))
    assert "<table>" in page and "No findings" not in page
    assert "00:00:06.000 – 00:00:07.000" in page
    assert "&lt;x&amp;y&gt;" in page


# --------------------------------------------------------------------------- verify_package


def bag(tmp_path: Path) -> Path:
    folder = tmp_path / "PKG_V1"
    (folder / "data").mkdir(parents=True)
    (folder / "data" / "a.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHi\n",
                                           encoding="utf-8")
    bagit.write_manifest(folder)
    return folder


def zip_of(folder: Path, dst: Path, extra: dict[str, bytes] | None = None,
           link: str | None = None) -> Path:
    with zipfile.ZipFile(dst, "w") as zf:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                zf.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
        if link is not None:
            info = zipfile.ZipInfo(f"{folder.name}/data/link")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            zf.writestr(info, link)
    return dst


def test_verify_package_accepts_a_folder_and_its_zip(tmp_path: Path) -> None:
    folder = bag(tmp_path)
    assert builder.verify_package(folder) == []
    assert builder.verify_package(zip_of(folder, tmp_path / "p.zip")) == []


@pytest.mark.parametrize("evil", ["../evil.txt", "PKG_V1/../../evil.txt", "/tmp/evil.txt",
                                  "PKG_V1\\..\\..\\evil.txt", "C:/evil.txt"])
def test_verify_package_refuses_zip_slip(tmp_path: Path, evil: str) -> None:
    folder = bag(tmp_path / "src")
    archive = zip_of(folder, tmp_path / "evil.zip", {evil: b"owned"})
    problems = builder.verify_package(archive)
    assert problems and "leaves the package" in problems[0]
    assert isinstance(problems[0], Message)
    assert "ra ngoài gói" in problems[0].message("vi")
    assert not list(tmp_path.rglob("evil.txt"))
    assert not Path("/tmp/evil.txt").exists()


def test_verify_package_refuses_links_in_the_zip(tmp_path: Path) -> None:
    folder = bag(tmp_path / "src")
    problems = builder.verify_package(zip_of(folder, tmp_path / "l.zip", link="/etc/passwd"))
    assert problems and "leaves the package" in problems[0]


def test_verify_package_wants_one_top_folder(tmp_path: Path) -> None:
    folder = bag(tmp_path / "src")
    archive = zip_of(folder, tmp_path / "two.zip", {"README.txt": b"hello"})
    assert builder.verify_package(archive) == [
        "The zip must hold exactly one folder, the package"]


def test_verify_package_reports_tampering_and_junk(tmp_path: Path) -> None:
    folder = bag(tmp_path)
    (folder / "data" / "a.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nHa\n",
                                           encoding="utf-8")
    assert "Changed file (checksum differs): data/a.srt" in builder.verify_package(folder)
    junk = tmp_path / "junk.zip"
    junk.write_bytes(b"PK not really")
    assert builder.verify_package(junk) == ["junk.zip is neither a package folder nor a zip file"]


# --------------------------------------------------------------------------- translations


def _templates(path: Path) -> set[str]:
    """English templates given to ValidationError/MediaError/BagProblem in a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    constants = {node.targets[0].id: node.value.value for node in ast.walk(tree)
                 if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                 and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)}
    found: set[str] = set()
    for node in ast.walk(tree):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id in {"ValidationError", "MediaError", "Message"}
                and node.args):
            arg = node.args[0]
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                found.add(arg.value)
            elif isinstance(arg, ast.Name) and arg.id in constants:
                found.add(constants[arg.id])
    return found


@pytest.mark.parametrize("module", ["builder", "build_types", "build_validate", "build_state",
                                    "build_media", "build_files", "titlecard", "qcreport"])
def test_every_message_has_a_vietnamese_translation(module: str) -> None:
    path = Path(builder.__file__).with_name(f"{module}.py")
    for template in _templates(path):
        assert translate(template, "vi") != template, template
    for step in (builder.STEP_MEASURE, builder.STEP_VIDEO, builder.STEP_ZIP,
                 builder.FAIL_VIDEO):
        assert translate(step, "vi") != step
