"""Subtitle quality control (pure): a registry of named checks, their findings, and safe fixes.

Every limit comes from the channel's ``Rules`` (docs/standards.md "Subtitle rules": Netflix Timed
Text Style Guide, BBC Subtitle Guidelines v1.2.5). Each finding carries an English message
template and its parameters, so the web layer and the CLI can show it in Vietnamese through
the Vietnamese catalogue (station/translations, docs/i18n.md); every message states the
measured value and, where there is one, the limit. Check ids are stable: the UI and the tests
use them.

Severities: "error" means the cue would look broken on air or break a partner's file
(too long a line, too many lines, overlap, outside the media, empty, unrenderable
characters, time running backwards); "warning" means a person should look (reading speed,
durations, gaps, translation doubts, Whisper doubts, unknown Vietnamese syllables); "info" is
for awareness only (e.g. an unknown capitalised syllable, most likely a name).
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from typing import Any

from station.findings import summary as findings_summary
from station.messages import Message, render
from station.registry import Registry
from subtitles import spelling, terms
from subtitles.cues import Cue, Rules, char_count, chars_per_second, normalize_text
from subtitles.guards import LOW_PROBABILITY

log = logging.getLogger(__name__)

SEVERITIES = ("error", "warning", "info")


@dataclass(frozen=True)
class Finding:
    """One problem found in one cue (or in the track when ``cue_index`` is None)."""

    check: str
    severity: str
    cue_index: int | None
    message: str  # English template
    params: dict[str, Any] = field(default_factory=dict)  # for message.format(**params)

    def text(self, lang: str = "en") -> str:
        """The message in ``lang`` ("vi" gets Vietnamese words and decimal commas)."""
        return render(self.message, lang, self.params)


@dataclass
class QCContext:
    """What the checks need besides the cues: the channel's rules and the track's setting."""

    rules: Rules
    media_duration_ms: int | None = None
    source: Sequence[Cue] | None = None  # the source track's cues, for a translation
    glossary: Mapping[str, Mapping[str, str]] | None = None  # vi term -> {lang: approved}
    language: str = "vi"  # BCP-47 tag of the cues being checked
    font_coverage: Callable[[str], bool] | None = None  # False for a char the font lacks
    reviewed_flags: bool = False  # a person has reviewed the Whisper guards' flags
    source_language: str = "vi"  # BCP-47 tag of ``source``


CheckFunc = Callable[[Sequence[Cue], QCContext], Iterable[Finding]]


@dataclass(frozen=True)
class Check:
    """A registered check: a stable id, its severity, its main message, and its function."""

    id: str
    severity: str
    message: str  # the main English template; a check may use others (all in the catalogue)
    func: CheckFunc
    title: str = ""
    autofixable: bool = False

    def finding(self, cue_index: int | None, message: str | None = None,
                **params: Any) -> Finding:
        """A finding of this check, with its severity and (by default) its main message."""
        return Finding(self.id, self.severity, cue_index, message or self.message, params)


CHECKS: Registry[Check] = Registry("Unknown QC check: {name}")


def register(check_id: str, severity: str, message: str, *, title: str,
             autofixable: bool = False) -> Callable[[CheckFunc], CheckFunc]:
    """Add a check to the registry; the registry's order is the order findings are listed in."""
    if severity not in SEVERITIES:
        raise ValueError(f"unknown severity {severity!r}")

    def decorate(func: CheckFunc) -> CheckFunc:
        CHECKS.add(check_id, Check(check_id, severity, message, func, title, autofixable))
        return func

    return decorate


def check(cues: Sequence[Cue], ctx: QCContext, *,
          only: Iterable[str] | None = None) -> list[Finding]:
    """Run the registered checks (or ``only`` those ids); findings ordered by cue, then check."""
    if isinstance(only, str):
        only = [only]
    ids = list(CHECKS) if only is None else list(dict.fromkeys(only))
    for check_id in ids:
        CHECKS.lookup(check_id)
    order = {check_id: n for n, check_id in enumerate(CHECKS)}
    findings: list[Finding] = []
    for check_id in ids:
        findings.extend(CHECKS[check_id].func(cues, ctx))
    findings.sort(key=lambda f: (-1 if f.cue_index is None else f.cue_index, order[f.check]))
    return findings


