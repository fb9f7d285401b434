"""What every benchmark shares: options, clocks, ratios, scratch instances and the printed result.

Each script in ``benchmarks/`` measures something different, but they all take the same
options (``--quick``, ``--repeat``, ``--json``, ``--cache``, and ``--backends``/``--pg-url``
where a database is measured), time with the same clocks, report figures the same way and
build their scratch instances the same way. They live here once so the figures of one
benchmark read like those of another and a fix to, say, the percentile helper reaches all.

Figures are ratios against a reference run in the same process (docs/benchmarks.md): the
machine is shared and noisy, so an absolute time says little, while Station's time over the
time of the same work done directly, measured pair by pair in alternating order (ABBA), does.
:func:`ratio` and :func:`median_ratio` compute them, :func:`abba` gives the order.

A benchmark's ``main`` goes::

    parser = _harness.parser(__doc__, quick="smoke run: ...", repeat=(7, 3))
    args = parser.parse_args(argv)
    run = _harness.Run("segmentation", args)       # prints the machine, notes the load
    ...                                            # measure, print with verdict()/table()
    return run.finish({"segment_qc": ...})         # elapsed, load, --json file
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import gc
import json
import logging
import math
import os
import platform
import re
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

REPO = Path(__file__).resolve().parent.parent
CACHE = REPO / ".cache" / "bench"  # .cache/ is git-ignored
MODELS = REPO / "instance" / "models"  # where `station models install` puts Whisper
PASSWORD = "bench-password-1"
PG_URL = os.environ.get("STATION_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKENDS = ("sqlite", "postgresql")


# --------------------------------------------------------------------------- options


def parser(doc: str | None, *, quick: str | None = None,
           repeat: tuple[int, int] | int | None = None, repeat_help: str = "repetitions",
           json_out: bool = True, cache: bool = False, models: bool = False,
           backends: bool = False) -> argparse.ArgumentParser:
    """An argument parser with the options every benchmark spells the same way.

    ``repeat`` is the default of ``--repeat`` (one number) or (full, quick) defaults; with a
    pair, ``--repeat`` stays None until :class:`Run` fills it in from ``--quick``.
    """
    p = argparse.ArgumentParser(description=(doc or "").split("\n\n", 1)[0])
    if quick is not None:
        p.add_argument("--quick", action="store_true", help=quick)
    if repeat is not None:
        full, short = repeat if isinstance(repeat, tuple) else (repeat, repeat)
        extra = f"; {short} with --quick" if short != full and quick is not None else ""
        p.add_argument("--repeat", type=int, default=None,
                       help=f"{repeat_help} (default {full}{extra})")
        p.set_defaults(_repeat=(full, short))
    if json_out:
        p.add_argument("--json", type=Path, help="also write the figures to this JSON file")
    if cache:
        p.add_argument("--cache", type=Path, default=CACHE,
                       help=f"where generated media and instances are kept (default {CACHE})")
    if models:
        p.add_argument("--models", type=Path, default=MODELS,
                       help=f"the models folder (default {MODELS})")
    if backends:
        p.add_argument("--backends", default=",".join(BACKENDS),
                       help="comma-separated: sqlite, postgresql (default both)")
        p.add_argument("--pg-url", default=PG_URL,
                       help="PostgreSQL server URL whose database a scratch one is made from")
    return p


def resolve(p: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.Namespace:
    """Fill in what depends on ``--quick`` and check the shared options (exits on misuse)."""
    if hasattr(args, "_repeat"):
        full, short = args._repeat
        if args.repeat is None:
            args.repeat = short if getattr(args, "quick", False) else full
        if args.repeat < 1:
            p.error("--repeat must be at least 1")
    if hasattr(args, "backends"):
        chosen = [b.strip() for b in args.backends.split(",") if b.strip()]
        if not chosen or not set(chosen) <= set(BACKENDS):
            p.error("--backends takes sqlite and/or postgresql")
        args.backends = chosen
    return args


# --------------------------------------------------------------------------- clocks


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (ffmpeg), user + system.

    Far less sensitive than wall time to neighbours on a shared machine: a process waiting for
    a core accrues wall time but no CPU time.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@dataclass
class Timing:
    """One timed call: wall and process CPU seconds and what the call returned."""

    wall: float
    cpu: float
    result: Any


def timed(fn: Callable[[], Any], *, collect: bool = True) -> Timing:
    """Time one call, after a collection (by default) so it does not inherit others' garbage."""
    if collect:
        gc.collect()
    cpu = time.process_time()
    start = time.perf_counter()
    result = fn()
    return Timing(time.perf_counter() - start, time.process_time() - cpu, result)


