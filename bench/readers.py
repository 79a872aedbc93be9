"""Archive-reader throughput on real scraped pages: HTML documents/s and WARC records/s.

The 181 real pages of ``../shared/data/archive-aeb`` (whole pages, ~170 KB each) are cycled to
``--docs`` documents. One run prints:

* ``stages``      where the time of one HTML page goes (decode+parse, signals+metadata, trafilatura,
                  visible text+layout), over one pass of the 181 pages;
* ``html x1``     ``parse_html`` per page in one process (bytes in memory → Document);
* ``no-main x1``  the same with ``EXTRACT_MAIN = False`` (no trafilatura: visible text and signals);
* ``html xN``     the same over a process pool of ``--jobs`` workers (the audit's set-up);
* ``warc raw``    records/s and MB/s of streaming a ``.warc.gz`` (fastwarc, digest check, payload read):
                  what reading costs before any HTML work, to show it is not the bottleneck;
* ``warc docs``   ``warc.read_file`` end to end (records → Documents with signals), one process;
* ``settings``    (with ``--settings``) trafilatura alone under other settings: docs/s and mean token
                  recall against the ground truth, to justify the chosen ones.

    python bench/readers.py                 # 2000 documents, pool of all cores
    python bench/readers.py --docs 500 --jobs 2 --settings

The figures depend on the machine and on its load; the target for the whole audit is 500 HTML
documents/s on 2 cores, of which extraction is the largest part.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import os
import re
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from compliance.readers import html as html_reader  # noqa: E402
from compliance.readers import warc  # noqa: E402

AEB = ROOT / ".." / "shared" / "data" / "archive-aeb"
_TOKEN = re.compile(r"\w+")


def load_pages() -> list[tuple[str, bytes]]:
    pages = sorted((AEB / "html").glob("*.html.gz"))
    if not pages:
        sys.exit(f"no pages under {AEB / 'html'}")
    return [(p.name.split(".")[0], gzip.decompress(p.read_bytes())) for p in pages]


def rate(label: str, n: int, seconds: float, nbytes: int | None = None) -> float:
    extra = f", {nbytes / seconds / 1e6:6.1f} MB/s" if nbytes else ""
    print(f"{label:<12} {n:6d} docs in {seconds:6.2f} s = {n / seconds:7.1f} /s{extra}", flush=True)
    return n / seconds


def stages(pages: list[tuple[str, bytes]]) -> None:
    """Time each step of ``parse_html`` separately over one pass of the pages."""
    from lxml import etree
    from lxml import html as lxml_html

    from compliance.detect import signals as sig

    vocab = sig.load_vocabulary()
    t = Counter()
    for _, data in pages:
        t0 = time.perf_counter()
        text = html_reader._XML_DECL.sub("", html_reader.decode_html(data, "x"), count=1)
        tree = lxml_html.document_fromstring(text, parser=html_reader._parser())
        t1 = time.perf_counter()
        jsonld = sig.jsonld_items(tree)
        meta = html_reader.page_metadata(tree, jsonld, None)
        sig.from_html(tree, vocab, meta.get("url"), jsonld)
        t2 = time.perf_counter()
        etree.strip_elements(tree, etree.Comment, etree.ProcessingInstruction, *html_reader._DROP, with_tail=False)
        main = html_reader.main_blocks(tree)
        t3 = time.perf_counter()
        html_reader.compose("x", main, html_reader.visible_blocks(tree), meta)
        t4 = time.perf_counter()
        t["decode+parse"] += t1 - t0
        t["signals+metadata"] += t2 - t1
        t["trafilatura"] += t3 - t2
        t["visible+layout"] += t4 - t3
    total = sum(t.values())
    print("stages       " + ", ".join(f"{k} {v / len(pages) * 1000:.2f} ms ({v / total:.0%})" for k, v in t.items()),
          flush=True)


def _parse_chunk(chunk: list[bytes]) -> int:
    return sum(len(html_reader.parse_html(data, "x").text) for data in chunk)


def html_single(docs: list[bytes]) -> float:
    html_reader.parse_html(docs[0], "warm-up")
    t0 = time.perf_counter()
    for data in docs:
        html_reader.parse_html(data, "x")
    return rate("html x1", len(docs), time.perf_counter() - t0, sum(map(len, docs)))


def html_no_main(docs: list[bytes]) -> float:
    """``EXTRACT_MAIN = False``: visible text, notices' input and signals only (no trafilatura)."""
    html_reader.EXTRACT_MAIN = False
    try:
        t0 = time.perf_counter()
        for data in docs:
            html_reader.parse_html(data, "x")
        return rate("no-main x1", len(docs), time.perf_counter() - t0, sum(map(len, docs)))
    finally:
        html_reader.EXTRACT_MAIN = True


