"""Cut Whisper's timed words into broadcast subtitles (pure: data in, cues out).

Every limit comes from the channel's ``Rules`` (docs/standards.md "Subtitle rules": Netflix Timed
Text Style Guide, BBC Subtitle Guidelines v1.2.5). The algorithm is greedy and linear: from
each cue's first word it scans forward only while the words still fit the cue (lines x CPL and
the maximum duration, so the look-ahead is bounded), scores every place it could end, and keeps
the best one. Hard limits (lines, CPL, maximum duration, gaps, no overlap, never drop a word)
are never traded away, except that an unsplittable word longer than a line stays whole, and
words Whisper stamped too close together to give a cue its own time are kept together;
soft wishes (punctuation, pauses, reading speed, binding words, balance) are weighed.

Timing: a cue starts exactly at its first word's onset (never before it, so within 0 of the
3 frames Netflix allows, and on whole milliseconds; frames are the writers' business). It
ends at its last word, extended into silence to reach the minimum duration and the reading
speed, but never past the maximum duration, the media's end, or the next cue's start minus
the minimum gap (which pulls an end back into speech when words abut).
"""

from __future__ import annotations

import logging
import math
import unicodedata
from collections.abc import Sequence
from itertools import accumulate
from operator import add

from subtitles.cues import Cue, Rules, Word

log = logging.getLogger(__name__)

# Break classes of the place after a word.
NONE, PAUSE, CLAUSE, SENTENCE, BINDING = 0, 1, 2, 3, 4

SENTENCE_PUNCTUATION = frozenset(".?!…。？！")
CLAUSE_PUNCTUATION = frozenset(",;:，；：、–—")
# Closing quotes and brackets may follow the punctuation that ends a sentence or clause.
CLOSERS = "\"'”’»)]}›"
TRAILING = CLOSERS + ".,;:?!…"

# Languages written without spaces between words: Whisper marks a real space with a leading
# space on the word; otherwise words join directly (faster-whisper's own list).
UNSPACED_LANGUAGES = frozenset({"zh", "ja", "th", "lo", "my", "yue"})

# Words that bind to the next word, so a line or cue must not end on them (BBC Subtitle
# Guidelines v1.2.5 / docs/standards.md "Line breaks": never split article+noun,
# preposition+phrase, conjunction+clause, pronoun+verb or a verb group). A short list per
# language; a word carrying punctuation ("và,") never binds.
BINDING_WORDS: dict[str, frozenset[str]] = {
    "vi": frozenset({
        # the brief's list: possessive, conjunctions, plural markers, copula, prepositions
        "của", "và", "những", "các", "một", "là", "thì", "mà", "để", "với", "cho", "trong",
        "ở", "tại",
        # more prepositions and conjunctions
        "từ", "đến", "tới", "về", "theo", "như", "nhưng", "hoặc", "hay", "nếu", "khi", "vì",
        "do", "bởi", "tuy", "rằng", "nên",
        # tense/aspect and passive markers open a verb group
        "sẽ", "đã", "đang", "được", "bị", "vừa", "mới", "rất", "cũng", "vẫn",
        # quantifiers and classifiers open a noun phrase
        "mọi", "mỗi", "cái", "chiếc",
        # titles and administrative units bind to the name that follows
        "ông", "bà", "anh", "chị", "tỉnh", "huyện", "xã", "phường",
    }),
    "en": frozenset({
        "a", "an", "the", "of", "and", "or", "but", "nor", "to", "in", "on", "at", "by",
        "for", "from", "with", "into", "onto", "about", "as", "than", "this", "these",
        "those", "his", "her", "its", "their", "our", "my", "your", "i", "we", "they", "he",
        "she", "will", "would", "shall", "can", "could", "should", "may", "might", "must",
        "not", "very",
    }),
}

