"""Vietnamese transcription on real recorded speech: Whisper as before, viet-asr, and Station.

    .venv/bin/python benchmarks/vietnamese.py --speech DIR [--quick] [--repeat 1]
                                              [--json out.json]

The speech is a folder of 16 kHz WAV clips with a ``manifest.tsv`` (clip_file, transcript),
given as ``--speech DIR`` or in the environment variable ``STATION_DEV_SPEECH``; it lives
outside the repository (the development set: 32 Common Voice clips, CC0, 233 s, 30 single
sentences and two ~47 s long-form clips), so there is no default. Every clip becomes a radio
report in a cached SQLite instance, its WAV ingested once by Station's real ingest job. Then,
for each clip, in a rotating order so a busy neighbour slows every pipeline alike, in one
process, with each model loaded once beforehand:

* **whisper**: what Station did before issue 11: faster-whisper base int8, beam 5, VAD, word
  timestamps (``subtitles.transcribe.transcribe`` with the settings' defaults);
* **vietasr**: viet-asr alone on the voice-activity chunks (``engines.vietasr.hear``);
* **engines**: the Vietnamese pipeline's engines called directly (viet-asr chunks + Whisper
  beam 1 + fusion: ``VietAsrEngine.run``), the reference for the job's overhead;
* **station**: the real ``transcribe`` job (``services.queue_transcription`` +
  ``jobs.execute``) with the vietasr engine: engines, segmentation to the channel's rules,
  glossary names, doubt guards, saving the track. Its text is the saved cues.

Scoring follows the dev set's README: NFC, lower case, every Unicode punctuation character
replaced by a space, words split on white space; WER and CER over the whole set (errors over
reference length). CPU is user + system seconds of this process (all threads), so waiting for
a core does not count. Targets (issue 11): station WER <= 0.16 on the whole set, its CPU <=
1.0 x whisper's, and station CPU <= 1.10 x engines. Also printed: how often the output has
punctuation and a capital, and how well the doubt marks (a word's probability under 0.5) point
at real errors.
"""

# ruff: noqa: E402  (imports after the sys.path fix below)
from __future__ import annotations

import argparse
import csv
import os
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

_HERE = Path(__file__).resolve().parent
if sys.path and Path(sys.path[0] or ".").resolve() == _HERE:
    sys.path[0] = str(_HERE.parent)

from benchmarks import _harness as h
from benchmarks._harness import cpu_seconds
from production import services as production
from production.models import Report
from station import jobs
from station.accounts import User, add_user
from station.runtime import Runtime
from subtitles import engines, fusion, services, transcribe
from subtitles.engines import vietasr
from subtitles.models import Track

SPEECH_ENV = "STATION_DEV_SPEECH"
RECIPE = 1  # bump when the instance recipe changes
PIPELINES = ("whisper", "vietasr", "engines", "station")
TARGET_WER = 0.16
TARGET_CPU = 1.0
TARGET_OVERHEAD = 1.10


def normalise(text: str) -> list[str]:
    """The dev set README's scoring form: NFC, lower case, punctuation to spaces, split."""
    text = unicodedata.normalize("NFC", text).lower()
    return "".join(" " if unicodedata.category(c).startswith("P") else c for c in text).split()


def distance(a: list[Any], b: list[Any]) -> int:
    prev = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        cur = [i]
        for j, y in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (x != y)))
        prev = cur
    return prev[-1]


