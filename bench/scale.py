"""Spark's overhead on one machine: ``audit -j 2`` (local engine) vs ``audit --engine spark`` on ``local[2]``.

The 181 real pages of ../shared/data/archive-aeb are repeated to ``--docs`` documents (bench/audit.py's
fixed-seed order): as an HTML directory (symlinks to the real files; Spark batches pages into tasks) and as
``--warcs`` WARC files (one Spark task each; the local engine reads them in its main process and spreads the
pages over its workers). Every run is the ``compliance`` command in a fresh process, as a user runs it, so
Python start-up, rule loading, the process pool or the JVM and SparkSession are all included.

Printed per run: wall seconds, documents/s end to end and the load average when it ended (the machine is
shared: other jobs slow every figure, so each comparison is three runs back to back, the median kept); then the
Spark/local ratio of docs/s (target >= 0.8) and what ``local[1]`` -> ``local[2]`` adds. CPU time is not
given: the JVM is not a child the command waits for, so rusage would miss Spark's share.

    python bench/scale.py                       # 2000 docs, --extract fast, HTML dir and 8 WARCs
    python bench/scale.py --docs 500 --no-warc
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from audit import build_html_dir, build_warc, pages  # noqa: E402 - bench/audit.py builds the same archives

ROOT = Path(__file__).resolve().parents[1]


def build_warcs(root: Path, docs: int, count: int) -> Path:
    """``count`` WARC files of ``docs / count`` pages each (the same pages as the HTML directory)."""
    d = root / "warcs"
    d.mkdir()
    per = -(-docs // count)
    for i in range(count):
        sub = root / f"w{i}"
        sub.mkdir()
        n = min(per, docs - i * per)
        if n <= 0:
            break
        build_warc(sub, n).rename(d / f"crawl-{i:03d}.warc.gz")
    return d


def audit(args: list[str], out: Path) -> dict:
    """One ``compliance audit`` in a fresh process: wall time and documents written."""
    cmd = [sys.executable, "-m", "compliance", "audit", *args, "--records", str(out), "--extract", EXTRACT[0],
           "--follow-symlinks", "--fail-on", "never", "-q"]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=out.parent, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    line = done.stdout.strip().splitlines()[-1]
    docs = int(line.split(" documents", 1)[0])
    return {"docs": docs, "wall_s": round(wall, 1), "docs_per_s": round(docs / wall, 1),
            "load": round(os.getloadavg()[0], 2)}


EXTRACT = ["fast"]


def runs(inputs: Path, label: str, scratch: Path, repeat: int) -> dict[str, dict]:
    """Local -j 2, Spark local[2], Spark local[1] on one input, ``repeat`` rounds back to back (so a burst of
    other work hits all three alike); the median round of each is kept."""
    configs = (("local -j 2", ["-j", "2"]),
               ("spark local[2]", ["--engine", "spark", "--spark-master", "local[2]"]),
               ("spark local[1]", ["--engine", "spark", "--spark-master", "local[1]"]))
    seen: dict[str, list[dict]] = {name: [] for name, _ in configs}
    for _ in range(repeat):
        for i, (name, args) in enumerate(configs):
            target = scratch / f"out-{i}{'.jsonl' if name.startswith('local') else ''}"
            seen[name].append(audit([str(inputs), *args], target))
            print(f"{label:9s} {name:15s} {seen[name][-1]}", flush=True)
    out = {name: _median(results) for name, results in seen.items()}
    local, two, one = out["local -j 2"], out["spark local[2]"], out["spark local[1]"]
    print(f"{label:9s} medians: local -j 2 {local['docs_per_s']}, spark local[2] {two['docs_per_s']}, "
          f"local[1] {one['docs_per_s']} docs/s; Spark/local {two['docs_per_s'] / local['docs_per_s']:.2f} "
          f"(target >= 0.8); local[1] -> local[2] {two['docs_per_s'] / one['docs_per_s']:.2f}x", flush=True)
    return out


def _median(results: list[dict]) -> dict:
    rate = statistics.median_low(r["docs_per_s"] for r in results)
    return next(r for r in results if r["docs_per_s"] == rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--warcs", type=int, default=8, help="WARC files the pages are split into")
    parser.add_argument("--no-warc", action="store_true", help="the HTML directory only")
    parser.add_argument("--extract", default="fast", choices=("fast", "full"))
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the three runs (median kept)")
    args = parser.parse_args()
    EXTRACT[0] = args.extract
    print(f"cores: {os.cpu_count()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (a shared "
          f"machine: other jobs slow every figure); {args.docs} docs = {len(pages())} real pages repeated; "
          f"--extract {args.extract}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        root = Path(tmp)
        scratch = root / "scratch"
        scratch.mkdir()
        runs(build_html_dir(root, args.docs), "html dir", scratch, args.repeat)
        if not args.no_warc:
            runs(build_warcs(root, args.docs, args.warcs), f"{args.warcs} warcs", scratch, args.repeat)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
