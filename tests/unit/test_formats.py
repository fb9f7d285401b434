"""subtitles.formats: every writer round-trips through Station's reader AND an independent one
(``srt`` for SRT, ``webvtt-py`` for WebVTT, ``ttconv`` for TTML), for Vietnamese, Chinese,
Lao and Tai Viet text; the readers take what partners and translators really send, and say
which line is wrong when they cannot."""

from __future__ import annotations

import ast
import codecs
import html
import io
import json
import logging
import pickle
import re
import string
import xml.etree.ElementTree as ET
import zipfile
from datetime import timedelta
from fractions import Fraction
from pathlib import Path

import docx
import pytest
import srt as srt_lib
import webvtt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ttconv import model as tt_model
from ttconv.imsc import reader as imsc_reader
from ttconv.srt import writer as ttconv_srt_writer

from station.i18n import catalogue
from station.messages import Message
from subtitles import formats
from subtitles.cues import Cue, SubtitleDoc, normalize_text
from subtitles.formats import SubtitleFormatError

VI_MESSAGES = catalogue("vi")

BOM = codecs.BOM_UTF8

# ---- strategies ---------------------------------------------------------------------------

VIETNAMESE = ("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọồổỗốộ"
              "ờởỡớợùủũúụừửữứựỳỷỹýỵ")
VIETNAMESE += VIETNAMESE.upper()
PLAIN = VIETNAMESE + string.ascii_letters + string.digits + ".,?!-:;\"'()%…“”"
letters = st.one_of(
    st.sampled_from(PLAIN),
    st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),  # CJK (VOV5, VTV4 Chinese)
    st.characters(min_codepoint=0x0E80, max_codepoint=0x0EFF,  # Lao
                  categories=("Lo", "Mn", "Nd")),
    st.characters(min_codepoint=0xAA80, max_codepoint=0xAADF,  # Tai Viet (Thái, blt-Tavt)
                  categories=("Lo", "Lm", "Mn", "Po")),
)
markup = st.one_of(letters, st.sampled_from("&<>"))  # WebVTT and TTML must escape these