# Conjunctions, prepositions and articles open a phrase, so the place just before one is a
# natural edge for a line or a cue (a subset of the binding words).
PHRASE_OPENERS: dict[str, frozenset[str]] = {
    "vi": frozenset({
        "của", "và", "là", "thì", "mà", "để", "với", "cho", "trong", "ở", "tại", "từ", "đến",
        "tới", "về", "theo", "như", "nhưng", "hoặc", "hay", "nếu", "khi", "vì", "do", "bởi",
        "rằng", "nên",
    }),
    "en": frozenset({
        "a", "an", "the", "of", "and", "or", "but", "nor", "to", "in", "on", "at", "by", "for",
        "from", "with", "into", "onto", "about", "as", "than",
    }),
}

# Vietnamese writes a space between the syllables of a word, so a line could break inside
# "nhân dân" or "Chủ tịch". Without a word segmenter, a short list of the compounds most common
# in provincial news keeps the worst splits away (tone marks in both placements: hoá/hóa).
COMPOUNDS: dict[str, frozenset[str]] = {
    "vi": frozenset({
        "nhân dân", "ủy ban", "uỷ ban", "chủ tịch", "phó chủ", "bí thư", "tỉnh ủy", "tỉnh uỷ",
        "huyện ủy", "huyện uỷ", "thường vụ", "thường trực", "hội đồng", "mặt trận",
        "tổ quốc", "đảng bộ", "đảng viên", "cán bộ", "chính quyền", "lãnh đạo", "chỉ đạo",
        "quốc hội", "đại biểu", "đại hội", "hội nghị", "chính phủ", "thủ tướng", "bộ trưởng",
        "giám đốc", "trưởng phòng", "kinh tế", "xã hội", "phát triển", "nông nghiệp",
        "nông thôn", "nông dân", "công tác", "công nghiệp", "thực hiện", "triển khai",
        "nhiệm vụ", "kết quả", "quan trọng", "tổ chức", "chính sách", "chương trình",
        "mục tiêu", "quốc gia", "việt nam", "thành phố", "thị xã", "thị trấn", "biên giới",
        "biên phòng", "công an", "quân đội", "an ninh", "quốc phòng", "trật tự", "an toàn",
        "giáo dục", "đào tạo", "học sinh", "giáo viên", "y tế", "bệnh viện", "sức khỏe",
        "sức khoẻ", "văn hóa", "văn hoá", "du lịch", "giao thông", "xây dựng", "sản xuất",
        "sản phẩm", "kinh doanh", "doanh nghiệp", "đầu tư", "dự án", "cơ sở", "hạ tầng",
        "đồng bào", "dân tộc", "thiểu số", "người dân", "hộ nghèo", "giảm nghèo",
        "thu nhập", "bình quân", "tăng trưởng", "địa bàn", "cùng kỳ", "cho biết",
        "môi trường", "thiên tai", "mưa lũ", "sạt lở", "thời tiết", "nhiệt độ", "thời sự",
        "bản tin", "phát thanh", "truyền hình", "quý vị", "các bạn", "hôm nay", "năm nay",
        "tiếp tục", "đồng chí", "tài nguyên", "khoáng sản", "thủy điện", "thuỷ điện",
        "thu hoạch", "bắt đầu", "năng suất", "sản lượng", "diện tích", "đầu tiên", "hỗ trợ",
        "gia đình", "cuộc sống", "hoạt động", "tham gia", "tổng kết", "đánh giá", "nâng cao",
        "hiệu quả", "chất lượng", "chăn nuôi", "trồng trọt", "cây trồng", "bà con",
        "lễ hội", "truyền thống", "vùng cao", "miền núi", "đời sống",
    }),
}

_COMPOUND_PAIRS: dict[str, dict[str, frozenset[str]]] = {
    lang: {first: frozenset(c.split(" ", 1)[1] for c in compounds
                            if c.split(" ", 1)[0] == first)
           for first in {c.split(" ", 1)[0] for c in compounds}}
    for lang, compounds in COMPOUNDS.items()
}  # first syllable -> the syllables that may follow it in a compound: one lookup per word

