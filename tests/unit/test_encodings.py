"""subtitles.encodings: every encoding offices send comes back as NFC Unicode with a report,
binary files are refused with the byte offset, and good text is never "converted".

The legacy corpus is made here, not committed: known TCVN3/VNI strings from real documents,
``iconv`` (glibc TCVN5712-1 and VISCII) for an encoder independent of viparse's tables, a VNI
encoder written from the VNI-Windows chart, and cp1258 written the way Windows writes it.
"""

from __future__ import annotations

import codecs
import shutil
import subprocess
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from subtitles.encodings import decode, sniff_text
from subtitles.formats import SubtitleFormatError

MOTTO = "Cộng hoà xã hội chủ nghĩa Việt Nam\nĐộc lập - Tự do - Hạnh phúc"
SENTENCES = (
    "Ủy ban nhân dân tỉnh Lai Châu thông báo lịch phát sóng chương trình tiếng Thái",
    "Đài Phát thanh và Truyền hình tỉnh Lai Châu xin kính chào quý vị và các bạn",
    "Người dân bản Mường Tè đã thu hoạch lúa sớm hơn mọi năm nhờ thời tiết thuận lợi",
    "Huyện Sìn Hồ đẩy mạnh trồng chè, ẵm giải nhất hội thi ẩm thực đẳng cấp của tỉnh",
)
TEXT = "\n".join(SENTENCES)
SRT_TEXT = (f"1\n00:00:01,000 --> 00:00:03,000\n{MOTTO}\n\n"
            f"2\n00:00:04,000 --> 00:00:06,000\n{TEXT}\n")
# Vietnamese syllables in the dictionary's own spelling, for generated sentences.
SYLLABLES = ("các", "bạn", "đã", "nghe", "chương", "trình", "thời", "sự", "của", "Đài",
             "tỉnh", "Lai", "Châu", "người", "dân", "bản", "mường", "ruộng", "lúa", "nước",
             "mùa", "xuân", "năm", "nay", "được", "đầu", "tư", "đường", "giao", "thông",
             "học", "sinh", "trường", "nội", "trú", "huyện", "Phong", "Thổ", "Tam", "Đường",
             "Ủy", "ban", "nhân", "thông", "báo", "ngày", "tháng", "Việt", "Nam", "Thái",
             "Mông", "Dao", "ẩm", "thực", "đẳng", "cấp", "những", "khó", "khăn", "đồng")
ICONV = shutil.which("iconv")


def _iconv_has(name: str) -> bool:
    if not ICONV:
        return False
    listed = subprocess.run([ICONV, "-l"], capture_output=True, text=True, check=False).stdout
    return name.upper() in listed.upper()


needs_tcvn = pytest.mark.skipif(not _iconv_has("TCVN5712-1"), reason="iconv lacks TCVN5712-1")
needs_viscii = pytest.mark.skipif(not _iconv_has("VISCII"), reason="iconv lacks VISCII")


def iconv(text: str, encoding: str) -> bytes:
    assert ICONV
    return subprocess.run([ICONV, "-f", "UTF-8", "-t", encoding], input=text.encode(),
                          capture_output=True, check=True).stdout


# ---- legacy encoders written from the charts, not from viparse's tables ------------------

_TONE = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_CIRCUMFLEX = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã",
               "\u0323": "ä"}
_BREVE = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_TONED_I = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def vni(text: str) -> bytes:
    """VNI-Windows bytes: base letter + mark byte; ơ ư đ and toned i are single bytes."""
    out = []
    for ch in text:
        if ch in "đĐ":
            out.append("ñ" if ch == "đ" else "Ñ")
            continue
        base, *marks = unicodedata.normalize("NFD", ch)
        if not marks or not base.isascii():
            out.append(ch)
            continue
        tone = next((m for m in marks if m in _TONE), "")

        def case(s: str, upper: bool = base.isupper()) -> str:
            return s.upper() if upper else s

        if base in "iI" and tone:
            out.append(case(_TONED_I[tone]))
        elif "\u031b" in marks:
            out.append(case("ô" if base in "oO" else "ö") + (case(_TONE[tone]) if tone else ""))
        elif "\u0302" in marks:
            out.append(base + case(_CIRCUMFLEX[tone]))
        elif "\u0306" in marks:
            out.append(base + case(_BREVE[tone]))
        else:
            out.append(base + case(_TONE[tone]))
    return "".join(out).encode("cp1252")


