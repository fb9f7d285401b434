"""Read the public site's web server logs into counts per report slug, local day and kind.

Pure: lines (or a file, plain or gzip) in, counts out; no database. What counts
(docs/publishing.md "View counts"):

* **page**: a GET of ``<prefix>r/<slug>/`` or ``<prefix>r/<slug>/index.html`` answered
  200 or 304 (a revalidated page is a view too);
* **play**: a GET of a media file under ``<prefix>r/<slug>/`` answered 200, or 206 whose
  range starts at byte 0 (a seek or the rest of a file already playing is the same play).
  Range is not in the Combined format: with ``"$http_range"`` logged after the user agent
  the rule is exact; without it a 206 counts once per client, file and day, the address
  held in memory only while the file is read;
* **download**: the same media file asked for with ``?download`` (or ``?dl=1``), or a
  file under ``r/<slug>/download/``: the site's "Download" links (clips for fan pages);
* never counted: HEAD and other methods, errors and redirects, bots (a user agent naming
  bot, spider, crawl or preview), anything outside the site's prefix. A line that is not
  Combined or Common Log Format is counted as malformed and skipped, never fatal.

Nothing personal leaves this module: the counts hold a slug, a day and a kind only; no
address, user agent, referrer or cookie (the log's ``%u`` is never read).
"""

from __future__ import annotations

import datetime as dt
import gzip
import posixpath
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

from station.timecode import LOCAL_TZ_NAME

# host ident authuser [time] "request" status bytes ["referer" "agent" ["range"]]
QUOTED = r'[^"\\]*(?:\\.[^"\\]*)*'  # a quoted field's inside, \" escapes allowed
LINE = re.compile(
    rf'^(?P<host>\S+) \S+ [^\[]*\[(?P<time>[^\]]+)\] "(?P<request>{QUOTED})" '
    r'(?P<status>\d{3}) (?P<bytes>\d+|-)'
    rf'(?: "(?P<referer>{QUOTED})" "(?P<agent>{QUOTED})"(?: "(?P<range>{QUOTED})")?)?\s*$')
# "05/Dec/2026:10:15:00 +0700": the month is English whatever the machine's locale (strptime's
# %b is not), as nginx and Apache write it.
LOG_TIME = re.compile(
    r"^(\d{2})/([A-Z][a-z]{2})/(\d{4}):(\d{2}):(\d{2}):(\d{2}) ([+-])(\d{2})(\d{2})$")