# Abbreviations end with a full stop but do not end a sentence, and bind to the next word
# ("TP. Lai Châu", "Mr. Smith").
ABBREVIATIONS: dict[str, frozenset[str]] = {
    "vi": frozenset({"tp.", "tx.", "ts.", "ths.", "pgs.", "gs.", "bs.", "ks.", "th.s."}),
    "en": frozenset({"mr.", "mrs.", "ms.", "dr.", "st.", "mt.", "no.", "vs.", "prof.", "gen.",
                     "col.", "lt.", "sgt.", "jr.", "sr.", "u.s.", "u.k.", "e.g.", "i.e."}),
}

# Weights for choosing where a cue ends (higher is better): heuristics tuned on the tests,
# not standards. A sentence end beats everything but a hard limit; a clause mark with a pause
# is nearly as good; a binding word or a split name is avoided wherever another place fits.
CUE_BONUS = {NONE: 0.0, PAUSE: 35.0, CLAUSE: 45.0, SENTENCE: 100.0, BINDING: -80.0}
PAUSE_AND_CLAUSE = 80.0
BEFORE_OPENER = 15.0  # just before a conjunction or preposition is a phrase edge
NAME_SPLIT = -40.0  # between two capitalised words: "Lai | Châu", "Nguyễn | Văn"
COMPOUND_SPLIT = -50.0  # between the syllables of a known Vietnamese word: "nhân | dân"
FILL_WEIGHT = 30.0  # bonus for a full cue: fewer, fuller cues read better
CPS_WEIGHT = 10.0  # per character per second over the reading-speed limit
SHOT_BREAK = 100.0  # for ending a cue in a pause holding a shot change: as good as a sentence end
# A cue never holds a silence this long: it would stay on screen while nobody speaks (BBC:
# subtitles follow the speech; a new cue after a pause reads as a new thought).
MAX_SILENCE_MS = 1500
SHORT_WEIGHT = 200.0  # for a cue that cannot reach the minimum duration (x shortfall share)
ORPHAN_PENALTY = 30.0  # for leaving a scrap of a sentence to the next cue
REST_FITS = 25.0  # for a break after which the rest of the sentence fits in one cue
LAYOUT_OK = 30.0  # for a cue whose two lines can break at a good place

# Weights for choosing where a line breaks (a cost: lower is better). BBC: break at
# punctuation and phrase edges first; balance second, with a bottom-heavy pyramid.
LINE_BONUS = {NONE: 0.0, PAUSE: 10.0, CLAUSE: 30.0, SENTENCE: 60.0, BINDING: -100.0}
LINE_BEFORE_OPENER = 12.0
LINE_NAME_SPLIT = -40.0
LINE_COMPOUND_SPLIT = -50.0
BALANCE = 1.0  # x (difference in characters)^2 / CPL: small differences cost little
TOP_HEAVY = 0.25  # extra cost per character when the top line is the longer (BBC pyramid)


def base_language(language: str) -> str:
    """Reduce a BCP-47 tag to its primary language ("vi-VN" -> "vi") for the lists above."""
    return language.replace("_", "-").split("-", 1)[0].casefold()


def segment(
    words: Sequence[Word],
    rules: Rules,
    *,
    pauses_ms: int = 500,
    language: str = "vi",
    media_duration_ms: int | None = None,
    shots_ms: Sequence[int] = (),
) -> list[Cue]:
    """Cut words into cues that meet the channel's rules, keeping every word in order.

    ``shots_ms`` (the master's shot changes) make a pause that holds a cut a better place to
    end a cue, so fewer cues straddle a cut (subtitles.shots then snaps the edges).
    """
    if not words:
        return []
    units = _Units(words, base_language(language), pauses_ms, rules, shots_ms)
    groups = _choose_cues(units, rules, media_duration_ms)
    cues = _make_cues(units, groups, rules, media_duration_ms)
    log.debug("segmented %d words into %d cues", len(words), len(cues))
    return cues