def cp1258(text: str) -> bytes:
    """Windows-1258 as Windows writes it: â ê ô ă ơ ư precomposed, tone marks combining."""
    tones = "\u0300\u0301\u0303\u0309\u0323"
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(m for m in parts if m not in tones))
        out.append(base + "".join(m for m in parts if m in tones))
    return "".join(out).encode("cp1258")


# ---- Unicode files ----------------------------------------------------------------------

def test_plain_utf8_is_utf8() -> None:
    assert decode(SRT_TEXT.encode()) == (SRT_TEXT, "utf-8", [])


def test_empty_file_is_empty_text() -> None:
    assert decode(b"") == ("", "utf-8", [])


@pytest.mark.parametrize("bom", [codecs.BOM_UTF8])
def test_utf8_bom_is_dropped(bom: bytes) -> None:
    text, encoding, notes = decode(bom + SRT_TEXT.encode())
    assert (text, encoding, notes) == (SRT_TEXT, "utf-8", [])


@pytest.mark.parametrize(("codec", "name"), [
    ("utf-16", "utf-16-le"), ("utf-16-be", "utf-16-be"), ("utf-16-le", "utf-16-le"),
    ("utf-32", "utf-32-le"),
])
def test_utf16_and_utf32_with_bom(codec: str, name: str) -> None:
    data = SRT_TEXT.encode(codec)
    if codec in ("utf-16-be", "utf-16-le"):
        data = (codecs.BOM_UTF16_BE if codec.endswith("be") else codecs.BOM_UTF16_LE) + data
    text, encoding, notes = decode(data)
    assert (text, encoding) == (SRT_TEXT, name)
    assert [str(n) for n in notes] == [f"Read as {'UTF-32' if '32' in name else 'UTF-16'} "
                                       f"({'big' if name.endswith('be') else 'little'}-endian)"]


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_found_by_its_nul_bytes(codec: str) -> None:
    text, encoding, _ = decode(SRT_TEXT.encode(codec))
    assert (text, encoding) == (SRT_TEXT, codec)


def test_crlf_and_cr_line_ends_become_lf() -> None:
    assert decode(SRT_TEXT.replace("\n", "\r\n").encode())[0] == SRT_TEXT
    assert decode(SRT_TEXT.replace("\n", "\r").encode())[0] == SRT_TEXT


def test_nfd_comes_back_nfc_with_a_note() -> None:
    nfd = unicodedata.normalize("NFD", SRT_TEXT)
    assert nfd != SRT_TEXT
    text, encoding, notes = decode(nfd.encode())
    assert text == SRT_TEXT and unicodedata.is_normalized("NFC", text)
    assert len("Việt") == 4 and "Việt" in text
    assert encoding == "utf-8"
    assert [n.template for n in notes] == [
        "Converted decomposed Unicode (NFD) to the composed form (NFC)"]


def test_double_utf8_is_repaired() -> None:
    def as_cp1252(byte: int) -> str:
        try:
            return bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            return chr(byte)

    twice = "".join(as_cp1252(b) for b in SRT_TEXT.encode()).encode()
    text, encoding, notes = decode(twice)
    assert text == SRT_TEXT
    assert encoding == "utf-8"
    assert "twice" in notes[0]


def test_bad_utf8_after_a_utf8_bom_is_an_error() -> None:
    with pytest.raises(SubtitleFormatError, match=r"UTF-8 byte order mark .* \(byte 3\)"):
        decode(codecs.BOM_UTF8 + b"\xff\xfe\xfd" + b"x" * 20)


# ---- legacy Vietnamese --------------------------------------------------------------------

def test_tcvn3_known_bytes_from_a_real_document() -> None:
    # The motto as TCVN3 (.VnTime) documents store it: "á" is 0xB8 (docs/standards.md).
    data = "Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc".encode("latin-1")
    text, encoding, notes = decode(data, language="vi")
    assert text == MOTTO
    assert encoding == "tcvn3"
    assert str(notes[0]) == "Converted from TCVN3 (ABC) to Unicode (13 characters changed)"
    assert notes[0].template == "Converted from {encoding} to Unicode ({count} characters changed)"


