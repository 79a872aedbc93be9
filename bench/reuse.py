"""Speed and size of reuse detection: ``corpus add`` throughput, index size, ``check`` wall time and memory.

Measured through the real command line (``compliance corpus add`` / ``compliance check`` in a child
process), so start-up, rule loading and output are included.

1. **Real prose**: the Debian-documentation articles of ``bench/prose.py`` (~13.5k, 1-10 KB each),
   written once as ``.txt`` files under ``bench/.cache/reuse/real/``; ``corpus add`` on the directory.
2. **Scale**: synthetic-from-real articles (real sentences from that pool shuffled into 2-12 KB
   articles with a fixed seed, ``prose.iter_synthetic_articles``) for each ``--sizes`` entry, written
   once as JSONL shards of 1,000 articles under ``--data`` (default ``/work/bench-cache/reuse``, outside
   the repository: 1M articles are ~6 GB); the smaller corpora are prefixes of the larger one, so the
   same draft passages are in every index. ``corpus add`` computes the cross-language rows, as the
   command does by default (in its workers, since index format 3); ``--no-xling`` sets
   ``COMPLIANCE_NO_XLING=1``, and then the 10k row times separately the second add that computes them
   (serially, in the adding process).
3. **Query**: a ~2,000-word Markdown draft: German Wikinews articles (not in any index) with four
   passages copied from indexed articles (two edited), checked ``--runs`` times after one warm-up
   run (which also writes the rule cache); the median wall time and the child's peak RSS are
   reported, and the time of one run with an empty rule cache (first run after a rule edit).

    python bench/reuse.py [--sizes 10000,100000] [--jobs 2] [--runs 5] [--no-real] [--keep]
    python bench/reuse.py --sizes 1000000 --no-real --keep --stage add    # long: resumable
    python bench/reuse.py --sizes 1000000 --no-real --keep --stage check

Staged and resumable: figures go to ``<data>/results.json`` per size; ``--stage add`` builds (a killed
add resumes where it stopped when run again: files already indexed are skipped by their hash),
``--stage check`` measures queries on the kept index, ``--stage all`` (default) does both.

Figures depend on the machine and on what else runs on it; the load average is printed with them.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
CACHE = ROOT / "bench" / ".cache" / "reuse"
DATA = Path(os.environ.get("COMPLIANCE_BENCH_DATA", "/work/bench-cache/reuse"))
SHARD = 1000  # synthetic articles per JSONL file
WIKINEWS = ROOT / ".." / "shared" / "data" / "wikinews-de.jsonl"
PER_DIR = 1000
SEED = 1
DRAFT_SOURCES = (17, 4242, 777, 9001)  # synthetic articles the draft copies from (all < 10k)


def run(cmd: list[str], quiet: bool = True, env: dict | None = None) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + sys, with its workers) and peak RSS in KB of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL if quiet else None, stderr=subprocess.PIPE, env=env)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss


def write_files(docs, target: Path) -> int:
    """Write documents as ``target/NNN/NNNNNNN.txt``; returns the raw text bytes."""
    total = 0
    for i, doc in enumerate(docs):
        sub = target / f"{i // PER_DIR:04d}"
        if i % PER_DIR == 0:
            sub.mkdir(parents=True, exist_ok=True)
        data = doc["text"].encode("utf-8")
        (sub / f"{i:07d}.txt").write_bytes(data)
        total += len(data)
    return total


def real_corpus() -> tuple[Path, int]:
    from prose import load_prose

    target = CACHE / "real"
    stamp = target / "bytes.json"
    if not stamp.exists():
        shutil.rmtree(target, ignore_errors=True)
        total = write_files(load_prose(), target)
        stamp.write_text(json.dumps(total))
    return target, json.loads(stamp.read_text())


def synthetic_corpus(n: int, data: Path) -> tuple[list[Path], int]:
    """JSONL shards holding the first ``n`` synthetic articles (written once for the largest size
    asked; ~1 minute a million) and their text bytes."""
    from prose import iter_synthetic_articles

    target = data / "synthetic"
    stamp = target / "sizes.json"
    sizes = json.loads(stamp.read_text()) if stamp.exists() else []
    if len(sizes) < n:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        sizes = []
        print(f"writing {n:,} synthetic-from-real articles to {target} ...", flush=True)
        out = None
        for i, doc in enumerate(iter_synthetic_articles(n, seed=SEED)):
            if i % SHARD == 0:
                if out is not None:
                    out.close()
                out = open(target / f"{i // SHARD:05d}.jsonl", "w", encoding="utf-8")  # noqa: SIM115
            out.write(json.dumps({"id": doc["id"], "text": doc["text"]}, ensure_ascii=False) + "\n")
            sizes.append(len(doc["text"].encode("utf-8")))
        if out is not None:
            out.close()
        stamp.write_text(json.dumps(sizes))
    shards = [target / f"{k:05d}.jsonl" for k in range((n + SHARD - 1) // SHARD)]
    return shards, sum(sizes[:n])


def article(data: Path, i: int) -> str:
    """The text of synthetic article ``i``."""
    with open(data / "synthetic" / f"{i // SHARD:05d}.jsonl", encoding="utf-8") as fh:
        for k, line in enumerate(fh):
            if k == i % SHARD:
                return json.loads(line)["text"]
    raise KeyError(i)


def make_draft(path: Path, data: Path) -> int:
    """~2,000 words: Wikinews filler (not indexed) around four passages from indexed articles."""
    rnd = random.Random(SEED)
    with open(WIKINEWS, encoding="utf-8") as fh:
        filler = [json.loads(line)["text"] for line in fh]
    rnd.shuffle(filler)
    parts: list[str] = []
    words = 0
    for k, src in enumerate(DRAFT_SOURCES):
        text = article(data, src)
        tokens = text.split()
        start = len(tokens) // 3
        piece = tokens[start:start + 60 + 20 * k]
        if k % 2:  # light edits: every 9th word dropped
            piece = [w for i, w in enumerate(piece) if i % 9 != 4]
        body = filler.pop()
        parts.append(body)
        parts.append(" ".join(piece))
        words += len(body.split()) + len(piece)
    while words < 2000:
        body = filler.pop()
        parts.append(body)
        words += len(body.split())
    path.write_text("# Draft\n\n" + "\n\n".join(parts) + "\n", encoding="utf-8")
    return words


def index_bytes(index: Path) -> int:
    return sum(os.path.getsize(str(index) + s) for s in ("", "-wal") if os.path.exists(str(index) + s))


def add(index: Path, paths: list[Path], jobs: int, xling: bool, fresh: bool = True) -> tuple[float, float, int]:
    """Wall and CPU seconds and peak RSS (KB, the largest process) of ``corpus add``."""
    if fresh:
        for s in ("", "-wal", "-shm"):
            Path(str(index) + s).unlink(missing_ok=True)
    env = {**os.environ}
    if not xling:
        env["COMPLIANCE_NO_XLING"] = "1"
    return run([sys.executable, "-m", "compliance", "corpus", "add", *map(str, paths),
                "--index", str(index), "-j", str(jobs), "-q"], env=env)


def index_shape(index: Path) -> dict:
    """Segments (count, levels), postings and free pages of an index."""
    import sqlite3

    db = sqlite3.connect(index)
    try:
        segs, postings = db.execute("SELECT count(*), sum(postings) FROM segments").fetchone()
        levels = dict(db.execute("SELECT level, count(*) FROM segments GROUP BY level"))
        page = db.execute("PRAGMA page_size").fetchone()[0]
        free = db.execute("PRAGMA freelist_count").fetchone()[0] * page
        xling = db.execute("SELECT count(*) FROM sqlite_master WHERE name = 'xling_docs'").fetchone()[0] and \
            db.execute("SELECT 1 FROM xling_docs LIMIT 1").fetchone() is not None  # format 3 has the table always
        return {"segments": segs, "levels": levels, "postings": postings, "free_bytes": free,
                "xling": bool(xling)}
    finally:
        db.close()


def check(index: Path, draft: Path, runs: int) -> tuple[float, float, int, int, float]:
    """Median wall, min wall, peak RSS (KB) over ``runs`` after a warm-up, the matches found and the median
    CPU seconds (user + sys: on a machine shared with other jobs the wall time also measures their load)."""
    cmd = [sys.executable, "-m", "compliance", "check", str(draft), "--corpus", str(index), "--format", "json"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)  # warm-up (writes the rule cache)
    matches = sum(len(f["matches"]) for f in json.loads(out.stdout)["files"])
    walls, cpus, peaks = [], [], []
    for _ in range(runs):
        wall, cpu, peak = run(cmd)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(peak)
    return statistics.median(walls), min(walls), max(peaks), matches, statistics.median(cpus)


_BREAKDOWN = """
import contextlib, io, json, sys, time
clock = time.process_time if sys.argv[3:] == ["cpu"] else time.perf_counter  # CPU of the process, or wall
t0 = clock()
import compliance.cli
try:  # as `compliance check` runs since the start-up work: GC paused while building, one BLAS thread
    from compliance.startup import building, one_shot
    one_shot()
