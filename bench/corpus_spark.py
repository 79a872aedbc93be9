"""Spark's overhead for ``corpus add`` on one machine: ``-j 2`` (local engine) vs ``--engine spark`` on ``local[2]``.

``--docs`` real-prose documents (bench/prose.py's cache, every k-th of it so all languages are in) written as
``.txt`` files; each run is ``compliance corpus add`` into a new index in a fresh process, as a user runs it, so
Python start-up, rule loading and the process pool or the JVM, SparkSession and Python workers are included.
Both engines write the same index (tests/test_spark_corpus.py); the cross-language sync after the add runs on
the driver in both, serially (``--no-xling`` leaves it out to compare the parallel part alone).

Printed per run: wall seconds, documents/s and the load average when it ended (the machine is shared: each
comparison is ``--repeat`` rounds back to back, the median kept), then the Spark/local ratio.

    python bench/corpus_spark.py                  # 3000 documents, 3 rounds
    python bench/corpus_spark.py --docs 1000 --repeat 1 --no-xling
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
from prose import load_prose  # noqa: E402 - bench/prose.py builds (once) and reads the real-prose cache

CONFIGS = (("local -j 2", ["-j", "2"]), ("spark local[2]", ["--engine", "spark", "--spark-master", "local[2]"]))


def write_docs(root: Path, count: int) -> Path:
    """``count`` real-prose documents as text files (every k-th of the cache, so every language is in)."""
    docs = load_prose()
    step = max(1, len(docs) // count)
    d = root / "docs"
    d.mkdir()
    for i, doc in enumerate(docs[::step][:count]):
        (d / f"d{i:05d}.txt").write_text(doc["text"], encoding="utf-8")
    return d


def add(docs: Path, index: Path, args: list[str], env: dict[str, str]) -> dict:
    """One ``compliance corpus add`` in a fresh process: wall time and documents added."""
    cmd = [sys.executable, "-m", "compliance", "corpus", "add", str(docs), "--index", str(index), *args]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=docs.parent, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    added = int(done.stdout.strip().splitlines()[-1].split(" added", 1)[0])
    return {"docs": added, "wall_s": round(wall, 1), "docs_per_s": round(added / wall, 1),
            "load": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=3000)
    parser.add_argument("--repeat", type=int, default=3, help="rounds of the two runs (median kept)")
    parser.add_argument("--no-xling", action="store_true", help="COMPLIANCE_NO_XLING=1: no cross-language sync")
    args = parser.parse_args()
    env = dict(os.environ, **({"COMPLIANCE_NO_XLING": "1"} if args.no_xling else {}))
    print(f"cores: {os.cpu_count()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (a shared "
          f"machine); {args.docs} real-prose documents; xling sync {'off' if args.no_xling else 'on'}", flush=True)
    seen: dict[str, list[dict]] = {name: [] for name, _ in CONFIGS}
    with tempfile.TemporaryDirectory(prefix="bench-corpus-spark-") as tmp:
        docs = write_docs(Path(tmp), args.docs)
        for round_ in range(args.repeat):
            for name, extra in CONFIGS:
                result = add(docs, Path(tmp) / f"{name[:5]}-{round_}.sqlite", extra, env)
                seen[name].append(result)
                print(f"{name:15s} {result}", flush=True)
    rates = {name: statistics.median(r["docs_per_s"] for r in results) for name, results in seen.items()}
    local, spark = rates["local -j 2"], rates["spark local[2]"]
    print(f"medians: local -j 2 {local} docs/s, spark local[2] {spark} docs/s; Spark/local {spark / local:.2f}; "
          f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
