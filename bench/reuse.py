"""Speed and size of reuse detection: ``corpus add`` throughput, index size, ``check`` wall time and memory.

Measured through the real command line (``compliance corpus add`` / ``compliance check`` in a child
process), so start-up, rule loading and output are included.

1. **Real prose**: the Debian-documentation articles of ``bench/prose.py`` (~13.5k, 1-10 KB each),
   written once as ``.txt`` files under ``bench/.cache/reuse/real/``; ``corpus add`` on the directory.
2. **Scale**: synthetic-from-real articles (real sentences from that pool shuffled into 2-12 KB
   articles with a fixed seed, ``prose.iter_synthetic_articles``) for each ``--sizes`` entry; the
   smaller corpora are prefixes of the larger one, so the same draft passages are in every index.
3. **Query**: a ~2,000-word Markdown draft: German Wikinews articles (not in any index) with four
   passages copied from indexed articles (two edited), checked ``--runs`` times after one warm-up
   run (which also writes the rule cache); the median wall time and the child's peak RSS are
   reported, and the time of one run with an empty rule cache (first run after a rule edit).

    python bench/reuse.py [--sizes 10000,100000] [--jobs 2] [--runs 5] [--no-real]

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
WIKINEWS = ROOT / ".." / "shared" / "data" / "wikinews-de.jsonl"
PER_DIR = 1000
SEED = 1
DRAFT_SOURCES = (17, 4242, 777, 9001)  # synthetic articles the draft copies from (all < 10k)


def run(cmd: list[str], quiet: bool = True) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds (user + sys) and peak RSS in KB of one child process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL if quiet else None, stderr=subprocess.PIPE)
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


def synthetic_corpus(n: int) -> tuple[Path, list[Path], int]:
    """The first ``n`` synthetic articles (written once for the largest size asked)."""
    from prose import iter_synthetic_articles

    target = CACHE / "synthetic"
    stamp = target / "sizes.json"
    sizes = json.loads(stamp.read_text()) if stamp.exists() else []
    if len(sizes) < n:
        shutil.rmtree(target, ignore_errors=True)
        sizes = []
        print(f"writing {n:,} synthetic-from-real articles to {target} ...", flush=True)
        for i, doc in enumerate(iter_synthetic_articles(n, seed=SEED)):
            sub = target / f"{i // PER_DIR:04d}"
            if i % PER_DIR == 0:
                sub.mkdir(parents=True, exist_ok=True)
            data = doc["text"].encode("utf-8")
            (sub / f"{i:07d}.txt").write_bytes(data)
            sizes.append(len(data))
        stamp.write_text(json.dumps(sizes))
    dirs = [target / f"{k:04d}" for k in range((n + PER_DIR - 1) // PER_DIR)]
    return target, dirs, sum(sizes[:n])


def make_draft(path: Path) -> int:
    """~2,000 words: Wikinews filler (not indexed) around four passages from indexed articles."""
    rnd = random.Random(SEED)
    with open(WIKINEWS, encoding="utf-8") as fh:
        filler = [json.loads(line)["text"] for line in fh]
    rnd.shuffle(filler)
    parts: list[str] = []
    words = 0
    synth = CACHE / "synthetic"
    for k, src in enumerate(DRAFT_SOURCES):
        text = (synth / f"{src // PER_DIR:04d}" / f"{src:07d}.txt").read_text(encoding="utf-8")
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


def add(index: Path, paths: list[Path], jobs: int) -> tuple[float, float]:
    for s in ("", "-wal", "-shm"):
        Path(str(index) + s).unlink(missing_ok=True)
    wall, cpu, _ = run([sys.executable, "-m", "compliance", "corpus", "add", *map(str, paths),
                        "--index", str(index), "-j", str(jobs), "-q"])
    return wall, cpu


def check(index: Path, draft: Path, runs: int) -> tuple[float, float, int, int]:
    """Median wall, min wall, peak RSS (KB) over ``runs`` after a warm-up, and the matches found."""
    cmd = [sys.executable, "-m", "compliance", "check", str(draft), "--corpus", str(index), "--format", "json"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=False)  # warm-up (writes the rule cache)
    matches = sum(len(f["matches"]) for f in json.loads(out.stdout)["files"])
    walls, peaks = [], []
    for _ in range(runs):
        wall, _, peak = run(cmd)
        walls.append(wall)
        peaks.append(peak)
    return statistics.median(walls), min(walls), max(peaks), matches


_BREAKDOWN = """
import json, sys, time
t0 = time.perf_counter()
import compliance.cli
from compliance.pipeline import load_engine
from compliance.reuse.pipeline import check_documents
t1 = time.perf_counter()
engine = load_engine(None)
t2 = time.perf_counter()
check_documents([sys.argv[1]], sys.argv[2], engine)
t3 = time.perf_counter()
print(json.dumps([t1 - t0, t2 - t1, t3 - t2]))
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