except ImportError:  # older code
    building = contextlib.nullcontext
with building():
    from compliance.commands.inputs import with_coverage
    from compliance.pipeline import load_engine
    from compliance.report import render
    from compliance.reuse.pipeline import check_documents
t1 = clock()
engine = load_engine(None)
t2 = clock()
results = check_documents([sys.argv[1]], sys.argv[2], engine)
t3 = clock()
render("json", with_coverage(results, [], [sys.argv[1]], sys.argv[2], None, None), io.StringIO())
t4 = clock()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2, t4 - t3]))
"""


def cold_check(index: Path, draft: Path) -> float:
    """Wall seconds of one ``check`` with an empty rule cache (the first run after installing or
    editing a rule pack: it parses the YAML, compiles the patterns and writes the cache)."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "COMPLIANCE_CACHE_DIR": tmp}
        cmd = [sys.executable, "-m", "compliance", "check", str(draft), "--corpus", str(index), "--format", "json"]
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False, env=env)
        return time.perf_counter() - start


def breakdown(index: Path, draft: Path, runs: int = 3) -> tuple[float, ...]:
    """Medians of: imports, loading the rule packs (notice engine), reading + notices + matching, the JSON
    report."""
    # in the working directory of the timed runs: ``-c`` and ``-m`` put it first on sys.path, so both measure the
    # same code (with PYTHONPATH set to another tree and the bench run from elsewhere, that tree's)
    out = [json.loads(subprocess.run([sys.executable, "-c", _BREAKDOWN, str(draft), str(index)], capture_output=True,
                                     text=True, check=True).stdout) for _ in range(runs)]
    return tuple(statistics.median(x[k] for x in out) for k in range(4))