def median_of(repeat: int, fn: Callable[[], Any]) -> tuple[float, Any]:
    """Median wall seconds of ``repeat`` calls and the last call's result."""
    runs = [timed(fn) for _ in range(repeat)]
    return statistics.median(t.wall for t in runs), runs[-1].result


def run_checked(argv: Sequence[str]) -> tuple[subprocess.CompletedProcess[bytes], float]:
    """Run a command (no stdin, output captured) and its wall seconds; exit on failure."""
    start = time.perf_counter()
    proc = subprocess.run(list(argv), stdin=subprocess.DEVNULL, capture_output=True,
                          check=False)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"command failed: {' '.join(map(str, argv))}\n"
                         f"{proc.stderr.decode('utf-8', 'replace')[-2000:]}")
    return proc, seconds


# --------------------------------------------------------------------------- statistics


def median(values: Iterable[float]) -> float:
    """The median, NaN for no values (a skipped side prints as nan, it does not crash)."""
    items = list(values)
    return statistics.median(items) if items else float("nan")


def nearest_rank(values: Sequence[float], q: float) -> float:
    """The q-quantile by nearest rank (p95 of 50 values is the 48th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def percentiles(values: Sequence[float]) -> dict[str, float]:
    """n, p50, p95, p99, max and mean, the figures every latency table shows."""
    return {"n": len(values), "p50": nearest_rank(values, 0.50),
            "p95": nearest_rank(values, 0.95), "p99": nearest_rank(values, 0.99),
            "max": max(values) if values else float("nan"),
            "mean": statistics.fmean(values) if values else float("nan")}


def ratio(subject: float, reference: float) -> float:
    """Subject over reference; NaN when the reference took no time at all."""
    return subject / reference if reference else float("nan")


def median_ratio(subject: Sequence[float], reference: Sequence[float]) -> float:
    """The median of per-pair ratios, the headline figure of every paired benchmark.

    Pairs are measured back to back, so a burst of load slows both sides of a pair and leaves
    its ratio alone; the median then drops the pairs a burst split.
    """
    return median(ratio(s, r) for s, r in zip(subject, reference, strict=True))


def pair_row(ref: dict[str, Any], st: dict[str, Any], split: dict[str, float],
             **extra: float) -> dict[str, Any]:
    """One reference/Station pair of a job benchmark: wall and CPU seconds, their ratios and
    what Station's own steps add (``split``: :func:`split_overhead`)."""
    own = sum(v for k, v in split.items() if k != SHARED)
    return {"reference_s": ref["wall_s"], "station_s": st["wall_s"],
            "ratio": ratio(st["wall_s"], ref["wall_s"]), **extra,
            "reference_cpu_s": ref["cpu_s"], "station_cpu_s": st["cpu_s"],
            "cpu_ratio": ratio(st["cpu_s"], ref["cpu_s"]),
            "station_only_s": own, "station_only_ratio": 1 + own / ref["wall_s"],
            "overhead_s": split}


def pair_medians(rows: Sequence[dict[str, Any]]) -> tuple[dict[str, float], dict[str, float]]:
    """The medians of :func:`pair_row` rows and of their overhead split."""
    parts = {name: median(r["overhead_s"][name] for r in rows) for name in rows[0]["overhead_s"]}
    return median_rows(rows, skip=("overhead_s",)), parts


