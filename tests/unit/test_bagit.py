"""Unit tests of delivery.bagit: bags written here verify with our reader and with coreutils'
``sha256sum -c`` (the tool partners use), tampering is caught, and file names stay ASCII."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest

from delivery import bagit
from station.errors import ValidationError
from station.messages import Message


def make_payload(bag: Path) -> None:
    """A small package: a rendition, subtitles in a folder, a file name with a space."""
    (bag / "data" / "subtitles").mkdir(parents=True)
    (bag / "data" / "LAI_CHAU_PHONG_SU_MUA_DAO.mp4").write_bytes(b"\x00\x01video" * 1000)
    (bag / "data" / "subtitles" / "en.srt").write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nHello\n", encoding="utf-8")
    (bag / "data" / "manifest copy.json").write_text('{"a": 1}\n', encoding="utf-8")


@pytest.fixture
def bag(tmp_path: Path) -> Path:
    bag_dir = tmp_path / "bag"
    make_payload(bag_dir)
    bagit.write_manifest(bag_dir, bagging_date=dt.date(2025, 3, 1))
    return bag_dir


def test_written_bag_has_rfc8493_tag_files(bag: Path) -> None:
    assert (bag / "bagit.txt").read_bytes() == (
        b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n")
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    sizes = sum(p.stat().st_size for p in (bag / "data").rglob("*") if p.is_file())
    assert f"Payload-Oxum: {sizes}.3\n" in info
    assert "Bagging-Date: 2025-03-01\n" in info
    assert "Source-Organization: Dai Phat thanh va Truyen hinh Lai Chau\n" in info
    lines = (bag / "manifest-sha256.txt").read_text(encoding="utf-8").splitlines()
    assert [line.split("  ", 1)[1] for line in lines] == [
        "data/LAI_CHAU_PHONG_SU_MUA_DAO.mp4", "data/manifest copy.json", "data/subtitles/en.srt"]
    assert all(len(line.split("  ", 1)[0]) == 64 for line in lines)
    tags = (bag / "tagmanifest-sha256.txt").read_text(encoding="utf-8")
    assert [line.split("  ", 1)[1] for line in tags.splitlines()] == [
        "bag-info.txt", "bagit.txt", "manifest-sha256.txt"]


def test_fresh_bag_verifies(bag: Path) -> None:
    assert bagit.verify(bag) == []


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
@pytest.mark.parametrize("manifest", ["manifest-sha256.txt", "tagmanifest-sha256.txt"])
def test_sha256sum_accepts_the_manifests(bag: Path, manifest: str) -> None:
    proc = subprocess.run(["sha256sum", "--strict", "-c", manifest], cwd=bag,
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.count(": OK") == 3


@pytest.mark.skipif(shutil.which("sha256sum") is None, reason="needs coreutils sha256sum")
def test_sha256sum_catches_what_verify_catches(bag: Path) -> None:
    srt = bag / "data" / "subtitles" / "en.srt"
    srt.write_text(srt.read_text(encoding="utf-8").replace("Hello", "Hallo"), encoding="utf-8")
    proc = subprocess.run(["sha256sum", "-c", "manifest-sha256.txt"], cwd=bag,
                          capture_output=True, text=True, timeout=30, check=False)
    assert proc.returncode != 0
    assert "data/subtitles/en.srt: FAILED" in proc.stdout
    assert bagit.verify(bag) == ["Changed file (checksum differs): data/subtitles/en.srt"]


def test_missing_and_extra_files_are_reported(bag: Path) -> None:
    (bag / "data" / "manifest copy.json").unlink()
    (bag / "data" / "intruder.txt").write_text("x", encoding="utf-8")
    problems = bagit.verify(bag)
    assert "Missing file: data/manifest copy.json" in problems
    assert "File not in manifest-sha256.txt: data/intruder.txt" in problems
    assert any(p.startswith("Payload-Oxum is ") for p in problems)


def test_edited_tag_file_is_caught_by_the_tag_manifest(bag: Path) -> None:
    info = bag / "bag-info.txt"
    info.write_text(info.read_text(encoding="utf-8").replace("2025", "2024"), encoding="utf-8")
    assert bagit.verify(bag) == ["Changed file (checksum differs): bag-info.txt"]


def test_manifest_cannot_point_outside_the_bag(bag: Path, tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("s", encoding="utf-8")
    manifest = bag / "manifest-sha256.txt"
    with manifest.open("a", encoding="utf-8") as fh:
        fh.write(f"{'0' * 64}  data/../../secret.txt\n")
        fh.write("not a manifest line\n")
    problems = bagit.verify(bag)
    assert "manifest-sha256.txt names a file outside the bag: data/../../secret.txt" in problems
    assert "manifest-sha256.txt line 5 is malformed" in problems


def test_missing_tag_files(tmp_path: Path) -> None:
    make_payload(tmp_path)
    assert bagit.verify(tmp_path) == ["Missing tag file: bagit.txt",
                                      "Missing tag file: manifest-sha256.txt"]


def test_problems_translate_to_vietnamese(bag: Path) -> None:
    (bag / "data" / "subtitles" / "en.srt").unlink()
    problem = next(p for p in bagit.verify(bag) if p.startswith("Missing file"))
    assert isinstance(problem, Message)
    assert problem.message("vi") == "Thiếu tệp: data/subtitles/en.srt"


@pytest.mark.parametrize("name", ["Mùa đào.mp4", "phóng_sự/en.srt", "a%20b.txt", "a\\b.txt",
                                  "tab\there.txt"])
def test_unsafe_names_are_refused_before_writing(tmp_path: Path, name: str) -> None:
    make_payload(tmp_path)
    target = tmp_path / "data" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(b"x")
    with pytest.raises(ValidationError) as info:
        bagit.write_manifest(tmp_path)
    assert name in str(info.value)
    assert not (tmp_path / "manifest-sha256.txt").exists()


def test_non_ascii_message_in_vietnamese(tmp_path: Path) -> None:
    make_payload(tmp_path)
    (tmp_path / "data" / "Đài.mp4").write_bytes(b"x")
    with pytest.raises(ValidationError) as info:
        bagit.write_manifest(tmp_path)
    assert str(info.value) == "File name is not ASCII: data/Đài.mp4"
    assert info.value.message("vi").startswith("Tên tệp không phải ASCII")


def test_symlinks_are_refused(tmp_path: Path) -> None:
    make_payload(tmp_path)
    (tmp_path / "data" / "link.mp4").symlink_to("/etc/hostname")
    with pytest.raises(ValidationError, match="symbolic link"):
        bagit.write_manifest(tmp_path)


def test_no_data_folder(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="no data folder"):
        bagit.write_manifest(tmp_path)


def test_rebagging_after_a_change_verifies_again(bag: Path) -> None:
    (bag / "data" / "subtitles" / "fr.srt").write_text("1\n", encoding="utf-8")
    assert bagit.verify(bag)
    bagit.write_manifest(bag)
    assert bagit.verify(bag) == []


# --------------------------------------------------------------------------- delivery names


@pytest.mark.parametrize(
    ("unit", "genre", "title", "ext", "expected"),
    [
        ("Lai Châu", "Phóng sự", "Mùa đào trên núi", "mp4",
         "LAI_CHAU_PHONG_SU_MUA_DAO_TREN_NUI.mp4"),
        ("LCTV", "Tin tức", "Đường 4D: sạt lở, 2 người bị thương!", ".WAV",
         "LCTV_TIN_TUC_DUONG_4D_SAT_LO_2_NGUOI_BI_THUONG.wav"),
        ("Lai Châu", "Phóng sự", "Chợ phiên Sìn Hồ — “ngày hội” của đồng bào", "srt",
         "LAI_CHAU_PHONG_SU_CHO_PHIEN_SIN_HO_NGAY_HOI_CUA_DONG_BAO.srt"),
    ],
)
def test_delivery_name_examples(unit: str, genre: str, title: str, ext: str,
                                expected: str) -> None:
    assert bagit.delivery_name(unit, genre, title, ext) == expected


def test_delivery_name_is_cut_at_a_word_boundary() -> None:
    title = "Người dân bản Hô Bon xã Sơn Bình huyện Tam Đường phát triển kinh tế " * 3
    name = bagit.delivery_name("Lai Châu", "Phóng sự", title, "mp4")
    stem = name.removesuffix(".mp4")
    assert len(stem) <= bagit.DELIVERY_STEM_MAX
    assert name.isascii() and stem == stem.upper()
    assert "__" not in stem and not stem.endswith("_")
    assert stem.split("_")[-1] in {w.upper() for w in bagit.fold(title).split()}  # whole word
    cut = bagit.delivery_name("LCTV", "TIN", "X" * 200, "mp4")
    assert cut == "LCTV_TIN_" + "X" * (bagit.DELIVERY_STEM_MAX - 9) + ".mp4"


@pytest.mark.parametrize(("unit", "genre", "title", "ext"), [
    ("Lai Châu", "Phóng sự", "中文标题", "mp4"),
    ("", "Phóng sự", "Tiêu đề", "mp4"),
    ("Lai Châu", "Phóng sự", "Tiêu đề", "m p4"),
    ("Lai Châu", "Phóng sự", "Tiêu đề", ""),
])
def test_delivery_name_refuses_what_cannot_be_named(unit: str, genre: str, title: str,
                                                    ext: str) -> None:
    with pytest.raises(ValidationError):
        bagit.delivery_name(unit, genre, title, ext)