def _punctuation_kind(text: str) -> int:
    """0 for a word, 1 for lone closing punctuation or nothing, 2 for lone opening punctuation."""
    if not text:
        return 1
    if text[0].isalnum() or len(text) > 3:
        return 0
    categories = {unicodedata.category(ch) for ch in text}
    if categories <= {"Ps", "Pi"}:
        return 2
    if all(c.startswith("P") and c != "Pd" for c in categories):
        return 1
    return 0


class _Units:
    """The words, cleaned and glued into unbreakable units, with what each break place is worth.

    A unit is a word plus any lone punctuation Whisper gave as a word of its own ("(", "."),
    so no line or cue can start with a stray mark. Everything the scan needs is computed once
    here, as flat lists indexed by unit: that keeps segmentation linear and fast.
    """

    def __init__(self, words: Sequence[Word], lang: str, pauses_ms: int, rules: Rules,
                 shots_ms: Sequence[int] = ()) -> None:
        self.words: list[Word] = []  # stripped, NFC, start times non-decreasing
        self.first: list[int] = []  # first and last word of each unit
        self.last: list[int] = []
        self.text: list[str] = []
        self.sep: list[int] = []  # 1 when a space joins the unit to the one before it
        self.start: list[int] = []
        self.end: list[int] = []  # non-decreasing
        self.spaced = lang not in UNSPACED_LANGUAGES
        self._glue(words, self.spaced)
        self._classify(lang, pauses_ms, rules)
        if shots_ms:
            self._shots(sorted(shots_ms))

    def _shots(self, cuts: list[int]) -> None:
        """Raise the worth of ending a cue in a pause that holds a shot change."""
        import bisect

        for u in range(len(self.text) - 1):
            k = bisect.bisect_left(cuts, self.end[u])
            if k < len(cuts) and cuts[k] <= self.start[u + 1] and self.kind[u] != BINDING:
                self.cue_score[u] += SHOT_BREAK

    def _glue(self, words: Sequence[Word], spaced: bool) -> None:
        """Strip and NFC each word, repair backwards times, and glue lone punctuation."""
        texts, last, ends = self.text, self.last, self.end
        add_word, add_first, add_last = self.words.append, self.first.append, last.append
        add_text, add_sep, add_start, add_end = (texts.append, self.sep.append,
                                                 self.start.append, ends.append)
        normalize = unicodedata.normalize
        prev_start = 0
        prev_end = -1
        glue_next = False
        for index, word in enumerate(words):
            raw = word.text
            start = word.start_ms
            end = word.end_ms
            text = " ".join(raw.split())
            if not text.isascii():
                text = normalize("NFC", text)
            if start < prev_start:
                start = prev_start
            if end < start:
                end = start
            if text != raw or start != word.start_ms or end != word.end_ms:
                word = Word(text, start, end, word.probability)
            add_word(word)
            prev_start = start
            kind = 0 if text and text[0].isalnum() else _punctuation_kind(text)
            if index and (kind == 1 or glue_next or not texts[-1]):
                texts[-1] += text
                last[-1] = index
            else:
                add_sep(1 if index and (spaced or raw[:1].isspace()) else 0)
                add_first(index)
                add_last(index)
                add_text(text)
                add_start(start)
                add_end(0)
            if end > prev_end:
                prev_end = end
            ends[-1] = prev_end
            glue_next = kind == 2

    def _classify(self, lang: str, pauses_ms: int, rules: Rules) -> None:
        """Class and worth of the place after each unit, for cue ends and for line breaks."""
        texts, seps, starts, ends = self.text, self.sep, self.start, self.end
        self.length = lengths = [len(t) for t in texts]
        folded = [t.casefold() for t in texts]
        self.cum = [0, *accumulate(map(add, seps, lengths))]  # characters before each
        # a pause after unit u: silence before the next unit starts (none after the last)
        self.paused = [b - a >= pauses_ms
                       for a, b in zip(ends, starts[1:], strict=False)] + [False]
        self.kind = self._kinds(lang, folded)
        self._worth(lang, folded, rules)

    def _kinds(self, lang: str, folded: list[str]) -> list[int]:
        """The class of the place after each unit: sentence or clause end, pause, binding
        (a word or abbreviation that holds on to the next one), or none."""
        binding = BINDING_WORDS.get(lang, frozenset())
        abbreviations = ABBREVIATIONS.get(lang, frozenset())
        paused = self.paused
        kinds = [NONE] * len(self.text)
        for u, text in enumerate(self.text):
            if text[-1:].isalnum():  # most words: no punctuation to read
                if folded[u] in binding:
                    kinds[u] = BINDING
                elif paused[u]:
                    kinds[u] = PAUSE
                continue
            core = text.rstrip(CLOSERS)
            mark = core[-1:]
            if mark in SENTENCE_PUNCTUATION:
                if core.casefold() in abbreviations or (len(core) == 2 and core[0].isupper()):
                    kinds[u] = BINDING  # "TP." or an initial ("J.") binds to the name after
                else:
                    kinds[u] = SENTENCE
            elif mark in CLAUSE_PUNCTUATION:
                kinds[u] = CLAUSE
            elif folded[u] in binding:
                kinds[u] = BINDING
            elif paused[u]:
                kinds[u] = PAUSE
        return kinds

    def _worth(self, lang: str, folded: list[str], rules: Rules) -> None:
        """Walking back: the static part of each cue end's score, each line break's bonus."""
        openers = PHRASE_OPENERS.get(lang, frozenset())
        compounds = _COMPOUND_PAIRS.get(lang, {})
        texts, seps, cum, kinds, paused = self.text, self.sep, self.cum, self.kind, self.paused
        n = len(texts)
        cpl = rules.max_chars_per_line  # Netflix/BBC: 42
        orphan_chars = cpl // 2
        rest_fits = cpl * rules.max_lines - cpl // 4  # slack: words rarely fill both lines
        self.cue_score = cue_score = [CUE_BONUS[SENTENCE]] * n  # the last unit ends it all
        self.line_bonus = line_bonus = [0.0] * n
        self.good = good = [False] * n
        next_sentence = n - 1  # the next unit that ends a sentence
        for u in range(n - 2, -1, -1):
            kind = kinds[u]
            if kinds[u + 1] == SENTENCE:
                next_sentence = u + 1
            cue = CUE_BONUS[kind]
            line = LINE_BONUS[kind]
            if kind == CLAUSE and paused[u]:
                cue = PAUSE_AND_CLAUSE
                line += LINE_BONUS[PAUSE]
            if kind != BINDING:
                following = folded[u + 1]
                if following in openers:
                    cue += BEFORE_OPENER
                    line += LINE_BEFORE_OPENER
                elif kind <= PAUSE:
                    if texts[u][:1].isupper() and texts[u + 1][:1].isupper():
                        cue += NAME_SPLIT
                        line += LINE_NAME_SPLIT
                    seconds = compounds.get(folded[u])
                    if seconds and following.rstrip(TRAILING) in seconds:
                        cue += COMPOUND_SPLIT
                        line += LINE_COMPOUND_SPLIT
            if kind != SENTENCE:
                rest = cum[next_sentence + 1] - cum[u + 1] - seps[u + 1]
                if rest < orphan_chars:
                    cue -= ORPHAN_PENALTY
                elif rest <= rest_fits:
                    cue += REST_FITS
            cue_score[u] = cue
            line_bonus[u] = line
            good[u] = line > 0

    def chars(self, a: int, b: int) -> int:
        """Characters of units a..b joined on one line."""
        return self.cum[b + 1] - self.cum[a] - self.sep[a]

    def join(self, a: int, b: int) -> str:
        """Text of units a..b on one line."""
        texts = self.text
        if self.spaced or a == b:
            return " ".join(texts[a:b + 1])
        seps = self.sep
        return texts[a] + "".join(" " + texts[u] if seps[u] else texts[u]
                                  for u in range(a + 1, b + 1))