def pair_details(rows: Sequence[dict[str, Any]],
                 pairs: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Each pair's row with both sides' steps, and the two sides' command lines (the first
    pair's), for a job benchmark's JSON."""
    return {
        "runs": [{**r, "reference_steps": p["reference"]["steps"],
                  "station_steps": p["station"]["steps"],
                  "station_db_during_ffmpeg": p["station"]["during_ffmpeg"]}
                 for r, p in zip(rows, pairs, strict=True)],
        "argv": {"reference": pairs[0]["reference"]["argv"],
                 "station": pairs[0]["station"]["argv"]},
    }


BENCH_PASSWORD = "bench correct horse battery"


def bench_editor(runtime: Any) -> tuple[int, dict[str, int]]:
    """The benchmarks' editor ("bench-editor", BENCH_PASSWORD), added to a new database, and
    the seeded channels' ids by code."""
    from sqlalchemy import select

    from production.models import Channel
    from station.accounts import add_user

    with runtime.session() as session:
        editor = add_user(session, username="bench-editor", password=BENCH_PASSWORD,
                          role="editor", display_name="Biên tập viên")
        session.commit()
        return editor.id, {c.code: c.id for c in session.scalars(select(Channel))}


def abba(i: int, first: str = "reference", second: str = "station") -> tuple[str, str]:
    """The order of pair ``i``: ABBA, so a machine that gets busier or quieter over time
    biases neither side."""
    return (first, second) if i % 2 == 0 else (second, first)


def run_pairs(repeat: int, measure: Callable[[str, Path | None], dict[str, Any]], *,
              root: Path | None = None, label: str = "run", first: int = 0,
              sides: tuple[str, str] = ("reference", "station")) -> list[dict[str, Any]]:
    """``repeat`` pairs of ``measure(side, run_dir)``, sides in ABBA order (pair ``first + i``
    of the run), each printed as it ends; with ``root`` each call gets its own new folder."""
    pairs: list[dict[str, Any]] = []
    for i in range(repeat):
        pair: dict[str, Any] = {}
        for side in abba(first + i, *sides):
            run_dir = None
            if root is not None:
                run_dir = root / f"{side}-{first + i}"
                run_dir.mkdir()
            got = pair[side] = measure(side, run_dir)
            cpu = f" wall {got['cpu_s']:7.1f} s CPU" if "cpu_s" in got else ""
            print(f"  {label} {i + 1} {side:<9} {got['wall_s']:7.1f} s{cpu}", flush=True)
        pairs.append(pair)
    return pairs


def median_rows(rows: Sequence[dict[str, Any]], skip: Iterable[str] = ()) -> dict[str, float]:
    """Key by key median of per-pair rows (the keys of the first row, less ``skip``)."""
    left_out = set(skip)
    return {k: median(r[k] for r in rows) for k in rows[0] if k not in left_out}


# --------------------------------------------------------------------------- printing


def verdict(ok: bool) -> str:
    """The one word every benchmark prints after a figure and its target."""
    return "meets" if ok else "MISSES"


def yes(ok: bool, no: str = "NO") -> str:
    return "yes" if ok else no


# Columns of print_runs that every job benchmark shows.
WALL_COLUMNS = (("ref s", "reference_s", ">8.1f"), ("Station s", "station_s", ">10.1f"))
RATIO_COLUMN = ("ratio", "ratio", ">7.3f")
CPU_COLUMNS = (("ref CPU s", "reference_cpu_s", ">11.1f"),
               ("Stn CPU s", "station_cpu_s", ">10.1f"), ("CPU ratio", "cpu_ratio", ">10.3f"))


def print_runs(rows: Sequence[dict[str, Any]], med: dict[str, float],
               columns: Sequence[tuple[str, str, str]]) -> None:
    """The table of pairs and their median: a row a pair, then "median"; ``columns`` are
    (header, key, format spec with its width, e.g. ">8.1f")."""
    def width(spec: str) -> int:
        return int("".join(c for c in spec.split(".")[0] if c.isdigit()))

    print(f"{'run':<7}" + "".join(f"{head:>{width(spec)}}" for head, _, spec in columns))
    for i, r in enumerate([*rows, med]):
        name = "median" if i == len(rows) else str(i + 1)
        print(f"{name:<7}" + "".join(f"{r[key]:{spec}}" for _, key, spec in columns))


def print_pair_summary(med: dict[str, float], parts: dict[str, float], target: float,
                       width: int) -> None:
    """The headline of a job benchmark: the median ratio against its target, what Station's
    own steps add, and where Station - reference went (``parts``)."""
    print(f"median wall-time ratio {med['ratio']:.3f} ({verdict(med['ratio'] <= target)} the "
          f"target <= {target:.2f}); CPU-time ratio {med['cpu_ratio']:.3f}")
    print(f"Station-only steps add {med['station_only_s']:.2f} s (ratio "
          f"{med['station_only_ratio']:.3f} if the shared ffmpeg commands cost the same)")
    print("Station - reference, median seconds (share of the reference):")
    for name, seconds in parts.items():
        print(f"  {name:<{width}}{seconds:>+8.2f} s {seconds / med['reference_s']:>+7.1%}")


def machine(*, ffmpeg: bool = False) -> dict[str, Any]:
    """Cores, CPU model, Python and kernel (and ffmpeg's version line when it is measured)."""
    model = "unknown"
    with contextlib.suppress(OSError), open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    info: dict[str, Any] = {"nproc": len(os.sched_getaffinity(0)), "cpu": model,
                            "python": platform.python_version(), "kernel": platform.release()}
    if ffmpeg:
        version = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True,
                                 check=False).stdout.splitlines()
        info["ffmpeg"] = version[0] if version else "unknown"
    return info


