"""End-to-end ``compliance audit`` throughput on the real scraped pages, WARC reading cost, memory vs size.

The 181 real pages of ../shared/data/archive-aeb (read in place, never copied into the repo) are repeated
to ``--docs`` documents in a temporary directory, in an order shuffled with a fixed seed: as an HTML
directory (symlinks to the real files) and as one WARC.gz built from their bytes. Repeats are exact copies,
so the clustering stage sees ~docs/181 copies per page (the numbers say so).

Measured, each in a fresh process (so start-up, rule loading and the pool are included):

- docs/s end to end (read, main text, notices, signals, verdicts, sketch, JSONL write, clusters, rewrite)
  for ``--extract fast`` and ``full``, HTML directory and WARC, with ``-j`` workers;
- WARC reading alone (the main process's share: records/s and MB/s of payload, no parsing);
- peak RSS of the main process and of the largest worker, at two archive sizes (flat = streaming works).

Other work on a shared machine slows wall-clock figures, so each run also reports the CPU time it used
(main process plus workers, start-up included) and what that would give if every core were free:
``cpu_count * docs / cpu_seconds`` (a projection, labelled as such).

    python bench/audit.py                 # 2000 docs, -j 2
    python bench/audit.py --docs 500 --quick
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
AEB = ROOT / ".." / "shared" / "data" / "archive-aeb" / "html"
SEED = 20240601


def pages() -> list[Path]:
    found = sorted(AEB.glob("*.html.gz"))
    if not found:
        sys.exit(f"no pages in {AEB}")
    return found


def order(n: int) -> list[Path]:
    real = pages()
    picks = [real[i % len(real)] for i in range(n)]
    random.Random(SEED).shuffle(picks)
    return picks


def build_html_dir(root: Path, n: int) -> Path:
    d = root / "html"
    d.mkdir()
    for i, p in enumerate(order(n)):
        os.symlink(p.resolve(), d / f"{i:06d}-{p.name}")
    return d


def build_warc(root: Path, n: int) -> Path:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    path = root / "crawl.warc.gz"
    cache: dict[Path, bytes] = {}
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i, p in enumerate(order(n)):
            payload = cache.setdefault(p, gzip.decompress(p.read_bytes()))
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(f"https://bench.example/{i}/{p.name[:16]}", "response",
                                                          payload=io.BytesIO(payload), http_headers=http))
    return path


def warc_read_only(path: Path) -> dict:
    """The main process's share of a WARC audit: iterate records and read payloads, no parsing."""
    from compliance.readers.stream import open_binary
    from compliance.readers.warc import RawRecord, iter_raw

    start = time.perf_counter()
    n = size = 0
    with open_binary(str(path)) as fh:
        for item in iter_raw(fh, str(path)):
            if isinstance(item, RawRecord):
                n += 1
                size += len(item.payload)
    seconds = time.perf_counter() - start
    return {"records": n, "seconds": round(seconds, 2), "records_per_s": round(n / seconds),
            "mb_per_s": round(size / seconds / 1e6, 1), "warc_mb": round(path.stat().st_size / 1e6, 1)}


def child(args: argparse.Namespace) -> None:
    """One audit in this process; prints a JSON line with timing and peak memory."""
    from compliance import limits
    from compliance.audit.runner import AuditOptions, run_audit
    from compliance.audit.sinks import JsonlSink
    from compliance.config import Config

    out = Path(args.out)
    start = time.perf_counter()
    limits.configure(follow_symlinks=True)  # the repeated pages are symlinks to the real files
    run = run_audit([args.input], JsonlSink(out), AuditOptions(jobs=args.jobs, extract=args.extract), Config())
    seconds = time.perf_counter() - start
    me = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + workers.ru_utime + workers.ru_stime  # this process and its workers
    print(json.dumps({"docs": run.written, "errors": run.errors, "clusters": len(run.clusters),
                      "seconds": round(seconds, 2), "docs_per_s": round(run.written / seconds, 1),
                      "cpu_ms_per_doc": round(1000 * cpu / max(run.written, 1), 2),
                      "main_cpu_ms_per_doc": round(1000 * (me.ru_utime + me.ru_stime) / max(run.written, 1), 2),
                      "docs_per_s_if_cores_free": round(os.cpu_count() * run.written / cpu, 1),
                      "main_rss_mb": round(me.ru_maxrss / 1024), "worker_rss_mb": round(workers.ru_maxrss / 1024)}))


def measure(input_path: Path, out: Path, jobs: int, extract: str) -> dict:
    cmd = [sys.executable, __file__, "--child", "--input", str(input_path), "--out", str(out), "--jobs", str(jobs),
           "--extract", extract]
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000, help="documents per archive (pages repeated)")
    parser.add_argument("--jobs", "-j", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="fast extraction only, no memory comparison")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--extract", default="fast", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    print(f"cores: {os.cpu_count()}, load average {os.getloadavg()[0]:.2f} (other work on the machine slows "
          f"every figure); -j {args.jobs}; {args.docs} docs = {len(pages())} real pages repeated (seed {SEED})")
    with tempfile.TemporaryDirectory(prefix="bench-audit-") as tmp:
        root = Path(tmp)
        html_dir = build_html_dir(root, args.docs)
        t = time.perf_counter()
        warc = build_warc(root, args.docs)
        print(f"built the WARC in {time.perf_counter() - t:.1f}s")
        read = warc_read_only(warc)
        print(f"WARC reading only (main process): {read}")
        modes = ["fast"] if args.quick else ["fast", "full"]
        for extract in modes:
            for name, path in (("html dir", html_dir), ("warc", warc)):
                r = measure(path, root / "out.jsonl", args.jobs, extract)
                share = read["seconds"] / r["seconds"] if name == "warc" else None
                extra = f", WARC reading = {share:.0%} of the wall time" if share else ""
                print(f"audit {name:8s} --extract {extract}: {r}{extra}")
        if not args.quick:
            (root / "small").mkdir()
            small = build_html_dir(root / "small", max(200, args.docs // 4))
            for label, path in (("1/4 size", small), ("full size", html_dir)):
                r = measure(path, root / "out-mem.jsonl", args.jobs, "fast")
                print(f"memory {label:9s} ({r['docs']} docs): main {r['main_rss_mb']} MB, largest worker "
                      f"{r['worker_rss_mb']} MB")


if __name__ == "__main__":
    main()
