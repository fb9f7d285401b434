"""Subtitle benchmark: segmentation + QC of a 2-hour programme, and SRT/WebVTT write + read.

    .venv/bin/python benchmarks/segmentation.py [--quick] [--repeat 7] [--json out.json]

Everything is pure Python on generated data (a fixed seed), so no media is needed:

* **Segmentation + QC.** Whisper-like timed words for a 2-hour Vietnamese programme
  (syllables with speech-like durations, pauses at commas, sentence ends and speaker changes,
  punctuation on the word before it, a leading space as Whisper writes it, names, compounds
  and binding words, word probabilities) go through ``segment.segment()`` with the default
  rules, then ``qc.check()`` with every registered check, the font check included (the
  original track, and an English translation on the same timing checked against it).
  Median of ``--repeat`` runs, reported as milliseconds per 1,000 cues (target < 50 ms for
  segment + QC of the original).
* **Formats.** 10,000 cues (the programme's cues repeated later in time) written and read
  back: Station's ``formats.write``/``formats.read`` for SRT and WebVTT against pysrt alone
  (``SubRipFile`` from items -> string -> ``pysrt.from_string``), and against webvtt-py alone
  for WebVTT. Sides alternate (ABBA); the ratio is the median of per-pair ratios, on CPU time
  (``time.process_time``), which a busy neighbour does not inflate.
"""

# ruff: noqa: E402  (imports after the sys.path fix below)
from __future__ import annotations

import io
import logging
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

# Run as a script, Python puts benchmarks/ first on sys.path: put the repository there
# instead, so the project's packages come first whatever is installed.
_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

import pysrt
import webvtt

from benchmarks import _harness as h
from subtitles import fonts, formats, qc, segment, services
from subtitles.cues import Cue, Rules, SubtitleDoc, Word

TARGET_MS_PER_1000 = 50.0
SEED = 20261126
PROGRAMME_MS = 2 * 3600 * 1000
FORMAT_CUES = 10_000

log = logging.getLogger("bench.subtitles")

# --------------------------------------------------------------------------- the words

SYLLABLES = (
    "người", "dân", "năm", "nay", "đã", "có", "nhiều", "bản", "làng", "trên", "núi", "cao",
    "nước", "suối", "đường", "mới", "lúa", "ngô", "chè", "rừng", "trâu", "bò", "con", "em",
    "học", "trường", "xã", "thôn", "nhà", "cửa", "mùa", "mưa", "nắng", "lạnh", "rét", "sương",
    "chợ", "phiên", "hàng", "hóa", "giá", "bán", "mua", "làm", "việc", "sống", "ăn", "ở",
    "đi", "về", "lên", "xuống", "ra", "vào", "đến", "sau", "trước", "giữa", "bên", "cạnh",
    "mười", "hai", "ba", "bốn", "sáu", "bảy", "tám", "chín", "trăm", "nghìn", "triệu",
    "đồng", "tấn", "mét", "héc", "ta", "ngày", "tháng", "tuần", "giờ", "sáng", "chiều",
    "tối", "đêm", "hôm", "qua", "mai", "tốt", "đẹp", "khó", "khăn", "vui", "mừng", "lo",
    "cầu", "treo", "điện", "sạch", "nhanh", "chậm", "lớn", "nhỏ", "già", "trẻ", "khỏe",
    "tiền", "vốn", "vay", "nợ", "giống", "phân", "bón", "gieo", "cấy", "gặt", "hái",
    "thêm", "bớt", "đủ", "thiếu", "hết", "còn", "luôn", "ngay", "thật", "rõ", "chung",
)
BINDING = ("của", "và", "những", "các", "một", "là", "để", "với", "cho", "trong", "tại",
           "từ", "đến", "theo", "được", "sẽ", "đang", "huyện", "tỉnh", "xã", "ông", "bà")
COMPOUNDS = tuple(sorted(segment.COMPOUNDS["vi"]))
NAMES = ("Lai Châu", "Tam Đường", "Phong Thổ", "Sìn Hồ", "Mường Tè", "Nậm Nhùn",
         "Tân Uyên", "Than Uyên", "Pu Ta Leng", "Sông Đà", "Nguyễn Văn Hùng", "Lò Thị Mai",
         "Hà Nội", "Điện Biên")
NUMBERS = ("2.500", "15", "120", "3,5", "2024", "80%", "1.000")
ENGLISH = ("the", "people", "of", "the", "province", "have", "planted", "new", "tea", "on",
           "hills", "and", "roads", "were", "repaired", "after", "the", "floods", "this",
           "year", "farmers", "in", "the", "district", "received", "seeds", "schools")


