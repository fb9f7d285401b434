"""The access-log reader: what counts as a page view, a play and a download, per local day."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

from publishing.viewlogs import count_file, count_lines, parse_line, site_prefix

UA = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126.0 Mobile Safari/537.36"


NOON = "05/Dec/2026:03:10:00 +0000"


def line(path: str, status: int = 200, *, method: str = "GET", when: str = NOON,
         agent: str | None = UA, rng: str | None = None, host: str = "203.0.113.7") -> str:
    """One nginx/Apache line: Common without an agent, Combined with, plus a logged Range."""
    out = f'{host} - - [{when}] "{method} {path} HTTP/1.1" {status} 5120'
    if agent is not None:
        out += f' "https://laichau.gov.vn/" "{agent}"'
        if rng is not None:
            out += f' "{rng}"'
    return out


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def test_pages_plays_and_downloads_are_counted_per_slug_and_kind() -> None:
    got = count_lines([
        line("/r/ruong-bac-thang-7/"),
        line("/r/ruong-bac-thang-7/index.html", 304),
        line("/r/ruong-bac-thang-7/video.mp4", 206, rng="bytes=0-"),
        line("/r/ruong-bac-thang-7/video.mp4", 206, rng="bytes=1048576-"),  # a seek
        line("/r/ruong-bac-thang-7/audio.m4a"),
        line("/r/ruong-bac-thang-7/video.mp4?download=1"),
        line("/r/ruong-bac-thang-7/download/clip-9x16.mp4"),
        line("/r/cho-phien-8/"),
    ])
    d = day("2026-12-05")
    assert got.counts == {("ruong-bac-thang-7", d, "page"): 2,
                          ("ruong-bac-thang-7", d, "play"): 2,
                          ("ruong-bac-thang-7", d, "download"): 2,
                          ("cho-phien-8", d, "page"): 1}
    assert got.lines == 8 and got.malformed == 0 and got.ignored == 1


def test_bots_head_errors_and_other_files_are_not_counted() -> None:
    got = count_lines([
        line("/r/a-1/", agent="Mozilla/5.0 (compatible; Googlebot/2.1)"),
        line("/r/a-1/", agent="facebookexternalhit/1.1 Preview"),
        line("/r/a-1/", agent="Mozilla/5.0 (compatible; bingbot/2.0)"),
        line("/r/a-1/", agent="Baiduspider"),
        line("/r/a-1/", agent="SomeCrawler/3"),
        line("/r/a-1/", method="HEAD"),
        line("/r/a-1/", method="POST"),
        line("/r/a-1/", 404),
        line("/r/a-1/", 500),
        line("/r/a-1/", 301),
        line("/r/a-1/video.mp4", 416),
        line("/r/a-1/poster.jpg"),
        line("/r/a-1/embed.html"),
        line("/feeds/lctv.xml"),
        line("/"),
    ])
    assert got.counts == {}
    assert got.ignored == 15 and got.malformed == 0


def test_common_log_format_without_an_agent_is_read() -> None:
    got = count_lines([line("/r/a-1/", agent=None), line("/r/a-1/video.mp4", agent=None)])
    assert got.counts == {("a-1", day("2026-12-05"), "page"): 1,
                          ("a-1", day("2026-12-05"), "play"): 1}


def test_the_day_is_the_local_day_in_ho_chi_minh_city() -> None:
    got = count_lines([
        line("/r/a-1/", when="04/Dec/2026:16:59:59 +0000"),  # 23:59:59 on the 4th, local
        line("/r/a-1/", when="04/Dec/2026:17:00:00 +0000"),  # midnight of the 5th, local
        line("/r/a-1/", when="05/Dec/2026:00:30:00 +0700"),  # logged in local time already
    ])
    assert got.counts == {("a-1", day("2026-12-04"), "page"): 1,
                          ("a-1", day("2026-12-05"), "page"): 2}


def test_the_site_may_sit_under_a_path_prefix() -> None:
    prefix = site_prefix("https://laichau.gov.vn/thong-tin-doi-ngoai")
    assert prefix == "/thong-tin-doi-ngoai/"
    assert site_prefix("https://cdn.example.vn") == "/"
    got = count_lines([line("/thong-tin-doi-ngoai/r/a-1/"), line("/r/a-1/"),
                       line("/thong-tin-doi-ngoai/r/a-1/video.mp4")], prefix=prefix)
    assert got.counts == {("a-1", day("2026-12-05"), "page"): 1,
                          ("a-1", day("2026-12-05"), "play"): 1}
    assert got.ignored == 1


def test_a_range_counts_only_from_the_first_byte_and_not_safaris_probe() -> None:
    got = count_lines([
        line("/r/a-1/v.mp4", 206, rng="bytes=0-1"),  # Safari: how big is it?
        line("/r/a-1/v.mp4", 206, rng="bytes=0-999999"),  # Safari: the play
        line("/r/a-1/v.mp4", 206, rng="bytes=500-"),
        line("/r/a-1/v.mp4", 206, rng="bytes=-500"),
        line("/r/a-1/v.mp4", 200, rng="-"),  # no Range sent
    ])
    assert got.counts == {("a-1", day("2026-12-05"), "play"): 2}


def test_without_a_logged_range_a_206_counts_once_per_client_file_and_day() -> None:
    got = count_lines([
        line("/r/a-1/v.mp4", 206, host="198.51.100.1"),
        line("/r/a-1/v.mp4", 206, host="198.51.100.1"),
        line("/r/a-1/v.mp4", 206, host="198.51.100.2"),
        line("/r/a-1/v.mp4", 206, host="198.51.100.1", when="06/Dec/2026:03:10:00 +0000"),
    ])
    assert got.counts == {("a-1", day("2026-12-05"), "play"): 2,
                          ("a-1", day("2026-12-06"), "play"): 1}


def test_malformed_lines_are_counted_and_named_never_fatal() -> None:
    got = count_lines([
        line("/r/a-1/"),
        "this is not a log line",
        b"\xff\xfe binary garbage \x00",
        '203.0.113.7 - - [05/Dec/2026:03:10:00 +0000] "\\x16\\x03\\x01" 400 0 "-" "-"',
        '203.0.113.7 - - [99/Foo/2026:03:10:00 +0000] "GET /r/a-1/ HTTP/1.1" 200 1 "-" "x"',
        "",
        line("/r/a-1/"),
    ])
    assert got.counts == {("a-1", day("2026-12-05"), "page"): 2}
    assert got.malformed == 4 and got.malformed_lines == [2, 3, 4, 5]
    assert got.lines == 6


def test_quotes_inside_the_agent_and_encoded_paths_are_read() -> None:
    hit = parse_line('203.0.113.7 - - [05/Dec/2026:03:10:00 +0000] "GET /r/a%2D1/?utm=x '
                     'HTTP/2.0" 200 10 "-" "Mozilla \\"quoted\\" agent"')
    assert hit is not None and hit.path == "/r/a-1/" and hit.query == "utm=x"


def test_gzip_and_plain_files_read_alike(tmp_path: Path) -> None:
    body = "\n".join([line("/r/a-1/"), line("/r/a-1/v.mp4")]) + "\n"
    plain = tmp_path / "access.log.1"
    plain.write_text(body, encoding="utf-8")
    packed = tmp_path / "access.log.2.gz"
    packed.write_bytes(gzip.compress(body.encode()))
    assert count_file(plain).counts == count_file(packed).counts
    assert count_file(packed).counted == 2


def test_nothing_personal_is_in_the_counts() -> None:
    got = count_lines([line("/r/a-1/", host="198.51.100.99",
                            agent="Mozilla/5.0 secret-agent-string")])
    kept = repr(got.counts) + repr(got.by_kind())
    assert "198.51.100.99" not in kept and "secret-agent" not in kept
    assert "laichau.gov.vn" not in kept


def test_log_times_read_alike_whatever_the_machine_locale() -> None:
    import locale

    before = locale.setlocale(locale.LC_TIME)
    try:
        try:
            locale.setlocale(locale.LC_TIME, "vi_VN.UTF-8")
        except locale.Error:
            locale.setlocale(locale.LC_TIME, "C.UTF-8")
        hit = parse_line(line("/r/a-1/", when="31/Dec/2026:17:00:00 -0500"))
    finally:
        locale.setlocale(locale.LC_TIME, before)
    assert hit is not None
    assert hit.at == dt.datetime(2026, 12, 31, 22, 0, tzinfo=dt.UTC)
    assert parse_line(line("/r/a-1/", when="31/Feb/2026:17:00:00 +0000")) is None