def summary(findings: Iterable[Finding]) -> dict[str, Any]:
    """Counts per severity (all three always present) and per check id, for badges and gates."""
    return findings_summary(findings, SEVERITIES)


# ---- layout and timing ----------------------------------------------------------------------


@register("cpl", "error", "Line {line} has {chars} characters (limit {limit})",
          title="Characters per line")
def _check_cpl(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """Lines over the CPL are cut off or wrapped by players (Netflix/BBC: 42; 37 Teletext)."""
    limit = ctx.rules.max_chars_per_line  # Netflix Timed Text Style Guide; BBC v1.2.5
    me = CHECKS["cpl"]
    for index, cue in enumerate(cues):
        for number, line in enumerate(cue.lines, 1):
            count = char_count(line)
            if count > limit:
                yield me.finding(index, line=number, chars=count, limit=limit)


@register("lines", "error", "Cue has {lines} lines (limit {limit})", title="Lines per cue")
def _check_lines(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """More lines than allowed cover the picture (Netflix/BBC: 2)."""
    limit = ctx.rules.max_lines  # Netflix; BBC
    me = CHECKS["lines"]
    for index, cue in enumerate(cues):
        count = len(cue.lines)
        if count > limit:
            yield me.finding(index, lines=count, limit=limit)


@register("cps", "warning",
          "Reading speed is {cps} characters per second (limit {limit})",
          title="Reading speed")
def _check_cps(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """Too fast to read (Netflix Vietnamese: 17 cps on NFC text); fast speech may force it."""
    limit = ctx.rules.max_chars_per_second  # Netflix Vietnamese / template guides
    me = CHECKS["cps"]
    for index, cue in enumerate(cues):
        if cue.duration_ms <= 0 or not cue.text:
            continue  # the timing and empty checks report these
        rate = chars_per_second(cue)
        if rate > limit:
            yield me.finding(index, cps=round(rate, 1), limit=limit)


@register("min_duration", "warning", "Cue lasts {duration_ms} ms (minimum {limit} ms)",
          title="Minimum duration", autofixable=True)
def _check_min_duration(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """A flash too short to register (Netflix: 5/6 s); a warning because a short "Vâng."
    between two speakers is often unavoidable, and the reading-speed check covers text."""
    limit = ctx.rules.min_duration_ms  # Netflix general: 833 ms (21 frames)
    me = CHECKS["min_duration"]
    for index, cue in enumerate(cues):
        if 0 < cue.duration_ms < limit:
            yield me.finding(index, duration_ms=cue.duration_ms, limit=limit)


@register("max_duration", "warning", "Cue lasts {duration_ms} ms (maximum {limit} ms)",
          title="Maximum duration")
def _check_max_duration(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """A cue left up too long is re-read and loses sync (Netflix: 7 s); a warning because the
    text is still right and on screen, so it does not break the broadcast."""
    limit = ctx.rules.max_duration_ms  # Netflix general: 7000 ms (175 frames)
    me = CHECKS["max_duration"]
    for index, cue in enumerate(cues):
        if cue.duration_ms > limit:
            yield me.finding(index, duration_ms=cue.duration_ms, limit=limit)


@register("timing", "error", "Cue ends at {end_ms} ms, not after its start at {start_ms} ms",
          title="Start and end")
def _check_timing(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """A cue that ends before it starts never shows, and many players reject the file."""
    me = CHECKS["timing"]
    for index, cue in enumerate(cues):
        if cue.end_ms <= cue.start_ms:
            yield me.finding(index, start_ms=cue.start_ms, end_ms=cue.end_ms)


@register("min_gap", "warning",
          "Gap before this cue is {gap_ms} ms (minimum {limit} ms)",
          title="Gap between cues", autofixable=True)
def _check_min_gap(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """Cues closer than two frames blur into one another (Netflix general: 2 frames)."""
    limit = ctx.rules.min_gap_ms  # Netflix general: 80 ms at 25 fps
    me = CHECKS["min_gap"]
    for index in range(1, len(cues)):
        gap = cues[index].start_ms - cues[index - 1].end_ms
        if 0 <= gap < limit:
            yield me.finding(index, gap_ms=gap, limit=limit)


@register("overlap", "error",
          "Cue starts {overlap_ms} ms before the previous cue ends (cues must not overlap)",
          title="Overlap", autofixable=True)
def _check_overlap(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """Overlapping cues stack on screen or are dropped by broadcast encoders."""
    me = CHECKS["overlap"]
    for index in range(1, len(cues)):
        overlap = cues[index - 1].end_ms - cues[index].start_ms
        if overlap > 0:
            yield me.finding(index, overlap_ms=overlap)


@register("outside_media", "error",
          "Cue ends at {end_ms} ms, after the media ends at {limit} ms",
          title="Inside the media")
def _check_outside_media(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """A cue before 0 or after the end of the media is lost or breaks playout."""
    me = CHECKS["outside_media"]
    media = ctx.media_duration_ms
    for index, cue in enumerate(cues):
        if cue.start_ms < 0:
            yield me.finding(index, "Cue starts at {start_ms} ms, before the media begins",
                             start_ms=cue.start_ms)
        if media is not None and cue.end_ms > media:
            yield me.finding(index, end_ms=cue.end_ms, limit=media)


@register("empty", "error", "Cue has no text", title="Empty cue")
def _check_empty(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """An empty cue shows a blank box on some decoders and means a lost line."""
    me = CHECKS["empty"]
    for index, cue in enumerate(cues):
        if not cue.text.strip():
            yield me.finding(index)


# ---- text -----------------------------------------------------------------------------------


@register("nfc", "warning",
          "Text is not in Unicode NFC form ({length} code points; {nfc_length} in NFC)",
          title="Unicode NFC", autofixable=True)
def _check_nfc(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """Decomposed Vietnamese miscounts, mis-sorts and renders badly (docs/standards.md: NFC)."""
    me = CHECKS["nfc"]
    for index, cue in enumerate(cues):
        if not unicodedata.is_normalized("NFC", cue.text):
            normal = unicodedata.normalize("NFC", cue.text)
            yield me.finding(index, length=len(cue.text), nfc_length=len(normal))


@register("font", "error", "{count} characters the channel's font cannot show: {chars}",
          title="Font coverage")
def _check_font(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """A character the font lacks shows as a box on air (e.g. Tai Viet without its font)."""
    covers = ctx.font_coverage
    if covers is None:
        return  # no font information: assume the channel's font covers the text
    me = CHECKS["font"]
    known: dict[str, bool] = {}
    for index, cue in enumerate(cues):
        missing: list[str] = []
        for ch in dict.fromkeys(cue.text):
            if ch.isspace():
                continue
            ok = known.get(ch)
            if ok is None:
                ok = known[ch] = bool(covers(ch))
            if not ok:
                missing.append(ch)
        if missing:
            shown = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in missing)
            yield me.finding(index, count=len(missing), chars=shown)


# ---- translation ----------------------------------------------------------------------------


def _base(language: str) -> str:
    return language.replace("_", "-").split("-", 1)[0].casefold()


def _pair_groups(cues: Sequence[Cue],
                 source: Sequence[Cue]) -> list[tuple[list[int], list[int]]]:
    """Group target and source cues that overlap in time: 1:1 on the same grid, or the
    several cues of a split or merge together. Returns (target indices, source indices)."""
    nt = len(cues)
    parent = list(range(nt + len(source)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    t_order = sorted(range(nt), key=lambda i: (cues[i].start_ms, cues[i].end_ms))
    s_order = sorted(range(len(source)), key=lambda i: (source[i].start_ms, source[i].end_ms))
    p = 0
    for ti in t_order:
        t = cues[ti]
        while p < len(s_order) and source[s_order[p]].end_ms <= t.start_ms:
            p += 1
        q = p
        while q < len(s_order) and source[s_order[q]].start_ms < t.end_ms:
            si = s_order[q]
            s = source[si]
            inter = min(t.end_ms, s.end_ms) - max(t.start_ms, s.start_ms)
            # A quarter of the shorter cue: a frame or two of slack at the edges is no pair.
            if inter > 0 and inter * 4 >= min(t.duration_ms, s.duration_ms):
                parent[find(ti)] = find(nt + si)
            q += 1
    groups: dict[int, tuple[list[int], list[int]]] = {}
    for ti in t_order:
        groups.setdefault(find(ti), ([], []))[0].append(ti)
    for si in s_order:
        groups.setdefault(find(nt + si), ([], []))[1].append(si)
    return list(groups.values())


def _translation_pairs(cues: Sequence[Cue], ctx: QCContext
                       ) -> list[tuple[int | None, str, str, list[int]]]:
    """(first target index, source text, target text, source indices) per group; computed
    once per check() run and shared by the three translation checks."""
    if ctx.source is None:
        return []
    cached = ctx.__dict__.get("_pairs")
    if cached is not None and cached[0] is cues and cached[1] is ctx.source:
        return cached[2]  # type: ignore[no-any-return]
    source = ctx.source
    pairs = []
    for targets, sources in _pair_groups(cues, source):
        source_text = " ".join(source[i].text for i in sources).strip()
        target_text = " ".join(cues[i].text for i in targets).strip()
        pairs.append(((targets[0] if targets else None), source_text, target_text, sources))
    ctx.__dict__["_pairs"] = (cues, source, pairs)
    return pairs


def _comparable(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def _only_names(text: str) -> bool:
    """True when every word is capitalised or has no letters: names travel untranslated."""
    words = [w for w in text.split() if any(ch.isalpha() for ch in w)]
    return all(w.lstrip("\"'“‘([")[:1].isupper() for w in words)


@register("untranslated", "warning",
          "Text is identical to the source ({chars} characters)",
          title="Untranslated")
def _check_untranslated(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """A translation that still says the source, or says nothing, misses the viewer."""
    if ctx.source is None or _base(ctx.language) == _base(ctx.source_language):
        return
    me = CHECKS["untranslated"]
    for index, source_text, target_text, sources in _translation_pairs(cues, ctx):
        if not source_text:
            continue
        if index is None:
            yield me.finding(None, "Source cue {source_number} has no translation "
                                   "({chars} characters)",
                             source_number=sources[0] + 1, chars=char_count(source_text))
        elif not target_text:
            yield me.finding(index, "Translation is empty; the source has {chars} characters",
                             chars=char_count(source_text))
        elif (_comparable(source_text) == _comparable(target_text)
              and any(ch.isalpha() for ch in source_text) and not _only_names(source_text)):
            yield me.finding(index, chars=char_count(target_text))


# Digits with "." or "," between groups, or thousands grouped by a no-break or thin space
# (French typography); a plain space is too often between two different numbers.
_NUMBER = re.compile(r"\d{1,3}(?:[\u00a0\u202f\u2009]\d{3})+(?!\d)|\d+(?:[.,]\d+)*")


def number_values(token: str) -> frozenset[Decimal]:
    """Every value a written number may mean: "1.000" is 1000 in Vietnamese and 1 in English,
    "1,000" the reverse, "8,5" is 8.5; both readings are kept so no convention is wrong."""
    token = re.sub(r"[\u00a0\u202f\u2009]", "", token)
    seps = [ch for ch in token if ch in ".,"]
    groups = re.split(r"[.,]", token)
    values: set[Decimal] = set()
    try:
        if not seps:
            return frozenset({Decimal(token)})
        if len(set(seps)) == 2:  # "1.234,5" or "1,234.5": the last mark is the decimal one
            mark = seps[-1]
            whole, _, frac = token.rpartition(mark)
            values.add(Decimal(re.sub(r"[.,]", "", whole) + "." + frac))
        else:
            if all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
                values.add(Decimal("".join(groups)))  # thousands groups
            if len(seps) == 1:
                values.add(Decimal(groups[0] + "." + groups[1]))  # a decimal mark
        if not values:
            values.add(Decimal("".join(groups)))
    except InvalidOperation:
        return frozenset()
    return frozenset(values)


@register("numbers", "warning",
          "{count} of {total} numbers in the source are missing from the translation: "
          "{numbers}",
          title="Numbers")
def _check_numbers(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """A wrong figure in a news translation is a correction on air; check every number."""
    if ctx.source is None:
        return
    me = CHECKS["numbers"]
    for index, source_text, target_text, _ in _translation_pairs(cues, ctx):
        if index is None:
            continue  # the untranslated check reports source cues with no translation
        wanted = list(dict.fromkeys(_NUMBER.findall(source_text)))
        if not wanted:
            continue
        found: set[Decimal] = set()
        for token in _NUMBER.findall(target_text):
            found |= number_values(token)
        missing = [token for token in wanted if not number_values(token) & found]
        if missing:
            yield me.finding(index, count=len(missing), total=len(wanted),
                             numbers=", ".join(missing))


@register("glossary", "warning",
          "Glossary term \u201c{term}\u201d should be translated as \u201c{approved}\u201d",
          title="Glossary")
def _check_glossary(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """Names of places, bodies and titles must read the same in every report.

    Terms are matched per script (subtitles.terms): whole words in Latin or Cyrillic text,
    plain substrings in Chinese or Japanese, where no space marks a word's end."""
    if ctx.source is None or not ctx.glossary:
        return
    me = CHECKS["glossary"]
    wanted: list[tuple[str, str]] = []
    for term, approved_by_language in ctx.glossary.items():
        approved = (approved_by_language.get(ctx.language)
                    or approved_by_language.get(_base(ctx.language)))
        if term.strip() and approved and approved.strip():
            wanted.append((term, approved))
    if not wanted:
        return
    for index, source_text, target_text, _ in _translation_pairs(cues, ctx):
        if index is None or not target_text:
            continue
        src = terms.comparable(source_text)
        tgt = terms.comparable(target_text)
        for term, approved in wanted:
            if terms.contains_term(src, term) and not terms.contains_term(tgt, approved):
                yield me.finding(index, term=term, approved=approved)


# ---- transcription doubts -----------------------------------------------------------------


@register("whisper_flag", "warning", "Flagged for review by the transcription guards: {flags}",
          title="Transcription doubts")
def _check_whisper_flag(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """Hallucination and doubt flags (subtitles.guards) need a person's eye before air."""
    if ctx.reviewed_flags:
        return
    me = CHECKS["whisper_flag"]
    for index, cue in enumerate(cues):
        if cue.flags:
            yield me.finding(index, flags=", ".join(cue.flags))


@register("low_confidence", "info",
          "{count} of {total} words have recognition confidence below {limit}",
          title="Doubtful words")
def _check_low_confidence(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """Point the editor at the words the engines were unsure of (a probability on each word:
    Whisper's own, or the engines' agreement for Vietnamese; docs/transcription.md)."""
    if ctx.reviewed_flags:
        return
    me = CHECKS["low_confidence"]
    for index, cue in enumerate(cues):
        low = sum(1 for w in cue.words if w.probability < LOW_PROBABILITY)
        if low:
            yield me.finding(index, count=low, total=len(cue.words), limit=LOW_PROBABILITY)


# ---- spelling -------------------------------------------------------------------------------


@register("spelling", "warning",
          "\u201c{word}\u201d is not in the Vietnamese dictionary; did you mean: {suggested}?",
          title="Spelling")
def _check_spelling(cues: Sequence[Cue], ctx: QCContext) -> Iterator[Finding]:
    """Point at syllables hunspell-vi does not know (typing and ASR slips) and never correct
    them; an unknown capitalised name is only info, and the glossary's names are allowed."""
    if not spelling.is_vietnamese(ctx.language):
        return
    me = CHECKS["spelling"]
    lexicon = spelling.load()
    if lexicon is None:  # say so once, in the track's findings, rather than fail QC
        yield Finding(me.id, "info", None, "Vietnamese spelling dictionary not installed "
                                           "(Debian package hunspell-vi)")
        return
    allowed = spelling.allow_list(ctx.glossary or ())
    for index, cue in enumerate(cues):
        for unknown in spelling.check_text(cue.text, lexicon, allowed):
            params = {"word": unknown.word, "line": unknown.line, "start": unknown.start,
                      "end": unknown.end, "suggestions": list(unknown.suggestions),
                      "suggested": ", ".join(unknown.suggestions)}
            if unknown.name:
                yield Finding(me.id, "info", index, "\u201c{word}\u201d is not in the Vietnamese "
                              "dictionary: a name? If so, add it to the glossary", params)
            elif unknown.suggestions:
                yield me.finding(index, **params)
            else:
                yield me.finding(index, "\u201c{word}\u201d is not in the Vietnamese dictionary",
                                 **params)


_SPACE_RUN = re.compile(r"[ \t]{2,}")  # not no-break spaces: French typography needs them


# ---- safe fixes -----------------------------------------------------------------------------


def autofix(cues: Sequence[Cue], ctx: QCContext, *,
            lang: str = "en") -> tuple[list[Cue], list[str]]:
    """Apply only the fixes that cannot change meaning: NFC and spaces, the minimum gap, and
    too-short cues extended into free time; return the cues and a note per change."""
    rules = ctx.rules
    gap = rules.min_gap_ms  # Netflix general: 2 frames
    min_dur = rules.min_duration_ms  # Netflix general: 5/6 s
    media = ctx.media_duration_ms
    fixed = list(cues)
    notes: list[str] = []

    for index, cue in enumerate(fixed):
        text = "\n".join(_SPACE_RUN.sub(" ", line) for line in normalize_text(cue.text).split("\n"))
        if text != cue.text:
            fixed[index] = replace(cue, text=text)
            notes.append(Message("Cue {number}: text normalised to NFC with tidy spaces",
                                 number=index + 1).message(lang))

    for index in range(1, len(fixed)):
        prev, cue = fixed[index - 1], fixed[index]
        if cue.start_ms - prev.end_ms >= gap:
            continue
        new_end = cue.start_ms - gap
        cut = prev.end_ms - new_end
        # Safe when the earlier cue keeps its minimum duration, or loses no more than the gap
        # itself (two cues chained end to start); anything more is a timing decision.
        if new_end > prev.start_ms and (new_end - prev.start_ms >= min_dur or cut <= gap):
            fixed[index - 1] = replace(prev, end_ms=new_end)
            notes.append(Message("Cue {number}: end pulled back by {cut_ms} ms to keep a "
                                 "{gap_ms} ms gap", number=index, cut_ms=cut,
                                 gap_ms=gap).message(lang))

    for index, cue in enumerate(fixed):
        if not 0 < cue.duration_ms < min_dur:
            continue
        limit = cue.start_ms + min_dur
        if index + 1 < len(fixed):
            limit = min(limit, fixed[index + 1].start_ms - gap)
        if media is not None:
            limit = min(limit, media)
        if limit > cue.end_ms:
            fixed[index] = replace(cue, end_ms=limit)
            notes.append(Message("Cue {number}: extended from {old_ms} ms to {new_ms} ms",
                                 number=index + 1, old_ms=cue.duration_ms,
                                 new_ms=limit - cue.start_ms).message(lang))
    return fixed, notes