def html_pool(docs: list[bytes], jobs: int) -> float:
    chunks = [docs[i:i + 16] for i in range(0, len(docs), 16)]
    with ProcessPoolExecutor(jobs) as pool:
        list(pool.map(_parse_chunk, [[docs[0]]] * jobs))  # start and warm the workers
        t0 = time.perf_counter()
        list(pool.map(_parse_chunk, chunks))
        seconds = time.perf_counter() - t0
    return rate(f"html x{jobs}", len(docs), seconds, sum(map(len, docs)))


def write_warc(path: Path, docs: list[tuple[str, bytes]]) -> None:
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=True)
        for i, (name, data) in enumerate(docs):
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html"), ("tdm-reservation", "1")],
                                    protocol="HTTP/1.1")
            rec = writer.create_warc_record(f"https://example.org/{i}/{name}", "response",
                                            payload=io.BytesIO(data), http_headers=http)
            writer.write_record(rec)


def warc_raw(path: Path) -> None:
    t0 = time.perf_counter()
    n = size = 0
    with open(path, "rb") as fh:
        for _, rec in warc.RecordStream(fh, str(path)):
            if isinstance(rec, str):
                continue
            size += len(warc._read_payload(rec, None))
            n += 1
    seconds = time.perf_counter() - t0
    print(f"{'warc raw':<12} {n:6d} recs in {seconds:6.2f} s = {n / seconds:7.1f} /s, "
          f"{size / seconds / 1e6:6.1f} MB/s of payload ({path.stat().st_size / 1e6:.1f} MB .warc.gz)", flush=True)


def warc_docs(path: Path) -> None:
    t0 = time.perf_counter()
    n = sum(1 for _ in warc.read_file(str(path)))
    rate("warc docs", n, time.perf_counter() - t0)


def settings(pages: list[tuple[str, bytes]]) -> None:
    """trafilatura alone under several settings: speed against token recall of the true body."""
    from lxml import etree
    from lxml import html as lxml_html
    from trafilatura import bare_extraction

    truth = json.loads((AEB / "ground-truth.json").read_text(encoding="utf-8"))
    trees = []
    for key, data in pages:
        text = html_reader._XML_DECL.sub("", html_reader.decode_html(data, "x"))
        tree = lxml_html.document_fromstring(text, parser=html_reader._parser())
        etree.strip_elements(tree, etree.Comment, *html_reader._DROP, with_tail=False)
        trees.append((key, tree))
    variants = {
        "chosen (recall, fast, no comments)": html_reader.EXTRACT_OPTIONS,
        "recall, with fallbacks": {**html_reader.EXTRACT_OPTIONS, "fast": False},
        "balanced default, fast": {"fast": True, "include_comments": False},
        "precision, fast": {"favor_precision": True, "fast": True, "include_comments": False},
        "recall, fast, with_metadata": {**html_reader.EXTRACT_OPTIONS, "with_metadata": True},
    }
    for name, options in variants.items():
        recalls = []
        t0 = time.perf_counter()
        for key, tree in trees:
            result = bare_extraction(tree, **options)
            recalls.append(_recall(truth[key]["articleBody"], getattr(result, "text", None) or ""))
        seconds = time.perf_counter() - t0
        print(f"settings     {name:<38} {len(trees) / seconds:6.1f} docs/s, "
              f"mean token recall {sum(recalls) / len(recalls):.4f}", flush=True)


def _recall(truth: str, got: str) -> float:
    want = Counter(_TOKEN.findall(truth.lower()))
    have = Counter(_TOKEN.findall(got.lower()))
    total = sum(want.values())
    return sum(min(n, have[w]) for w, n in want.items()) / total if total else 1.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=2000, help="documents per measurement (pages cycled)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="workers for the pool measurement")
    ap.add_argument("--settings", action="store_true", help="also compare trafilatura settings")
    ap.add_argument("--skip-warc", action="store_true")
    args = ap.parse_args()

    pages = load_pages()
    docs = [pages[i % len(pages)] for i in range(args.docs)]
    print(f"{len(pages)} real pages, mean {sum(len(d) for _, d in pages) / len(pages) / 1024:.0f} KB; "
          f"{args.docs} documents per run; {os.cpu_count()} cores", flush=True)
    stages(pages)
    html_single([d for _, d in docs])
    html_no_main([d for _, d in docs])
    if args.jobs > 1:
        html_pool([d for _, d in docs], args.jobs)
    if not args.skip_warc:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.warc.gz"
            write_warc(path, docs)
            warc_raw(path)
            warc_docs(path)
    if args.settings:
        settings(pages)


if __name__ == "__main__":
    main()