def _choose_cues(units: _Units, rules: Rules,
                 media_duration_ms: int | None) -> list[tuple[int, int, int]]:
    """Pick each cue's last unit greedily with bounded look-ahead.

    Returns (first unit, last unit, fewest lines that hold them) per cue.

    Long because it is the segmenter's one hot loop: the rules and the flat unit lists are
    read into locals once, and the per-unit scoring stays inline (a call per candidate end
    would cost more than the arithmetic it wraps).
    """
    starts, ends, lengths, seps, cum = units.start, units.end, units.length, units.sep, units.cum
    cue_score, good = units.cue_score, units.good
    n = len(starts)
    cpl = rules.max_chars_per_line  # Netflix/BBC: 42 (37 Teletext-safe)
    max_lines = rules.max_lines  # Netflix/BBC: 2
    cps = float(rules.max_chars_per_second)  # Netflix Vietnamese: 17, NFC characters
    min_dur = rules.min_duration_ms  # Netflix: 5/6 s (21 frames)
    max_dur = rules.max_duration_ms  # Netflix: 7 s
    gap = rules.min_gap_ms  # Netflix: 2 frames
    frame = math.ceil(rules.frame_ms)  # a cue must get at least one frame of its own
    fill = FILL_WEIGHT / (cpl * max_lines)
    media_end = media_duration_ms if media_duration_ms is not None else math.inf
    last = n - 1
    groups: list[tuple[int, int, int]] = []
    u0 = 0
    while u0 < n:
        s0 = starts[u0]
        line_len = chars = lengths[u0]
        lines = 1
        first_line_full = False
        good_k = -1  # the last good line break that still fits on the first line
        best_j = best_lines = -1
        best_score = -math.inf
        j = u0
        while True:
            overflow = False
            if j > u0:
                if starts[j] - ends[j - 1] >= MAX_SILENCE_MS and best_j >= 0:
                    break  # never hold a long silence on screen
                add = seps[j] + lengths[j]
                chars += add
                if line_len + add <= cpl:
                    line_len += add
                else:
                    lines += 1
                    line_len = lengths[j]
                    first_line_full = True
                overflow = lines > max_lines or ends[j] - s0 > max_dur
                if overflow and best_j >= 0:
                    break
            if j == last:
                room = media_end - s0 if media_end > s0 else frame
            else:
                if not first_line_full and good[j]:
                    good_k = j
                room = starts[j + 1] - gap - s0
                if room < frame:  # too close to the next word to end here: keep going
                    j += 1
                    continue
            if overflow:  # nothing fitted and could end: take the first place that can
                best_j, best_lines = j, lines
                break
            score = cue_score[j] + fill * chars
            if lines == 1 or (lines == 2 and 0 <= good_k < j
                              and cum[j + 1] - cum[good_k + 1] - seps[good_k + 1] <= cpl):
                score += LAYOUT_OK
            avail = room if room < max_dur else max_dur
            if chars * 1000 > cps * avail:
                score -= CPS_WEIGHT * (chars * 1000 / avail - cps)
            if avail < min_dur:
                score -= SHORT_WEIGHT * (min_dur - avail) / min_dur
            if score > best_score:
                best_score = score
                best_j, best_lines = j, lines
            if j == last:
                break
            j += 1
        groups.append((u0, best_j, best_lines))
        u0 = best_j + 1
    return groups