def load_results(data: Path) -> dict:
    path = data / "results.json"
    return json.loads(path.read_text()) if path.exists() else {}


def save_results(data: Path, results: dict) -> None:
    (data / "results.json").write_text(json.dumps(results, indent=1))


def load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="synthetic corpus sizes (comma-separated)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for corpus add")
    ap.add_argument("--runs", type=int, default=5, help="timed check runs per index")
    ap.add_argument("--no-real", action="store_true", help="skip the real-prose corpus")
    ap.add_argument("--keep", action="store_true", help="keep the indexes under --data")
    ap.add_argument("--no-xling", action="store_true", help="COMPLIANCE_NO_XLING=1: no cross-language rows in the add")
    ap.add_argument("--xling", action="store_true", help="the default (kept for older command lines)")
    ap.add_argument("--stage", choices=("all", "add", "check"), default="all",
                    help="add: build (resume a killed build), check: query a kept index, all: both")
    ap.add_argument("--data", type=Path, default=DATA, help="where the shards, indexes and results go")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    CACHE.mkdir(parents=True, exist_ok=True)
    args.data.mkdir(parents=True, exist_ok=True)
    results = load_results(args.data)
    print(f"machine: {os.cpu_count()} CPUs, load average {load()} (1/5/15 min) at start; "
          f"corpus add with -j {args.jobs}", flush=True)
    if not args.no_real and args.stage != "check":
        target, raw = real_corpus()
        docs = sum(1 for _ in target.rglob("*.txt"))
        index = CACHE / "real.sqlite"
        wall, cpu, peak = add(index, [target], args.jobs, not args.no_xling)
        results["real"] = {"docs": docs, "bytes": raw, "wall": wall, "cpu": cpu, "peak_kb": peak,
                           "index_bytes": index_bytes(index), "load": load()}
        save_results(args.data, results)
    if sizes:
        synthetic_corpus(max(sizes), args.data)
        draft = args.data / "draft.md"
        draft_words = make_draft(draft, args.data)
        print(f"draft: {draft_words:,} words, 4 passages copied from indexed articles", flush=True)
    for n in sizes:
        shards, raw = synthetic_corpus(n, args.data)
        index = args.data / f"synthetic-{n}.sqlite"
        row = results.setdefault(str(n), {"docs": n, "bytes": raw})
        if args.stage in ("all", "add"):
            resume = index.exists() and "add" not in row and "add_partial" in row
            print(f"{n:,}: corpus add of {len(shards)} shards ({raw / 1e6:,.0f} MB) into {index}"
                  f"{' (resuming)' if resume else ''} ...", flush=True)
            row["add_partial"] = {"started": time.time(), "load_start": load()}
            save_results(args.data, results)
            wall, cpu, peak = add(index, shards, args.jobs, not args.no_xling, fresh=not resume)
            row["add"] = {"wall": wall, "cpu": cpu, "peak_kb": peak, "index_bytes": index_bytes(index),
                          "load_start": row["add_partial"]["load_start"], "load_end": load(),
                          "resumed": resume, "no_model": os.environ.get("COMPLIANCE_NO_MODEL") == "1",
                          **index_shape(index)}
            save_results(args.data, results)
            print(f"{n:,}: added in {wall:.0f} s ({n / wall:.0f} docs/s), index {index_bytes(index) / 1e6:,.0f} MB "
                  f"= {index_bytes(index) / raw:.2f} x text; {row['add']}", flush=True)
            if n <= 10_000 and args.no_xling:  # the catch-up of the cross-language rows, on its own
                wall2, _, _ = add(index, shards, args.jobs, True, fresh=False)
                row["xling_sync"] = {"wall": wall2, "index_bytes": index_bytes(index)}
                save_results(args.data, results)
                print(f"{n:,}: cross-language rows added by a second add in {wall2:.1f} s, index now "
                      f"{index_bytes(index) / 1e6:,.0f} MB = {index_bytes(index) / raw:.2f} x text", flush=True)
        if args.stage in ("all", "check"):
            median, fastest, peak, matches, cpu = check(index, draft, args.runs)
            parts = breakdown(index, draft)
            row["check"] = {"median": median, "fastest": fastest, "cpu": cpu, "peak_kb": peak, "matches": matches,
                            "imports": parts[0], "rules": parts[1], "search": parts[2], "report": parts[3],
                            "cold": cold_check(index, draft), "load": load(), **index_shape(index)}
            save_results(args.data, results)
            print(f"check at {n:,}: {row['check']}", flush=True)
        if not args.keep:
            for s in ("", "-wal", "-shm"):
                Path(str(index) + s).unlink(missing_ok=True)
    print()
    print(f"{'corpus':<28} {'docs':>9} {'text MB':>8} {'add s':>7} {'docs/s':>7} {'docs/CPU-s':>10} "
          f"{'index MB':>9} {'x text':>6} {'segs':>5} {'check median':>12} {'min':>6} {'peak MB':>8} {'matches':>7}")
    for name, row in results.items():
        a, q = row.get("add"), row.get("check")
        if a is None and name != "real":
            continue
        a = a or row
        qpart = (f"{q['median']:>11.3f}s {q['fastest']:>5.3f}s {q['peak_kb'] / 1024:>8.0f} {q['matches']:>7}"
                 if q else "")
        docs, raw, size = row["docs"], row["bytes"], a["index_bytes"]
        print(f"{name:<28} {docs:>9,} {raw / 1e6:>8.1f} {a['wall']:>7.1f} {docs / a['wall']:>7.0f} "
              f"{docs / a['cpu']:>10.0f} {size / 1e6:>9.1f} {size / raw:>6.2f} {a.get('segments', ''):>5} {qpart}")
    print(f"\nload average at end {load()}")


if __name__ == "__main__":
    main()
