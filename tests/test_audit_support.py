"""Test-written pages and a one-call audit for the tests/test_audit*.py modules (no real data here)."""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

_VOCAB_TEXT = ("harbour council budget ferry repair bridge tender contract mayor district school teacher union strike "
         "railway station timetable delay passenger cargo port crane container shipment export import tariff "
         "minister treasury deficit surplus forecast inflation wage pension reform vote coalition opposition "
         "debate committee hearing witness report audit finding risk flood river dike storm warning evacuation "
         "shelter volunteer hospital nurse doctor patient clinic vaccine outbreak virus laboratory study sample "
         "result survey market price grain harvest farmer tractor weather drought rain soil field orchard apple "
         "cherry wine vineyard cellar barrel export festival concert stage theatre museum gallery painting "
         "exhibition artist author novel library archive record history castle tower church square market stall "
         "bakery bread cheese butcher tram bus cyclist lane parking fine police officer court judge verdict appeal "
         "lawyer defendant fraud tax office clerk permit licence planning housing rent tenant landlord flat "
         "building crane site worker safety helmet accident insurance claim damage estimate engineer design "
         "energy solar panel wind turbine grid battery storage heat pump boiler gas coal mine quarry lithium "
         "copper nickel ore smelter furnace steel plant factory shift overtime robot software update server "
         "outage network cable fibre mobile signal tower antenna satellite launch rocket orbit telescope")
VOCAB = _VOCAB_TEXT.split()


def story(seed: int, paragraphs: int = 6) -> list[str]:
    """Distinct pseudo-article paragraphs (a fixed seed gives the same text every run)."""
    rnd = random.Random(seed)
    out = []
    for _ in range(paragraphs):
        sentences = []
        for _ in range(3):
            words = [rnd.choice(VOCAB) for _ in range(rnd.randint(12, 18))]
            sentences.append(" ".join(words).capitalize() + ".")
        out.append(" ".join(sentences))
    return out


def page(title: str, paragraphs: list[str], site: str, url: str | None = None, extra: str = "",
         head: str = "", footer: str | None = None, nav_seed: int = 0) -> bytes:
    """A whole page: site navigation, the article, a site footer with a copyright line."""
    nav_words = random.Random(nav_seed).sample(VOCAB, 8)
    nav = "".join(f'<li><a href="/{w}">{w.capitalize()}</a></li>' for w in nav_words)
    canonical = f'<link rel="canonical" href="{url}">' if url else ""
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    foot = footer if footer is not None else f"<p>© 2024 {site}. All rights reserved.</p>"
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta property="og:site_name" content="{site}">{canonical}{head}</head><body>'
            f"<nav><ul>{nav}</ul></nav><article><h1>{title}</h1>{body}{extra}</article>"
            f"<footer>{foot}</footer></body></html>").encode()


def write(path: Path, data: bytes) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return str(path)


def warc_bytes(records: list[tuple[str, bytes, list[tuple[str, str]]]], gz: bool = True) -> bytes:
    """A WARC (warcio): a warcinfo record, then one 200 response per ``(url, payload, headers)``."""
    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=gz)
    writer.write_record(writer.create_warcinfo_record("test.warc", {"software": "test"}))
    for url, payload, headers in records:
        http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(payload),
                                                      http_headers=http))
    return buf.getvalue()


def run(paths: list[str], out: Path | None = None, jobs: int = 1, resume: bool = False,
        extract: str = "full") -> tuple[list[dict[str, Any]], Any]:
    """Audit ``paths`` in-process (jobs=1 unless asked); returns the records in file order and the run."""
    from compliance.audit.runner import AuditOptions, run_audit
    from compliance.audit.sinks import Sidecar, sink_for
    from compliance.config import Config

    out = out or Path(paths[0]).parent / "audit-out.jsonl"
    sink = sink_for(out)
    result = run_audit(paths, sink, AuditOptions(jobs=jobs, resume=resume, extract=extract), Config(),
                       Sidecar(out))
    return list(sink.records()), result


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