def cue_texts(alphabet: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """1-2 lines of 1-6 words, normalised as the model keeps text."""
    word = st.text(alphabet, min_size=1, max_size=10)
    line = st.lists(word, min_size=1, max_size=6).map(" ".join)
    return st.lists(line, min_size=1, max_size=2).map("\n".join).map(normalize_text)


@st.composite
def docs(draw: st.DrawFn, alphabet: st.SearchStrategy[str] = letters) -> SubtitleDoc:
    """Non-overlapping cues at millisecond times, anywhere in a 10-hour programme."""
    at = draw(st.integers(0, 34_000_000))
    cues = []
    for _ in range(draw(st.integers(1, 8))):
        at += draw(st.integers(0, 60_000))
        length = draw(st.integers(1, 10_000))
        cues.append(Cue(at, at + length, draw(cue_texts(alphabet))))
        at += length
    return SubtitleDoc(draw(st.sampled_from(["vi", "zh", "lo", "blt-Tavt", "en", "und"])), cues)


ROUND_TRIP = settings(max_examples=200, deadline=None,
                      suppress_health_check=[HealthCheck.too_slow])


def triples(doc: SubtitleDoc) -> list[tuple[int, int, str]]:
    return [(c.start_ms, c.end_ms, c.text) for c in doc.cues]


def _ms(delta: timedelta) -> int:
    return delta // timedelta(milliseconds=1)


# ---- SRT --------------------------------------------------------------------------------

@ROUND_TRIP
@given(docs())
def test_srt_round_trip_and_the_srt_library_agrees(doc: SubtitleDoc) -> None:
    data = formats.write("srt", doc)
    assert data.decode("utf-8").count("\r\n") >= 3 * len(doc.cues)  # CRLF throughout
    assert "\n" not in data.decode().replace("\r\n", "")
    for variant in (data, BOM + data, data.replace(b"\r\n", b"\n")):
        result = formats.read("srt", variant, language=doc.language)
        assert result.doc.cues == doc.cues
        assert result.notes == [] and result.encoding == "utf-8"
    independent = list(srt_lib.parse(data.decode("utf-8")))
    assert [s.index for s in independent] == list(range(1, len(doc.cues) + 1))
    assert [(_ms(s.start), _ms(s.end), s.content) for s in independent] == triples(doc)


def test_srt_writer_format() -> None:
    doc = SubtitleDoc("vi", [Cue(3_723_004, 3_724_500, "Xin chào\nLai Châu"),
                             Cue(36_000_000, 36_000_001, "Mười giờ")])
    assert formats.write("srt", doc) == (
        "1\r\n01:02:03,004 --> 01:02:04,500\r\nXin chào\r\nLai Châu\r\n\r\n"
        "2\r\n10:00:00,000 --> 10:00:00,001\r\nMười giờ\r\n\r\n").encode()


def test_srt_writer_normalises_and_leaves_out_empty_cues() -> None:
    doc = SubtitleDoc("vi", [Cue(0, 1000, "Vie\u0302\u0323t  \n\n nam\x07"), Cue(1000, 2000, " "),
                             Cue(2000, 3000, "Ba")])
    assert formats.write("srt", doc) == (
        "1\r\n00:00:00,000 --> 00:00:01,000\r\nViệt\r\nnam\r\n\r\n"
        "2\r\n00:00:02,000 --> 00:00:03,000\r\nBa\r\n\r\n").encode()


PARTNER_SRT = (
    "\ufeff1\r\n00:00:01,000 --> 00:00:02,500\r\n<i>Xin chào</i> quý vị\r\n"
    "{\\an8}<b>Lai Châu</b>\r\n\r\n\r\n\r\n"
    "00:00:02.000 --> 00:00:04.000\r\nKhông có số thứ tự, dấu chấm\r\n\r\n"   # no index, "."
    "2\r\n00:00:03,000 --> 00:00:05,000  X1:100 X2:600 Y1:20 Y2:80\r\n"      # overlaps
    "<font color=\"#ffff00\">Chồng lên</font><br>hai dòng\r\n\r\n"
    "2\r\n00:00:06,000 --> 00:00:07,000\r\n5 < 6 và <bạn>\r\n\r\n"            # duplicate index
    "9\r\n00:00:08,000 --> 00:00:08,000\r\n\r\n"                            # out of order, empty
)


def test_srt_reader_takes_what_partners_send() -> None:
    result = formats.read("srt", PARTNER_SRT.encode("utf-8"), language="vi")
    assert triples(result.doc) == [
        (1000, 2500, "Xin chào quý vị\nLai Châu"),
        (2000, 4000, "Không có số thứ tự, dấu chấm"),
        (3000, 5000, "Chồng lên\nhai dòng"),  # the overlap is kept: QC reports it
        (6000, 7000, "5 < 6 và <bạn>"),  # not formatting tags: kept as typed
        (8000, 8000, ""),
    ]
    assert result.doc.language == "vi"
    assert [n.template for n in result.notes] == [
        "The cue numbers were missing, repeated or out of order; Station numbers cues itself",
        "Removed formatting tags (italics, bold, colour, position) from {count} cues",
    ]
    assert result.notes[1].params == {"count": 2}


def test_srt_reader_sorts_cues_into_time_order_with_a_note() -> None:
    data = (b"1\n00:00:05,000 --> 00:00:06,000\nB\n\n"
            b"2\n00:00:01,000 --> 00:00:02,000\nA\n")
    result = formats.read("srt", data)
    assert [c.text for c in result.doc.cues] == ["A", "B"]
    assert [n.template for n in result.notes] == [
        "The cues were not in time order; sorted by start time"]


def test_srt_reader_converts_legacy_encodings_with_a_note() -> None:
    data = ("1\r\n00:00:01,000 --> 00:00:02,000\r\nCoäng hoaø xaõ hoäi chuû nghóa Vieät Nam\r\n"
            "Ñoäc laäp - Töï do - Haïnh phuùc\r\n").encode("cp1252")
    result = formats.read("srt", data, language="vi")
    assert result.doc.cues[0].text == ("Cộng hoà xã hội chủ nghĩa Việt Nam\n"
                                       "Độc lập - Tự do - Hạnh phúc")
    assert result.encoding == "vni"
    assert result.notes[0].template.startswith("Converted from {encoding}")


GOOD = "1\n00:00:01,000 --> 00:00:02,000\nMột\n\n2\n00:00:03,000 --> 00:00:04,000\nHai\n\n"


@pytest.mark.parametrize(("text", "line", "template", "shown"), [
    (GOOD + "3\n00:00:05,000 --> 00:00:0x,000\nBa\n", 10,
     "Line {line}: bad timestamp {text!r}", "00:00:05,000 --> 00:00:0x,000"),
    # pysrt alone reads these as 00:00:00,000 and as 5 ms: Station refuses them.
    ("1\naa:bb:cc,ddd --> 00:00:02,000\nMột\n", 2, "Line {line}: bad timestamp {text!r}",
     "aa:bb:cc,ddd --> 00:00:02,000"),
    ("1\n00:00:01,5 --> 00:00:02,000\nMột\n", 2, "Line {line}: bad timestamp {text!r}",
     "00:00:01,5 --> 00:00:02,000"),
    ("1\n00:61:00,000 --> 01:02:00,000\nMột\n", 2, "Line {line}: bad timestamp {text!r}",
     "00:61:00,000 --> 01:02:00,000"),
    ("1\n٠٠:٠٠:٠١,٠٠٠ --> 00:00:02,000\nMột\n", 2, "Line {line}: bad timestamp {text!r}",
     "٠٠:٠٠:٠١,٠٠٠ --> 00:00:02,000"),
    ("1\n00:00:01,000 --> 00:00:02,000 --> 00:00:03,000\nMột\n", 2,
     "Line {line}: bad timestamp {text!r}", "00:00:01,000 --> 00:00:02,000 --> 00:00:03,000"),
    ("1\n-00:00:01,000 --> 00:00:02,000\nMột\n", 2, "Line {line}: bad timestamp {text!r}",
     "-00:00:01,000 --> 00:00:02,000"),
    ("\n\n" + GOOD + "3\n00:00:05,000 -> 00:00:06,000\nBa\n", 12,
     "Line {line}: a cue needs a timestamp line like 00:00:01,000 --> 00:00:02,500 "
     "(found {text!r})", "00:00:05,000 -> 00:00:06,000"),
    ("1\n00:00:03,000 --> 00:00:02,000\nMột\n", 2,
     "Line {line}: the cue ends before it starts ({text!r})", "00:00:03,000 --> 00:00:02,000"),
    ("1\n00:00:01,000 --> 00:00:02,000\nMột\n\ncòn tiếp\n\n2\n00:00:03,000 --> 00:00:04,000\n"
     "Hai\n", 5, "Line {line}: text without a timestamp line before it ({text!r})",
     "còn tiếp"),
])
def test_srt_errors_name_the_line(text: str, line: int, template: str, shown: str) -> None:
    for data in (text.encode(), BOM + text.replace("\n", "\r\n").encode(),
                 text.encode("utf-16")):
        with pytest.raises(SubtitleFormatError) as error:
            formats.read("srt", data, language="vi")
        assert error.value.template == template
        assert error.value.params["line"] == line
        assert error.value.params.get("text", shown) == shown
    assert str(error.value).startswith(f"Line {line}: ")


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\r\n\r\n  \r\n", "\ufeff".encode()])
def test_srt_with_no_cues_is_an_error(data: bytes) -> None:
    with pytest.raises(SubtitleFormatError, match=r"^The file has no subtitles$"):
        formats.read("srt", data)


def test_srt_binary_junk_is_refused() -> None:
    with pytest.raises(SubtitleFormatError, match=r"binary data at byte 8"):
        formats.read("srt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


# ---- WebVTT -------------------------------------------------------------------------------

@ROUND_TRIP
@given(docs(markup))
def test_webvtt_round_trip_and_webvtt_py_agrees(doc: SubtitleDoc) -> None:
    data = formats.write("webvtt", doc)
    text = data.decode("utf-8")
    assert text.startswith("WEBVTT\n\n") and "\r" not in text
    for variant in (data, BOM + data, data.replace(b"\n", b"\r\n")):
        result = formats.read("webvtt", variant, language=doc.language)
        assert result.doc.cues == doc.cues
        assert result.notes == []
    captions = webvtt.from_buffer(io.StringIO(text))
    assert [(c.start_time.in_milliseconds(), c.end_time.in_milliseconds(),
             html.unescape(c.text)) for c in captions] == triples(doc)
    assert all(c.raw_text == c.text for c in captions)  # escaped: no text read as a tag


def test_webvtt_py_reads_the_file_with_a_bom(tmp_path: Path) -> None:
    doc = SubtitleDoc("vi", [Cue(1000, 2000, "Tôi & <bạn>")])
    path = tmp_path / "bom.vtt"
    path.write_bytes(BOM + formats.write("webvtt", doc))
    captions = webvtt.read(str(path))
    assert [html.unescape(c.text) for c in captions] == ["Tôi & <bạn>"]


def test_webvtt_writer_format() -> None:
    doc = SubtitleDoc("vi", [Cue(3_723_004, 3_724_500, "A & B <c>\n--> Lai Châu")])
    assert formats.write("webvtt", doc) == (
        "WEBVTT\n\n01:02:03.004 --> 01:02:04.500\nA &amp; B &lt;c&gt;\n--&gt; Lai Châu\n"
    ).encode()
    assert formats.get("webvtt").mimetype == "text/vtt"
    assert formats.get("webvtt").extension == "vtt"


UPLOADED_VTT = """WEBVTT - Bản tin Lai Châu
Kind: captions
Language: vi

NOTE Biên tập viên: kiểm tra lại
tên riêng

STYLE
::cue { color: yellow }

REGION
id:bottom width:40%

intro
00:01.000 --> 00:03.500 align:start line:90%
<v Phóng viên>Xin chào</v> <c.yellow>quý vị</c>
<i>và các bạn</i> &amp; &lt;3 &nbsp;

00:00:04.000 --> 00:00:05.000
<ruby>漢<rt>hàn</rt></ruby>字 <00:00:04.500>tiếp
"""


def test_webvtt_reader_skips_blocks_settings_and_tags() -> None:
    result = formats.read("webvtt", UPLOADED_VTT.replace("\n", "\r\n").encode("utf-8"),
                          language="vi")
    assert triples(result.doc) == [(1000, 3500, "Xin chào quý vị\nvà các bạn & <3"),
                                   (4000, 5000, "漢字 tiếp")]
    assert [n.template for n in result.notes] == [
        "Removed formatting tags (italics, bold, colour, position) from {count} cues"]


def test_webvtt_cue_right_under_the_header() -> None:
    data = b"WEBVTT\n00:00:01.000 --> 00:00:02.000\nHai\n"
    assert triples(formats.read("webvtt", data).doc) == [(1000, 2000, "Hai")]


@pytest.mark.parametrize(("text", "line", "template"), [
    ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nMột\n\n00:00:03,000 --> 00:00:04.000\nHai\n",
     6, "Line {line}: bad timestamp {text!r}"),
    ("WEBVTT\n\nid\n00:00:01.000 --> 00:00:02\nMột\n", 4, "Line {line}: bad timestamp {text!r}"),
    ("WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nMột\n", 3,
     "Line {line}: the cue ends before it starts ({text!r})"),
    ("WEBVTT\n\nchỉ có chữ\n", 3,
     "Line {line}: text without a timestamp line before it ({text!r})"),
])
def test_webvtt_errors_name_the_line(text: str, line: int, template: str) -> None:
    with pytest.raises(SubtitleFormatError) as error:
        formats.read("webvtt", text.encode())
    assert (error.value.template, error.value.params["line"]) == (template, line)


@pytest.mark.parametrize(("data", "message"), [
    (b"1\n00:00:01,000 --> 00:00:02,000\nHi\n", "the first line must be WEBVTT"),
    (b"WEBVTTX\n", "the first line must be WEBVTT"),
    (b"WEBVTT\n\nNOTE only a note\n", "^The file has no subtitles$"),
])
def test_webvtt_that_is_not_webvtt_or_empty(data: bytes, message: str) -> None:
    with pytest.raises(SubtitleFormatError, match=message):
        formats.read("webvtt", data)


# ---- TTML (EBU-TT-D / IMSC1) ----------------------------------------------------------------

NS = {"tt": "http://www.w3.org/ns/ttml", "ttp": "http://www.w3.org/ns/ttml#parameter",
      "tts": "http://www.w3.org/ns/ttml#styling", "ebuttm": "urn:ebu:tt:metadata"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
MEDIA_TIME = re.compile(r"\d{2,}:[0-5]\d:[0-5]\d\.\d{3}")


def ttconv_cues(data: bytes) -> list[tuple[int, int, str]]:
    """The cues as ttconv's model has them: its own reader, a walker written for this test."""
    document = imsc_reader.to_model(ET.ElementTree(ET.fromstring(data)))
    assert document is not None
    cues: list[tuple[int, int, str]] = []

    def text_of(element: tt_model.ContentElement) -> str:
        if isinstance(element, tt_model.Text):
            return element.get_text()
        if isinstance(element, tt_model.Br):
            return "\n"
        return "".join(text_of(child) for child in element)

    def walk(element: tt_model.ContentElement, offset: Fraction) -> None:
        begin = offset + (element.get_begin() or 0)
        if isinstance(element, tt_model.P):
            end = offset + element.get_end()
            cues.append((round(begin * 1000), round(end * 1000), text_of(element)))
            return
        for child in element:
            walk(child, begin)

    body = document.get_body()
    assert body is not None
    walk(body, Fraction(0))
    return cues


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@ROUND_TRIP
@given(docs(markup))
def test_ttml_round_trip_and_ttconv_agrees(doc: SubtitleDoc) -> None:
    data = formats.write("ttml", doc)
    complaints = _Records()
    logging.getLogger("ttconv").addHandler(complaints)
    try:
        assert ttconv_cues(data) == triples(doc)
        result = formats.read("ttml", data, language=doc.language)
    finally:
        logging.getLogger("ttconv").removeHandler(complaints)
    assert [r.getMessage() for r in complaints.records] == []  # ttconv found nothing wrong
    assert result.doc.cues == doc.cues
    assert result.doc.language == doc.language


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(docs())
def test_ttml_through_ttconv_srt_writer_reads_the_same_in_the_srt_library(
        doc: SubtitleDoc) -> None:
    # A second, unrelated path: ttconv computes what is on screen when (its ISDs) and
    # writes SRT; the srt library reads that. Adjacent cues must not merge or shift.
    document = imsc_reader.to_model(ET.ElementTree(ET.fromstring(formats.write("ttml", doc))))
    assert document is not None
    parsed = list(srt_lib.parse(ttconv_srt_writer.from_model(document)))
    assert [(_ms(s.start), _ms(s.end), s.content) for s in parsed] == triples(doc)


def test_ttml_is_ebu_tt_d_with_the_documents_language() -> None:
    doc = SubtitleDoc("vi", [Cue(1000, 2500, "Xin chào\nLai Châu & bạn")], title="Bản tin")
    data = formats.write("ttml", doc)
    assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    root = ET.fromstring(data)
    assert root.tag == "{http://www.w3.org/ns/ttml}tt"
    assert root.get(XML_LANG) == "vi"
    assert root.get("{http://www.w3.org/ns/ttml#parameter}timeBase") == "media"
    conforms = [e.text for e in root.iterfind(".//ebuttm:conformsToStandard", NS)]
    assert conforms == ["urn:ebu:tt:distribution:2018-04",
                        "http://www.w3.org/ns/ttml/profile/imsc1/text"]
    region = root.find(".//tt:layout/tt:region", NS)
    assert region is not None
    assert region.get("{http://www.w3.org/ns/ttml#styling}displayAlign") == "after"
    body = root.find("tt:body", NS)
    assert body is not None and body.get("style") == "base"
    paragraphs = root.findall(".//tt:p", NS)
    assert [p.get(XML_ID) for p in paragraphs] == ["sub1"]
    p = paragraphs[0]
    assert MEDIA_TIME.fullmatch(p.get("begin", "")) and MEDIA_TIME.fullmatch(p.get("end", ""))
    assert [child.tag.split("}")[1] for child in p] == ["span", "br", "span"]
    assert [s.text for s in p.iterfind("tt:span", NS)] == ["Xin chào", "Lai Châu & bạn"]
    assert p.text is None  # EBU-TT-D: character content only inside span
    assert formats.get("ttml").mimetype == "application/ttml+xml"


def test_ttml_asks_for_a_tai_viet_font() -> None:
    data = formats.write("ttml", SubtitleDoc("blt-Tavt", [Cue(0, 1000, "ꪀꪱꪙ ꪼꪕ")]))
    assert b"tts:fontFamily=\"'Noto Sans Tai Viet', proportionalSansSerif\"" in data
    assert ttconv_cues(data) == [(0, 1000, "ꪀꪱꪙ ꪼꪕ")]


PARTNER_TTML = b"""<?xml version="1.0" encoding="UTF-8"?>
<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter"
    ttp:timeBase="media" ttp:frameRate="25" xml:lang="en">
  <body>
    <div begin="00:00:10.000" end="00:01:00.000">
      <p begin="00:00:01:12" end="00:00:02:00">Frames at
        25 fps<br/><span>second <span>line</span></span></p>
      <p begin="3s" dur="1.5s" xml:space="preserve">kept
space</p>
    </div>
  </body>
</tt>"""


def test_ttml_reader_handles_frames_nesting_dur_and_whitespace() -> None:
    result = formats.read("ttml", PARTNER_TTML)
    assert triples(result.doc) == [(11_480, 12_000, "Frames at 25 fps\nsecond line"),
                                   (13_000, 14_500, "kept\nspace")]
    assert result.doc.language == "en"
    assert formats.read("ttml", PARTNER_TTML, language="fr").doc.language == "fr"


def test_ttml_cues_ttconv_cannot_time_are_an_error_not_lost() -> None:
    data = PARTNER_TTML.replace(b' end="00:01:00.000"', b"")  # ttconv 1.2.3 drops these p
    with pytest.raises(SubtitleFormatError) as error:
        formats.read("ttml", data)
    assert error.value.params == {"count": 2, "total": 2}


@pytest.mark.parametrize(("data", "template"), [
    (b'<tt xmlns="http://www.w3.org/ns/ttml" xml:lang="vi"><body><div><p>x</p></div></body>'
     b'</tt>', "Cue {index} has no end time"),
    (b'<?xml version="1.0"?>\n<tt xmlns="http://www.w3.org/ns/ttml">\n<body><p>\n</tt>',
     "Line {line}: {detail}"),
    (b'<html><body>not subtitles</body></html>', "This is not a TTML file: {detail}"),
    (b'<tt xmlns="http://www.w3.org/ns/ttml" xml:lang="vi"><body><div>'
     b'<p begin="bad" end="00:00:01.000">x</p></div></body></tt>',
     "This is not a TTML file: {detail}"),
    (b'<tt xmlns="http://www.w3.org/ns/ttml" xml:lang="vi"><body/></tt>',
     "The file has no subtitles"),
])
def test_ttml_reader_errors(data: bytes, template: str) -> None:
    with pytest.raises(SubtitleFormatError) as error:
        formats.read("ttml", data)
    assert error.value.template == template
    if template.startswith("Line"):
        assert error.value.params["line"] == 4


# ---- EBU STL ------------------------------------------------------------------------------

@pytest.mark.parametrize(("language", "text", "message"), [
    ("vi", "Xin chào", "EBU STL cannot carry Vietnamese"),  # Latin-1 letters, but Vietnamese
    ("und", "Cộng hoà xã hội", "EBU STL cannot carry Vietnamese"),
    ("hnj", "Tuav ntsuj plig ơ", "EBU STL cannot carry Vietnamese"),
    ("zh", "越南莱州", "EBU STL cannot carry these characters: 南 州 莱 越"),
    ("en", "Plain English, café", "EBU STL export is not supported; use TTML"),
])
def test_stl_is_refused_with_the_reason(language: str, text: str, message: str) -> None:
    with pytest.raises(SubtitleFormatError, match=f"^{re.escape(message)}"):
        formats.write("stl", SubtitleDoc(language, [Cue(0, 1000, text)]))
    assert formats.get("stl").read is None


def test_stl_vietnamese_message_is_exact() -> None:
    with pytest.raises(SubtitleFormatError) as error:
        formats.write("stl", SubtitleDoc("vi", [Cue(0, 1000, "Lai Châu")]))
    assert str(error.value) == ("EBU STL cannot carry Vietnamese (its character tables lack "
                                "ơ, ư, ả, ạ, ế...); use TTML (EBU-TT-D) or SRT")


# ---- TXT and DOCX transcripts -------------------------------------------------------------

RADIO = SubtitleDoc("vi", [Cue(62_500, 65_000, "Bản tin\nLai Châu"),
                           Cue(3_661_000, 3_662_000, "Chào quý vị"), Cue(3_700_000, 3_701_000, "")],
                    title="Thời sự tối")


def test_txt_transcript() -> None:
    data = formats.write("txt", RADIO)
    assert data == ("\ufeffThời sự tối\r\n\r\n[00:01:02] Bản tin Lai Châu\r\n\r\n"
                    "[01:01:01] Chào quý vị\r\n\r\n").encode("utf-8")
    assert formats.get("txt").read is None


def test_docx_transcript_reads_back_in_python_docx() -> None:
    data = formats.write("docx", RADIO)
    document = docx.Document(io.BytesIO(data))
    assert [p.text for p in document.paragraphs] == [
        "Thời sự tối", "Language: vi", "[00:01:02] Bản tin Lai Châu", "[01:01:01] Chào quý vị"]
    assert document.paragraphs[2].runs[0].bold
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.core_properties.language == "vi"
    assert round(document.sections[0].page_width.mm) == 210  # A4
    assert zipfile.ZipFile(io.BytesIO(data)).testzip() is None


def test_docx_font_follows_the_script() -> None:
    data = formats.write("docx", SubtitleDoc("blt-Tavt", [Cue(0, 1000, "ꪀꪱꪙ")]))
    assert docx.Document(io.BytesIO(data)).styles["Normal"].font.name == "Noto Sans Tai Viet"


# ---- registry -----------------------------------------------------------------------------

def test_registry() -> None:
    assert {name: formats.get(name).extension for name in
            ("srt", "webvtt", "ttml", "stl", "txt", "docx")} == {
        "srt": "srt", "webvtt": "vtt", "ttml": "ttml", "stl": "stl", "txt": "txt",
        "docx": "docx"}
    assert formats.get("SRT") is formats.get("srt")
    with pytest.raises(SubtitleFormatError, match="Unknown subtitle format ass; use one of"):
        formats.get("ass")
    with pytest.raises(SubtitleFormatError, match="cannot import them"):
        formats.read("docx", b"PK")
    with pytest.raises(SubtitleFormatError, match="Unknown subtitle format nope"):
        formats.write("nope", SubtitleDoc())


@pytest.mark.parametrize(("filename", "data", "name"), [
    ("a.srt", b"1\n00:00:01,000 --> 00:00:02,000\nx\n", "srt"),
    ("A.SRT", b"", "srt"),
    ("upload.bin", b"1\r\n00:00:01,000 --> 00:00:02,000\r\nx\r\n", "srt"),
    ("ban dich.txt", b"1\r\n00:00:01,000 --> 00:00:02,000\r\nx\r\n", "srt"),
    ("script.txt", "Bản tin".encode(), "txt"),
    ("x.srt", b"\xef\xbb\xbfWEBVTT\n\n", "webvtt"),  # content beats the name
    ("x.txt", "WEBVTT\n".encode("utf-16"), "webvtt"),
    ("x.vtt", b"WEBVTT\n", "webvtt"),
    ("x.xml", b'<?xml version="1.0"?>\n<tt xmlns="http://www.w3.org/ns/ttml"/>', "ttml"),
    ("x", b'<tt:tt xmlns:tt="http://www.w3.org/ns/ttml"/>', "ttml"),
    ("x.dfxp", b"", "ttml"),
    ("x.stl", b"\x00" * 20, "stl"),
    ("x.dat", b"850STL25.01" + b" " * 20, "stl"),
])
def test_detect(filename: str, data: bytes, name: str) -> None:
    assert formats.detect(filename, data) == name


def test_detect_gives_up_clearly() -> None:
    with pytest.raises(SubtitleFormatError, match=r"cannot tell which subtitle format notes\.md"):
        formats.detect("notes.md", b"# hello")


# ---- messages: every template has its Vietnamese -------------------------------------------

SOURCES = [Path(formats.__file__).parent / name for name in
           ("__init__.py", "srt.py", "webvtt.py", "ttml.py", "txt.py")]
SOURCES.append(Path(formats.__file__).parent.parent / "encodings.py")


def _templates() -> set[str]:
    found = set()
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("SubtitleFormatError", "Message") and node.args
                    and isinstance(node.args[0], ast.Constant)):
                found.add(node.args[0].value)
    return found


def test_every_message_has_a_vietnamese_translation_with_the_same_fields() -> None:
    templates = _templates()
    assert len(templates) > 20
    assert templates - VI_MESSAGES.keys() == set()
    field = re.compile(r"\{(\w+)[^}]*\}")
    for template in templates:
        assert set(field.findall(VI_MESSAGES[template])) == set(field.findall(template)), template


def test_notes_render_in_vietnamese_from_their_template() -> None:
    note = Message("Converted from {encoding} to Unicode ({count} characters changed)",
                        encoding="VNI", count=3)
    assert note == "Converted from VNI to Unicode (3 characters changed)"
    assert VI_MESSAGES[note.template].format(**note.params) == (
        "Đã chuyển từ VNI sang Unicode (3 ký tự đã đổi)")
    copy = pickle.loads(pickle.dumps(note))
    assert (copy, copy.template, copy.params) == (note, note.template, note.params)
    assert json.dumps([note]) == '["Converted from VNI to Unicode (3 characters changed)"]'


# ---- a long file: 10,000 cues ------------------------------------------------------------------
# (Its speed is measured in benchmarks/, not timed here: the machine is shared and noisy.)

@pytest.mark.parametrize("name", ["srt", "webvtt"])
def test_ten_thousand_cues_round_trip(name: str) -> None:
    doc = SubtitleDoc("vi", [Cue(i * 3000, i * 3000 + 2500,
                                 f"Phụ đề số {i} của bản tin\nCộng hoà xã hội chủ nghĩa")
                             for i in range(10_000)])
    result = formats.read(name, formats.write(name, doc), language="vi")
    assert result.doc.cues == doc.cues