def programme_words(duration_ms: int, seed: int = SEED) -> list[Word]:
    """Whisper-like words for ``duration_ms`` of Vietnamese news speech (deterministic)."""
    rng = random.Random(seed)
    words: list[Word] = []
    t = rng.randint(500, 3000)
    sentence = 0
    while t < duration_ms - 10_000:
        tokens: list[str] = []
        target = rng.randint(8, 30)
        while len(tokens) < target:
            r = rng.random()
            if r < 0.15:
                tokens.extend(rng.choice(COMPOUNDS).split(" "))
            elif r < 0.27:
                tokens.append(rng.choice(BINDING))
            elif r < 0.31:
                tokens.extend(rng.choice(NAMES).split(" "))
            elif r < 0.33:
                tokens.append(rng.choice(NUMBERS))
            else:
                tokens.append(rng.choice(SYLLABLES))
        tokens[0] = tokens[0][:1].upper() + tokens[0][1:]
        end_mark = rng.choices((".", "?", "!"), weights=(90, 6, 4))[0]
        for i, token in enumerate(tokens):
            text = token
            pause = rng.choice((0, 0, 0, 10, 20, 40, 60, 90, 120))  # words abut or nearly
            if i == len(tokens) - 1:
                text += end_mark
            elif i > 2 and rng.random() < 0.08:
                text += ","
                pause = rng.randint(150, 450)
            elif rng.random() < 0.01:
                pause = rng.randint(500, 900)  # a hesitation inside a sentence
            length = max(60, round(rng.gauss(185, 45) * (0.6 + 0.1 * len(token))))
            prob = 1.0 - rng.random() ** 10 * 0.9  # mostly sure; about 6 % below 0.5
            words.append(Word(" " + text, t, t + length, round(prob, 3)))
            t += length + pause
        sentence += 1
        if sentence % 40 == 0 and rng.random() < 0.3:
            t += rng.randint(8_000, 25_000)  # a music bridge or a clip without speech
        elif sentence % 6 == 0:
            t += rng.randint(1_200, 3_500)  # the next speaker
        else:
            t += rng.randint(300, 900)
    return words