def test_vni_known_bytes_from_a_real_document() -> None:
    data = ("Coäng hoaø xaõ hoäi chuû nghóa Vieät Nam\n"
            "Ñoäc laäp - Töï do - Haïnh phuùc").encode("cp1252")
    text, encoding, notes = decode(data)
    assert (text, encoding) == (MOTTO, "vni")
    assert str(notes[0]) == "Converted from VNI to Unicode (13 characters changed)"


@needs_tcvn
def test_tcvn3_from_iconv_including_uppercase_vn1_letters() -> None:
    upper = SRT_TEXT + "\n3\n00:00:07,000 --> 00:00:08,000\nẤP ĐỒNG Ổ ÚT TỨ\n"
    text, encoding, _ = decode(iconv(upper, "TCVN5712-1"))
    assert (text, encoding) == (upper, "tcvn3")


@needs_viscii
def test_viscii_from_iconv() -> None:
    assert decode(iconv(SRT_TEXT, "VISCII"))[:2] == (SRT_TEXT, "viscii")


def test_vni_bytes() -> None:
    text, encoding, notes = decode(vni(SRT_TEXT))
    assert (text, encoding) == (SRT_TEXT, "vni")
    assert notes[0].params["encoding"] == "VNI"


def test_cp1258_with_combining_tone_marks_is_nfc() -> None:
    data = cp1258(SRT_TEXT)
    assert b"\xec" in data  # combining acute: Windows-1258 writes tones apart
    text, encoding, _ = decode(data)
    assert (text, encoding) == (SRT_TEXT, "cp1258")
    assert unicodedata.is_normalized("NFC", text)


def test_vni_text_pasted_into_a_utf8_file() -> None:
    pasted = vni(SRT_TEXT).decode("cp1252").encode("utf-8")
    text, encoding, notes = decode(pasted, language="vi")
    assert (text, encoding) == (SRT_TEXT, "utf-8+vni")
    assert notes[0].template.startswith("The file is UTF-8 but its text was typed in")


def test_tcvn3_text_pasted_into_a_utf8_file() -> None:
    pasted = "Céng hoµ x· héi chñ nghÜa ViÖt Nam\n§éc lËp - Tù do - H¹nh phóc\n"
    assert decode(pasted.encode())[:2] == (MOTTO + "\n", "utf-8+tcvn3")


@pytest.mark.parametrize("text", [
    "1\n00:00:01,000 --> 00:00:02,000\nThe naïve café owner said: où est le métro? Ça va.\n",
    "1\n00:00:01,000 --> 00:00:02,000\nSeñor, ¿dónde está la estación? Mañana él irá allí.\n",
    "1\n00:00:01,000 --> 00:00:02,000\nDie Größe der Straße überrascht die Bürger in Köln.\n",
    "1\n00:00:01,000 --> 00:00:02,000\nL'été à Paris, où il fait très chaud. Déjà vu, très "
    "élégant, crème brûlée à la carte.\n",
    "1\n00:00:01,000 --> 00:00:02,000\nBà má cá hè về là có à\n",
])
def test_western_utf8_is_never_converted(text: str) -> None:
    for language in ("und", "vi", "fr"):
        assert decode(text.encode(), language=language) == (text, "utf-8", [])


@pytest.mark.parametrize("language", ["fr", "en", "und"])
def test_western_cp1252_is_read_as_cp1252(language: str) -> None:
    text = ("1\n00:00:01,000 --> 00:00:02,000\nIl était une fois, à la fête du village, "
            "un garçon très âgé qui jouait du piano.\n")
    decoded, encoding, notes = decode(text.encode("cp1252"), language=language)
    assert (decoded, encoding) == (text, "cp1252")
    assert notes[0].template.startswith("Read as Windows-1252")


def test_a_non_latin_language_must_be_utf8() -> None:
    data = "1\n00:00:01,000 --> 00:00:02,000\n越南莱州省广播电视台\n".encode("gbk")
    with pytest.raises(SubtitleFormatError, match=r"not UTF-8 \(byte \d+\).*save it as UTF-8"):
        decode(data, language="zh")