class Run:
    """One benchmark run: its header line, its elapsed time and load, its JSON file.

    The JSON keeps the keys the benchmarks always wrote (benchmark, date, command, machine,
    elapsed_s, load_average) plus whatever the benchmark passes to :meth:`finish`.
    """

    def __init__(self, name: str, args: argparse.Namespace, *, script: str | None = None,
                 ffmpeg: bool = False, extra: str = "", log_level: int = logging.WARNING
                 ) -> None:
        logging.basicConfig(level=log_level, format="%(levelname)s %(name)s: %(message)s")
        self.name = name
        self.args = args
        self.script = script or f"benchmarks/{Path(sys.argv[0]).name}"
        self.began = time.perf_counter()
        self.load_before = os.getloadavg()
        self.machine = machine(ffmpeg=ffmpeg)
        m = self.machine
        tail = f"; {m['ffmpeg']}" if ffmpeg else f"; Python {m['python']}"
        print(f"machine: {m['nproc']} cores, {m['cpu']}{tail}{extra}; load average "
              f"{self.load_before[0]:.2f}", flush=True)

    @property
    def elapsed(self) -> float:
        return time.perf_counter() - self.began

    def finish(self, figures: dict[str, Any], *, ok: bool = True) -> int:
        """Print the closing line, write ``--json`` if asked, return the exit status."""
        elapsed = self.elapsed
        after = os.getloadavg()
        took = f"{elapsed / 60:.1f} min" if elapsed >= 600 else f"{elapsed:.0f} s"
        print(f"\nbenchmark took {took}; load average before/after "
              f"{self.load_before[0]:.2f}/{after[0]:.2f}")
        path = getattr(self.args, "json", None)
        if path:
            report = {"benchmark": self.name,
                      "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                      "command": " ".join([".venv/bin/python", self.script, *sys.argv[1:]]),
                      "machine": self.machine, **figures, "elapsed_s": elapsed,
                      "load_average": {"before": self.load_before, "after": after}}
            Path(path).write_text(json.dumps(report, indent=2, ensure_ascii=False, default=str)
                                  + "\n", encoding="utf-8")
            print(f"wrote {path}")
        return 0 if ok else 1


# --------------------------------------------------------------------------- tracing