def breakdown(index: Path, draft: Path, runs: int = 3) -> tuple[float, float, float]:
    """Medians of: imports, loading the rule packs (notice engine), reading + notices + matching."""
    out = [json.loads(subprocess.run([sys.executable, "-c", _BREAKDOWN, str(draft), str(index)], capture_output=True,
                                     text=True, check=True, cwd=ROOT).stdout) for _ in range(runs)]
    return tuple(statistics.median(x[k] for x in out) for k in range(3))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="10000,100000", help="synthetic corpus sizes (comma-separated)")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for corpus add")
    ap.add_argument("--runs", type=int, default=5, help="timed check runs per index")
    ap.add_argument("--no-real", action="store_true", help="skip the real-prose corpus")
    ap.add_argument("--keep", action="store_true", help="keep the indexes under bench/.cache/reuse/")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    CACHE.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at start; "
          f"corpus add with -j {args.jobs}")
    rows = []
    if not args.no_real:
        target, raw = real_corpus()
        docs = sum(1 for _ in target.rglob("*.txt"))
        index = CACHE / "real.sqlite"
        wall, cpu = add(index, [target], args.jobs)
        rows.append(("real prose", docs, raw, wall, cpu, index_bytes(index), None))
    if sizes:
        _, _, _ = synthetic_corpus(max(sizes))
        draft = CACHE / "draft.md"
        draft_words = make_draft(draft)
        print(f"draft: {draft_words:,} words, 4 passages copied from indexed articles")
        for n in sizes:
            _, dirs, raw = synthetic_corpus(n)
            index = CACHE / f"synthetic-{n}.sqlite"
            wall, cpu = add(index, dirs, args.jobs)
            rows.append((f"synthetic-from-real {n:,}", n, raw, wall, cpu, index_bytes(index),
                         check(index, draft, args.runs)))
            parts = breakdown(index, draft)
            print(f"check at {n:,}: imports {parts[0]:.3f} s, rule packs (notice engine) {parts[1]:.3f} s, "
                  f"reading + notices + reuse search {parts[2]:.3f} s (medians of 3, in-process); "
                  f"first run with an empty rule cache {cold_check(index, draft):.2f} s")
            if not args.keep:
                for s in ("", "-wal", "-shm"):
                    Path(str(index) + s).unlink(missing_ok=True)
    print()
    print(f"{'corpus':<28} {'docs':>9} {'text MB':>8} {'add s':>7} {'docs/s':>7} {'docs/CPU-s':>10} "
          f"{'index MB':>9} {'x text':>6} {'check median':>12} {'min':>6} {'peak MB':>8} {'matches':>7}")
    for name, docs, raw, wall, cpu, size, q in rows:
        qpart = (f"{q[0]:>11.3f}s {q[1]:>5.3f}s {q[2] / 1024:>8.0f} {q[3]:>7}" if q else "")
        print(f"{name:<28} {docs:>9,} {raw / 1e6:>8.1f} {wall:>7.1f} {docs / wall:>7.0f} {docs / cpu:>10.0f} "
              f"{size / 1e6:>9.1f} {size / raw:>6.2f} {qpart}")
    print(f"\nload average at end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