def test_an_undecidable_8bit_file_is_refused_not_guessed() -> None:
    # Short, high bytes in most words, reads as nothing: refuse rather than store mojibake.
    with pytest.raises(SubtitleFormatError, match="cannot tell its encoding"):
        decode(b"\xe0\xe8 \xef\xf2 \xfc\xf9", language="vi")


# ---- binary junk --------------------------------------------------------------------------

@pytest.mark.parametrize(("data", "offset"), [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 8),
    (b"1\n00:00:01,000 --> 00:00:02,000\nabc\x00def\n", 35),
    (b"PK\x03\x04\x14\x00\x06\x00", 5),
    (bytes([0x1B, 0x1C, 0x1D, 0x1F, 0x03, 0x07, 0x08, 0x0E]) * 4 + b"text", 0),
])
def test_binary_data_is_refused_with_its_offset(data: bytes, offset: int) -> None:
    with pytest.raises(SubtitleFormatError) as error:
        decode(data)
    assert error.value.template == ("This file is not a text subtitle file (binary data at "
                                    "byte {offset})")
    assert error.value.params == {"offset": offset}
    assert "tệp phụ đề" in error.value.message("vi") or error.value.message("vi")


def test_random_bytes_are_refused() -> None:
    import random

    data = random.Random(7).randbytes(5000)
    with pytest.raises(SubtitleFormatError):
        decode(data)


def test_sniff_text_reads_any_start_leniently() -> None:
    assert sniff_text(codecs.BOM_UTF16_LE + "WEBVTT\n".encode("utf-16-le")) == "WEBVTT\n"
    assert sniff_text("WEBVTT".encode("utf-16-be")).startswith("WEBVTT")
    assert sniff_text(b"WEBVTT\xff") == "WEBVTT\ufffd"


# ---- properties ---------------------------------------------------------------------------

sentences = st.lists(st.sampled_from(SYLLABLES), min_size=12, max_size=40,
                     unique=True).map(" ".join)
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def _as_srt(body: str) -> str:
    return f"1\n00:00:01,000 --> 00:00:09,000\n{body}\n"


@SETTINGS
@given(sentences)
def test_utf8_vietnamese_is_returned_unchanged(body: str) -> None:
    text = _as_srt(body)
    assert decode(text.encode()) == (text, "utf-8", [])


LATIN1_SYLLABLES = ("bà", "má", "cá", "hè", "về", "là", "có", "à", "tôi", "anh", "em",
                    "nói", "làm", "xã", "kê", "mì", "bò", "gà", "chó", "mèo", "ví", "tê")


@SETTINGS
@given(st.lists(st.sampled_from(LATIN1_SYLLABLES), min_size=6, max_size=40).map(" ".join))
def test_utf8_vietnamese_that_fits_latin1_is_not_taken_for_legacy(body: str) -> None:
    # The legacy-in-UTF-8 check only looks at Latin-1-only text: the hardest case for it.
    text = _as_srt(body)
    assert decode(text.encode(), language="vi") == (text, "utf-8", [])


@SETTINGS
@given(sentences)
def test_vni_round_trip(body: str) -> None:
    text = _as_srt(body)
    assert decode(vni(text))[:2] == (text, "vni")


@SETTINGS
@given(sentences)
def test_cp1258_round_trip(body: str) -> None:
    text = _as_srt(body)
    assert decode(cp1258(text))[:2] == (text, "cp1258")


@needs_tcvn
@SETTINGS
@given(sentences)
def test_tcvn3_round_trip(body: str) -> None:
    text = _as_srt(body)
    assert decode(iconv(text, "TCVN5712-1"))[:2] == (text, "tcvn3")


@needs_viscii
@SETTINGS
@given(sentences)
def test_viscii_round_trip(body: str) -> None:
    text = _as_srt(body)
    data = iconv(text, "VISCII")
    decoded, encoding, _ = decode(data)
    assert decoded == text
    # VISCII shares á à â ã é ... with Windows-1252; text made only of those reads the same.
    assert encoding == "viscii" or data.decode("cp1252") == text