def _layout(units: _Units, a: int, b: int, lines: int, rules: Rules) -> str:
    """Lay units a..b out in ``lines`` lines (the fewest that fit), breaking at the best places."""
    if lines <= 1:
        return units.join(a, b)
    cpl = rules.max_chars_per_line  # Netflix/BBC: 42
    if lines == 2:
        k = _best_two_line_break(units, a, b, cpl)
        return units.join(a, k) + "\n" + units.join(k + 1, b)
    out: list[str] = []
    first = a
    for k in [*_best_breaks(units, a, b, cpl, lines), b]:
        out.append(units.join(first, k))
        first = k + 1
    return "\n".join(out)


def _best_two_line_break(units: _Units, a: int, b: int, cpl: int) -> int:
    """The unit after which to break two lines: punctuation first, then a bottom-heavy balance.

    BBC Subtitle Guidelines: break after punctuation, never after a binding word, and prefer
    a bottom-heavy pyramid when the lines are unequal.
    """
    cum, seps, line_bonus = units.cum, units.sep, units.line_bonus
    base = cum[a] + seps[a]
    total = cum[b + 1]
    best_k, best_cost = a, math.inf
    for k in range(a, b):
        top = cum[k + 1] - base
        bottom = total - cum[k + 1] - seps[k + 1]
        if (top > cpl and k != a) or (bottom > cpl and k + 1 != b):
            continue
        cost = BALANCE * (top - bottom) ** 2 / cpl - line_bonus[k]
        if top > bottom:
            cost += TOP_HEAVY * (top - bottom)
        if cost < best_cost:
            best_k, best_cost = k, cost
    return best_k