class Tracer:
    """Times calls to Station's own functions during one job by wrapping them in place.

    Each call's self time is its time less that of the wrapped calls inside it, so self times
    add up without counting anything twice (``exclusive``; otherwise a call counts whole).
    A wrapped command run (``command=``) counts whole either way, like the reference's
    subprocess.run, and the calls made while it runs (progress writes, cancel checks) overlap
    its work: they are kept apart, see :meth:`during_command`.
    """

    def __init__(self, *, exclusive: bool = True) -> None:
        self.exclusive = exclusive
        self.calls: list[dict[str, Any]] = []
        self.argvs: list[list[str]] = []
        self._stack: list[list[Any]] = []  # [label, seconds of wrapped children]
        self._in_command = 0

    def wrap(self, owner: Any, name: str,
             label: str | Callable[[tuple[Any, ...], dict[str, Any], str | None], str],
             *, command: Callable[[tuple[Any, ...], dict[str, Any]], list[str]] | None = None,
             ) -> Any:
        """A patcher replacing ``owner.name`` by its timed self."""
        return mock.patch.object(owner, name, self.timer(getattr(owner, name), label,
                                                         command=command))

    def timer(self, original: Callable[..., Any],
              label: str | Callable[[tuple[Any, ...], dict[str, Any], str | None], str],
              *, command: Callable[[tuple[Any, ...], dict[str, Any]], list[str]] | None = None,
              ) -> Callable[..., Any]:
        @functools.wraps(original)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            parent = self._stack[-1][0] if self._stack else None
            step = label(args, kwargs, parent) if callable(label) else label
            nested = self._in_command > 0
            if command is not None:
                self.argvs.append(command(args, kwargs))
                self._in_command += 1
            frame = [step, 0.0]
            self._stack.append(frame)
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                seconds = time.perf_counter() - start
                self._stack.pop()
                if self._stack:
                    self._stack[-1][1] += seconds
                if command is not None:
                    self._in_command -= 1
                whole = command is not None or not self.exclusive
                self.calls.append({"step": step, "seconds": seconds,
                                   "self": seconds if whole else seconds - frame[1],
                                   "during_command": nested})

        return wrapped

    @contextlib.contextmanager
    def patched(self, patchers: Iterable[Any]) -> Iterator[Tracer]:
        """Install the patchers for the duration of the block."""
        with patched(patchers):
            yield self

    def totals(self) -> dict[str, float]:
        """Seconds per step, counting only calls made outside a command run."""
        out: dict[str, float] = defaultdict(float)
        for call in self.calls:
            if not call["during_command"]:
                out[call["step"]] += call["self"]
        return dict(out)

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = defaultdict(int)
        for call in self.calls:
            if not call["during_command"]:
                out[call["step"]] += 1
        return dict(out)

    def during_command(self) -> dict[str, dict[str, float]]:
        """Calls made from inside command runs: how many and how long in all."""
        out: dict[str, dict[str, float]] = {}
        for call in self.calls:
            if call["during_command"]:
                item = out.setdefault(call["step"], {"calls": 0, "seconds": 0.0})
                item["calls"] += 1
                item["seconds"] += call["seconds"]
        return out


@contextlib.contextmanager
def patched(patchers: Iterable[Any]) -> Iterator[None]:
    """Enter every patcher (``mock.patch...``) for the duration of the block."""
    with contextlib.ExitStack() as stack:
        for patcher in patchers:
            stack.enter_context(patcher)
        yield


def split_overhead(ref: dict[str, Any], st: dict[str, Any], shared_steps: Sequence[str],
                   groups: dict[str, Sequence[str]], rest: str) -> dict[str, float]:
    """Split Station - reference wall time into where it went (seconds; sums to the
    difference): the shared commands' difference (runner + noise), Station-only groups of
    traced steps, and the rest."""
    steps = st["steps"]
    parts = {SHARED: sum(steps.get(s, 0.0) - ref["steps"].get(s, 0.0) for s in shared_steps)}
    for name, keys in groups.items():
        parts[name] = sum(steps.get(k, 0.0) for k in keys)
    parts[rest] = st["wall_s"] - ref["wall_s"] - sum(parts.values())
    return parts


# The commands both sides run: their difference is the runner's cost plus the machine's noise.
SHARED = "same ffmpeg commands (runner + noise)"


# A folder inside an argument, after "=" or ":" (a filter's file=/tmp/.../scenes.txt).
_INNER_FOLDER = re.compile(r"(?<=[=:])/(?:[^/\s:;,\[\]=]+/)+")


def normalise_argv(argvs: list[list[str]]) -> list[list[str]]:
    """Command lines with folders dropped, to compare Station's with the reference's: a path
    argument becomes its name, and so does a path inside a filter graph."""
    def one(arg: str) -> str:
        bare = arg.removeprefix("file:")
        return Path(bare).name if bare.startswith("/") else _INNER_FOLDER.sub("", arg)
    return [[one(a) for a in argv] for argv in argvs]


# --------------------------------------------------------------------------- instances


def instance_settings(folder: Path, db_url: str | Path, **values: Any) -> Any:
    """Settings of a scratch instance in ``folder`` (a SQLite file path or a database URL)."""
    from station.config import Settings

    url = db_url if isinstance(db_url, str) else f"sqlite:///{db_url}"
    values.setdefault("media_root", folder / "media")
    values.setdefault("language", "en")
    return Settings(instance_path=folder / "instance", database_url=url, secret_key="bench",
                    worker_count=1, **values)