def read_manifest(folder: Path) -> list[dict[str, str]]:
    with open(folder / "manifest.tsv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    if not rows:
        raise SystemExit(f"{folder}/manifest.tsv lists no clips")
    return rows


def instance_settings(folder: Path, db_file: Path, models: Path, **values: Any) -> Any:
    return h.instance_settings(folder, db_file, models_root=models, **values)


def make_instance(speech: Path, rows: list[dict[str, str]], dst: Path,
                  models: Path) -> dict[str, Any]:
    """A migrated SQLite instance with one radio report per clip, ingested by the real job."""
    def build(tmp: Path) -> dict[str, Any]:
        db_file = h.migrated_sqlite(tmp / "station.db")
        settings = instance_settings(tmp, db_file, models)
        runtime = Runtime(settings)
        reports: dict[str, int] = {}
        try:
            with runtime.session() as session:
                production.ensure_channels(session)
                services.ensure_glossary(session)
                editor = add_user(session, username="bench", password=h.PASSWORD,
                                  role="editor")
                session.commit()
                user_id = editor.id
            settings.upload_path.mkdir(parents=True, exist_ok=True)
            jobs.load_handlers()
            for row in rows:
                name = row["clip_file"]
                with runtime.session() as session:
                    editor = session.get(User, user_id)
                    assert editor is not None
                    report = production.create_report(session, production.ReportInput(
                        title=f"dev-speech {name}", kind="radio_programme",
                        channel_codes=["LCR"]), actor=editor)
                    session.flush()
                    shutil.copyfile(speech / name, settings.upload_path / name)
                    job = production.queue_ingest(session, report.id, name, actor=editor,
                                                  original_name=name)
                    jobs.discard_pending(session)
                    session.commit()
                    reports[name], job_id = report.id, job.id
                if jobs.execute(runtime, job_id) != "succeeded":
                    raise SystemExit(f"ingest of {name} failed")
        finally:
            runtime.dispose()
        return {"reports": reports, "user_id": user_id}

    return h.cached_instance(
        dst, f"ingesting {len(rows)} clips through Station's ingest job", build,
        lambda meta: set(meta["reports"]) >= {r["clip_file"] for r in rows})


class Bench:
    """One instance, its runtime and the loaded engines; each pipeline as a method."""

    def __init__(self, folder: Path, meta: dict[str, Any], models: Path) -> None:
        work = Path(tempfile.mkdtemp(prefix="station-bench-vi-"))
        shutil.copyfile(folder / "station.db", work / "station.db")
        self.settings = instance_settings(folder, work / "station.db", models).replace(
            instance_path=work, media_root=folder / "media")
        self.runtime = Runtime(self.settings)
        self.meta = meta
        self.work = work
        self.whisper = transcribe.EngineOptions.from_settings(self.settings)
        self.engine = engines.get("vietasr")
        reason = self.engine.unavailable(self.settings)
        if reason:
            raise SystemExit(f"viet-asr cannot run here: {reason}")
        jobs.load_handlers()

    def close(self) -> None:
        self.runtime.dispose()
        shutil.rmtree(self.work, ignore_errors=True)

    def audio(self, name: str) -> Path:
        from production.storage import MediaStore

        with self.runtime.session() as session:
            report = session.get(Report, self.meta["reports"][name])
            assert report is not None
            asset = report.asset("audio")
            assert asset is not None
            return MediaStore(self.settings.media_path).path(asset.storage_key)

    def warm_up(self, name: str) -> None:
        """Load every model and run each pipeline once, outside the timing."""
        for pipeline in PIPELINES:
            self.run(pipeline, name)

    def run(self, pipeline: str, name: str) -> dict[str, Any]:
        audio = self.audio(name)
        began = cpu_seconds()
        words: list[tuple[str, float]] = []
        if pipeline == "whisper":
            for seg in transcribe.transcribe(audio, self.whisper, language="vi"):
                words += [(w.text, w.probability) for w in seg.words]
        elif pipeline == "vietasr":
            chunks = vietasr.hear(vietasr.read_audio(audio))
            words = [(w.text, 1.0) for c in chunks for w in c.words]
        elif pipeline == "engines":
            transcript = self.engine.run(audio, self.settings, language="vi", names=[],
                                         on_progress=lambda _p: None,
                                         should_cancel=lambda: False)
            words = [(w.text, w.probability) for w in transcript.words]
        else:
            text, words = self.station(self.meta["reports"][name])
            return {"cpu": cpu_seconds() - began, "text": text, "words": words}
        cpu = cpu_seconds() - began
        return {"cpu": cpu, "text": " ".join(w.strip() for w, _ in words), "words": words}

    def station(self, report_id: int) -> tuple[str, list[tuple[str, float]]]:
        with self.runtime.session() as session:
            for track in session.query(Track).filter(Track.report_id == report_id):
                session.delete(track)
            actor = session.get(User, self.meta["user_id"])
            assert actor is not None
            job = services.queue_transcription(session, report_id, actor=actor,
                                               engine="vietasr")
            jobs.discard_pending(session)
            session.commit()
            job_id = job.id
        h.job_result(self.runtime, job_id, jobs.execute(self.runtime, job_id),
                     "transcription job")
        with self.runtime.session() as session:
            track = services.track_for(session, report_id, "vi")
            assert track is not None
            text = " ".join(c.text.replace("\n", " ") for c in track.cues)
            return text, [(str(w[0]), float(w[3])) for c in track.cues for w in c.words]


def score(rows: list[dict[str, str]], results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """WER, CER, CPU, punctuation/capital presence and doubt-mark quality of one pipeline."""
    errors = words = char_errors = chars = 0
    by_group: dict[str, list[int]] = {"single": [0, 0], "long": [0, 0]}
    punctuated = capitalised = 0
    marked = marked_wrong = unmarked = unmarked_wrong = 0
    for row in rows:
        got = results[row["clip_file"]]
        ref, hyp = normalise(row["transcript"]), normalise(got["text"])
        e = distance(ref, hyp)
        errors, words = errors + e, words + len(ref)
        group = by_group["long" if row["clip_file"].startswith("longform") else "single"]
        group[0] += e
        group[1] += len(ref)
        char_errors += distance(list(" ".join(ref)), list(" ".join(hyp)))
        chars += len(" ".join(ref))
        text = got["text"].strip()
        punctuated += any(unicodedata.category(c).startswith("P") for c in text)
        capitalised += text[:1].isupper()
        # Doubt marks: align the output's words to the reference, count errors under each.
        mine = [(normalise(w), p) for w, p in got["words"]]
        flat = [(t, p) for toks, p in mine for t in toks]
        for i, j in fusion.align([t for t, _ in flat], ref):
            if i is None:
                continue
            wrong = j is None or ref[j] != flat[i][0]
            if flat[i][1] < 0.5:
                marked, marked_wrong = marked + 1, marked_wrong + wrong
            else:
                unmarked, unmarked_wrong = unmarked + 1, unmarked_wrong + wrong
    cpu = sum(results[r["clip_file"]]["cpu"] for r in rows)
    return {
        "wer": errors / max(words, 1), "cer": char_errors / max(chars, 1), "cpu": cpu,
        "wer_single": by_group["single"][0] / max(by_group["single"][1], 1),
        "wer_long": by_group["long"][0] / max(by_group["long"][1], 1),
        "punctuated": punctuated / len(rows), "capitalised": capitalised / len(rows),
        "marked_share": marked / max(marked + unmarked, 1),
        "marked_error_rate": marked_wrong / max(marked, 1),
        "unmarked_error_rate": unmarked_wrong / max(unmarked, 1),
    }


def run(args: argparse.Namespace) -> int:
    bench_run = h.Run("vietnamese", args)
    speech = Path(args.speech).resolve()
    rows = read_manifest(speech)
    if args.quick:  # eight single sentences and one long-form clip: about a minute
        rows = [r for r in rows if not r["clip_file"].startswith("longform")][:8] + [
            r for r in rows if r["clip_file"].startswith("longform")][:1]
    models = Path(args.models)
    settings = instance_settings(models, models / "x.db", models)
    transcribe.install_bundled(settings)
    cache = Path(args.cache).resolve()
    cache.mkdir(parents=True, exist_ok=True)
    meta = make_instance(speech, read_manifest(speech), cache / f"vietnamese-r{RECIPE}",
                         models)
    bench = Bench(cache / f"vietnamese-r{RECIPE}", meta, models)
    started = time.perf_counter()
    try:
        bench.warm_up(rows[0]["clip_file"])
        repeats: list[dict[str, dict[str, Any]]] = []
        for rep in range(args.repeat):
            results: dict[str, dict[str, Any]] = {p: {} for p in PIPELINES}
            for k, row in enumerate(rows):
                order = PIPELINES[(k + rep) % 4:] + PIPELINES[:(k + rep) % 4]
                for pipeline in order:
                    results[pipeline][row["clip_file"]] = bench.run(pipeline, row["clip_file"])
            repeats.append({p: score(rows, results[p]) for p in PIPELINES})
            print(f"repeat {rep + 1}/{args.repeat} done", flush=True)
    finally:
        bench.close()
    summary = {p: {key: statistics.median(r[p][key] for r in repeats)
                   for key in repeats[0][p]} for p in PIPELINES}
    seconds = sum(float(r.get("duration_s") or 0) for r in rows)
    report = {
        "clips": len(rows),
        "audio_s": seconds, "repeat": args.repeat, "pipelines": summary,
        "station_cpu_vs_whisper": h.ratio(summary["station"]["cpu"], summary["whisper"]["cpu"]),
        "station_cpu_vs_engines": h.ratio(summary["station"]["cpu"], summary["engines"]["cpu"]),
        "wall_s": time.perf_counter() - started,
    }
    print(f"\n{len(rows)} clips, {seconds:.0f} s of speech, median of {args.repeat} run(s)")
    print(f"{'pipeline':10} {'WER':>6} {'single':>7} {'long':>6} {'CER':>6} {'CPU s':>7} "
          f"{'RTF':>6} {'punct':>6} {'caps':>5} {'marked':>7} {'err|mark':>8} {'err|ok':>7}")
    for p in PIPELINES:
        s = summary[p]
        print(f"{p:10} {s['wer']:6.3f} {s['wer_single']:7.3f} {s['wer_long']:6.3f} "
              f"{s['cer']:6.3f} {s['cpu']:7.1f} {s['cpu'] / max(seconds, 1):6.3f} "
              f"{s['punctuated']:6.0%} {s['capitalised']:5.0%} {s['marked_share']:7.0%} "
              f"{s['marked_error_rate']:8.0%} {s['unmarked_error_rate']:7.0%}")
    wer_ok = summary["station"]["wer"] <= TARGET_WER
    cpu_ok = report["station_cpu_vs_whisper"] <= TARGET_CPU
    job_ok = report["station_cpu_vs_engines"] <= TARGET_OVERHEAD
    print(f"station WER {summary['station']['wer']:.3f}: {h.verdict(wer_ok)} the target "
          f"<= {TARGET_WER}")
    print(f"station CPU / whisper CPU {report['station_cpu_vs_whisper']:.2f}: "
          f"{h.verdict(cpu_ok)} the target <= {TARGET_CPU}")
    print(f"station CPU / engines CPU {report['station_cpu_vs_engines']:.3f}: "
          f"{h.verdict(job_ok)} the target <= {TARGET_OVERHEAD}")
    return bench_run.finish(report)


def main(argv: list[str] | None = None) -> int:
    parser = h.parser(__doc__, quick="9 clips instead of all", repeat=1,
                      repeat_help="runs over the set (median)", cache=True, models=True)
    parser.add_argument("--speech", type=Path, default=None, metavar="DIR",
                        help=f"folder of 16 kHz WAV clips with manifest.tsv (default: the "
                             f"environment variable {SPEECH_ENV}; required)")
    args = h.resolve(parser, parser.parse_args(argv))
    if args.speech is None:
        if not os.environ.get(SPEECH_ENV):
            parser.error(f"no speech set: give --speech DIR or set {SPEECH_ENV} to the folder "
                         "of WAV clips with manifest.tsv (the dev-speech set)")
        args.speech = Path(os.environ[SPEECH_ENV])
    if not (args.speech / "manifest.tsv").is_file():
        parser.error(f"{args.speech} is not a speech set: it has no manifest.tsv")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())