def _best_breaks(units: _Units, a: int, b: int, cpl: int, count: int) -> list[int]:
    """Line breaks for three or more lines: dynamic programme over balance and break quality."""
    target = units.chars(a, b) / count
    # best[l][k]: (cost, breaks) placing units a..k in l + 1 lines.
    best: list[dict[int, tuple[float, list[int]]]] = [{} for _ in range(count)]
    for k in range(a, b + 1):
        width = units.chars(a, k)
        if width <= cpl or k == a:
            best[0][k] = (BALANCE * (width - target) ** 2 / cpl, [])
    for line in range(1, count):
        for k in range(a, b + 1):
            options: list[tuple[float, list[int]]] = []
            for prev, (cost, breaks) in best[line - 1].items():
                if prev >= k:
                    continue
                width = units.chars(prev + 1, k)
                if width > cpl and prev + 1 != k:
                    continue
                step = BALANCE * (width - target) ** 2 / cpl - units.line_bonus[prev]
                options.append((cost + step, [*breaks, prev]))
            if options:
                best[line][k] = min(options, key=lambda o: o[0])
    if b in best[count - 1]:
        return best[count - 1][b][1]
    return _greedy_breaks(units, a, b, cpl)


def _greedy_breaks(units: _Units, a: int, b: int, cpl: int) -> list[int]:
    """First-fit line breaks: the fallback when no balanced layout exists."""
    breaks: list[int] = []
    line_len = units.length[a]
    for u in range(a + 1, b + 1):
        add = units.sep[u] + units.length[u]
        if line_len + add <= cpl:
            line_len += add
        else:
            breaks.append(u - 1)
            line_len = units.length[u]
    return breaks


def _make_cues(units: _Units, groups: list[tuple[int, int, int]], rules: Rules,
               media_duration_ms: int | None) -> list[Cue]:
    """Time each cue: start on its first word, stay long enough to read, keep the gap."""
    cps = float(rules.max_chars_per_second)  # Netflix Vietnamese: 17 characters per second
    min_dur = rules.min_duration_ms  # Netflix: 833 ms
    max_dur = rules.max_duration_ms  # Netflix: 7000 ms
    gap = rules.min_gap_ms  # Netflix: 80 ms
    clean, first, last, starts, ends = units.words, units.first, units.last, units.start, units.end
    cues: list[Cue] = []
    count = len(groups)
    for index, (a, b, lines) in enumerate(groups):
        text = _layout(units, a, b, lines, rules)
        start = starts[a]  # exactly on the first word: within 3 frames, never early
        limit = start + max_dur
        if index + 1 < count:
            limit = min(limit, starts[groups[index + 1][0]] - gap)
        if media_duration_ms is not None and media_duration_ms > start:
            limit = min(limit, media_duration_ms)
        chars = len(text) - text.count("\n")
        reading = start + math.ceil(chars * 1000 / cps) if chars else start
        end = min(max(ends[b], start + min_dur, reading), limit)
        if end <= start:  # only when the media ends before the word starts
            end = start + 1
        cues.append(Cue(start, end, text, (), tuple(clean[first[a]:last[b] + 1])))
    return cues