def migrated_database(url: str, instance: Path, **values: Any) -> tuple[Any, float]:
    """A database brought to head by the real migrations and seeded with the channels and
    the glossary (what ``station db upgrade`` does), the Settings of an instance on it and
    the seconds the migrations took."""
    from production import services as production
    from station import migrate
    from station.config import Settings
    from station.runtime import Runtime
    from subtitles import services as subtitles

    start = time.perf_counter()
    migrate.upgrade(url)
    seconds = time.perf_counter() - start
    values.setdefault("language", "vi")
    settings = Settings(instance_path=instance, database_url=url, secret_key="bench",
                        worker_count=1, **values)
    runtime = Runtime(settings)
    try:
        with runtime.session() as session:
            production.ensure_channels(session)
            subtitles.ensure_glossary(session)
            session.commit()
    finally:
        runtime.dispose()
    return settings, seconds


def bulk_insert(engine: Any, tables: Iterable[tuple[Any, Sequence[dict[str, Any]]]],
                sequences: Sequence[str], *, analyze_sqlite: bool, chunk: int = 5_000) -> None:
    """Generated rows straight into their tables, in chunks, in one transaction; on
    PostgreSQL the ``sequences`` of tables given explicit ids are moved past them. Then
    ANALYZE, as autovacuum would have by the time the data is used (on SQLite only with
    ``analyze_sqlite``)."""
    from sqlalchemy import insert, text

    postgresql = engine.dialect.name == "postgresql"
    with engine.begin() as conn:
        for table, rows in tables:
            for i in range(0, len(rows), chunk):
                conn.execute(insert(table), rows[i:i + chunk])
        for table in sequences if postgresql else ():
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT max(id) FROM {table}))"))
    if postgresql:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE"))
    elif analyze_sqlite:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def migrated_sqlite(path: Path) -> Path:
    """A SQLite file brought to head by the real migrations."""
    from station import migrate

    migrate.upgrade(f"sqlite:///{path}")
    return path


def link_tree(src: Path, dst: Path, skip: Iterable[str] = ()) -> None:
    """dst as a copy of src made of hard links (copies when linking fails), leaving out the
    top-level folders named in ``skip``."""
    left_out = set(skip)
    for root, dirs, files in os.walk(src):
        rel = Path(root).relative_to(src)
        if rel == Path("."):
            dirs[:] = [d for d in dirs if d not in left_out]
        (dst / rel).mkdir(parents=True, exist_ok=True)
        for name in files:
            try:
                os.link(Path(root) / name, dst / rel / name)
            except OSError:
                shutil.copy2(Path(root) / name, dst / rel / name)


def cached_instance(dst: Path, what: str, build: Callable[[Path], dict[str, Any]],
                    valid: Callable[[dict[str, Any]], bool] = lambda meta: True
                    ) -> dict[str, Any]:
    """An instance kept in the cache: ``dst/meta.json`` and whatever ``build`` put beside it.

    ``build(tmp)`` makes it in a temporary folder next to ``dst`` and returns its meta; the
    folder is renamed into place only once complete, so an interrupted build is not reused.
    """
    meta_path = dst / "meta.json"
    if meta_path.exists():
        meta: dict[str, Any] = json.loads(meta_path.read_text(encoding="utf-8"))
        if valid(meta):
            return meta
    shutil.rmtree(dst, ignore_errors=True)  # stale, or left by an older recipe
    print(f"{what} (one-off) ...", flush=True)
    start = time.perf_counter()
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dst.parent, prefix=".tmp-"))
    try:
        meta = build(tmp)
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1, ensure_ascii=False) + "\n",
                                       encoding="utf-8")
        tmp.rename(dst)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    return meta