def english_track(cues: list[Cue], seed: int = SEED) -> list[Cue]:
    """A translation on the source's timing: English-looking text, numbers kept mostly."""
    rng = random.Random(seed + 1)
    out = []
    for cue in cues:
        n = max(3, len(cue.text.split()) * 3 // 4)
        text = " ".join(rng.choice(ENGLISH) for _ in range(n)).capitalize()
        if rng.random() < 0.9:  # keep the source's numbers (a few go missing: findings)
            text += " " + " ".join(tok for tok in cue.text.split() if tok[:1].isdigit())
        text = text.strip()
        if len(text) > 40:
            cut = text.rfind(" ", 0, len(text) // 2 + 5)
            text = text[:cut] + "\n" + text[cut + 1:]
        out.append(replace(cue, text=text, flags=(), words=()))
    return out


# --------------------------------------------------------------------------- timing


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s, result) of one call, after a collection so garbage is not inherited."""
    t = h.timed(fn)
    return t.wall, t.cpu, t.result


def bench_segment_qc(words: list[Word], repeat: int) -> dict[str, Any]:
    rules = Rules()
    glossary = {term: tr for term, tr in services.SEED_GLOSSARY}
    # As services.qc_context builds it: the channel font's character map included (read once
    # and cached by subtitles.fonts, so that one-off cost stays out of the timings).
    ctx = qc.QCContext(rules=rules, media_duration_ms=PROGRAMME_MS, glossary=glossary,
                       language="vi", font_coverage=fonts.coverage("vi"))
    runs: dict[str, list[tuple[float, float]]] = {"segment": [], "qc": [],
                                                   "qc translation": []}
    cues: list[Cue] = []
    findings: list[qc.Finding] = []
    en_findings: list[qc.Finding] = []
    for _ in range(repeat):
        wall, cpu, cues = timed(lambda: segment.segment(words, rules, language="vi",
                                                        media_duration_ms=PROGRAMME_MS))
        runs["segment"].append((wall, cpu))
        wall, cpu, findings = timed(lambda: qc.check(cues, ctx))  # noqa: B023
        runs["qc"].append((wall, cpu))
    en = english_track(cues)
    en_ctx = qc.QCContext(rules=rules, media_duration_ms=PROGRAMME_MS, source=cues,
                          glossary=glossary, language="en", source_language="vi",
                          font_coverage=fonts.coverage("en"))
    for _ in range(repeat):
        wall, cpu, en_findings = timed(lambda: qc.check(en, en_ctx))
        runs["qc translation"].append((wall, cpu))
    per_k = 1000 / len(cues)
    out: dict[str, Any] = {"words": len(words), "cues": len(cues), "repeat": repeat}
    for name, values in runs.items():
        out[name] = {"wall_ms_per_1000": statistics.median(w for w, _ in values) * 1e3 * per_k,
                     "cpu_ms_per_1000": statistics.median(c for _, c in values) * 1e3 * per_k,
                     "wall_ms": [round(w * 1e3, 2) for w, _ in values]}
    for key in ("wall_ms_per_1000", "cpu_ms_per_1000"):
        out["segment + qc"] = out.get("segment + qc", {})
        out["segment + qc"][key] = out["segment"][key] + out["qc"][key]
    out["findings"] = qc.summary(findings)["by_check"]
    out["findings_translation"] = qc.summary(en_findings)["by_check"]
    out["cue_stats"] = {
        "mean_duration_ms": statistics.mean(c.duration_ms for c in cues),
        "two_line_share": sum(1 for c in cues if "\n" in c.text) / len(cues),
        "mean_chars": statistics.mean(len(c.text) for c in cues),
    }
    out["_cues"] = cues
    return out


def tile(cues: list[Cue], count: int) -> list[Cue]:
    """``count`` cues: the programme's cues again and again, each copy later in time."""
    out: list[Cue] = []
    offset = 0
    span = cues[-1].end_ms + 5_000
    while len(out) < count:
        out.extend(Cue(c.start_ms + offset, c.end_ms + offset, c.text)
                   for c in cues[:count - len(out)])
        offset += span
    return out


def _srt_time(ms: int) -> pysrt.SubRipTime:
    return pysrt.SubRipTime.from_ordinal(ms)


def _vtt_stamp(ms: int) -> str:
    s, ms = divmod(ms, 1000)
    m, s = divmod(s, 60)
    h, m = divmod(m, 60)
    return f"{h:02d}:{m:02d}:{s:02d}.{ms:03d}"


# Each side's write and read; "write" returns what "read" takes.
def station_write(name: str, doc: SubtitleDoc) -> Callable[[], bytes]:
    return lambda: formats.write(name, doc)


def station_read(name: str) -> Callable[[bytes], Any]:
    return lambda data: formats.read(name, data, language="vi").doc.cues


def pysrt_write(doc: SubtitleDoc) -> Callable[[], str]:
    def write() -> str:
        items = pysrt.SubRipFile(items=[
            pysrt.SubRipItem(i, _srt_time(c.start_ms), _srt_time(c.end_ms), c.text)
            for i, c in enumerate(doc.cues, 1)])
        out = io.StringIO()
        items.write_into(out)
        return out.getvalue()
    return write


def pysrt_read(text: str) -> Any:
    return pysrt.from_string(text)


def webvtt_py_write(doc: SubtitleDoc) -> Callable[[], str]:
    def write() -> str:
        vtt = webvtt.WebVTT(captions=[
            webvtt.Caption(_vtt_stamp(c.start_ms), _vtt_stamp(c.end_ms), c.text)
            for c in doc.cues])
        return vtt.content
    return write


def webvtt_py_read(text: str) -> Any:
    return webvtt.WebVTT.from_string(text).captions


SIDES: dict[str, tuple[Callable[[SubtitleDoc], Callable[[], Any]], Callable[[Any], Any]]] = {
    "Station SRT": (lambda doc: station_write("srt", doc), station_read("srt")),
    "Station WebVTT": (lambda doc: station_write("webvtt", doc), station_read("webvtt")),
    "pysrt SRT": (pysrt_write, pysrt_read),
    "webvtt-py WebVTT": (webvtt_py_write, webvtt_py_read),
}
COMPARISONS = (  # (Station side, reference side)
    ("Station SRT", "pysrt SRT"),
    ("Station WebVTT", "pysrt SRT"),
    ("Station WebVTT", "webvtt-py WebVTT"),
)


def bench_formats(doc: SubtitleDoc, repeat: int) -> dict[str, Any]:
    """Write + read each side, ``repeat`` rounds; the order of sides reverses every round."""
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in SIDES}
    checks: dict[str, Any] = {}
    names = list(SIDES)
    for i in range(repeat):
        for name in names if i % 2 == 0 else reversed(names):
            make_writer, reader = SIDES[name]
            writer = make_writer(doc)
            w_wall, w_cpu, data = timed(writer)
            r_wall, r_cpu, items = timed(lambda: reader(data))  # noqa: B023
            runs[name].append({"write_wall": w_wall, "write_cpu": w_cpu, "read_wall": r_wall,
                               "read_cpu": r_cpu, "wall": w_wall + r_wall,
                               "cpu": w_cpu + r_cpu})
            if i == 0:
                size = len(data if isinstance(data, bytes) else data.encode("utf-8"))
                checks[name] = {"bytes": size, "cues_read_back": len(items)}
                if name.startswith("Station"):
                    checks[name]["same_text"] = all(
                        a.text == b.text and (a.start_ms, a.end_ms) == (b.start_ms, b.end_ms)
                        for a, b in zip(doc.cues, items, strict=True))
    medians = {name: h.median_rows(rs) for name, rs in runs.items()}
    ratios = {}
    for st, ref in COMPARISONS:
        ratios[f"{st} / {ref}"] = {
            k: h.median_ratio([a[k] for a in runs[st]], [b[k] for b in runs[ref]])
            for k in ("cpu", "wall", "write_cpu", "read_cpu")}
    return {"cues": len(doc.cues), "repeat": repeat, "median_s": medians, "ratios": ratios,
            "checks": checks}


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, quick="smoke run: 3 repetitions instead of 7", repeat=(7, 3),
                      repeat_help="repetitions of each measurement")
    args = h.resolve(parser, parser.parse_args(argv))
    repeat = args.repeat
    run = h.Run("subtitles", args, extra=f"; pysrt {version('pysrt')}, "
                f"webvtt-py {version('webvtt-py')}")

    start = time.perf_counter()
    words = programme_words(PROGRAMME_MS)
    print(f"generated {len(words)} words for {PROGRAMME_MS / 3.6e6:g} h in "
          f"{time.perf_counter() - start:.1f} s")
    seg = bench_segment_qc(words, repeat)
    cues = seg.pop("_cues")
    print(f"\nSegmentation + QC: {seg['words']} words -> {seg['cues']} cues "
          f"(mean {seg['cue_stats']['mean_duration_ms'] / 1000:.2f} s, "
          f"{seg['cue_stats']['two_line_share']:.0%} on two lines), median of {repeat}")
    print(f"{'step':<34}{'wall ms/1000 cues':>19}{'CPU ms/1000 cues':>18}")
    for name in ("segment", "qc", "segment + qc", "qc translation"):
        label = {"qc translation": "qc (English track vs source)"}.get(name, name)
        print(f"{label:<34}{seg[name]['wall_ms_per_1000']:>19.1f}"
              f"{seg[name]['cpu_ms_per_1000']:>18.1f}")
    total = seg["segment + qc"]["cpu_ms_per_1000"]
    print(f"segment + QC: {total:.1f} CPU ms per 1,000 cues "
          f"({h.verdict(total < TARGET_MS_PER_1000)} the target "
          f"< {TARGET_MS_PER_1000:.0f} ms); findings {seg['findings']}")

    doc = SubtitleDoc("vi", tile(cues, FORMAT_CUES))
    fmt = bench_formats(doc, repeat)
    print(f"\nFormats: write + read of {fmt['cues']} cues, median of {repeat}")
    print(f"{'side':<20}{'write ms':>10}{'read ms':>10}{'total ms':>10}{'(wall)':>9}"
          f"{'bytes':>11}{'cues back':>11}")
    for name, m in fmt["median_s"].items():
        c = fmt["checks"][name]
        print(f"{name:<20}{m['write_cpu'] * 1e3:>10.1f}{m['read_cpu'] * 1e3:>10.1f}"
              f"{m['cpu'] * 1e3:>10.1f}{m['wall'] * 1e3:>9.1f}{c['bytes']:>11,}"
              f"{c['cues_read_back']:>11,}")
    print("ratios (median of per-round CPU-time ratios):")
    for name, r in fmt["ratios"].items():
        print(f"  {name:<36} write+read {r['cpu']:.2f} (write {r['write_cpu']:.2f}, "
              f"read {r['read_cpu']:.2f}; wall {r['wall']:.2f})")
    same = all(c.get("same_text", True) for c in fmt["checks"].values())
    print("Station read back every cue unchanged:", h.yes(same, "NO (see JSON)"))
    return run.finish({"target_ms_per_1000": TARGET_MS_PER_1000, "segment_qc": seg,
                       "formats": fmt})


if __name__ == "__main__":
    sys.exit(main())