MONTHS = {name: n for n, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
BOT_WORDS = ("bot", "spider", "crawl", "preview")  # in the user agent, any case
MEDIA_SUFFIXES = frozenset({".mp4", ".m4v", ".webm", ".m4a", ".mp3", ".aac", ".ogg", ".oga",
                            ".opus", ".wav", ".flac", ".mov"})
PAGE_NAMES = ("", "index.html")
RANGE_START = re.compile(r"^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)")
MAX_EXAMPLES = 5  # malformed line numbers kept for the message


@dataclass
class LogCounts:
    """What one log (or several) said: counts per (slug, local day, kind), and the rest."""

    counts: Counter[tuple[str, dt.date, str]] = field(default_factory=Counter)
    lines: int = 0
    malformed: int = 0
    ignored: int = 0  # well-formed, but not a view (bots, HEAD, errors, other files)
    malformed_lines: list[int] = field(default_factory=list)  # the first few, 1-based

    @property
    def counted(self) -> int:
        return sum(self.counts.values())

    def by_kind(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for (_slug, _day, kind), n in self.counts.items():
            totals[kind] += n
        return dict(totals)


@dataclass(frozen=True)
class Hit:
    """One logged request, reduced to what the counting rules read."""

    method: str
    path: str
    query: str
    status: int
    at: dt.datetime
    agent: str | None
    range: str | None
    client: str


def site_prefix(site_url: str) -> str:
    """The path the public site sits under ("/" or "/tin/"), from ``publish_site_url``."""
    path = urlsplit(site_url).path or "/"
    return path if path.endswith("/") else path + "/"


def parse_line(line: str) -> Hit | None:
    """A Combined or Common Log Format line as a `Hit` (None: not such a line)."""
    found = LINE.match(line)
    if found is None:
        return None
    parts = found["request"].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/"):
        return None
    at = _log_time(found["time"])
    if at is None:
        return None
    target = urlsplit(parts[1])
    return Hit(method=parts[0], path=unquote(target.path), query=target.query,
               status=int(found["status"]), at=at, agent=found["agent"],
               range=found["range"], client=found["host"])


@lru_cache(maxsize=4096)  # a busy server writes many lines in the same second
def _log_time(text: str) -> dt.datetime | None:
    found = LOG_TIME.match(text)
    if found is None or found[2] not in MONTHS:
        return None
    day, _month, year, hour, minute, second, sign, off_h, off_m = found.groups()
    offset = dt.timedelta(hours=int(off_h), minutes=int(off_m))
    try:
        return dt.datetime(int(year), MONTHS[found[2]], int(day), int(hour), int(minute),
                           int(second), tzinfo=dt.timezone(-offset if sign == "-" else offset))
    except ValueError:  # 31 February, hour 25...
        return None


def _range_start(value: str | None) -> tuple[int | None, int | None] | None:
    """(start, end) of a logged Range header; None when no range was sent ("-" or empty)."""
    if value is None or value.strip() in ("", "-"):
        return None
    found = RANGE_START.match(value)
    if found is None or not found[1]:
        return (None, None)  # a suffix range ("bytes=-500") or garbage: not a start
    return (int(found[1]), int(found[2]) if found[2] else None)


def _is_download(rest: str, query: str) -> bool:
    asked = parse_qs(query, keep_blank_values=True)
    return rest.startswith("download/") or "download" in asked or asked.get("dl") == ["1"]


class Counting:
    """The counting rules for one site prefix and time zone, fed one `Hit` at a time."""

    def __init__(self, prefix: str = "/", tz: str = LOCAL_TZ_NAME) -> None:
        self.root = prefix + "r/"
        self.zone = ZoneInfo(tz)
        self._seen: set[tuple[str, str, dt.date]] = set()  # client, path, day: memory only

    def kind(self, hit: Hit) -> tuple[str, str] | None:
        """(slug, kind) the hit counts as, None when it does not count."""
        if hit.method != "GET" or not hit.path.startswith(self.root):
            return None
        if hit.agent and any(word in hit.agent.lower() for word in BOT_WORDS):
            return None
        slug, sep, rest = hit.path[len(self.root):].partition("/")
        if not slug or not sep:
            return None
        if rest in PAGE_NAMES:
            return (slug, "page") if hit.status in (200, 304) else None
        if posixpath.splitext(rest)[1].lower() not in MEDIA_SUFFIXES or not self._first_byte(hit):
            return None
        return slug, "download" if _is_download(rest, hit.query) else "play"

    def _first_byte(self, hit: Hit) -> bool:
        """A media request that starts a play: 200, or a 206 from byte 0 (not a probe)."""
        if hit.status == 200:
            return True
        if hit.status != 206:
            return False
        span = _range_start(hit.range)
        if span is None and hit.range is None:
            # Range not logged: one play per client, file and day (docs/publishing.md).
            key = (hit.client, hit.path, self.day(hit))
            if key in self._seen:
                return False
            self._seen.add(key)
            return True
        if span is None:
            return True  # logged, and no Range sent: the whole file
        start, end = span
        # Safari asks for "bytes=0-1" first to learn the size: its play comes next.
        return start == 0 and (end is None or end > 1)

    def day(self, hit: Hit) -> dt.date:
        return hit.at.astimezone(self.zone).date()


def count_lines(lines: Iterable[str | bytes], *, prefix: str = "/", tz: str = LOCAL_TZ_NAME,
                into: LogCounts | None = None) -> LogCounts:
    """Count the views in ``lines`` (text or bytes; bytes that are not UTF-8 are replaced)."""
    out = into if into is not None else LogCounts()
    rules = Counting(prefix, tz)
    for number, raw in enumerate(lines, start=1):
        line = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        out.lines += 1
        hit = parse_line(line)
        if hit is None:
            out.malformed += 1
            if len(out.malformed_lines) < MAX_EXAMPLES:
                out.malformed_lines.append(number)
            continue
        found = rules.kind(hit)
        if found is None:
            out.ignored += 1
            continue
        slug, kind = found
        out.counts[(slug, rules.day(hit), kind)] += 1
    return out


def open_lines(path: Path) -> Iterator[bytes]:
    """The lines of a log file, gunzipped when it is gzip (by its first bytes, not its name:
    logrotate's ``delaycompress`` leaves ``access.log.1`` plain beside ``.2.gz``)."""
    with open(path, "rb") as head:
        gzipped = head.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as stream:  # type: ignore[operator]
        yield from stream


def count_file(path: Path, *, prefix: str = "/", tz: str = LOCAL_TZ_NAME) -> LogCounts:
    """Count one log file (plain or gzip)."""
    return count_lines(open_lines(path), prefix=prefix, tz=tz)