def ingest_master(runtime: Any, master: Path, *, channel: str, title: str,
                  users: Sequence[dict[str, Any]] = ({"username": "bench", "role": "editor"},),
                  ) -> dict[str, Any]:
    """Seed channels, add ``users`` (the first one is the editor), create a report and run
    the real ingest job on a copy of ``master``; the ids of what it made."""
    from production import services as production
    from station import jobs
    from station.accounts import User, add_user

    with runtime.session() as session:
        production.ensure_channels(session)
        added = [add_user(session, **{"password": PASSWORD, **u}) for u in users]
        report = production.create_report(
            session, production.ReportInput(title=title, channel_codes=[channel]),
            actor=added[0])
        session.commit()
        report_id, user_ids = report.id, [u.id for u in added]
    upload = runtime.settings.upload_path
    upload.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(master, upload / master.name)
    with runtime.session() as session:
        editor = session.get(User, user_ids[0])
        assert editor is not None
        job = production.queue_ingest(session, report_id, master.name, actor=editor,
                                      original_name=master.name)
        jobs.discard_pending(session)  # run inline below, not through the queue
        session.commit()
        job_id = job.id
    jobs.load_handlers()
    job_result(runtime, job_id, jobs.execute(runtime, job_id), "Station ingest")
    return {"report_id": report_id, "user_ids": user_ids, "job_id": job_id}


def job_result(runtime: Any, job_id: int, status: str, what: str) -> dict[str, Any]:
    """The result a job stored, once ``jobs.execute`` returned ``status``; a job that did not
    succeed ends the benchmark with its error (a figure of a failed run means nothing)."""
    from station import jobs

    with runtime.session() as session:
        row = session.get(jobs.JobRun, job_id)
        if status != "succeeded" or row is None:
            raise SystemExit(f"{what} {status}: {row.error if row else '?'}")
        return dict(row.result or {})


# --------------------------------------------------------------------------- databases


def pg_admin(server_url: str, statement: str) -> None:
    """One statement outside a transaction (CREATE/DROP DATABASE) on the server."""
    from sqlalchemy import create_engine, text

    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text(statement))
    finally:
        engine.dispose()


@contextlib.contextmanager
def pg_database(server_url: str) -> Iterator[str]:
    """A fresh database ``station_bench_<random>`` on the server, always dropped afterwards."""
    name = f"station_bench_{uuid.uuid4().hex[:10]}"
    pg_admin(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield server_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        pg_admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_answers(server_url: str) -> bool:
    """Whether a PostgreSQL server answers at the URL."""
    from sqlalchemy import create_engine
    from sqlalchemy.exc import OperationalError

    engine = create_engine(server_url)
    try:
        with engine.connect():
            return True
    except OperationalError:
        return False
    finally:
        engine.dispose()


def pg_version(url: str) -> str:
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SHOW server_version")).scalar())
    finally:
        engine.dispose()


def each_backend(args: argparse.Namespace, root: Path, run: Run,
                 measure: Callable[[str, str], dict[str, Any]]) -> dict[str, Any]:
    """``measure(backend, url)`` on a scratch SQLite file and a scratch PostgreSQL database
    (as ``--backends`` asks); PostgreSQL is skipped, and said so, when no server answers.

    PostgreSQL runs in a fresh database ``station_bench_<random>`` on the server of
    ``--pg-url`` (default ``STATION_TEST_POSTGRES_URL``, else
    postgresql+psycopg://postgres@127.0.0.1:5432/test), dropped at the end; SQLite in a
    temporary file.
    """
    results: dict[str, Any] = {}
    for backend in args.backends:
        if backend == "sqlite":
            results[backend] = measure(backend, f"sqlite:///{root / 'bench.db'}")
            continue
        if not pg_answers(args.pg_url):
            print(f"\n=== postgresql: skipped, nothing answers at {args.pg_url} ===")
            results[backend] = {"skipped": f"no server at {args.pg_url}"}
            continue
        with pg_database(args.pg_url) as url:
            run.machine["postgresql"] = pg_version(url)
            results[backend] = measure(backend, url)
    return results


# --------------------------------------------------------------------------- network


def free_port(preferred: int = 0) -> int:
    """``preferred`` when it is free, else a port the kernel picks."""
    for port in (preferred, 0) if preferred else (0,):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(s.getsockname()[1])
    raise SystemExit("no free port")


def wait_port(port: int, timeout: float, alive: Callable[[], bool] = lambda: True) -> bool:
    """Whether something accepts connections on 127.0.0.1:port within ``timeout`` seconds
    (gives up early once ``alive()`` turns false)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and alive():
        with socket.socket() as s:
            s.settimeout(0.5)
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False
